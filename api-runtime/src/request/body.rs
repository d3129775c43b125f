//! Request bodies beyond JSON: forms and streaming uploads ([`Upload`]);
//! and the streaming download type [`ByteStream`].

use std::fmt;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use http::{HeaderMap, HeaderValue, StatusCode};
use url::Url;

use crate::policy::watchdog::Watchdog;
use crate::request::params::{Scalar, Sink};
use crate::response::error::{BoxError, Error, Result};

/// Collects `key=value` pairs as an `application/x-www-form-urlencoded`
/// body.
#[derive(Default, Clone, Debug)]
pub(crate) struct FormSink {
    pub(crate) body: String,
}

impl Sink for FormSink {
    fn pair(&mut self, key: &str, value: Scalar<'_>) {
        let mut form = form_urlencoded::Serializer::for_suffix(&mut self.body, 0);
        match value {
            Scalar::Str(s) => form.append_pair(key, s),
            Scalar::Display(d) => form.append_pair(key, &d.to_string()),
        };
    }
}

/// A request body sent as it is produced (a file, a stream of chunks, a
/// multipart body): sent once, never held in memory.
pub(crate) struct StreamBody {
    /// In a mutex only to be `Sync` (a request is borrowed across awaits):
    /// it is only ever reached through `get_mut`, which takes no lock.
    chunks: std::sync::Mutex<Chunks>,
    /// The exact length, when known (sent as `Content-Length`).
    length: Option<u64>,
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

    /// The body for a client given with `with_reqwest_client`.
    #[cfg(feature = "reqwest")]
    pub(crate) fn into_reqwest(self) -> reqwest::Body {
        reqwest::Body::wrap_stream(self.chunks.into_inner().unwrap_or_else(|p| p.into_inner()))
    }
}

/// The chunks of a [`StreamBody`].
type Chunks = Pin<Box<dyn Stream<Item = std::result::Result<Bytes, BoxError>> + Send>>;

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

/// A request body streamed as it is sent, never held in memory: a file or
/// any stream of bytes. Declare it as `#[body] data: Upload`.
///
/// A streamed body cannot be sent twice, so such a call is **never
/// retried** (not even after a connect failure), and declaring
/// `#[retry(attempts = …)]` on its endpoint is a compile error.
///
/// ```no_run
/// # async fn demo() -> api_client::Result<()> {
/// use api_client::Upload;
/// let upload = Upload::file("backup.tar.gz").await?;            // length and type known
/// let chunks = futures_util::stream::iter(vec![Ok::<_, std::io::Error>(api_client::Bytes::from("a"))]);
/// let streamed = Upload::stream(chunks).content_type("text/plain"); // sent chunked
/// # let _ = (upload, streamed); Ok(()) }
/// ```
pub struct Upload {
    pub(crate) body: StreamBody,
    pub(crate) content_type: Option<String>,
    pub(crate) length: Option<u64>,
}

impl fmt::Debug for Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upload")
            .field("content_type", &self.content_type)
            .field("length", &self.length)
            .finish_non_exhaustive()
    }
}

impl Upload {
    /// Streams the file at `path`, with its length and a content type
    /// guessed from its extension.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidRequest`] when the file cannot be opened.
    pub async fn file(path: impl AsRef<Path>) -> Result<Upload> {
        let path = path.as_ref();
        let file = tokio::fs::File::open(path).await.map_err(|e| {
            Error::invalid_request(format!("cannot open `{}` for upload: {e}", path.display()))
        })?;
        let mut upload = Upload::from_file(file).await;
        upload.content_type = Some(
            mime_guess::from_path(path)
                .first_or_octet_stream()
                .essence_str()
                .to_owned(),
        );
        Ok(upload)
    }

    /// Streams an opened file (its length is sent when known).
    pub async fn from_file(file: tokio::fs::File) -> Upload {
        let length = file.metadata().await.ok().map(|m| m.len());
        Upload {
            body: StreamBody::new(tokio_util::io::ReaderStream::new(file), length),
            content_type: None,
            length,
        }
    }

    /// Streams `chunks`, sent with chunked transfer encoding.
    pub fn stream<S, E>(chunks: S) -> Upload
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Send + 'static,
        E: Into<BoxError>,
    {
        Upload {
            body: StreamBody::new(chunks, None),
            content_type: None,
            length: None,
        }
    }

    /// Sets the `Content-Type` (default `application/octet-stream`).
    pub fn content_type(mut self, mime: impl Into<String>) -> Upload {
        self.content_type = Some(mime.into());
        self
    }

    /// Sets the `Content-Length` for a stream whose size is known.
    pub fn length(mut self, bytes: u64) -> Upload {
        self.length = Some(bytes);
        self.body.length = Some(bytes);
        self
    }

    pub(crate) fn headers(&self) -> Result<Vec<(http::HeaderName, HeaderValue)>> {
        let mut headers = Vec::new();
        let mime = self
            .content_type
            .as_deref()
            .unwrap_or("application/octet-stream");
        let value = HeaderValue::from_str(mime)
            .map_err(|_| Error::invalid_request(format!("`{mime}` is not a valid content type")))?;
        headers.push((http::header::CONTENT_TYPE, value));
        if let Some(len) = self.length {
            headers.push((http::header::CONTENT_LENGTH, HeaderValue::from(len)));
        }
        Ok(headers)
    }
}

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
                        crate::TimeoutPhase::Body,
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
