//! `#[cookie("name")]` arguments: `name=value` pairs in the request's one
//! `Cookie` header (RFC 6265 §5.4), after any the request already has. A
//! byte a cookie value cannot hold (space, `"`, `,`, `;`, `\`, controls,
//! non-ASCII) and `%` itself are percent-encoded, as servers that read
//! OpenAPI cookie parameters decode them.

use std::fmt::Write as _;

use http::header::{COOKIE, HeaderMap, HeaderValue};
use serde::Serialize;

use crate::request::params::{HeaderValues, serialize_pairs};

/// RFC 6265's `cookie-octet`, less `%` (the escape).
fn is_cookie_octet(b: u8) -> bool {
    matches!(b, 0x21 | 0x23..=0x24 | 0x26..=0x2B | 0x2D..=0x3A | 0x3C..=0x5B | 0x5D..=0x7E)
}

/// `value` with every byte that is not a cookie octet as `%XX`.
pub(crate) fn encode_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if is_cookie_octet(b) {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The encoded value of a cookie argument: `None` for `None`; a sequence
/// or a struct is an error (a cookie is one value).
pub(crate) fn cookie_value<T: Serialize + ?Sized>(
    name: &str,
    value: &T,
) -> Result<Option<String>, String> {
    let mut values = HeaderValues(Vec::new());
    serialize_pairs(&mut values, name, value, false).map_err(|e| e.to_string())?;
    match values.0.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(encode_value(one))),
        _ => Err(format!(
            "`{name}`: a cookie holds one value, not a sequence"
        )),
    }
}

/// Adds `name=value` to the request's `Cookie` header (marked sensitive:
/// never logged, never sent to another origin by a redirect).
pub(crate) fn append_cookie(headers: &mut HeaderMap, name: &str, value: &str) {
    join_cookies(headers, format!("{name}={value}").as_bytes());
}

/// Adds `pairs` (`a=1; b=2`) after the `Cookie` header's own, in one
/// header (RFC 6265 §5.4), marked sensitive. On bytes: the request's own
/// value is kept whatever it holds (a default header may carry bytes that
/// are not text).
pub(crate) fn join_cookies(headers: &mut HeaderMap, pairs: &[u8]) {
    let mut bytes = match headers.get(COOKIE) {
        Some(existing) if !existing.is_empty() => {
            let mut bytes = existing.as_bytes().to_vec();
            bytes.extend_from_slice(b"; ");
            bytes
        }
        _ => Vec::with_capacity(pairs.len()),
    };
    bytes.extend_from_slice(pairs);
    // Both parts are valid header values (names are checked at compile
    // time, values encoded, the jar's built by it): this cannot fail.
    if let Ok(mut header) = HeaderValue::from_bytes(&bytes) {
        header.set_sensitive(true);
        headers.insert(COOKIE, header);
    }
}

/// The `(name, value)` pairs of a `Cookie` header's values (the mock
/// matches expected cookies against them).
#[cfg(any(test, feature = "mock"))]
pub(crate) fn cookie_pairs<'a>(
    values: impl Iterator<Item = &'a HeaderValue>,
) -> Vec<(String, String)> {
    values
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            Some((name.trim().to_owned(), value.trim().to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_encoded_where_a_cookie_cannot_hold_a_byte() {
        assert_eq!(encode_value("abc-123_~!"), "abc-123_~!");
        assert_eq!(encode_value("a b;c,d\"e\\f%"), "a%20b%3Bc%2Cd%22e%5Cf%25");
        assert_eq!(encode_value("é"), "%C3%A9");
        assert_eq!(cookie_value("n", &7).unwrap().as_deref(), Some("7"));
        assert_eq!(cookie_value("n", &None::<&str>).unwrap(), None);
        assert!(
            cookie_value("n", &["a", "b"])
                .unwrap_err()
                .contains("one value")
        );
    }

    #[test]
    fn cookies_join_one_header_after_what_is_there() {
        let mut headers = HeaderMap::new();
        append_cookie(&mut headers, "a", "1");
        headers.insert(COOKIE, HeaderValue::from_static("z=0; a=1"));
        append_cookie(&mut headers, "b", "2");
        assert_eq!(headers[COOKIE], "z=0; a=1; b=2");
        assert!(headers[COOKIE].is_sensitive());
        let pairs = cookie_pairs(headers.get_all(COOKIE).iter());
        assert_eq!(pairs[2], ("b".to_owned(), "2".to_owned()));
        // A value that is not text is kept, not replaced.
        headers.insert(COOKIE, HeaderValue::from_bytes(b"k=\xE9").unwrap());
        append_cookie(&mut headers, "c", "3");
        assert_eq!(headers[COOKIE].as_bytes(), b"k=\xE9; c=3");
    }
}
