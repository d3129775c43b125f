//! A response whose body is still to be read ([`Incoming`]), from either
//! transport, and its body as a stream of chunks.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use http::StatusCode;
use http::header::HeaderMap;
use url::Url;

use crate::engine::decompress::{DirectBody, poll_frames};
use crate::engine::failure::TransportError;

/// A response whose body is still to be read: what every transport
/// gives (`direct.rs` on our pool; the reqwest adapter converts its
/// response into one).
#[doc(hidden)]
pub struct Incoming {
    status: StatusCode,
    headers: HeaderMap,
    /// Where a redirect led; `None`: the request's URL.
    url: Option<Url>,
    /// The redirects followed: each status and the URL that sent it.
    history: Vec<(StatusCode, Url)>,
    body: Body,
}

/// A response body: ours (inline: boxing it would cost an allocation per
/// call), or chunks a transport of its own produces.
#[allow(clippy::large_enum_variant)]
enum Body {
    Direct(DirectBody),
    Chunks {
        chunks: BoxedChunks,
        length: Option<u64>,
    },
}

/// Chunks of a body, from a transport of its own.
pub(crate) type BoxedChunks = Pin<Box<dyn Stream<Item = Result<Bytes, TransportError>> + Send>>;

impl fmt::Debug for Incoming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Incoming")
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

impl Incoming {
    /// A response of our pool, after `history`'s redirects (`url`: where
    /// they led).
    pub(crate) fn direct(
        status: StatusCode,
        headers: HeaderMap,
        url: Option<Url>,
        history: Vec<(StatusCode, Url)>,
        body: DirectBody,
    ) -> Incoming {
        Incoming {
            status,
            headers,
            url,
            history,
            body: Body::Direct(body),
        }
    }

    /// A response whose body comes as `chunks` (of `length` bytes, when
    /// known), from `url`.
    #[cfg_attr(not(feature = "reqwest"), allow(dead_code))]
    pub(crate) fn chunked(
        status: StatusCode,
        headers: HeaderMap,
        url: Url,
        chunks: BoxedChunks,
        length: Option<u64>,
    ) -> Incoming {
        Incoming {
            status,
            headers,
            url: Some(url),
            history: Vec::new(),
            body: Body::Chunks { chunks, length },
        }
    }

    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    /// Moves the headers out (the body is read without them).
    pub(crate) fn take_headers(&mut self) -> HeaderMap {
        std::mem::take(&mut self.headers)
    }

    /// The redirects followed to this response (none known for a
    /// transport that follows them itself).
    pub(crate) fn take_history(&mut self) -> Vec<(StatusCode, Url)> {
        std::mem::take(&mut self.history)
    }

    /// The URL of the response when redirects led away from the
    /// request's.
    pub(crate) fn url(&self) -> Option<&Url> {
        self.url.as_ref()
    }

    /// The length of the body as it will be read (after decompression),
    /// when known.
    pub(crate) fn content_length(&self) -> Option<u64> {
        match &self.body {
            Body::Direct(body) => body.exact_len(),
            Body::Chunks { length, .. } => *length,
        }
    }

    /// The next chunk of the body; `None` at its end.
    pub(crate) async fn chunk(&mut self) -> Result<Option<Bytes>, TransportError> {
        match &mut self.body {
            Body::Direct(body) => std::future::poll_fn(|cx| poll_data(body, cx)).await,
            Body::Chunks { chunks, .. } => std::future::poll_fn(|cx| chunks.as_mut().poll_next(cx))
                .await
                .transpose(),
        }
    }

    /// The body as a stream of chunks.
    pub(crate) fn into_stream(self) -> ChunkStream {
        match self.body {
            Body::Direct(body) => ChunkStream::Direct(Box::new(body)),
            Body::Chunks { chunks, .. } => ChunkStream::Chunks(chunks),
        }
    }
}

/// The chunks of a response body.
pub(crate) enum ChunkStream {
    Direct(Box<DirectBody>),
    Chunks(BoxedChunks),
}

impl Stream for ChunkStream {
    type Item = Result<Bytes, TransportError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.get_mut() {
            ChunkStream::Direct(body) => poll_data(body, cx).map(Result::transpose),
            ChunkStream::Chunks(chunks) => chunks.as_mut().poll_next(cx),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            ChunkStream::Direct(_) => (0, None),
            ChunkStream::Chunks(chunks) => chunks.size_hint(),
        }
    }
}

/// The next data chunk of `body`.
fn poll_data(
    body: &mut DirectBody,
    cx: &mut Context<'_>,
) -> Poll<Result<Option<Bytes>, TransportError>> {
    match body {
        DirectBody::Plain(body) => {
            poll_frames(body, cx).map_err(|e| TransportError::Exchange(e.into()))
        }
        #[cfg(any(
            feature = "gzip",
            feature = "brotli",
            feature = "zstd",
            feature = "deflate"
        ))]
        DirectBody::Decoded(stream) => match stream.as_mut().poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => Poll::Ready(Ok(None)),
            Poll::Ready(Some(Ok(data))) => Poll::Ready(Ok(Some(data))),
            Poll::Ready(Some(Err(e))) => Poll::Ready(Err(TransportError::Exchange(e.into()))),
        },
    }
}

/// One request on its way: the response head, or why none came.
pub(crate) type Exchange<'a> =
    Pin<Box<dyn std::future::Future<Output = Result<Incoming, TransportError>> + Send + 'a>>;
