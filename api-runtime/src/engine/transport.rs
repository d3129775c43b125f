//! How requests go out: every client the builder makes uses our transport
//! (`Direct`) on hyper-util's pooled client and the engine's connector
//! (`engine/`: TLS and proxies); a client given with `with_reqwest_client`
//! (feature `reqwest`) is that client.
//!
//! Both take the same [`Outgoing`] request and give the same [`Incoming`]
//! response, so everything above them (attempts, limits, decoding) is
//! shared. Our transport does per request only what the request needs:
//! reqwest parses each URL three more times, clones its header maps and
//! its connector stack, which costs about a third of a call's CPU when the
//! client is the bottleneck (see BENCHMARKS.md).

use std::error::Error as StdError;
use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, StatusCode, Uri};
use http_body::{Body as HttpBody, Frame, SizeHint};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use url::Url;

use crate::engine::connect::{Connector, Proxies};
use crate::engine::cookies::CookieJar;
use crate::engine::decompress::{DirectBody, accept_encoding, decompressed, poll_frames};
use crate::engine::redirect::{Hop, redirect};

pub(crate) type BoxError = Box<dyn StdError + Send + Sync>;

/// A request as the attempt loop, credentials and hooks shape it.
pub(crate) struct Outgoing {
    method: Method,
    url: Url,
    headers: HeaderMap,
    body: SendBody,
}

impl Outgoing {
    pub(crate) fn new(method: Method, url: Url) -> Outgoing {
        Outgoing {
            method,
            url,
            headers: HeaderMap::new(),
            body: SendBody::Empty,
        }
    }

    pub(crate) fn method(&self) -> &Method {
        &self.method
    }

    pub(crate) fn url(&self) -> &Url {
        &self.url
    }

    pub(crate) fn url_mut(&mut self) -> &mut Url {
        &mut self.url
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
        })
    }

    /// The request for reqwest; a streamed body is moved into it.
    #[cfg(feature = "reqwest")]
    fn reqwest_request(&mut self) -> reqwest::Request {
        let mut request = reqwest::Request::new(self.method.clone(), self.url.clone());
        *request.headers_mut() = self.headers.clone();
        *request.body_mut() = match self.body.take_for_send() {
            SendBody::Empty => None,
            SendBody::Bytes(bytes) => Some(bytes.into()),
            SendBody::Stream(body) => Some(body.into_reqwest()),
        };
        request
    }
}

/// A request body: bytes that can be sent again, or a stream that goes out
/// once.
pub(crate) enum SendBody {
    Empty,
    Bytes(Bytes),
    Stream(crate::request::body::StreamBody),
}

impl SendBody {
    /// What one exchange sends: a copy of bytes (they stay for another
    /// attempt), or the stream itself (it goes out once).
    fn take_for_send(&mut self) -> SendBody {
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

/// Why a request got no response, or its body could not be read.
#[derive(Debug)]
pub(crate) enum TransportError {
    #[cfg(feature = "reqwest")]
    Reqwest(reqwest::Error),
    Direct {
        source: BoxError,
        /// The connection could not be made (nothing was sent).
        connect: bool,
    },
    /// A redirect that cannot be followed.
    Redirect(String),
    /// A URL that HTTP cannot carry.
    InvalidUrl(http::uri::InvalidUri),
}

impl TransportError {
    /// Whether the connection closed after the request went out and before
    /// any byte of a response came back (hyper's "incomplete message"): on a
    /// reused connection, the server closed it meanwhile.
    fn is_closed_before_response(&self) -> bool {
        let TransportError::Direct {
            source,
            connect: false,
        } = self
        else {
            return false;
        };
        let mut cause: Option<&(dyn StdError + 'static)> = Some(&**source);
        while let Some(e) = cause {
            if e.downcast_ref::<hyper::Error>()
                .is_some_and(hyper::Error::is_incomplete_message)
            {
                return true;
            }
            cause = e.source();
        }
        false
    }

    fn direct(source: impl Into<BoxError>, connect: bool) -> TransportError {
        TransportError::Direct {
            source: source.into(),
            connect,
        }
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            #[cfg(feature = "reqwest")]
            TransportError::Reqwest(e) => fmt::Display::fmt(e, f),
            TransportError::Direct { source, connect } => {
                if *connect {
                    write!(f, "could not connect: {source}")
                } else {
                    fmt::Display::fmt(source, f)
                }
            }
            TransportError::Redirect(why) => f.write_str(why),
            TransportError::InvalidUrl(e) => write!(f, "the URL cannot be sent: {e}"),
        }
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            #[cfg(feature = "reqwest")]
            TransportError::Reqwest(e) => e.source(),
            TransportError::Direct { source, .. } => source.source(),
            TransportError::Redirect(_) => None,
            TransportError::InvalidUrl(e) => Some(e),
        }
    }
}

/// A response whose body is still to be read.
#[doc(hidden)]
pub struct Incoming(Repr);

// The direct variant is the common one: boxing it would cost an
// allocation per call.
#[allow(clippy::large_enum_variant)]
enum Repr {
    #[cfg(feature = "reqwest")]
    Reqwest(reqwest::Response),
    Direct {
        status: StatusCode,
        headers: HeaderMap,
        /// Where a redirect led; `None`: the request's URL.
        url: Option<Url>,
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
            Repr::Reqwest(response) => response.chunk().await.map_err(TransportError::Reqwest),
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
                .map(|item| item.map(|r| r.map_err(TransportError::Reqwest))),
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
            poll_frames(body, cx).map_err(|e| TransportError::direct(e, false))
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
            Poll::Ready(Some(Err(e))) => Poll::Ready(Err(TransportError::direct(e, false))),
        },
    }
}

