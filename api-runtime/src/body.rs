//! Request bodies beyond JSON: forms, multipart parts, and streaming
//! uploads ([`Upload`]); and the streaming download type [`ByteStream`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use http::{HeaderMap, HeaderValue, StatusCode};
use serde::Serialize;
use url::Url;

use crate::error::{BoxError, Error, ErrorKind, Result};
use crate::params::{Scalar, Sink};
use crate::watchdog::Watchdog;

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

/// One part of a `#[multipart]` request. Text and bytes are sent from
/// memory; a file is opened when the call is sent and streamed from disk.
///
/// ```
/// use api_client::Part;
/// let avatar = Part::file("avatar.png");                 // image/png, from disk
/// let meta = Part::json(&serde_json::json!({"alt": "me"})).unwrap();
/// let raw = Part::bytes(vec![1, 2, 3]).file_name("data.bin").mime("application/x-custom");
/// # let _ = (avatar, meta, raw);
/// ```
pub struct Part {
    content: PartContent,
    file_name: Option<String>,
    mime: Option<String>,
}

enum PartContent {
    Text(String),
    Bytes(Bytes),
    File(PathBuf),
}

impl fmt::Debug for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let content = match &self.content {
            PartContent::Text(t) => format!("text ({} bytes)", t.len()),
            PartContent::Bytes(b) => format!("bytes ({} bytes)", b.len()),
            PartContent::File(p) => format!("file {}", p.display()),
        };
        f.debug_struct("Part")
            .field("content", &content)
            .field("file_name", &self.file_name)
            .field("mime", &self.mime)
            .finish()
    }
}

impl Part {
    /// A text field.
    pub fn text(text: impl Into<String>) -> Part {
        Part {
            content: PartContent::Text(text.into()),
            file_name: None,
            mime: None,
        }
    }

    /// Binary content (`application/octet-stream` unless [`mime`](Part::mime) says otherwise).
    pub fn bytes(bytes: impl Into<Bytes>) -> Part {
        Part {
            content: PartContent::Bytes(bytes.into()),
            file_name: None,
            mime: None,
        }
    }

    /// A file, streamed from disk when the call is sent, with its file name
    /// and a content type guessed from its extension (unless given).
    pub fn file(path: impl AsRef<Path>) -> Part {
        let path = path.as_ref().to_path_buf();
        Part {
            file_name: path.file_name().map(|n| n.to_string_lossy().into_owned()),
            mime: None,
            content: PartContent::File(path),
        }
    }

    /// A JSON part (`application/json`).
    ///
    /// # Errors
    /// When `value` cannot be serialized.
    pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Part> {
        let bytes = serde_json::to_vec(value).map_err(|e| {
            Error::invalid_request(format!("a JSON part could not be serialized: {e}"))
        })?;
        Ok(Part::bytes(bytes).mime("application/json"))
    }

    /// Sets the file name sent with the part.
    pub fn file_name(mut self, name: impl Into<String>) -> Part {
        self.file_name = Some(name.into());
        self
    }

    /// Sets the part's content type, e.g. `image/png`.
    pub fn mime(mut self, mime: impl Into<String>) -> Part {
        self.mime = Some(mime.into());
        self
    }

