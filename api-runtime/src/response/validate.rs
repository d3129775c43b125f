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

use std::marker::PhantomData;

use crate::error::Validator;
#[cfg(feature = "validate")]
use crate::error::Violation;

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

/// A zero-sized stand-in for a type, for autoref specialization.
#[doc(hidden)]
pub struct Probe<T: ?Sized>(PhantomData<fn(&T)>);

impl<T: ?Sized> Probe<T> {
    /// The probe of `T`.
    #[allow(clippy::new_without_default)]
    pub const fn new() -> Self {
        Probe(PhantomData)
    }
}

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
fn validate_with_garde<T>(value: &T) -> Result<(), Vec<Violation>>
where
    T: garde::Validate + ?Sized,
    T::Context: Default,
{
    value.validate().map_err(violations)
}

/// garde's report as violations. Not generic: compiled once, not for
/// every validated type.
#[cfg(feature = "validate")]
fn violations(report: garde::Report) -> Vec<Violation> {
    report
        .iter()
        .map(|(path, error)| {
            let path = json_path(&path.to_string());
            Violation::new(path, code_of(error.message()), error.message())
        })
        .collect()
}

/// garde's `tags[1].name` as `$.tags[1].name`; the root as `$`.
#[cfg_attr(not(feature = "validate"), allow(dead_code))]
fn json_path(path: &str) -> String {
    match path {
        "" => "$".to_owned(),
        p if p.starts_with('[') => format!("${p}"),
        p => format!("$.{p}"),
    }
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
        assert!((&Probe::<String>::new()).validator().is_none());
    }
}
