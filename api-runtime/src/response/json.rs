//! JSON bodies: the content type checked, the value decoded with the path
//! of what did not fit, validated, and unwrapped from its envelope; typed
//! error documents.

use bytes::Bytes;
use http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

use std::borrow::Cow;
use std::collections::HashMap;

use serde_json::value::RawValue;

use crate::engine::head::Head;
use crate::error::{Checks, KEPT_VIOLATIONS, Violation, short_type_name};
use crate::error::{Error, ErrorKind, Result};
use crate::request::endpoint::Envelope;
use crate::response::json_path::{failure_path, index_of, position_of};
use crate::response::problems;

/// How a call decodes: the checks of the body type and the endpoint's
/// envelope, if any.
#[doc(hidden)]
pub struct DecodeCtx<T: ?Sized + 'static> {
    pub(crate) checks: Checks<T>,
    pub(crate) envelope: Option<&'static Envelope>,
}

/// What JSON decoding looks at: the status, the headers and the body.
pub(crate) struct BodyRef<'a> {
    status: StatusCode,
    headers: &'a HeaderMap,
    body: &'a Bytes,
}

impl<'a> BodyRef<'a> {
    pub(crate) fn of(head: &'a Head, body: &'a Bytes) -> Self {
        BodyRef {
            status: head.status,
            headers: &head.headers,
            body,
        }
    }
}

/// Decodes a JSON body (or the data in its envelope) into `T`, then runs
/// the checks, if any. The only generic part of JSON decoding: what
/// fails goes to functions compiled once.
pub(crate) fn decode_json_validated<T: DeserializeOwned + 'static>(
    body: &BodyRef<'_>,
    ctx: &DecodeCtx<T>,
) -> Result<T> {
    let (text, root) = json_text(body, ctx.envelope)?;
    let value: T = match serde_json::from_slice(text) {
        Ok(value) => value,
        Err(inner) => return Err(not_decoded(body, text, inner, &root, &ctx.checks)),
    };
    ctx.checks
        .validate(&value)
        .map_err(|violations| invalid(body, std::any::type_name::<T>(), violations))?;
    Ok(value)
}

/// A body that did not decode into `T`: with `T`'s shape, every problem
/// of the body and the rules broken elsewhere (`problems.rs`); without,
/// serde's first error. The generic part is one more decode of the same
/// type (no new instantiation): the body with its misfits replaced.
#[cold]
fn not_decoded<T: DeserializeOwned + 'static>(
    body: &BodyRef<'_>,
    text: &[u8],
    inner: serde_json::Error,
    root: &str,
    checks: &Checks<T>,
) -> Error {
    let error = undecodable(body, text, inner, root);
    let Some(shape) = checks.shape() else {
        return error;
    };
    let Some(walked) = problems::walk(text, shape(), root) else {
        return error;
    };
    let repaired = walked.repaired.as_ref().filter(|_| checks.has_rules());
    let fixed = repaired
        .and_then(|value| serde_json::to_vec(value).ok())
        .and_then(|bytes| serde_json::from_slice::<T>(&bytes).ok());
    let rules = fixed.and_then(|value| checks.validate(&value).err());
    reported(error, walked, rules, root, std::any::type_name::<T>())
}

/// The decode error with every problem: the body's misfits, then the
/// rules broken at places the body filled (rooted where the value is).
fn reported(
    error: Error,
    walked: problems::Walked,
    rules: Option<Vec<Violation>>,
    root: &str,
    type_name: &str,
) -> Error {
    let mut all = Vec::new();
    let mut more = walked.more;
    for rule in rules.into_iter().flatten() {
        let path = format!(
            "{root}{}",
            rule.path().strip_prefix('$').unwrap_or(rule.path())
        );
        if !walked.is_repaired(&path) {
            all.push(Violation::new(path, rule.code(), rule.message()));
        }
    }
    let mut problems = walked.problems;
    problems.append(&mut all);
    more += problems.len().saturating_sub(KEPT_VIOLATIONS);
    problems.truncate(KEPT_VIOLATIONS);
    error.with_problems(&short_type_name(type_name), problems, more)
}