    /// The reqwest part: files are opened here.
    pub(crate) async fn into_reqwest(self) -> Result<reqwest::multipart::Part> {
        let (part, guessed) = match self.content {
            PartContent::Text(t) => (reqwest::multipart::Part::text(t), None),
            PartContent::Bytes(b) => {
                let len = b.len() as u64;
                (
                    reqwest::multipart::Part::stream_with_length(reqwest::Body::from(b), len),
                    None,
                )
            }
            PartContent::File(path) => {
                let file = tokio::fs::File::open(&path).await.map_err(|e| {
                    Error::invalid_request(format!(
                        "cannot open `{}` for upload: {e}",
                        path.display()
                    ))
                })?;
                let len = file.metadata().await.ok().map(|m| m.len());
                let body = reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(file));
                let part = match len {
                    Some(len) => reqwest::multipart::Part::stream_with_length(body, len),
                    None => reqwest::multipart::Part::stream(body),
                };
                let guess = mime_guess::from_path(&path).first_or_octet_stream();
                (part, Some(guess.essence_str().to_owned()))
            }
        };
        let part = match self.file_name {
            Some(name) => part.file_name(encode_file_name(&name)),
            None => part,
        };
        match self.mime.or(guessed) {
            Some(mime) => part.mime_str(&mime).map_err(|_| {
                Error::invalid_request(format!("`{mime}` is not a valid content type"))
            }),
            None => Ok(part),
        }
    }
}

/// A file name as browsers put it in a multipart header (the WHATWG HTML
/// standard, as urllib3 does): CR, LF and `"` percent-encoded, so that a
/// name cannot end the header or start another one.
fn encode_file_name(name: &str) -> String {
    name.replace('\r', "%0D")
        .replace('\n', "%0A")
        .replace('"', "%22")
}

/// What a `#[part("name")]` argument may be: text (`&str`, `String`),
/// bytes (`Bytes`, `Vec<u8>`, `&[u8]`), a [`Part`], or an `Option` of one
/// (`None` sends no part).
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a multipart part",
    note = "a `#[part]` argument is text (`&str`, `String`), bytes (`Bytes`, `Vec<u8>`, `&[u8]`), an `api_client::Part` (files, JSON, custom content types), or an `Option` of one"
)]
pub trait IntoPart {
    /// The part, or `None` for no part.
    fn into_part(self) -> Option<Part>;
}

impl IntoPart for Part {
    fn into_part(self) -> Option<Part> {
        Some(self)
    }
}

impl IntoPart for &str {
    fn into_part(self) -> Option<Part> {
        Some(Part::text(self))
    }
}

impl IntoPart for String {
    fn into_part(self) -> Option<Part> {
        Some(Part::text(self))
    }
}

impl IntoPart for &String {
    fn into_part(self) -> Option<Part> {
        Some(Part::text(self.as_str()))
    }
}

impl IntoPart for Bytes {
    fn into_part(self) -> Option<Part> {
        Some(Part::bytes(self))
    }
}

impl IntoPart for Vec<u8> {
    fn into_part(self) -> Option<Part> {
        Some(Part::bytes(self))
    }
}

impl IntoPart for &[u8] {
    fn into_part(self) -> Option<Part> {
        Some(Part::bytes(Bytes::copy_from_slice(self)))
    }
}

impl<P: IntoPart> IntoPart for Option<P> {
    fn into_part(self) -> Option<Part> {
        self.and_then(IntoPart::into_part)
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
    pub(crate) body: reqwest::Body,
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
            body: reqwest::Body::wrap_stream(tokio_util::io::ReaderStream::new(file)),
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
            body: reqwest::Body::wrap_stream(chunks),
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
    inner: crate::transport::ChunkStream,
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
        mut response: crate::transport::Incoming,
        url: Url,
        limits: StreamLimits,
    ) -> ByteStream {
        let started = tokio::time::Instant::now();
        let hard = limits
            .total
            .map(|total| crate::watchdog::instant_after(started, total));
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
                let error = match e {
                    crate::transport::TransportError::Reqwest(e) if e.is_timeout() => {
                        Error::timeout(crate::TimeoutPhase::Body, None, self.started.elapsed())
                            .with_source(e.without_url())
                    }
                    crate::transport::TransportError::Reqwest(e) => {
                        Error::new(ErrorKind::Body).with_source(e.without_url())
                    }
                    other => Error::new(ErrorKind::Body).with_source(other),
                };
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
                        crate::watchdog::Expired::Idle => Some(self.limits.read),
                        crate::watchdog::Expired::Hard => self.limits.total,
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