/// One request on its way: the response head, or why none came.
pub(crate) type Exchange<'a> =
    Pin<Box<dyn std::future::Future<Output = Result<Incoming, TransportError>> + Send + 'a>>;

/// How requests go out (chosen when the client is built): every client
/// the builder makes goes through [`Direct`] (headers, cookies, redirects
/// handled here, whichever engine sends each exchange); a client given
/// with `with_reqwest_client` is that client, with its own redirects and
/// cookies.
pub(crate) enum Transport {
    Direct(Box<Direct>),
    #[cfg(feature = "reqwest")]
    Reqwest(reqwest::Client),
}

impl Transport {
    /// Sends `request`. The future is boxed: a future is copied whole
    /// each time it moves (into its caller's state, into a time limit),
    /// and unboxed, the layers of a call added up to tens of kilobytes
    /// copied per call, more CPU than the HTTP exchange itself.
    pub(crate) fn send<'a>(&'a self, request: &'a mut Outgoing) -> Exchange<'a> {
        match self {
            Transport::Direct(direct) => Box::pin(direct.send(request)),
            #[cfg(feature = "reqwest")]
            Transport::Reqwest(client) => {
                let pending = client.execute(request.reqwest_request());
                Box::pin(async move {
                    pending
                        .await
                        .map(|response| Incoming(Repr::Reqwest(response)))
                        .map_err(TransportError::Reqwest)
                })
            }
        }
    }

    /// Which transport this is, for `Debug`.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Transport::Direct(_) => "hyper-util",
            #[cfg(feature = "reqwest")]
            Transport::Reqwest(_) => "reqwest (given)",
        }
    }
}

/// The settings of the direct transport.
pub(crate) struct DirectSettings {
    /// Sent with every request that does not set them itself (the user
    /// agent and the builder's headers).
    pub(crate) headers: HeaderMap,
    pub(crate) connect_timeout: Duration,
    pub(crate) cookies: Option<Arc<CookieJar>>,
    /// The query parameter that carries the client's API key, removed from
    /// a redirect's URL that leaves the origin.
    pub(crate) query_credential: Option<String>,
    /// Redirects followed before giving up; 0: none followed.
    pub(crate) max_redirects: usize,
    pub(crate) http2_prior_knowledge: bool,
    pub(crate) http2_adaptive_window: bool,
    pub(crate) pool_max_idle_per_host: Option<usize>,
    /// `None`: the default (90 s); `Some(None)`: idle connections stay.
    pub(crate) pool_idle_timeout: Option<Option<Duration>>,
    /// `None`: the default (15 s); `Some(None)`: no keep-alive probes.
    pub(crate) tcp_keepalive: Option<Option<Duration>>,
    pub(crate) tls: crate::engine::tls::TlsSettings,
    /// Which destinations go through which proxy (`None`: all direct).
    pub(crate) proxies: Option<Arc<Proxies>>,
}

