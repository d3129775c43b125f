//! JSON bodies: the content type checked, the value decoded with the path
//! of what did not fit, validated, and unwrapped from its envelope; typed
//! error documents.

use bytes::Bytes;
use http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

use crate::response::decode::DecodeCtx;
use crate::response::error::{Error, ErrorKind, Result};
use crate::response::meta::RawResponse;
use crate::response::validate::{Validator, short_type_name};

/// A JSON envelope around the data: `#[envelope(data = "data", error =
/// "error", ok = "ok")]`. Every part is optional.
#[doc(hidden)]
#[derive(Debug)]
pub struct Envelope {
    /// The field that holds the data (`{"data": T}`).
    pub data: Option<&'static str>,
    /// A field that, when present and not `null`, makes the response an
    /// error whose document it holds.
    pub error: Option<&'static str>,
    /// A field that says whether the call succeeded: `true`, `1`, `"ok"`,
    /// `"success"` (and a few more, see `reports_success`) when it did;
    /// any other value makes the response an error.
    pub ok: Option<&'static str>,
}

/// What JSON decoding looks at: the status, the headers and the body.
pub(crate) struct BodyRef<'a> {
    status: StatusCode,
    headers: &'a HeaderMap,
    body: &'a Bytes,
}

impl<'a> BodyRef<'a> {
    pub(crate) fn of(raw: &'a RawResponse) -> Self {
        BodyRef {
            status: raw.status,
            headers: &raw.headers,
            body: &raw.body,
        }
    }
}

/// Runs the validator, if any: every violation in one error.
fn validate<T: 'static>(raw: &BodyRef<'_>, ctx: &DecodeCtx<T>, value: &T) -> Result<()> {
    let Some(validator) = ctx.validator else {
        return Ok(());
    };
    validator(value).map_err(|violations| {
        Error::validation(&short_type_name(std::any::type_name::<T>()), violations)
            .with_status(raw.status)
            .with_body(raw.body.clone())
    })
}

pub(crate) fn decode_json_validated<T: DeserializeOwned + 'static>(
    body: &BodyRef<'_>,
    ctx: &DecodeCtx<T>,
) -> Result<T> {
    check_json_body(body)?;
    let value = decode_json::<T>(body, ctx.envelope)?;
    validate(body, ctx, &value)?;
    Ok(value)
}

/// Decodes a 200 body as JSON into `T`, validation included: what a
/// generated call does after receiving a 2xx response. Public for
/// benchmarks and fuzzing.
#[doc(hidden)]
pub fn decode_json_body<T: DeserializeOwned + 'static>(
    headers: &HeaderMap,
    body: &Bytes,
    validator: Option<Validator<T>>,
) -> Result<T> {
    let body = BodyRef {
        status: StatusCode::OK,
        headers,
        body,
    };
    decode_json_validated(
        &body,
        &DecodeCtx {
            validator,
            envelope: None,
            request_id: None,
        },
    )
}

/// Decodes an error response's body into the declared error type `E`,
/// when it is JSON (or has no content type). Generated code names this
/// function for `#[api(error = E)]`.
#[doc(hidden)]
pub fn decode_api_error<E>(
    headers: &HeaderMap,
    body: &[u8],
) -> Option<crate::response::error::ApiErrorBody>
where
    E: DeserializeOwned + Send + Sync + 'static,
{
    if media_type(headers).is_some_and(|m| !is_json(m)) {
        return None;
    }
    let value: E = serde_json::from_slice(body).ok()?;
    Some(crate::response::error::ApiErrorBody {
        value: Box::new(value),
        type_name: std::any::type_name::<E>(),
    })
}

/// The signature of [`decode_api_error`], as stored on an endpoint.
#[doc(hidden)]
pub type ApiErrorDecoder = fn(&HeaderMap, &[u8]) -> Option<crate::response::error::ApiErrorBody>;

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

fn decode_json<T: DeserializeOwned>(raw: &BodyRef<'_>, envelope: Option<&Envelope>) -> Result<T> {
    match envelope {
        None => from_slice_with_path(raw.body, "$").map_err(|e| e.into_error(raw)),
        Some(envelope) => decode_enveloped(raw, envelope),
    }
}

/// Where and why decoding failed.
struct DecodeFailure {
    path: String,
    inner: serde_json::Error,
}

impl DecodeFailure {
    fn into_error(self, raw: &BodyRef<'_>) -> Error {
        let (line, column) = (self.inner.line(), self.inner.column());
        let full = self.inner.to_string();
        let suffix = format!(" at line {line} column {column}");
        let message = full.strip_suffix(&suffix).unwrap_or(&full);
        let text = format!("{}: {message}", self.path);
        Error::decode(text, self.path, line, column, raw.body.clone()).with_status(raw.status)
    }
}

/// Deserializes JSON text; on failure, the path of the failure under
/// `root`. The happy path is plain `serde_json`; path tracking (about twice
/// the cost) runs only to explain a failure.
fn from_slice_with_path<T: DeserializeOwned>(
    body: &[u8],
    root: &str,
) -> std::result::Result<T, DecodeFailure> {
    match serde_json::from_slice(body) {
        Ok(value) => Ok(value),
        Err(_) => from_slice_tracked(body, root),
    }
}

fn from_slice_tracked<T: DeserializeOwned>(
    body: &[u8],
    root: &str,
) -> std::result::Result<T, DecodeFailure> {
    let mut de = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| DecodeFailure {
        path: json_path(root, &err.path().to_string()),
        inner: err.into_inner(),
    })?;
    de.end().map_err(|inner| DecodeFailure {
        path: root.to_owned(),
        inner,
    })?;
    Ok(value)
}

fn decode_enveloped<T: DeserializeOwned>(raw: &BodyRef<'_>, envelope: &Envelope) -> Result<T> {
    let mut document: serde_json::Map<String, serde_json::Value> =
        from_slice_with_path(raw.body, "$").map_err(|e| e.into_error(raw))?;
    let failed = envelope
        .ok
        .and_then(|ok| document.get(ok))
        .is_some_and(|value| !reports_success(value));
    let error = envelope
        .error
        .and_then(|key| document.get(key))
        .filter(|v| !v.is_null());
    if failed || error.is_some() {
        let detail = error.map_or_else(|| raw.body.clone(), |e| Bytes::from(e.to_string()));
        return Err(Error::envelope(raw.status, raw.headers.clone(), detail));
    }
    let Some(key) = envelope.data else {
        return T::deserialize(serde_json::Value::Object(document)).map_err(|inner| {
            Error::decode(
                format!("$: {inner}"),
                "$".to_owned(),
                0,
                0,
                raw.body.clone(),
            )
        });
    };
    let data = document.remove(key).unwrap_or(serde_json::Value::Null);
    let root = format!("$.{key}");
    serde_path_to_error::deserialize(data).map_err(|err| {
        let path = json_path(&root, &err.path().to_string());
        let inner = err.into_inner();
        Error::decode(format!("{path}: {inner}"), path, 0, 0, raw.body.clone())
            .with_status(raw.status)
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

/// `items[3].id` under `$` → `$.items[3].id`; the root (`.`) → `$`.
fn json_path(root: &str, path: &str) -> String {
    // serde_path_to_error writes `?` for a key it never read (input ended).
    let path = path
        .strip_suffix(".?")
        .or_else(|| (path == "?").then_some(""))
        .unwrap_or(path);
    match path {
        "." | "" => root.to_owned(),
        p if p.starts_with('[') => format!("{root}{p}"),
        p => format!("{root}.{p}"),
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
        decode_json_body::<T>(&h, &Bytes::from_static(body), None)
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
