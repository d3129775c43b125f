//! A broken constraint ([`Violation`]) and what checks for them
//! ([`Validator`]): the ground floor's, since an error carries the
//! violations, and a request body is checked before it is sent.

use std::fmt;

use crate::shape::ShapeFn;

/// How many violations an error keeps with their messages (the rest are
/// counted): a list of a million bad items does not make a million.
pub(crate) const KEPT_VIOLATIONS: usize = 100;

/// Checks a decoded value (or a request body) against its rules; `Err`
/// lists every problem, its paths named as on the wire when the type's
/// shape is given.
pub type Validator<T> = fn(&T, Option<ShapeFn>) -> Result<(), Vec<Violation>>;

/// What a call checks of a value of type `T`: its rules, when the type
/// has some, and its shape, when it is described (for wire names and for
/// the report of a body that does not decode). Generated code makes one
/// per decoded type and per request body type.
#[doc(hidden)]
pub struct Checks<T: ?Sized> {
    validator: Option<Validator<T>>,
    shape: Option<ShapeFn>,
}

impl<T: ?Sized> Checks<T> {
    /// The checks of a type: its validator and its shape, each if any.
    pub const fn new(validator: Option<Validator<T>>, shape: Option<ShapeFn>) -> Self {
        Checks { validator, shape }
    }

    /// No checks.
    pub const fn none() -> Self {
        Checks::new(None, None)
    }

    /// `value` against its rules (`Ok` without any).
    pub(crate) fn validate(&self, value: &T) -> Result<(), Vec<Violation>> {
        match self.validator {
            Some(validator) => validator(value, self.shape),
            None => Ok(()),
        }
    }

    /// Whether the type has rules.
    pub(crate) fn has_rules(&self) -> bool {
        self.validator.is_some()
    }

    /// The type's shape, when it is described.
    pub(crate) fn shape(&self) -> Option<ShapeFn> {
        self.shape
    }
}

impl<T: ?Sized> Clone for Checks<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: ?Sized> Copy for Checks<T> {}

/// One broken constraint: where, which rule, and what is wrong. The value
/// itself is not included (it may be a secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    path: String,
    code: &'static str,
    message: String,
}

impl Violation {
    /// A violation at `path` (a JSON path such as `$.tags[1].name`).
    pub fn new(path: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Violation {
            path: path.into(),
            code,
            message: message.into(),
        }
    }

    /// The JSON path of the value, e.g. `$.tags[1].name`: fields by their
    /// names on the wire when the type derives `api_client::Deserialize`,
    /// else by their Rust names.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What is wrong. A value that does not decode: `type` (another JSON
    /// type, or an integer out of range), `enum` (not one of the names),
    /// `value` (a type checked by decoding it), `missing` (a required
    /// field). A broken rule: `length`, `range`, `email`, `url`,
    /// `pattern`, `contains`, `prefix`, `suffix`, `ascii`,
    /// `alphanumeric`, `ip`, `credit_card`, `phone_number`, `matches`,
    /// `required`, or `custom` (also for messages garde was configured to
    /// translate).
    pub fn code(&self) -> &'static str {
        self.code
    }

    /// What is wrong, e.g. `length is lower than 3`.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}\n  {} [code={}]", self.path, self.message, self.code)
    }
}

/// `my_crate::models::User` as `User`, `Vec<my::User>` as `Vec<User>`.
pub(crate) fn short_type_name(full: &str) -> String {
    let mut out = String::with_capacity(full.len());
    let mut segment = String::new();
    for c in full.chars() {
        if c.is_alphanumeric() || c == '_' || c == ':' {
            segment.push(c);
        } else {
            out.push_str(segment.rsplit("::").next().unwrap_or(""));
            segment.clear();
            out.push(c);
        }
    }
    out.push_str(segment.rsplit("::").next().unwrap_or(""));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_names_are_shortened() {
        assert_eq!(short_type_name("my_crate::models::User"), "User");
        assert_eq!(short_type_name("alloc::vec::Vec<my::User>"), "Vec<User>");
        assert_eq!(
            short_type_name(
                "core::option::Option<std::collections::HashMap<alloc::string::String, a::B>>"
            ),
            "Option<HashMap<String, B>>"
        );
    }
}
