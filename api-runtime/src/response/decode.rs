//! Responses: the raw response of one attempt, [`Response<T>`], and how
//! each declared return type is decoded from a body.

use std::marker::PhantomData;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;
use url::Url;

use crate::engine::incoming::Incoming;
use crate::response::error::{Error, ErrorKind, Result};
use crate::response::stream::StreamLimits;
use crate::response::validate::{Validator, short_type_name};

/// A response as it came off the wire, body read to its end.
#[doc(hidden)]
#[derive(Debug)]
pub struct RawResponse {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    /// The final URL, kept only for `Response<T>` (see `Decode::META`).
    pub(crate) url: Option<Url>,
    pub(crate) body: Bytes,
    pub(crate) elapsed: Duration,
}

/// A decoded response with its status, headers, final URL and the time the
/// call took: declare `-> Result<Response<T>>` to get it.
///
/// ```
/// # use api_client::{api, Response, Result};
/// # #[derive(serde::Deserialize)] struct User { login: String }
/// #[api(base = "https://api.example.com")]
/// pub trait Users {
///     #[get("/users/<login>")]
///     async fn user(&self, login: &str) -> Result<Response<User>>;
/// }
///
/// # async fn demo(client: UsersClient) -> Result<()> {
/// let response = client.user("octocat").await?;
/// println!("{} in {:?}", response.status(), response.elapsed());
/// let user: User = response.into_body();
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Response<T> {
    status: StatusCode,
    headers: HeaderMap,
    url: Url,
    elapsed: Duration,
    request_id: Option<String>,
    body: T,
}

impl<T> Response<T> {
    /// The response status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The URL of the response, after any redirects.
    pub fn url(&self) -> &Url {
        &self.url
    }

    /// How long the call took, from sending to the end of the body,
    /// retries included.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The server's request id (the `x-request-id` header by default; see
    /// [`ClientBuilder::request_id_header`](crate::ClientBuilder::request_id_header)).
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }

    /// The decoded body.
    pub fn body(&self) -> &T {
        &self.body
    }

    /// The decoded body, consuming the response.
    pub fn into_body(self) -> T {
        self.body
    }

    /// The response with its body transformed by `f`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Response<U> {
        Response {
            status: self.status,
            headers: self.headers,
            url: self.url,
            elapsed: self.elapsed,
            request_id: self.request_id,
            body: f(self.body),
        }
    }
}

/// How a call decodes: the validator of the body type and the endpoint's
/// envelope, if any.
#[doc(hidden)]
pub struct DecodeCtx<T: ?Sized + 'static> {
    pub(crate) validator: Option<Validator<T>>,
    pub(crate) envelope: Option<&'static Envelope>,
    pub(crate) request_id: Option<String>,
}

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

/// How a declared return type is made from a successful response.
/// Generated code picks the implementation from the declared type.
#[doc(hidden)]
pub trait Decode {
    /// The type the endpoint returns.
    type Output;
    /// The type that is validated.
    type Target: ?Sized + 'static;

    /// Whether the body is read into memory before decoding (all but
    /// `ByteStream`).
    const BUFFERED: bool = true;

    /// Whether the response's URL is kept (`Response<T>` only).
    const META: bool = false;

    /// Decodes a 2xx response.
    fn decode(raw: RawResponse, ctx: &DecodeCtx<Self::Target>) -> Result<Self::Output>;

    /// Wraps a 2xx response whose body is still to be read (when not
    /// [`BUFFERED`](Decode::BUFFERED)).
    fn decode_stream(response: Incoming, url: Url, limits: StreamLimits) -> Result<Self::Output> {
        let _ = (response, url, limits);
        Err(Error::invalid_request(
            "this return type is decoded from a buffered body",
        ))
    }
}

/// `Result<ByteStream>`: the body as a stream of chunks.
#[doc(hidden)]
pub struct Streamed;

impl Decode for Streamed {
    type Output = crate::response::stream::ByteStream;
    type Target = ();
    const BUFFERED: bool = false;

    fn decode(_: RawResponse, _: &DecodeCtx<()>) -> Result<crate::response::stream::ByteStream> {
        Err(Error::invalid_request("a streamed body is never buffered"))
    }

    fn decode_stream(
        response: Incoming,
        url: Url,
        limits: StreamLimits,
    ) -> Result<crate::response::stream::ByteStream> {
        Ok(crate::response::stream::ByteStream::new(
            response, url, limits,
        ))
    }
}

/// `Result<T>` with `T: DeserializeOwned`: the body as JSON.
#[doc(hidden)]
pub struct Json<T>(PhantomData<fn() -> T>);

/// `Result<Option<T>>`: `None` on 204, 205, an empty body or `null`.
#[doc(hidden)]
pub struct Optional<T>(PhantomData<fn() -> T>);

/// `Result<String>`: the body as text.
#[doc(hidden)]
pub struct Text;

