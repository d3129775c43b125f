//! Secrets ([`Secret`]): passwords, tokens and API keys, which never
//! print, and the `Authorization: Basic` value made of one.

use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use http::header::HeaderValue;

use crate::error::{Error, Result};

/// A credential: a password, token or API key. Its `Debug` and `Display`
/// print `[redacted]`; [`expose`](Secret::expose) is the only way to read
/// it.
///
/// ```
/// use api_client::Secret;
/// let key = Secret::new("sk_live_123");
/// assert_eq!(format!("{key} {key:?}"), "[redacted] [redacted]");
/// assert_eq!(key.expose(), "sk_live_123");
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Arc<str>);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(Arc::from(value.into()))
    }

    /// The secret value itself: handle with care.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

/// The `Authorization: Basic` value of `user` and `password`.
pub(crate) fn basic_value(user: &str, password: &Secret) -> Result<HeaderValue> {
    let encoded =
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{}", password.expose()));
    HeaderValue::from_str(&format!("Basic {encoded}"))
        .map_err(|_| Error::builder("the basic credentials hold characters a header cannot carry"))
}