/// Every violation in one error.
#[cold]
fn invalid(raw: &BodyRef<'_>, type_name: &str, violations: Vec<Violation>) -> Error {
    Error::validation(&short_type_name(type_name), violations)
        .with_status(raw.status)
        .with_body(raw.body.clone())
}

/// Decodes a 200 body as JSON into `T`, validation included: what a
/// generated call does after receiving a 2xx response. Public for
/// benchmarks and fuzzing.
#[doc(hidden)]
pub fn decode_json_body<T: DeserializeOwned + 'static>(
    headers: &HeaderMap,
    body: &Bytes,
    checks: Checks<T>,
) -> Result<T> {
    let body = BodyRef {
        status: StatusCode::OK,
        headers,
        body,
    };
    decode_json_validated(
        &body,
        &DecodeCtx {
            checks,
            envelope: None,
        },
    )
}

/// Decodes an error response's body into the declared error type `E`,
/// when it is JSON (or has no content type). Generated code names this
/// function for `#[api(error = E)]`, and for each arm of
/// `#[error(404 => E, …)]` (the status picks the arm before the call).
#[doc(hidden)]
pub fn decode_api_error<E>(
    _status: u16,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<crate::error::ApiErrorBody>
where
    E: DeserializeOwned + Send + Sync + 'static,
{
    if media_type(headers).is_some_and(|m| !is_json(m)) {
        return None;
    }
    let value: E = serde_json::from_slice(body).ok()?;
    Some(crate::error::ApiErrorBody {
        value: Box::new(value),
        type_name: std::any::type_name::<E>(),
    })
}

/// The media type of a response's `Content-Type`, without parameters
/// (case kept); `None` without one. On the bytes, without allocating or
/// validating text: this runs on every call.
fn media_type(headers: &HeaderMap) -> Option<&[u8]> {
    let value = headers.get(header::CONTENT_TYPE)?.as_bytes();
    let media = match value.iter().position(|&b| b == b';') {
        Some(end) => &value[..end],
        None => value,
    };
    Some(media.trim_ascii())
}

/// `application/json` or `application/*+json`, in any case.
fn is_json(media: &[u8]) -> bool {
    const PREFIX: &[u8] = b"application/";
    let Some(subtype) = media.strip_prefix(PREFIX).or_else(|| {
        let (head, rest) = media.split_at_checked(PREFIX.len())?;
        head.eq_ignore_ascii_case(PREFIX).then_some(rest)
    }) else {
        return false;
    };
    subtype.eq_ignore_ascii_case(b"json")
        || (subtype.len() > 5 && subtype[subtype.len() - 5..].eq_ignore_ascii_case(b"+json"))
}

/// Refuses a body that is not JSON by its content type, or empty.
fn check_json_body(raw: &BodyRef<'_>) -> Result<()> {
    if let Some(media) = media_type(raw.headers)
        .filter(|m| !is_json(m))
        .map(|m| String::from_utf8_lossy(m).to_ascii_lowercase())
    {
        return Err(Error::with_message(
            ErrorKind::Decode,
            format!("expected a JSON response, got content type `{media}`"),
        )
        .with_status(raw.status)
        .with_body(raw.body.clone()));
    }
    if raw.body.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::with_message(
            ErrorKind::Decode,
            format!(
                "expected a JSON body, got an empty body (status {})",
                raw.status
            ),
        )
        .with_status(raw.status)
        .with_body(raw.body.clone()));
    }
    Ok(())
}

