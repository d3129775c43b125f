//! Constraint validation, pydantic style: every violation with its path.
//!
//! Generated code asks, for each concrete response (and request body) type,
//! for a validator through *autoref specialization*:
//!
//! ```text
//! use __private::{ValidateViaGarde as _, ValidateViaNothing as _};
//! (&Probe::<User>::new()).validator()
//! ```
//!
//! Method lookup tries `Probe<User>: ValidateViaGarde` first (no autoref);
//! that impl exists only when `User: garde::Validate` (with a `Default`
//! context) and the `validate` feature is on. Otherwise lookup autorefs and
//! finds `&Probe<User>: ValidateViaNothing`, which returns `None`. The user
//! marks nothing: deriving `garde::Validate` is enough.

use crate::error::Validator;
#[cfg(feature = "validate")]
use crate::error::Violation;
pub use crate::shape::Probe;
#[cfg(feature = "validate")]
use crate::shape::{Shape, ShapeFn};

/// A response type that `#[validate]` can validate: it derives
/// `garde::Validate`, with a context that has a default.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be validated, but the endpoint is declared `#[validate]`",
    label = "this type does not implement `garde::Validate` (with a context that has a default)",
    note = "derive `garde::Validate` on it, with `#[garde(dive)]` on the fields that hold validated types (`Vec<Post>`), or remove `#[validate]`; with api-client's `validate` feature off, nothing is validated"
)]
pub trait Validates {}

#[cfg(feature = "validate")]
impl<T> Validates for T
where
    T: garde::Validate + ?Sized,
    T::Context: Default,
{
}

/// Compiles only when `T` is validated (the check of `#[validate]`).
#[doc(hidden)]
pub fn assert_validates<T: Validates + ?Sized>() {}

/// Picked when `T` derives `garde::Validate`.
#[doc(hidden)]
pub trait ValidateViaGarde<T: ?Sized> {
    /// `Some` validator.
    fn validator(&self) -> Option<Validator<T>>;
}

/// Picked otherwise: no validation.
#[doc(hidden)]
pub trait ValidateViaNothing<T: ?Sized> {
    /// `None`.
    fn validator(&self) -> Option<Validator<T>>;
}

impl<T: ?Sized> ValidateViaNothing<T> for &Probe<T> {
    fn validator(&self) -> Option<Validator<T>> {
        None
    }
}

#[cfg(feature = "validate")]
impl<T> ValidateViaGarde<T> for Probe<T>
where
    T: garde::Validate + ?Sized,
    T::Context: Default,
{
    fn validator(&self) -> Option<Validator<T>> {
        Some(validate_with_garde::<T>)
    }
}

#[cfg(feature = "validate")]
fn validate_with_garde<T>(value: &T, shape: Option<ShapeFn>) -> Result<(), Vec<Violation>>
where
    T: garde::Validate + ?Sized,
    T::Context: Default,
{
    value.validate().map_err(|report| violations(report, shape))
}

/// garde's report as violations, each path named as on the wire when the
/// type's shape is known (garde knows the Rust names). Not generic:
/// compiled once, not for every validated type.
#[cfg(feature = "validate")]
fn violations(report: garde::Report, shape: Option<ShapeFn>) -> Vec<Violation> {
    report
        .iter()
        .map(|(path, error)| {
            let components = path.__iter().rev().map(|(kind, text)| match kind {
                garde::error::Kind::Index => Step::Index(text.as_str()),
                garde::error::Kind::Key => Step::Key(text.as_str()),
                garde::error::Kind::None => Step::Skip,
            });
            let path = wire_path(shape.map_or(Shape::Any, |s| s()), components);
            Violation::new(path, code_of(error.message()), error.message())
        })
        .collect()
}

/// One component of garde's path, root first.
#[cfg_attr(not(feature = "validate"), allow(dead_code))]
enum Step<'a> {
    Key(&'a str),
    Index(&'a str),
    Skip,
}

/// The JSON path (`$.tags[1].displayName`) of garde's path in a value of
/// `shape`: a model's fields by their wire names, a flattened map's keys
/// at its model's level; without a shape, garde's names.
#[cfg_attr(not(feature = "validate"), allow(dead_code))]
fn wire_path<'a>(mut shape: Shape, steps: impl Iterator<Item = Step<'a>>) -> String {
    let mut out = String::from("$");
    for step in steps {
        while let Shape::Option(inner) = shape {
            shape = inner();
        }
        match (step, shape) {
            (Step::Skip, _) => {}
            (Step::Index(index), Shape::List(inner)) => {
                out.push_str(&format!("[{index}]"));
                shape = inner();
            }
            (Step::Key(key), Shape::Map(inner)) => {
                out.push('.');
                out.push_str(key);
                shape = inner();
            }
            (Step::Key(key), Shape::Model(model)) => {
                let field = model.fields.iter().position(|f| f.rust == key);
                let Some(i) = field else {
                    out.push('.');
                    out.push_str(key);
                    shape = Shape::Any;
                    continue;
                };
                let field = &model.fields[i];
                if field.presence != crate::shape::Presence::Flatten {
                    out.push('.');
                    out.push_str(field.wire);
                }
                shape = (model.field_shape)(i);
            }
            (Step::Index(index), _) => {
                out.push_str(&format!("[{index}]"));
                shape = Shape::Any;
            }
            (Step::Key(key), _) => {
                out.push('.');
                out.push_str(key);
                shape = Shape::Any;
            }
        }
    }
    out
}

/// The rule behind one of garde's default (English) messages.
#[cfg_attr(not(feature = "validate"), allow(dead_code))]
fn code_of(message: &str) -> &'static str {
    const CODES: [(&str, &str); 16] = [
        ("length is", "length"),
        ("lower than", "range"),
        ("greater than", "range"),
        ("does not match pattern", "pattern"),
        ("does not contain", "contains"),
        ("not a valid url", "url"),
        ("not a valid email", "email"),
        ("not a valid credit card", "credit_card"),
        ("not a valid phone number", "phone_number"),
        ("address", "ip"),
        ("field", "matches"),
        ("not set", "required"),
        ("begin with", "prefix"),
        ("end with", "suffix"),
        ("not alphanumeric", "alphanumeric"),
        ("not ascii", "ascii"),
    ];
    let lower = message.to_ascii_lowercase();
    CODES
        .iter()
        .find(|(needle, _)| lower.contains(needle))
        .map_or("custom", |(_, code)| code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_from_default_messages() {
        assert_eq!(code_of("length is lower than 3"), "length");
        assert_eq!(code_of("lower than 18"), "range");
        assert_eq!(code_of("not a valid email: value is missing `@`"), "email");
        assert_eq!(code_of("something the user wrote"), "custom");
    }

    struct Plain;

    #[test]
    fn types_without_validate_get_no_validator() {
        #[allow(unused_imports)]
        use super::{ValidateViaGarde as _, ValidateViaNothing as _};
        assert!((&Probe::<Plain>::new()).validator().is_none());
        assert!(
            wire_path(
                Shape::Any,
                [Step::Key("tags"), Step::Index("1")].into_iter()
            ) == "$.tags[1]"
        );
        assert!((&Probe::<String>::new()).validator().is_none());
    }
}