/// Our transport: hyper-util's pooled client over rustls, with what
/// reqwest adds that a client of ours needs: default headers, cookies,
/// redirects (credentials dropped across origins) and decompression.
pub(crate) struct Direct {
    client: HyperClient<Connector, SendBody>,
    headers: HeaderMap,
    cookies: Option<Arc<CookieJar>>,
    max_redirects: usize,
    query_credential: Option<String>,
    /// The proxies, for the `Proxy-Authorization` of plain-http requests
    /// sent to an HTTP proxy in absolute form.
    proxies: Option<Arc<Proxies>>,
}

/// What reqwest sends by default, kept so that a server sees the same
/// request whichever transport sends it.
fn default_headers(mut headers: HeaderMap) -> HeaderMap {
    if !headers.contains_key(header::ACCEPT) {
        headers.insert(header::ACCEPT, HeaderValue::from_static("*/*"));
    }
    if let Some(codings) = accept_encoding() {
        headers.entry(header::ACCEPT_ENCODING).or_insert(codings);
    }
    headers
}

impl Direct {
    /// The transport the settings describe.
    ///
    /// # Errors
    /// When TLS cannot be set up (no crypto provider, a client identity
    /// whose key does not fit).
    pub(crate) fn new(settings: DirectSettings) -> crate::response::error::Result<Direct> {
        Ok(Direct {
            client: hyper_engine(&settings)?,
            headers: default_headers(settings.headers),
            cookies: settings.cookies,
            max_redirects: settings.max_redirects,
            query_credential: settings.query_credential,
            proxies: settings.proxies,
        })
    }
}

/// hyper-util's pooled client over rustls, as the settings say.
fn hyper_engine(
    settings: &DirectSettings,
) -> crate::response::error::Result<HyperClient<Connector, SendBody>> {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    // As reqwest: probes every 15 s, 3 of them unanswered drop it.
    http.set_keepalive(
        settings
            .tcp_keepalive
            .unwrap_or(Some(Duration::from_secs(15))),
    );
    http.set_keepalive_interval(Some(Duration::from_secs(15)));
    http.set_keepalive_retries(Some(3));
    let alpn: &[&[u8]] = if settings.http2_prior_knowledge {
        &[b"h2"]
    } else {
        &[b"h2", b"http/1.1"]
    };
    let connector = Connector::new(
        http,
        settings.tls.client_config(alpn)?,
        settings.tls.client_config(&[b"http/1.1"])?,
        settings.proxies.clone(),
        settings.connect_timeout,
    );
    let mut client = HyperClient::builder(TokioExecutor::new());
    client
        .timer(TokioTimer::new())
        .pool_timer(TokioTimer::new())
        .pool_idle_timeout(
            settings
                .pool_idle_timeout
                .unwrap_or(Some(Duration::from_secs(90))),
        )
        .http2_only(settings.http2_prior_knowledge)
        .http2_adaptive_window(settings.http2_adaptive_window);
    if let Some(max) = settings.pool_max_idle_per_host {
        client.pool_max_idle_per_host(max);
    }
    Ok(client.build(connector))
}