/// The JSON text to decode and its path: the body, checked to be JSON,
/// or the data inside its envelope.
fn json_text<'a>(
    raw: &BodyRef<'a>,
    envelope: Option<&Envelope>,
) -> Result<(&'a [u8], Cow<'static, str>)> {
    check_json_body(raw)?;
    match envelope {
        None => Ok((raw.body, Cow::Borrowed("$"))),
        Some(envelope) => open_envelope(raw, envelope),
    }
}

/// A decoding failure of `text`, a part of the body, as an error with the
/// JSON path of what did not fit under `root` (found from where serde_json
/// stopped, see `json_path`: `T` is deserialized by one deserializer only,
/// which keeps a large client's build small) and its position in the
/// whole body.
#[cold]
fn undecodable(raw: &BodyRef<'_>, text: &[u8], inner: serde_json::Error, root: &str) -> Error {
    let body: &[u8] = raw.body;
    let path = failure_path(text, &inner, root);
    let offset = (text.as_ptr() as usize).wrapping_sub(body.as_ptr() as usize);
    let (line, column) = match (inner.line(), offset) {
        (0, _) => (0, 0),
        (_, 0) => (inner.line(), inner.column()),
        (line, offset) if offset <= body.len() => {
            position_of(body, offset + index_of(text, line, inner.column()))
        }
        _ => (0, 0),
    };
    let full = inner.to_string();
    let suffix = format!(" at line {} column {}", inner.line(), inner.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full);
    let text = format!("{path}: {message}");
    Error::decode(text, path, line, column, raw.body.clone()).with_status(raw.status)
}

/// The data inside an envelope whose `ok` and `error` fields say the call
/// succeeded: the text of its data field (`null` when absent) and that
/// field's path, or the whole body when no data field is named. The
/// document is read once, into raw values.
fn open_envelope<'a>(
    raw: &BodyRef<'a>,
    envelope: &Envelope,
) -> Result<(&'a [u8], Cow<'static, str>)> {
    let body: &'a [u8] = raw.body;
    let document: HashMap<String, &'a RawValue> =
        serde_json::from_slice(body).map_err(|inner| undecodable(raw, body, inner, "$"))?;
    let value = |key: &str| -> Option<serde_json::Value> {
        serde_json::from_str(document.get(key)?.get()).ok()
    };
    let failed = envelope
        .ok
        .and_then(value)
        .is_some_and(|value| !reports_success(&value));
    let error = envelope.error.and_then(value).filter(|v| !v.is_null());
    if failed || error.is_some() {
        let detail = error.map_or_else(|| raw.body.clone(), |e| Bytes::from(e.to_string()));
        return Err(Error::envelope(raw.status, raw.headers.clone(), detail));
    }
    Ok(match envelope.data {
        None => (body, Cow::Borrowed("$")),
        Some(key) => (
            document
                .get(key)
                .map_or(b"null".as_slice(), |v| v.get().as_bytes()),
            Cow::Owned(format!("$.{key}")),
        ),
    })
}

