//! A response body read as it arrives ([`ByteStream`]), within the read
//! timeout and the stream limit (its blocking iterator is the blocking
//! front end's, `blocking.rs`).

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use http::{HeaderMap, StatusCode};
use url::Url;

use crate::engine::exchange::Streaming;
use crate::engine::head::Head;
use crate::engine::incoming::ChunkStream;
use crate::engine::limits::StreamLimits;
use crate::engine::watchdog::Watchdog;
use crate::error::{Error, Result};

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
    head: Head,
    inner: ChunkStream,
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
            .field("status", &self.head.status)
            .field("url", &self.head.url().as_str())
            .field("content_length", &self.content_length)
            .finish_non_exhaustive()
    }
}

impl ByteStream {
    pub(crate) fn new(response: Streaming, limits: StreamLimits) -> ByteStream {
        let Streaming {
            head,
            chunks,
            content_length,
        } = response;
        let started = tokio::time::Instant::now();
        let hard = limits
            .total
            .map(|total| crate::engine::watchdog::instant_after(started, total));
        ByteStream {
            started,
            limits,
            idle: Watchdog::new(started, hard, limits.read),
            head,
            content_length,
            inner: chunks,
            failed: false,
        }
    }

    /// Replaces the read timeout (the idle time between chunks) of what is
    /// left of the body; `None`: no idle time-out.
    pub(crate) fn set_idle_timeout(&mut self, idle: Option<std::time::Duration>) {
        self.limits.read = idle.unwrap_or(std::time::Duration::MAX);
        let hard = self
            .limits
            .total
            .map(|total| crate::engine::watchdog::instant_after(self.started, total));
        self.idle = Watchdog::new(tokio::time::Instant::now(), hard, self.limits.read);
    }

    /// The body's length, when the server said it (`Content-Length`).
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// The response status.
    pub fn status(&self) -> StatusCode {
        self.head.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.head.headers
    }

    /// The URL of the response, after any redirects.
    pub fn url(&self) -> &Url {
        self.head.url()
    }

    /// The redirects followed to this response, in order.
    pub fn history(&self) -> &[crate::engine::head::Redirect] {
        &self.head.history
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
                        crate::engine::watchdog::Expired::Idle => Some(self.limits.read),
                        crate::engine::watchdog::Expired::Hard => self.limits.total,
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
