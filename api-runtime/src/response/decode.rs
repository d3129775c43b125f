//! How each declared return type is decoded from a response ([`Decode`]).

use std::marker::PhantomData;

use bytes::Bytes;
use http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;
use url::Url;

use crate::engine::incoming::Incoming;
use crate::error::Validator;
use crate::error::{Error, ErrorKind, Result};
use crate::response::json::{BodyRef, Envelope, decode_json_validated};
use crate::response::meta::{RawResponse, Response};
use crate::response::stream::StreamLimits;

/// How a call decodes: the validator of the body type and the endpoint's
/// envelope, if any.
#[doc(hidden)]
pub struct DecodeCtx<T: ?Sized + 'static> {
    pub(crate) validator: Option<Validator<T>>,
    pub(crate) envelope: Option<&'static Envelope>,
    pub(crate) request_id: Option<String>,
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

    /// Whether a body-less response decodes (`()`, `Option<T>`, `String`,
    /// `Bytes`).
    const ACCEPTS_EMPTY: bool = false;

    /// Whether a 3xx is read as a response when the client follows no
    /// redirects: `Response<T>` of a `T` that decodes from an empty body.
    const READS_REDIRECT: bool = false;

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
    const ACCEPTS_EMPTY: bool = true;

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
    const ACCEPTS_EMPTY: bool = true;

    fn decode(raw: RawResponse, _: &DecodeCtx<String>) -> Result<String> {
        decode_text(&raw.headers, raw.status, raw.body)
    }
}

impl Decode for Raw {
    type Output = Bytes;
    type Target = Bytes;
    const ACCEPTS_EMPTY: bool = true;

    fn decode(raw: RawResponse, _: &DecodeCtx<Bytes>) -> Result<Bytes> {
        Ok(raw.body)
    }
}

impl Decode for Unit {
    type Output = ();
    type Target = ();
    const ACCEPTS_EMPTY: bool = true;

    fn decode(_: RawResponse, _: &DecodeCtx<()>) -> Result<()> {
        Ok(())
    }
}

impl<D: Decode> Decode for WithMeta<D> {
    type Output = Response<D::Output>;
    type Target = D::Target;
    const META: bool = true;
    const READS_REDIRECT: bool = D::ACCEPTS_EMPTY;

    fn decode(mut raw: RawResponse, ctx: &DecodeCtx<D::Target>) -> Result<Response<D::Output>> {
        let history = std::mem::take(&mut raw.history);
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
            history,
            body,
        })
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
