//! Response bodies as our engine reads them: as they came, or decompressed
//! as their `Content-Encoding` says (the codings this build decodes, as
//! reqwest does), and the `Accept-Encoding` that offers exactly those.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
#[cfg(any(
    feature = "gzip",
    feature = "brotli",
    feature = "zstd",
    feature = "deflate"
))]
use futures_core::Stream;
use http::HeaderValue;
use http::header;
use http_body::Body as HttpBody;

/// The next data frame of `body` (empty frames and trailers are skipped).
pub(crate) fn poll_frames(
    body: &mut hyper::body::Incoming,
    cx: &mut Context<'_>,
) -> Poll<Result<Option<Bytes>, hyper::Error>> {
    loop {
        return match Pin::new(&mut *body).poll_frame(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(None) => Poll::Ready(Ok(None)),
            Poll::Ready(Some(Err(e))) => Poll::Ready(Err(e)),
            Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                Ok(data) if data.is_empty() => continue,
                Ok(data) => Poll::Ready(Ok(Some(data))),
                Err(_trailers) => continue,
            },
        };
    }
}

/// A response body read by our transport: as it came, or decompressed as
/// its `Content-Encoding` says.
pub(crate) enum DirectBody {
    Plain(hyper::body::Incoming),
    /// Boxed: the rare case, and decoders hold kilobytes of state.
    #[cfg(any(
        feature = "gzip",
        feature = "brotli",
        feature = "zstd",
        feature = "deflate"
    ))]
    Decoded(Pin<Box<dyn Stream<Item = std::io::Result<Bytes>> + Send>>),
}

impl DirectBody {
    /// The length of the body as it will be read, when known.
    pub(crate) fn exact_len(&self) -> Option<u64> {
        match self {
            DirectBody::Plain(body) => body.size_hint().exact(),
            #[cfg(any(
                feature = "gzip",
                feature = "brotli",
                feature = "zstd",
                feature = "deflate"
            ))]
            DirectBody::Decoded(_) => None,
        }
    }

    /// `body`, decoded when `coding` is one this build decodes; given back
    /// otherwise.
    pub(crate) fn decoding(
        coding: &[u8],
        body: hyper::body::Incoming,
    ) -> Result<DirectBody, hyper::body::Incoming> {
        #[cfg(any(
            feature = "gzip",
            feature = "brotli",
            feature = "zstd",
            feature = "deflate"
        ))]
        {
            use async_compression::tokio::bufread as codec;
            let coding = coding.trim_ascii();
            let is = |name: &str| coding.eq_ignore_ascii_case(name.as_bytes());
            let frames = tokio_util::io::StreamReader::new(Frames(body));
            let decoder: Pin<Box<dyn tokio::io::AsyncRead + Send>> = match () {
                #[cfg(feature = "gzip")]
                () if is("gzip") || is("x-gzip") => Box::pin(codec::GzipDecoder::new(frames)),
                #[cfg(feature = "brotli")]
                () if is("br") => Box::pin(codec::BrotliDecoder::new(frames)),
                #[cfg(feature = "zstd")]
                () if is("zstd") => Box::pin(codec::ZstdDecoder::new(frames)),
                #[cfg(feature = "deflate")]
                () if is("deflate") => Box::pin(codec::ZlibDecoder::new(frames)),
                () => return Err(frames.into_inner().0),
            };
            Ok(DirectBody::Decoded(Box::pin(
                tokio_util::io::ReaderStream::new(decoder),
            )))
        }
        #[cfg(not(any(
            feature = "gzip",
            feature = "brotli",
            feature = "zstd",
            feature = "deflate"
        )))]
        {
            let _ = coding;
            Err(body)
        }
    }
}

/// The `Accept-Encoding` of the codings this build decodes (as reqwest
/// sends it).
pub(crate) fn accept_encoding() -> Option<HeaderValue> {
    let codings: &[&str] = &[
        #[cfg(feature = "gzip")]
        "gzip",
        #[cfg(feature = "brotli")]
        "br",
        #[cfg(feature = "zstd")]
        "zstd",
        #[cfg(feature = "deflate")]
        "deflate",
    ];
    (!codings.is_empty()).then(|| HeaderValue::from_str(&codings.join(", ")).ok())?
}

/// The data of a body, as the byte stream a decoder reads.
#[cfg(any(
    feature = "gzip",
    feature = "brotli",
    feature = "zstd",
    feature = "deflate"
))]
struct Frames(hyper::body::Incoming);

#[cfg(any(
    feature = "gzip",
    feature = "brotli",
    feature = "zstd",
    feature = "deflate"
))]
impl Stream for Frames {
    type Item = std::io::Result<Bytes>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        poll_frames(&mut self.get_mut().0, cx).map(|r| r.map_err(std::io::Error::other).transpose())
    }
}

/// `response` with its body decompressed as its `Content-Encoding` says,
/// unless a range was asked for.
pub(crate) fn decompressed(
    response: http::Response<hyper::body::Incoming>,
    ranged: bool,
) -> http::Response<DirectBody> {
    let (mut parts, body) = response.into_parts();
    let coding = parts.headers.get(header::CONTENT_ENCODING);
    let body = match coding {
        Some(coding) if !ranged && !body.is_end_stream() => {
            match DirectBody::decoding(coding.as_bytes(), body) {
                Ok(decoded) => {
                    parts.headers.remove(header::CONTENT_ENCODING);
                    parts.headers.remove(header::CONTENT_LENGTH);
                    decoded
                }
                Err(body) => DirectBody::Plain(body),
            }
        }
        _ => DirectBody::Plain(body),
    };
    http::Response::from_parts(parts, body)
}
