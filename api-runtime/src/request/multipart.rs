//! `multipart/form-data` request bodies (RFC 7578): the parts a
//! `#[multipart]` endpoint's `#[part("name")]` arguments make, encoded as a
//! stream (files are read from disk as the body is sent).

use std::collections::VecDeque;
use std::fmt;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use http::HeaderValue;
use serde::Serialize;

use crate::error::{BoxError, Error, Result};
use crate::request::stream_body::StreamBody;

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

    /// The part's content as a stream, its length when known, and the
    /// content type guessed from a file's extension. Files are opened here,
    /// when the call is sent.
    async fn open(self) -> Result<(StreamBody, Option<u64>, Option<String>)> {
        let once = |bytes: Bytes| {
            let len = bytes.len() as u64;
            let chunks = Once(Some(bytes));
            (StreamBody::new(chunks, Some(len)), Some(len), None)
        };
        Ok(match self.content {
            PartContent::Text(t) => once(Bytes::from(t)),
            PartContent::Bytes(b) => once(b),
            PartContent::File(path) => {
                let file = tokio::fs::File::open(&path).await.map_err(|e| {
                    Error::invalid_request(format!(
                        "cannot open `{}` for upload: {e}",
                        path.display()
                    ))
                })?;
                let len = file.metadata().await.ok().map(|m| m.len());
                let guess = mime_guess::from_path(&path).first_or_octet_stream();
                let body = StreamBody::new(tokio_util::io::ReaderStream::new(file), len);
                (body, len, Some(guess.essence_str().to_owned()))
            }
        })
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

/// The body of `parts`, with its `Content-Type` (which carries the
/// boundary). Its length is known (and sent) when every part's is.
pub(crate) async fn encode(parts: Vec<(&'static str, Part)>) -> Result<(HeaderValue, StreamBody)> {
    let boundary = boundary();
    let mut pieces: VecDeque<StreamBody> = VecDeque::new();
    let mut length = Some(0u64);
    let text = |text: String, pieces: &mut VecDeque<StreamBody>, length: &mut Option<u64>| {
        let bytes = Bytes::from(text);
        *length = length.map(|n| n + bytes.len() as u64);
        let len = bytes.len() as u64;
        pieces.push_back(StreamBody::new(Once(Some(bytes)), Some(len)));
    };
    for (name, part) in parts {
        let file_name = part.file_name.clone();
        let mime = part.mime.clone();
        let (content, len, guessed) = part.open().await?;
        let mut head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"",
            encode_file_name(name)
        );
        if let Some(file_name) = file_name {
            head.push_str(&format!("; filename=\"{}\"", encode_file_name(&file_name)));
        }
        if let Some(mime) = mime.or(guessed) {
            let valid = mime.contains('/') && HeaderValue::from_str(&mime).is_ok();
            if !valid {
                return Err(Error::invalid_request(format!(
                    "`{}` is not a valid content type",
                    mime.escape_default()
                )));
            }
            head.push_str(&format!("\r\nContent-Type: {mime}"));
        }
        head.push_str("\r\n\r\n");
        text(head, &mut pieces, &mut length);
        length = length.zip(len).map(|(a, b)| a + b);
        pieces.push_back(content);
        text("\r\n".to_owned(), &mut pieces, &mut length);
    }
    text(format!("--{boundary}--\r\n"), &mut pieces, &mut length);
    let content_type = HeaderValue::from_str(&format!("multipart/form-data; boundary={boundary}"))
        .map_err(|_| {
            Error::invalid_request("the multipart boundary is not a valid header value")
        })?;
    Ok((content_type, StreamBody::new(Concat(pieces), length)))
}

/// A boundary no part is likely to contain: 32 random hex digits.
fn boundary() -> String {
    use std::hash::{BuildHasher, Hasher};
    let random = || {
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
    };
    format!("{:016x}{:016x}", random(), random())
}

/// One chunk, then the end.
struct Once(Option<Bytes>);

impl Stream for Once {
    type Item = std::result::Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.0.take().map(Ok))
    }
}

/// Bodies one after the other.
struct Concat(VecDeque<StreamBody>);

impl Stream for Concat {
    type Item = std::result::Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        use http_body::Body as _;
        loop {
            let Some(front) = self.0.front_mut() else {
                return Poll::Ready(None);
            };
            match Pin::new(front).poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => {
                    self.0.pop_front();
                }
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        return Poll::Ready(Some(Ok(data)));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn collect(mut body: StreamBody) -> Vec<u8> {
        use http_body::Body as _;
        let mut out = Vec::new();
        while let Some(frame) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await
        {
            out.extend_from_slice(&frame.unwrap().into_data().unwrap());
        }
        out
    }

    #[tokio::test]
    async fn parts_are_framed_with_their_headers_and_length() {
        let parts = vec![
            ("title", Part::text("hello")),
            (
                "raw",
                Part::bytes(vec![0u8, 1, 2])
                    .file_name("a\r\n\".bin")
                    .mime("application/x-raw"),
            ),
        ];
        let (content_type, body) = encode(parts).await.unwrap();
        let boundary = content_type
            .to_str()
            .unwrap()
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap()
            .to_owned();
        assert_eq!(boundary.len(), 32);
        let length = http_body::Body::size_hint(&body).exact();
        let bytes = collect(body).await;
        let expected = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"raw\"; filename=\"a%0D%0A%22.bin\"\r\n\
             Content-Type: application/x-raw\r\n\r\n\u{0}\u{1}\u{2}\r\n--{boundary}--\r\n"
        );
        assert_eq!(String::from_utf8_lossy(&bytes), expected);
        assert_eq!(length, Some(bytes.len() as u64));
        let bad = vec![("x", Part::text("y").mime("text/plain\r\nX-Evil: 1"))];
        assert!(encode(bad).await.is_err());
    }
}
