//! The cookie jar of a build without the `cookies` feature: a jar cannot
//! be made (`cookie_store(true)` is refused by `build()` with the feature
//! to enable), so the type has no value and its methods cannot be called.

use http::HeaderValue;
use url::Url;

use crate::error::{Error, Result};

/// No jar: this build has no cookie store.
pub(crate) enum CookieJar {}

/// Why a cookie was not kept (none can be).
#[derive(Debug)]
pub(crate) enum Refused {}

impl CookieJar {
    /// Refused: cookies need the `cookies` feature.
    pub(crate) fn new() -> Result<CookieJar> {
        Err(Error::builder(
            "`.cookie_store(true)` needs api-client's `cookies` feature: `api-client = { version = \"…\", features = [\"cookies\"] }`",
        ))
    }

    pub(crate) fn header_for(&self, _: &Url) -> Option<HeaderValue> {
        match *self {}
    }

    pub(crate) fn pairs(&self, _: &Url) -> Vec<(String, String)> {
        match *self {}
    }

    pub(crate) fn store_response<'a>(&self, _: impl Iterator<Item = &'a HeaderValue>, _: &Url) {
        match *self {}
    }

    pub(crate) fn add(&self, _: &str, _: &Url) -> std::result::Result<(), Refused> {
        match *self {}
    }
}
