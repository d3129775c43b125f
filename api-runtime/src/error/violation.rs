//! A broken constraint ([`Violation`]) and what checks for them
//! ([`Validator`]): the ground floor's, since an error carries the
//! violations, and a request body is checked before it is sent.

use std::fmt;

/// Checks a decoded value (or a request body); `Err` lists every problem.
pub type Validator<T> = fn(&T) -> Result<(), Vec<Violation>>;

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

    /// The JSON path of the value, e.g. `$.tags[1].name`. Fields are named
    /// as in the Rust type (garde does not know serde's renames).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The rule that failed: `length`, `range`, `email`, `url`, `pattern`,
    /// `contains`, `prefix`, `suffix`, `ascii`, `alphanumeric`, `ip`,
    /// `credit_card`, `phone_number`, `matches`, `required`, or `custom`
    /// (also for messages garde was configured to translate).
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
