//! A response body read as it arrives ([`ByteStream`]), within the read
//! timeout and the stream limit, and its blocking iterator.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use http::{HeaderMap, StatusCode};
use url::Url;

use crate::error::{Error, Result};
use crate::policy::watchdog::Watchdog;

/// A response body as a stream of chunks, for downloads of any size in
/// constant memory: declare `-> Result<ByteStream>`.
///
/// The call's deadline and retries cover the time until the response
/// headers arrive; the body is then bounded by the read timeout (the idle
/// time between chunks), not by the deadline, and is not limited by
/// `max_body_size`.
///
/// ```no_run
/// # use api_client::{api, ByteStream, Result};
/// use futures_util::StreamExt;
/// use tokio::io::AsyncWriteExt;
///
/// #[api(base = "https://downloads.example.com")]
/// pub trait Downloads {
///     #[get("/files/<name>")]
///     async fn file(&self, name: &str) -> Result<ByteStream>;
/// }
///
/// # async fn demo(client: DownloadsClient) -> Result<()> {
/// let mut stream = client.file("big.iso").await?;
/// let total = stream.content_length();
/// let mut out = tokio::fs::File::create("big.iso").await.unwrap();
/// while let Some(chunk) = stream.next().await {
///     out.write_all(&chunk?).await.unwrap();
/// }
/// # Ok(()) }
/// ```
pub struct ByteStream {
    status: StatusCode,
    headers: HeaderMap,
    url: Url,
    inner: crate::engine::incoming::ChunkStream,
    content_length: Option<u64>,
    failed: bool,
    started: tokio::time::Instant,
    limits: StreamLimits,
    /// The read timeout between chunks and the overall limit (one timer,
    /// see `Watchdog`).
    idle: Watchdog,
}

impl fmt::Debug for ByteStream {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ByteStream")
            .field("status", &self.status)
            .field("url", &self.url.as_str())
            .field("content_length", &self.content_length)
            .finish_non_exhaustive()
    }
}

/// The time limits of a streamed body: the read timeout between chunks,
/// and the overall limit of
/// [`stream_timeout`](crate::ClientBuilder::stream_timeout), if set.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct StreamLimits {
    pub(crate) read: std::time::Duration,
    pub(crate) total: Option<std::time::Duration>,
}

impl ByteStream {
    pub(crate) fn new(
        mut response: crate::engine::incoming::Incoming,
        url: Url,
        limits: StreamLimits,
    ) -> ByteStream {
        let started = tokio::time::Instant::now();
        let hard = limits
            .total
            .map(|total| crate::policy::watchdog::instant_after(started, total));
        ByteStream {
            started,
            limits,
            idle: Watchdog::new(started, hard, limits.read),
            status: response.status(),
            headers: response.take_headers(),
            content_length: response.content_length(),
            url,
            inner: response.into_stream(),
            failed: false,
        }
    }

    /// The body's length, when the server said it (`Content-Length`).
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

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

    /// The chunks as a blocking iterator, for blocking clients: each
    /// `next()` waits for the next chunk.
    pub fn blocking_iter(self) -> BlockingChunks {
        BlockingChunks { stream: self }
    }
}

/// The chunks of a [`ByteStream`], one blocking `next()` at a time.
#[derive(Debug)]
pub struct BlockingChunks {
    stream: ByteStream,
}

impl Iterator for BlockingChunks {
    type Item = Result<Bytes>;

    fn next(&mut self) -> Option<Result<Bytes>> {
        let stream = &mut self.stream;
        let next = crate::blocking::block_on_local(async move {
            Ok(std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await)
        });
        match next {
            Ok(item) => item,
            Err(e) => Some(Err(e)),
        }
    }
}

impl Stream for ByteStream {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.failed {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Err(e))) => {
                self.failed = true;
                // Our read limit is enforced here (below); a time-out from
                // the transport is the limit of a client given with
                // `with_reqwest_client`.
                let error = crate::engine::classify::classify(
                    e,
                    None,
                    self.started,
                    crate::engine::classify::Stage::Body,
                );
                Poll::Ready(Some(Err(error)))
            }
            Poll::Ready(Some(Ok(chunk))) => {
                self.idle.progress();
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => match self.idle.poll_expired(cx) {
                Poll::Ready(expired) => {
                    self.failed = true;
                    let limit = match expired {
                        crate::policy::watchdog::Expired::Idle => Some(self.limits.read),
                        crate::policy::watchdog::Expired::Hard => self.limits.total,
                    };
                    Poll::Ready(Some(Err(Error::timeout(
                        crate::error::TimeoutPhase::Body,
                        limit,
                        self.started.elapsed(),
                    ))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}
