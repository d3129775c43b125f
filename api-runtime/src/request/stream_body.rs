//! A request body sent as it is produced ([`StreamBody`]): what an
//! `Upload` or a multipart body becomes on the wire.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;

use crate::error::BoxError;

/// A request body sent as it is produced (a file, a stream of chunks, a
/// multipart body): sent once, never held in memory.
pub(crate) struct StreamBody {
    /// In a mutex only to be `Sync` (a request is borrowed across awaits):
    /// it is only ever reached through `get_mut`, which takes no lock.
    chunks: std::sync::Mutex<Chunks>,
    /// The exact length, when known (sent as `Content-Length`).
    pub(crate) length: Option<u64>,
}

impl StreamBody {
    pub(crate) fn new<S, E>(chunks: S, length: Option<u64>) -> StreamBody
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        StreamBody {
            chunks: std::sync::Mutex::new(Box::pin(MapErr(chunks))),
            length,
        }
    }

    fn chunks(&mut self) -> &mut Chunks {
        self.chunks.get_mut().unwrap_or_else(|p| p.into_inner())
    }

    /// The chunks, for a transport that sends a stream of its own (a
    /// client given with `with_reqwest_client`).
    #[cfg_attr(not(feature = "reqwest"), allow(dead_code))]
    pub(crate) fn into_chunks(self) -> Chunks {
        self.chunks.into_inner().unwrap_or_else(|p| p.into_inner())
    }
}

/// The chunks of a [`StreamBody`].
pub(crate) type Chunks = Pin<Box<dyn Stream<Item = std::result::Result<Bytes, BoxError>> + Send>>;

/// A stream whose errors are boxed.
struct MapErr<S>(S);

impl<S, E> Stream for MapErr<S>
where
    S: Stream<Item = std::result::Result<Bytes, E>>,
    E: Into<BoxError>,
{
    type Item = std::result::Result<Bytes, BoxError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        // SAFETY: `0` is never moved out of the pinned `MapErr`.
        let inner = unsafe { self.map_unchecked_mut(|m| &mut m.0) };
        inner
            .poll_next(cx)
            .map(|item| item.map(|r| r.map_err(Into::into)))
    }
}

impl http_body::Body for StreamBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<std::result::Result<http_body::Frame<Bytes>, BoxError>>> {
        loop {
            return match self.chunks().as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(chunk))) if chunk.is_empty() => continue,
                Poll::Ready(Some(Ok(chunk))) => {
                    Poll::Ready(Some(Ok(http_body::Frame::data(chunk))))
                }
                Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => Poll::Ready(None),
                Poll::Pending => Poll::Pending,
            };
        }
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match self.length {
            Some(length) => http_body::SizeHint::with_exact(length),
            None => http_body::SizeHint::default(),
        }
    }
}
