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

/// A response whose body is still to be read.
#[doc(hidden)]
pub struct Incoming(pub(super) Repr);

// The direct variant is the common one: boxing it would cost an
// allocation per call.
#[allow(clippy::large_enum_variant)]
pub(super) enum Repr {
    #[cfg(feature = "reqwest")]
    Reqwest(reqwest::Response),
    Direct {
        status: StatusCode,
        headers: HeaderMap,
        /// Where a redirect led; `None`: the request's URL.
        url: Option<Url>,
        /// The redirects followed: each status and the URL that sent it.
        history: Vec<(StatusCode, Url)>,
        body: DirectBody,
    },
}

impl fmt::Debug for Incoming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Incoming")
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

impl Incoming {
    pub(crate) fn status(&self) -> StatusCode {
        match &self.0 {
            #[cfg(feature = "reqwest")]
            Repr::Reqwest(response) => response.status(),
            Repr::Direct { status, .. } => *status,
        }
    }

    pub(crate) fn headers(&self) -> &HeaderMap {
        match &self.0 {
            #[cfg(feature = "reqwest")]
            Repr::Reqwest(response) => response.headers(),
            Repr::Direct { headers, .. } => headers,
        }
    }

    /// Moves the headers out (the body is read without them).
    pub(crate) fn take_headers(&mut self) -> HeaderMap {
        match &mut self.0 {
            #[cfg(feature = "reqwest")]
            Repr::Reqwest(response) => std::mem::take(response.headers_mut()),
            Repr::Direct { headers, .. } => std::mem::take(headers),
        }
    }

    /// The redirects followed to this response (none known for reqwest's).
    pub(crate) fn take_history(&mut self) -> Vec<(StatusCode, Url)> {
        match &mut self.0 {
            #[cfg(feature = "reqwest")]
            Repr::Reqwest(_) => Vec::new(),
            Repr::Direct { history, .. } => std::mem::take(history),
        }
    }

    /// The URL of the response when redirects led away from the
    /// request's (always known for reqwest's responses).
    pub(crate) fn url(&self) -> Option<&Url> {
        match &self.0 {
            #[cfg(feature = "reqwest")]
            Repr::Reqwest(response) => Some(response.url()),
            Repr::Direct { url, .. } => url.as_ref(),
        }
    }

    /// The length of the body as it will be read (after decompression),
    /// when known.
    pub(crate) fn content_length(&self) -> Option<u64> {
        match &self.0 {
            #[cfg(feature = "reqwest")]
            Repr::Reqwest(response) => response.content_length(),
            Repr::Direct { body, .. } => body.exact_len(),
        }
    }

    /// The next chunk of the body; `None` at its end.
    pub(crate) async fn chunk(&mut self) -> Result<Option<Bytes>, TransportError> {
        match &mut self.0 {
            #[cfg(feature = "reqwest")]
            Repr::Reqwest(response) => response.chunk().await.map_err(TransportError::from),
            Repr::Direct { body, .. } => std::future::poll_fn(|cx| poll_data(body, cx)).await,
        }
    }

    /// The body as a stream of chunks.
    pub(crate) fn into_stream(self) -> ChunkStream {
        match self.0 {
            #[cfg(feature = "reqwest")]
            Repr::Reqwest(response) => ChunkStream::Reqwest(Box::pin(response.bytes_stream())),
            Repr::Direct { body, .. } => ChunkStream::Direct(Box::new(body)),
        }
    }
}

/// The chunks of a response body.
pub(crate) enum ChunkStream {
    #[cfg(feature = "reqwest")]
    Reqwest(Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>),
    Direct(Box<DirectBody>),
}

impl Stream for ChunkStream {
    type Item = Result<Bytes, TransportError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.get_mut() {
            #[cfg(feature = "reqwest")]
            ChunkStream::Reqwest(stream) => stream
                .as_mut()
                .poll_next(cx)
                .map(|item| item.map(|r| r.map_err(TransportError::from))),
            ChunkStream::Direct(body) => poll_data(body, cx).map(Result::transpose),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        match self {
            #[cfg(feature = "reqwest")]
            ChunkStream::Reqwest(stream) => stream.size_hint(),
            ChunkStream::Direct(_) => (0, None),
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
