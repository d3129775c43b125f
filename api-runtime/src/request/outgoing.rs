//! A request as the attempt loop, credentials and hooks shape it
//! ([`Outgoing`]), and its body ([`SendBody`]): bytes that can be sent
//! again, or a stream that goes out once.

use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::Method;
use http::header::HeaderMap;
use http_body::{Body as HttpBody, Frame, SizeHint};
use url::Url;

use crate::error::BoxError;

/// Signs a request again for a redirect it follows on its origin (the
/// policy's signer, given to the request as it is signed).
pub(crate) trait Resign: Send + Sync {
    /// Replaces the signature in `headers` with one of this hop.
    ///
    /// # Errors
    /// The signer refused the hop.
    fn resign(
        &mut self,
        method: &Method,
        url: &Url,
        headers: &mut HeaderMap,
        body: &SendBody,
    ) -> Result<(), BoxError>;
}

/// A request as the attempt loop, credentials and hooks shape it.
pub(crate) struct Outgoing {
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) headers: HeaderMap,
    pub(crate) body: SendBody,
    /// The request leaves the client's origin (a next page's link to
    /// another host): it carries no credential of the client's.
    pub(crate) foreign: bool,
    /// A 3xx is the response wanted, when redirects are not followed
    /// (`Response<()>` and the like).
    reads_redirect: bool,
    /// Set by the transport: the response came from another origin than
    /// this request's (a redirect led there).
    pub(crate) elsewhere: bool,
    /// How to sign each redirect followed on the origin, when the request
    /// is signed.
    pub(crate) resign: Option<Box<dyn Resign>>,
    /// The call runs on its caller's thread, on that thread's runtime (a
    /// blocking call): it goes out on that thread's connections, which
    /// that runtime drives. Set by the blocking front end.
    pub(crate) on_caller_thread: bool,
}

impl Outgoing {
    pub(crate) fn new(method: Method, url: Url) -> Outgoing {
        Outgoing {
            method,
            url,
            headers: HeaderMap::new(),
            body: SendBody::Empty,
            foreign: false,
            reads_redirect: false,
            elsewhere: false,
            resign: None,
            on_caller_thread: false,
        }
    }

    /// Signs each redirect this request follows on its origin with
    /// `resign`.
    pub(crate) fn set_resign(&mut self, resign: Box<dyn Resign>) {
        self.resign = Some(resign);
    }

    /// Reads a 3xx as the response when the client follows no redirects.
    pub(crate) fn set_reads_redirect(&mut self, reads: bool) {
        self.reads_redirect = reads;
    }

    /// Whether a 3xx is the response wanted (when redirects are off).
    pub(crate) fn reads_redirect(&self) -> bool {
        self.reads_redirect
    }

    /// The parts a signer reads, with the headers it may change.
    pub(crate) fn parts_mut(&mut self) -> (&Method, &Url, &mut HeaderMap, &SendBody) {
        (&self.method, &self.url, &mut self.headers, &self.body)
    }

    /// Whether the request leaves the client's origin: no credential of
    /// the client's goes with it.
    pub(crate) fn is_foreign(&self) -> bool {
        self.foreign
    }

    /// Sends the request to `url`, outside the client's origin when
    /// `foreign`: then no credential is added to it, and the transport
    /// sends only the headers that may cross origins (`origin.rs`).
    pub(crate) fn redirect_to(&mut self, url: Url, foreign: bool) {
        self.url = crate::request::origin::without_userinfo(url);
        self.foreign |= foreign;
    }

    /// Whether the last response to this request came from another origin
    /// than its own (a redirect led there): what that server announced
    /// (a pause, its health) is not of the client's origin.
    pub(crate) fn answered_elsewhere(&self) -> bool {
        self.elsewhere || self.foreign
    }

    pub(crate) fn method(&self) -> &Method {
        &self.method
    }

    pub(crate) fn url(&self) -> &Url {
        &self.url
    }

    /// The URL, the request no longer needed.
    pub(crate) fn into_url(self) -> Url {
        self.url
    }

    pub(crate) fn url_mut(&mut self) -> &mut Url {
        &mut self.url
    }

    pub(crate) fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    pub(crate) fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.headers
    }

    pub(crate) fn set_headers(&mut self, headers: HeaderMap) {
        self.headers = headers;
    }

    pub(crate) fn set_body(&mut self, body: SendBody) {
        self.body = body;
    }

    /// Whether the body can be sent again (it is not a stream).
    pub(crate) fn is_replayable(&self) -> bool {
        !matches!(self.body, SendBody::Stream(_))
    }

    /// A copy for one attempt; `None` when the body is a stream, which can
    /// be sent once only.
    pub(crate) fn try_clone(&self) -> Option<Outgoing> {
        Some(Outgoing {
            method: self.method.clone(),
            url: self.url.clone(),
            headers: self.headers.clone(),
            body: self.body.try_clone()?,
            foreign: self.foreign,
            reads_redirect: self.reads_redirect,
            elsewhere: false,
            // Each attempt's copy is signed on its own.
            resign: None,
            on_caller_thread: self.on_caller_thread,
        })
    }
}

/// A request body: bytes that can be sent again, or a stream that goes out
/// once.
pub(crate) enum SendBody {
    Empty,
    Bytes(Bytes),
    Stream(crate::request::stream_body::StreamBody),
}

impl SendBody {
    /// What one exchange sends: a copy of bytes (they stay for another
    /// attempt), or the stream itself (it goes out once).
    pub(crate) fn take_for_send(&mut self) -> SendBody {
        match self {
            SendBody::Stream(_) => std::mem::replace(self, SendBody::Empty),
            SendBody::Bytes(bytes) => SendBody::Bytes(bytes.clone()),
            SendBody::Empty => SendBody::Empty,
        }
    }

    pub(crate) fn try_clone(&self) -> Option<SendBody> {
        match self {
            SendBody::Empty => Some(SendBody::Empty),
            SendBody::Bytes(bytes) => Some(SendBody::Bytes(bytes.clone())),
            SendBody::Stream(_) => None,
        }
    }
}

impl HttpBody for SendBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        match this {
            SendBody::Empty => Poll::Ready(None),
            SendBody::Bytes(bytes) => {
                let bytes = std::mem::take(bytes);
                *this = SendBody::Empty;
                Poll::Ready((!bytes.is_empty()).then(|| Ok(Frame::data(bytes))))
            }
            SendBody::Stream(body) => Pin::new(body).poll_frame(cx),
        }
    }

    fn is_end_stream(&self) -> bool {
        match self {
            SendBody::Empty => true,
            SendBody::Bytes(bytes) => bytes.is_empty(),
            SendBody::Stream(body) => body.is_end_stream(),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match self {
            SendBody::Empty => SizeHint::with_exact(0),
            SendBody::Bytes(bytes) => SizeHint::with_exact(bytes.len() as u64),
            SendBody::Stream(body) => body.size_hint(),
        }
    }
}