/// `Result<Bytes>`: the body as it came.
#[doc(hidden)]
pub struct Raw;

/// `Result<()>`: the body is ignored.
#[doc(hidden)]
pub struct Unit;

/// `Result<Response<T>>`: the body decoded by `D`, with the response head.
#[doc(hidden)]
pub struct WithMeta<D>(PhantomData<fn() -> D>);

/// What a type decoded from a JSON response needs; a type error names the
/// user's type and the fix, not our decoder.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be decoded from a JSON response: it must implement `serde::Deserialize`",
    label = "the response body is decoded into this type",
    note = "derive `serde::Deserialize` for `{Self}`, or return `String`, `Bytes`, `()` or `ByteStream`"
)]
pub trait JsonResponse: DeserializeOwned {}

impl<T: DeserializeOwned> JsonResponse for T {}

impl<T: JsonResponse + 'static> Decode for Json<T> {
    type Output = T;
    type Target = T;

    fn decode(raw: RawResponse, ctx: &DecodeCtx<T>) -> Result<T> {
        decode_json_validated(&BodyRef::of(&raw), ctx)
    }
}

impl<T: JsonResponse + 'static> Decode for Optional<T> {
    type Output = Option<T>;
    type Target = Option<T>;

    fn decode(raw: RawResponse, ctx: &DecodeCtx<Option<T>>) -> Result<Option<T>> {
        let no_content = matches!(raw.status.as_u16(), 204 | 205);
        if no_content || raw.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        decode_json_validated(&BodyRef::of(&raw), ctx)
    }
}

impl Decode for Text {
    type Output = String;
    type Target = String;

    fn decode(raw: RawResponse, _: &DecodeCtx<String>) -> Result<String> {
        decode_text(&raw.headers, raw.status, raw.body)
    }
}

impl Decode for Raw {
    type Output = Bytes;
    type Target = Bytes;

    fn decode(raw: RawResponse, _: &DecodeCtx<Bytes>) -> Result<Bytes> {
        Ok(raw.body)
    }
}

impl Decode for Unit {
    type Output = ();
    type Target = ();

    fn decode(_: RawResponse, _: &DecodeCtx<()>) -> Result<()> {
        Ok(())
    }
}

impl<D: Decode> Decode for WithMeta<D> {
    type Output = Response<D::Output>;
    type Target = D::Target;
    const META: bool = true;

    fn decode(raw: RawResponse, ctx: &DecodeCtx<D::Target>) -> Result<Response<D::Output>> {
        let status = raw.status;
        let headers = raw.headers.clone();
        let url = raw
            .url
            .clone()
            .ok_or_else(|| Error::invalid_request("the response URL was not kept"))?;
        let elapsed = raw.elapsed;
        let body = D::decode(raw, ctx)?;
        Ok(Response {
            status,
            headers,
            url,
            elapsed,
            request_id: ctx.request_id.clone(),
            body,
        })
    }
}

/// What JSON decoding looks at: the status, the headers and the body.
struct BodyRef<'a> {
    status: StatusCode,
    headers: &'a HeaderMap,
    body: &'a Bytes,
}

impl<'a> BodyRef<'a> {
    fn of(raw: &'a RawResponse) -> Self {
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

fn decode_json_validated<T: DeserializeOwned + 'static>(
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

fn decode_text(headers: &HeaderMap, status: StatusCode, body: Bytes) -> Result<String> {
    let charset = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(';')
                .skip(1)
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("charset"))
                .map(|(_, v)| v.trim().trim_matches('"').to_ascii_lowercase())
        });
    match charset.as_deref() {
        None | Some("utf-8" | "utf8" | "us-ascii" | "ascii") => {
            match String::from_utf8(body.to_vec()) {
                Ok(text) => Ok(text),
                Err(e) => Err(Error::with_message(
                    ErrorKind::Decode,
                    format!("the body is not valid UTF-8: {e}"),
                )
                .with_status(status)
                .with_body(body)),
            }
        }
        // Latin-1 maps each byte to the code point of the same value.
        Some("iso-8859-1" | "latin1" | "latin-1") => {
            Ok(body.iter().map(|&b| char::from(b)).collect())
        }
        Some(other) => Err(Error::with_message(
            ErrorKind::Decode,
            format!(
                "unsupported charset `{other}`: declare `Result<Bytes>` and decode it yourself"
            ),
        )
        .with_status(status)
        .with_body(body)),
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

    #[test]
    fn text_honours_the_charset() {
        let latin = decode_text(
            &headers("text/plain; charset=ISO-8859-1"),
            StatusCode::OK,
            Bytes::from_static(b"caf\xe9"),
        );
        assert_eq!(latin.unwrap(), "café");
        let bad = decode_text(
            &HeaderMap::new(),
            StatusCode::OK,
            Bytes::from_static(b"caf\xe9"),
        );
        assert!(bad.unwrap_err().is_decode());
    }
}
