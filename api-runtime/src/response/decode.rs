//! How each declared return type is decoded from a response ([`Decode`]).

use std::marker::PhantomData;

use bytes::Bytes;
use http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

use crate::engine::exchange::Streaming;
use crate::engine::head::{Buffered, Head};
use crate::engine::limits::StreamLimits;
use crate::error::{Error, ErrorKind, Result};
use crate::response::json::{BodyRef, DecodeCtx, decode_json_validated};
use crate::response::meta::Response;

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

    /// Decodes a 2xx response's body, given its head.
    fn decode(head: &Head, body: Bytes, ctx: &DecodeCtx<Self::Target>) -> Result<Self::Output>;

    /// Decodes a 2xx response read to its end (a `Response<T>` keeps its
    /// head, moved).
    fn decode_buffered(response: Buffered, ctx: &DecodeCtx<Self::Target>) -> Result<Self::Output> {
        Self::decode(&response.head, response.body, ctx)
    }

    /// Wraps a 2xx response whose body is still to be read (when not
    /// [`BUFFERED`](Decode::BUFFERED)).
    #[doc(hidden)]
    fn decode_stream(response: Streaming, limits: StreamLimits) -> Result<Self::Output> {
        let _ = (response, limits);
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

    fn decode(
        _: &Head,
        _: Bytes,
        _: &DecodeCtx<()>,
    ) -> Result<crate::response::stream::ByteStream> {
        Err(Error::invalid_request("a streamed body is never buffered"))
    }

    fn decode_stream(
        response: Streaming,
        limits: StreamLimits,
    ) -> Result<crate::response::stream::ByteStream> {
        Ok(crate::response::stream::ByteStream::new(response, limits))
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

    fn decode(head: &Head, body: Bytes, ctx: &DecodeCtx<T>) -> Result<T> {
        decode_json_validated(&BodyRef::of(head, &body), ctx)
    }
}

impl<T: JsonResponse + 'static> Decode for Optional<T> {
    type Output = Option<T>;
    type Target = Option<T>;
    const ACCEPTS_EMPTY: bool = true;

    fn decode(head: &Head, body: Bytes, ctx: &DecodeCtx<Option<T>>) -> Result<Option<T>> {
        let no_content = matches!(head.status.as_u16(), 204 | 205);
        if no_content || body.iter().all(u8::is_ascii_whitespace) {
            return Ok(None);
        }
        decode_json_validated(&BodyRef::of(head, &body), ctx)
    }
}

impl Decode for Text {
    type Output = String;
    type Target = String;
    const ACCEPTS_EMPTY: bool = true;

    fn decode(head: &Head, body: Bytes, _: &DecodeCtx<String>) -> Result<String> {
        decode_text(&head.headers, head.status, body)
    }
}

impl Decode for Raw {
    type Output = Bytes;
    type Target = Bytes;
    const ACCEPTS_EMPTY: bool = true;

    fn decode(_: &Head, body: Bytes, _: &DecodeCtx<Bytes>) -> Result<Bytes> {
        Ok(body)
    }
}

impl Decode for Unit {
    type Output = ();
    type Target = ();
    const ACCEPTS_EMPTY: bool = true;

    fn decode(_: &Head, _: Bytes, _: &DecodeCtx<()>) -> Result<()> {
        Ok(())
    }
}

impl<D: Decode> Decode for WithMeta<D> {
    type Output = Response<D::Output>;
    type Target = D::Target;
    const META: bool = true;
    const READS_REDIRECT: bool = D::ACCEPTS_EMPTY;

    fn decode(head: &Head, body: Bytes, ctx: &DecodeCtx<D::Target>) -> Result<Response<D::Output>> {
        Self::decode_buffered(
            Buffered {
                head: head.clone(),
                body,
            },
            ctx,
        )
    }

    fn decode_buffered(
        response: Buffered,
        ctx: &DecodeCtx<D::Target>,
    ) -> Result<Response<D::Output>> {
        let Buffered { head, body } = response;
        if head.url.is_none() {
            return Err(Error::invalid_request("the response URL was not kept"));
        }
        let body = D::decode(&head, body, ctx)?;
        Ok(Response { head, body })
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
