//! Checking a base URL: http(s), no query or fragment, user info taken
//! out (used as basic auth, never shown).

use std::fmt;

use url::Url;

use crate::error::{Error, Result};
use crate::secret::Secret;

/// A base URL's user name and password, percent-decoded.
pub(super) type UserInfo = Option<(String, Secret)>;

/// Checks a base URL and returns it without a trailing `/` and without
/// user info, which is returned apart. Messages show the URL with its
/// credentials masked.
pub(super) fn check_base_url(base: &str) -> Result<(String, UserInfo)> {
    let invalid = |why: &dyn fmt::Display| {
        Error::builder(format!(
            "invalid base URL `{}`: {why}",
            crate::error::redact::mask_text_url(base)
        ))
    };
    let mut url = Url::parse(base).map_err(|e| invalid(&e))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(&"the scheme must be http or https"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(&"it cannot have a query or a fragment"));
    }
    let userinfo = if url.username().is_empty() && url.password().is_none() {
        None
    } else {
        let decode = |s: &str| {
            percent_decode(s).ok_or_else(|| invalid(&"its user name or password is not UTF-8"))
        };
        let user = decode(url.username())?;
        let password = decode(url.password().unwrap_or_default())?;
        // Both fail only for URLs without a host, refused above.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        Some((user, Secret::new(password)))
    };
    Ok((url.as_str().trim_end_matches('/').to_owned(), userinfo))
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes: Vec<u8> =
        form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned().into_bytes())?;
    String::from_utf8(bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked_and_normalised() {
        assert_eq!(check_base_url("http://h:1/v2/").unwrap().0, "http://h:1/v2");
        assert_eq!(
            check_base_url("HTTPS://Example.com").unwrap().0,
            "https://example.com"
        );
        let (base, userinfo) = check_base_url("http://me%40x:p%2Fw+d@h/v1").unwrap();
        assert_eq!(base, "http://h/v1");
        let (user, password) = userinfo.unwrap();
        assert_eq!((user.as_str(), password.expose()), ("me@x", "p/w+d"));
        let err = check_base_url("ftp://u:hunter2@h/")
            .unwrap_err()
            .to_string();
        assert!(
            !err.contains("hunter2") && err.contains("ftp://u:***@h/"),
            "{err}"
        );
        for bad in [
            "ftp://h",
            "/relative",
            "http://h/?q=1",
            "http://h/#f",
            "not a url",
        ] {
            assert!(check_base_url(bad).is_err(), "{bad}");
        }
    }
}
