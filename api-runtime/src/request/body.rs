//! Request bodies beyond JSON: form bodies, and uploads streamed as they
//! are sent ([`Upload`]).

use std::fmt;
use std::path::Path;

use bytes::Bytes;
use futures_core::Stream;
use http::HeaderValue;

use crate::error::{BoxError, Error, Result};
use crate::request::params::{Scalar, Sink};
use crate::request::stream_body::StreamBody;

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
    /// [`ErrorKind::InvalidRequest`](crate::ErrorKind::InvalidRequest) when the file cannot be opened.
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