/// Whether the value of an envelope's `ok` field says the call succeeded,
/// in the forms real APIs use: `true`, `1`, or a string `"ok"`,
/// `"success"`, `"succeeded"`, `"true"` or `"1"` (any case; JSend's
/// `"status": "success"`). Every other value (`false`, `0`, `"error"`,
/// `"fail"`, a value nobody expected) reports an error: a response whose
/// success cannot be read is not taken for one. `null` counts as absent.
fn reports_success(value: &serde_json::Value) -> bool {
    use serde_json::Value;
    match value {
        Value::Null | Value::Bool(true) => true,
        Value::Number(n) => n.as_f64() == Some(1.0),
        Value::String(s) => ["ok", "success", "succeeded", "true", "1"]
            .iter()
            .any(|yes| s.trim().eq_ignore_ascii_case(yes)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn headers(ct: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        h
    }

    fn json<T: DeserializeOwned + 'static>(h: HeaderMap, body: &'static [u8]) -> Result<T> {
        decode_json_body::<T>(&h, &Bytes::from_static(body), Checks::none())
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Item {
        id: u64,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct List {
        items: Vec<Item>,
    }

    #[test]
    fn decode_errors_carry_the_json_path() {
        let body = br#"{"items":[{"id":1},{"id":2},{"id":3},{"id":"x"}]}"#;
        let err = json::<List>(HeaderMap::new(), body).unwrap_err();
        assert_eq!(err.decode_path(), Some("$.items[3].id"));
        assert!(
            err.to_string()
                .ends_with(r#"$.items[3].id: invalid type: string "x", expected u64"#),
            "{err}"
        );
        assert_eq!(err.decode_position(), Some((1, 46)));
    }

    #[test]
    fn a_failure_inside_an_envelope_is_placed_in_the_whole_body() {
        let body =
            Bytes::from_static(b"{\"ok\": true,\n \"data\": {\"items\": [{\"id\": \"x\"}]}}");
        let raw = BodyRef {
            status: StatusCode::OK,
            headers: &HeaderMap::new(),
            body: &body,
        };
        static ENVELOPE: Envelope = Envelope {
            data: Some("data"),
            error: Some("error"),
            ok: Some("ok"),
        };
        static MISSING: Envelope = Envelope {
            data: Some("result"),
            error: None,
            ok: None,
        };
        static WHOLE: Envelope = Envelope {
            data: None,
            error: None,
            ok: None,
        };
        let decode = |envelope: &'static Envelope| {
            let ctx = DecodeCtx::<List> {
                checks: Checks::none(),
                envelope: Some(envelope),
            };
            decode_json_validated(&raw, &ctx).unwrap_err()
        };
        let err = decode(&ENVELOPE);
        assert_eq!(err.decode_path(), Some("$.data.items[0].id"));
        // Line 2, just past `"x"`, as serde_json counts for the whole body.
        assert_eq!(err.decode_position(), Some((2, 30)));
        let err = decode(&MISSING);
        assert_eq!(err.decode_path(), Some("$.result"));
        let err = decode(&WHOLE);
        assert!(
            err.to_string().contains("$: missing field `items`"),
            "{err}"
        );
    }

    #[test]
    fn content_type_is_checked_but_parameters_and_case_ignored() {
        for ct in [
            "application/json; charset=UTF-8",
            "Application/JSON",
            "application/problem+json",
        ] {
            json::<Item>(headers(ct), br#"{"id":1}"#).unwrap();
        }
        let err = json::<Item>(headers("text/html"), br#"{"id":1}"#).unwrap_err();
        assert!(
            err.to_string().contains("content type `text/html`"),
            "{err}"
        );
    }

    #[test]
    fn json_media_types() {
        for yes in [
            "application/json",
            "APPLICATION/JSON",
            "application/problem+json",
            "application/vnd.api+JSON",
        ] {
            assert!(is_json(yes.as_bytes()), "{yes}");
        }
        for no in [
            "text/json",
            "application/jsonx",
            "application/+json",
            "application/",
            "app",
            "",
            "text/html",
        ] {
            assert!(!is_json(no.as_bytes()), "{no}");
        }
        for (value, json) in [
            ("Application/JSON ; charset=utf-8", true),
            ("application/json;charset=UTF-8", true),
            ("  application/problem+json  ", true),
            ("text/html; charset=utf-8", false),
            (";", false),
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(header::CONTENT_TYPE, value.parse().unwrap());
            assert_eq!(media_type(&headers).map(is_json), Some(json), "{value}");
        }
        assert_eq!(media_type(&HeaderMap::new()), None);
    }

    #[test]
    fn trailing_garbage_and_empty_bodies_are_errors() {
        let err = json::<Item>(HeaderMap::new(), b"{\"id\":1} x").unwrap_err();
        assert!(err.is_decode());
        let err = json::<Item>(HeaderMap::new(), b"").unwrap_err();
        assert!(err.to_string().contains("empty body"), "{err}");
    }
}
