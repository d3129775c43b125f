//! Responses: the raw response of one attempt, [`Response<T>`], and how
//! each declared return type is decoded from a body.

use std::marker::PhantomData;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{Error, ErrorKind, Result};

/// A response as it came off the wire, body read to its end.
#[doc(hidden)]
#[derive(Debug)]
pub struct RawResponse {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) url: Url,
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
            body: f(self.body),
        }
    }
}

/// How a declared return type is made from a successful response.
/// Generated code picks the implementation from the declared type.
#[doc(hidden)]
pub trait Decode {
    /// The type the endpoint returns.
    type Output;

    /// Decodes a 2xx response.
    fn decode(raw: RawResponse) -> Result<Self::Output>;
}

/// `Result<T>` with `T: DeserializeOwned`: the body as JSON.
#[doc(hidden)]
pub struct Json<T>(PhantomData<fn() -> T>);

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

impl<T: DeserializeOwned> Decode for Json<T> {
    type Output = T;

    fn decode(raw: RawResponse) -> Result<T> {
        decode_json(&raw.headers, raw.status, raw.body)
    }
}

impl Decode for Text {
    type Output = String;

    fn decode(raw: RawResponse) -> Result<String> {
        decode_text(&raw.headers, raw.status, raw.body)
    }
}

impl Decode for Raw {
    type Output = Bytes;

    fn decode(raw: RawResponse) -> Result<Bytes> {
        Ok(raw.body)
    }
}

impl Decode for Unit {
    type Output = ();

    fn decode(_: RawResponse) -> Result<()> {
        Ok(())
    }
}

impl<D: Decode> Decode for WithMeta<D> {
    type Output = Response<D::Output>;

    fn decode(raw: RawResponse) -> Result<Response<D::Output>> {
        let status = raw.status;
        let headers = raw.headers.clone();
        let url = raw.url.clone();
        let elapsed = raw.elapsed;
        let body = D::decode(raw)?;
        Ok(Response {
            status,
            headers,
            url,
            elapsed,
            body,
        })
    }
}

/// Decodes an error response's body into the declared error type `E`,
/// when it is JSON (or has no content type). Generated code names this
/// function for `#[api(error = E)]`.
#[doc(hidden)]
pub fn decode_api_error<E>(headers: &HeaderMap, body: &[u8]) -> Option<crate::error::ApiErrorBody>
where
    E: DeserializeOwned + Send + Sync + 'static,
{
    if media_type(headers).is_some_and(|m| !is_json(&m)) {
        return None;
    }
    let value: E = serde_json::from_slice(body).ok()?;
    Some(crate::error::ApiErrorBody {
        value: Box::new(value),
        type_name: std::any::type_name::<E>(),
    })
}

/// The signature of [`decode_api_error`], as stored on an endpoint.
#[doc(hidden)]
pub type ApiErrorDecoder = fn(&HeaderMap, &[u8]) -> Option<crate::error::ApiErrorBody>;

/// The media type of a response, lowercased, without parameters.
fn media_type(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let essence = value.split(';').next().unwrap_or("").trim();
    Some(essence.to_ascii_lowercase())
}

fn is_json(media: &str) -> bool {
    media == "application/json" || (media.starts_with("application/") && media.ends_with("+json"))
}

fn decode_json<T: DeserializeOwned>(
    headers: &HeaderMap,
    status: StatusCode,
    body: Bytes,
) -> Result<T> {
    if let Some(media) = media_type(headers).filter(|m| !is_json(m)) {
        return Err(Error::with_message(
            ErrorKind::Decode,
            format!("expected a JSON response, got content type `{media}`"),
        )
        .with_status(status)
        .with_body(body));
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::with_message(
            ErrorKind::Decode,
            format!("expected a JSON body, got an empty body (status {status})"),
        )
        .with_status(status)
        .with_body(body));
    }
    let mut de = serde_json::Deserializer::from_slice(&body);
    let result = serde_path_to_error::deserialize(&mut de)
        .map_err(|err| (json_path(&err.path().to_string()), err.into_inner()))
        .and_then(|value| de.end().map(|()| value).map_err(|e| ("$".to_owned(), e)));
    result.map_err(|(path, inner)| {
        let (line, column) = (inner.line(), inner.column());
        let full = inner.to_string();
        let suffix = format!(" at line {line} column {column}");
        let message = full.strip_suffix(&suffix).unwrap_or(&full);
        let text = format!("{path}: {message}");
        Error::decode(text, path, line, column, body).with_status(status)
    })
}

/// `items[3].id` → `$.items[3].id`; the root (`.`) → `$`.
fn json_path(path: &str) -> String {
    match path {
        "." | "" => "$".to_owned(),
        p if p.starts_with('[') => format!("${p}"),
        p => format!("$.{p}"),
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

    fn json_headers(ct: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        h
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
        let body = Bytes::from_static(br#"{"items":[{"id":1},{"id":2},{"id":3},{"id":"x"}]}"#);
        let err = decode_json::<List>(&HeaderMap::new(), StatusCode::OK, body).unwrap_err();
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
        let ok = Bytes::from_static(br#"{"id":1}"#);
        for ct in [
            "application/json; charset=UTF-8",
            "Application/JSON",
            "application/problem+json",
        ] {
            decode_json::<Item>(&json_headers(ct), StatusCode::OK, ok.clone()).unwrap();
        }
        let err = decode_json::<Item>(&json_headers("text/html"), StatusCode::OK, ok).unwrap_err();
        assert!(
            err.to_string().contains("content type `text/html`"),
            "{err}"
        );
    }

    #[test]
    fn trailing_garbage_and_empty_bodies_are_errors() {
        let err = decode_json::<Item>(
            &HeaderMap::new(),
            StatusCode::OK,
            Bytes::from_static(b"{\"id\":1} x"),
        )
        .unwrap_err();
        assert!(err.is_decode());
        let err = decode_json::<Item>(&HeaderMap::new(), StatusCode::OK, Bytes::new()).unwrap_err();
        assert!(err.to_string().contains("empty body"), "{err}");
    }

    #[test]
    fn text_honours_the_charset() {
        let latin = decode_text(
            &json_headers("text/plain; charset=ISO-8859-1"),
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