impl Direct {
    /// Sends `request` (its streamed body goes out; bytes stay), following
    /// redirects.
    async fn send(&self, request: &mut Outgoing) -> Result<Incoming, TransportError> {
        // Where redirects led: each hop starts from the request's headers.
        let mut hop: Option<Hop> = None;
        // A streamed body goes out with the first exchange, for good.
        let streamed = !request.is_replayable();
        // Whether this hop was sent again after a stale connection.
        let mut resent = false;
        loop {
            let body = match &mut hop {
                Some(hop) => std::mem::replace(&mut hop.body, SendBody::Empty),
                None => request.body.take_for_send(),
            };
            let mut headers = self.headers_for(&request.headers);
            let (method, url) = match &hop {
                Some(hop) => {
                    hop.strip(&mut headers);
                    (&hop.method, &hop.url)
                }
                None => (&request.method, &request.url),
            };
            if let Some(jar) = &self.cookies {
                if !headers.contains_key(header::COOKIE) {
                    if let Some(cookies) = jar.header_for(url) {
                        headers.insert(header::COOKIE, cookies);
                    }
                }
            }
            let uri = Uri::try_from(url.as_str()).map_err(TransportError::InvalidUrl)?;
            if let Some(auth) = self.proxies.as_ref().and_then(|p| p.forward_auth(url)) {
                headers.entry(header::PROXY_AUTHORIZATION).or_insert(auth);
            }
            // What a stale pooled connection allows to send again.
            let resendable = !resent
                && matches!(body, SendBody::Empty)
                && matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
            // Built and handed over in one expression: nothing of it is
            // kept in this future while the response is awaited.
            let response =
                match hyper_exchange(&self.client, exchange(method.clone(), uri, headers, body))
                    .await
                {
                    Ok(response) => response,
                    // A server (or a proxy such as tinyproxy) that closes a
                    // kept-alive connection without saying so races its next
                    // request: an idempotent request without a body is sent
                    // once more, on a new connection, as browsers do.
                    Err(e) if resendable && e.is_closed_before_response() => {
                        resent = true;
                        continue;
                    }
                    Err(e) => return Err(e),
                };
            resent = false;
            if let Some(jar) = &self.cookies {
                let set = response.headers().get_all(header::SET_COOKIE);
                jar.store_response(set.iter(), url);
            }
            let status = response.status();
            let next = if self.max_redirects > 0 && status.is_redirection() {
                // What this exchange sent, for a 307 or 308 to send again:
                // nothing after a redirect made it a GET; a stream, never.
                let empty = SendBody::Empty;
                let body = match &hop {
                    Some(hop) if hop.drop_payload => Some(&empty),
                    _ if streamed => None,
                    _ => Some(&request.body),
                };
                redirect(status, method, url, response.headers(), body)
            } else {
                None
            };
            let Some(mut next) = next else {
                let (parts, body) = response.into_parts();
                return Ok(Incoming(Repr::Direct {
                    status: parts.status,
                    headers: parts.headers,
                    url: hop.map(|hop| hop.url),
                    body,
                }));
            };
            let redirects = hop.as_ref().map_or(0, |hop| hop.redirects) + 1;
            if redirects > self.max_redirects {
                return Err(TransportError::Redirect(format!(
                    "too many redirects (more than {}), the last to {}",
                    self.max_redirects,
                    crate::response::redact::mask_url(&next.url)
                )));
            }
            if !matches!(next.url.scheme(), "http" | "https") {
                return Err(TransportError::Redirect(format!(
                    "a redirect to a URL that is not http or https: {}",
                    crate::response::redact::mask_url(&next.url)
                )));
            }
            // Once dropped, credentials and the payload stay dropped.
            if let Some(previous) = &hop {
                next.drop_credentials |= previous.drop_credentials;
                next.drop_payload |= previous.drop_payload;
            }
            if next.drop_credentials {
                if let Some(name) = &self.query_credential {
                    next.url = crate::response::redact::without_query_param(&next.url, name);
                }
            }
            next.redirects = redirects;
            hop = Some(next);
        }
    }

    /// The request's headers with the defaults it does not set.
    fn headers_for(&self, own: &HeaderMap) -> HeaderMap {
        // Most requests set none of their own: one copy of the defaults.
        if own.is_empty() {
            return self.headers.clone();
        }
        let mut headers = own.clone();
        // A range is asked of the body as it is, not compressed.
        let ranged = own.contains_key(header::RANGE);
        for name in self.headers.keys() {
            let skipped = ranged && name == header::ACCEPT_ENCODING;
            if !skipped && !own.contains_key(name) {
                for value in self.headers.get_all(name) {
                    headers.append(name.clone(), value.clone());
                }
            }
        }
        headers
    }
}

/// One exchange through hyper-util, the response body decompressed as it
/// is read (unless a range was asked for: part of a compressed body
/// cannot be decompressed alone). The request goes to hyper-util at once;
/// the future only waits for the response.
fn hyper_exchange(
    client: &HyperClient<Connector, SendBody>,
    request: http::Request<SendBody>,
) -> impl std::future::Future<Output = Result<http::Response<DirectBody>, TransportError>> + Send + use<>
{
    let ranged = request.headers().contains_key(header::RANGE);
    let sent = client.request(request);
    async move {
        let response = sent.await.map_err(|e| {
            let connect = e.is_connect();
            TransportError::direct(e, connect)
        })?;
        Ok(decompressed(response, ranged))
    }
}

/// The request hyper sends.
fn exchange(
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: SendBody,
) -> http::Request<SendBody> {
    let mut request = http::Request::new(body);
    *request.method_mut() = method;
    *request.uri_mut() = uri;
    *request.headers_mut() = headers;
    request
}
