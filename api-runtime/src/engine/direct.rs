//! Our transport: our pool of hyper connections (`pool.rs`) over rustls
//! and the engine's connector, with default headers, cookies, redirects and
//! decompression. Per request it does only what the request needs:
//! reqwest parses each URL three more times, clones its header maps and
//! its connector stack, which costs about a third of a call's CPU when the
//! client is the bottleneck (see BENCHMARKS.md).

use std::sync::Arc;
use std::time::Duration;

use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Uri};
use hyper_util::client::legacy::connect::HttpConnector;
use thread_local::ThreadLocal;

use crate::engine::connect::Connector;
use crate::engine::cookies::CookieJar;
use crate::engine::decompress::{DirectBody, accept_encoding, decompressed};
use crate::engine::failure::TransportError;
use crate::engine::incoming::Incoming;
use crate::engine::pool::{Pool, PoolSettings};
use crate::engine::proxies::Proxies;
use crate::engine::redirect::{Hop, redirect};
use crate::engine::uri::KnownAuthority;
use crate::request::outgoing::{Outgoing, SendBody};

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
    /// HTTP/1.1 only: no HTTP/2 offered by ALPN.
    pub(crate) http1_only: bool,
    pub(crate) http2_adaptive_window: bool,
    pub(crate) pool_max_idle_per_host: Option<usize>,
    /// `None`: the default (90 s); `Some(None)`: idle connections stay.
    pub(crate) pool_idle_timeout: Option<Option<Duration>>,
    /// `None`: the default (15 s); `Some(None)`: no keep-alive probes.
    pub(crate) tcp_keepalive: Option<Option<Duration>>,
    pub(crate) tls: crate::engine::tls::TlsSettings,
    /// Which destinations go through which proxy (`None`: all direct).
    pub(crate) proxies: Option<Arc<Proxies>>,
    /// Headers the user marked safe to send to another origin, beyond
    /// the allowlist (`origin.rs`).
    pub(crate) cross_origin: Vec<HeaderName>,
}

/// Our transport: our pool (`pool.rs`) of hyper connections over rustls,
/// with what reqwest adds that a client of ours needs: default headers, cookies,
/// redirects (credentials dropped across origins) and decompression.
pub(crate) struct Direct {
    pool: Pool,
    /// A pool per thread, for blocking calls run on their caller's thread
    /// (`blocking.rs`): a connection is driven by the runtime that opened
    /// it, and a thread's runtime runs only while that thread is in a
    /// call, so connections are not shared across such threads.
    per_thread: ThreadLocal<Pool>,
    /// How `per_thread`'s pools are made.
    engine: (Connector, PoolSettings),
    headers: HeaderMap,
    cookies: Option<Arc<CookieJar>>,
    pub(super) max_redirects: usize,
    query_credential: Option<String>,
    /// The proxies, for the `Proxy-Authorization` of plain-http requests
    /// sent to an HTTP proxy in absolute form.
    proxies: Option<Arc<Proxies>>,
    /// The authority of the origin requests go to, parsed once.
    authority: KnownAuthority,
    /// Headers the user marked safe to send to another origin.
    cross_origin: Vec<HeaderName>,
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
    pub(crate) fn new(settings: DirectSettings) -> crate::error::Result<Direct> {
        let (connector, pool_settings) = hyper_engine(&settings)?;
        Ok(Direct {
            pool: Pool::new(connector.clone(), pool_settings.clone()),
            per_thread: ThreadLocal::new(),
            engine: (connector, pool_settings),
            headers: default_headers(settings.headers),
            cookies: settings.cookies,
            max_redirects: settings.max_redirects,
            query_credential: settings.query_credential,
            proxies: settings.proxies,
            authority: KnownAuthority::default(),
            cross_origin: settings.cross_origin,
        })
    }
}

/// The connector (TCP, TLS, proxies) and the pool's settings, as the
/// transport's settings say.
fn hyper_engine(settings: &DirectSettings) -> crate::error::Result<(Connector, PoolSettings)> {
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
    let alpn: &[&[u8]] = match (settings.http2_prior_knowledge, settings.http1_only) {
        (true, _) => &[b"h2"],
        (false, true) => &[b"http/1.1"],
        (false, false) => &[b"h2", b"http/1.1"],
    };
    let connector = Connector::new(
        http,
        settings.tls.client_config(alpn)?,
        settings.tls.client_config(&[b"http/1.1"])?,
        settings.proxies.clone(),
        settings.connect_timeout,
    );
    let pool = PoolSettings {
        http2_only: settings.http2_prior_knowledge,
        http2_adaptive_window: settings.http2_adaptive_window,
        idle_timeout: settings
            .pool_idle_timeout
            .unwrap_or(Some(Duration::from_secs(90))),
        max_idle_per_host: settings.pool_max_idle_per_host.unwrap_or(usize::MAX),
    };
    Ok((connector, pool))
}

impl Direct {
    /// Sends `request` (its streamed body goes out; bytes stay), following
    /// redirects.
    pub(super) async fn send(&self, request: &mut Outgoing) -> Result<Incoming, TransportError> {
        // Where redirects led: each hop starts from the request's headers.
        let mut hop: Option<Hop> = None;
        // A streamed body goes out with the first exchange, for good.
        let streamed = !request.is_replayable();
        // Whether this hop was sent again after a stale connection.
        let mut resent = false;
        // The redirects followed: no allocation unless there is one.
        let mut history = Vec::new();
        loop {
            let body = match &mut hop {
                Some(hop) => std::mem::replace(&mut hop.body, SendBody::Empty),
                None => request.body.take_for_send(),
            };
            let (uri, headers) = self.head_of(request, hop.as_ref(), &body)?;
            let method = match &hop {
                Some(hop) => &hop.method,
                None => &request.method,
            };
            // What a stale pooled connection allows to send again.
            let resendable = !resent
                && matches!(body, SendBody::Empty)
                && matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
            // The body decompressed as it is read, unless a range was asked
            // for: part of a compressed body cannot be decompressed alone.
            let ranged = headers.contains_key(header::RANGE);
            // Built and handed over in one expression: nothing of it is
            // kept in this future while the response is awaited.
            let response = match self
                .pool(request.on_caller_thread)
                .send(exchange(method.clone(), uri, headers, body))
                .await
            {
                Ok(response) => decompressed(response, ranged),
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
            hop = match self.landed(response, request, hop.take(), streamed, &mut history)? {
                Landed::Final(incoming) => return Ok(incoming),
                Landed::Redirect(next) => Some(next),
            };
        }
    }

    /// Where a response leaves the request: at its end, or at the next
    /// hop of a redirect to follow. Keeps the cookies it sets, and notes
    /// each redirect followed in `history`.
    fn landed(
        &self,
        response: http::Response<DirectBody>,
        request: &mut Outgoing,
        hop: Option<Hop>,
        streamed: bool,
        history: &mut Vec<(http::StatusCode, url::Url)>,
    ) -> Result<Landed, TransportError> {
        let (method, url) = match &hop {
            Some(hop) => (&hop.method, &hop.url),
            None => (&request.method, &request.url),
        };
        if let Some(jar) = &self.cookies {
            let set = response.headers().get_all(header::SET_COOKIE);
            jar.store_response(set.iter(), url);
        }
        // What this exchange sent, for a 307 or 308 to send again:
        // nothing after a redirect made it a GET; a stream, never.
        let empty = SendBody::Empty;
        let sent = match &hop {
            Some(hop) if hop.drop_payload => Some(&empty),
            _ if streamed => None,
            _ => Some(&request.body),
        };
        let Some(next) = self.redirect_of(&response, method, url, sent) else {
            // Whether the answer came from another origin than the
            // request's (a server's pause then is not the client's).
            request.elsewhere = hop.as_ref().is_some_and(|hop| hop.crossed);
            let (parts, body) = response.into_parts();
            let url = hop.map(|hop| hop.url);
            let history = std::mem::take(history);
            let incoming = Incoming::direct(parts.status, parts.headers, url, history, body);
            return Ok(Landed::Final(incoming));
        };
        history.push((response.status(), url.clone()));
        Ok(Landed::Redirect(self.next_hop(hop.as_ref(), next)?))
    }

    /// The pool this exchange goes through: this thread's when the call
    /// runs on its caller's thread (a blocking call, on that thread's own
    /// runtime, which drives that thread's connections), else the shared
    /// one.
    fn pool(&self, on_caller_thread: bool) -> &Pool {
        if on_caller_thread {
            let (connector, settings) = &self.engine;
            self.per_thread
                .get_or(|| Pool::new(connector.clone(), settings.clone()))
        } else {
            &self.pool
        }
    }

    /// Where `response` redirects to, if it does and redirects are
    /// followed.
    fn redirect_of(
        &self,
        response: &http::Response<DirectBody>,
        method: &Method,
        url: &url::Url,
        sent: Option<&SendBody>,
    ) -> Option<Hop> {
        let status = response.status();
        if self.max_redirects == 0 || !status.is_redirection() {
            return None;
        }
        redirect(status, method, url, response.headers(), sent)
    }

    /// The URI and headers of the hop `hop` of `request` (its first when
    /// `None`). A redirect on the origin is signed anew (the signature
    /// covers the request it is on); one to another origin carries no
    /// signature, as it carries no credential.
    fn head_of(
        &self,
        request: &mut Outgoing,
        hop: Option<&Hop>,
        body: &SendBody,
    ) -> Result<(Uri, HeaderMap), TransportError> {
        let Some(next) = hop else {
            return self.hop_head(&request.headers, None, &request.url, request.foreign);
        };
        let resign = request.resign.as_deref_mut().filter(|_| !next.crossed);
        let Some(resign) = resign else {
            return self.hop_head(&request.headers, hop, &next.url, request.foreign);
        };
        let mut own = request.headers.clone();
        next.strip(&mut own, &[]);
        resign
            .resign(&next.method, &next.url, &mut own, body)
            .map_err(|e| {
                TransportError::Redirect(format!(
                    "the request signer refused the redirect to {}: {e}",
                    crate::error::redact::mask_url(&next.url)
                ))
            })?;
        self.hop_head(&own, hop, &next.url, request.foreign)
    }

    /// The URI and headers of one hop: the request's headers with the
    /// defaults, less what a redirect strips (once the origin is left,
    /// all but the headers that may cross), with the jar's cookies for
    /// this URL and the forward proxy's credentials.
    pub(super) fn hop_head(
        &self,
        own: &HeaderMap,
        hop: Option<&Hop>,
        url: &url::Url,
        foreign: bool,
    ) -> Result<(Uri, HeaderMap), TransportError> {
        let mut headers = self.headers_for(own);
        match hop {
            Some(hop) => hop.strip(&mut headers, &self.cross_origin),
            // A request sent outside the client's origin (a next link the
            // user allowed) carries what may cross, whatever set the rest.
            None if foreign => {
                crate::request::origin::retain_crossing(&mut headers, &self.cross_origin, true)
            }
            None => {}
        }
        if let Some(cookies) = self.cookies.as_ref().and_then(|jar| jar.header_for(url)) {
            // The request's own cookies (a default header, `#[cookie]`
            // arguments), then the jar's.
            crate::request::cookie::join_cookies(&mut headers, cookies.as_bytes());
        }
        let uri = self.authority.uri(url)?;
        if let Some(auth) = self.proxies.as_ref().and_then(|p| p.forward_auth(url)) {
            headers.entry(header::PROXY_AUTHORIZATION).or_insert(auth);
        }
        Ok((uri, headers))
    }

    /// The redirect `next` after `previous`, if it may be followed: within
    /// the limit, to http(s), with what earlier hops dropped still dropped
    /// and the query credential removed once the origin was left.
    fn next_hop(&self, previous: Option<&Hop>, mut next: Hop) -> Result<Hop, TransportError> {
        let redirects = previous.map_or(0, |hop| hop.redirects) + 1;
        let shown = || crate::error::redact::mask_url(&next.url);
        if redirects > self.max_redirects {
            return Err(TransportError::Redirect(format!(
                "too many redirects (more than {}), the last to {}",
                self.max_redirects,
                shown()
            )));
        }
        if !matches!(next.url.scheme(), "http" | "https") {
            return Err(TransportError::Redirect(format!(
                "a redirect to a URL that is not http or https: {}",
                shown()
            )));
        }
        // Once dropped, credentials and the payload stay dropped.
        if let Some(previous) = previous {
            next.crossed |= previous.crossed;
            next.drop_payload |= previous.drop_payload;
        }
        if next.crossed {
            if let Some(name) = &self.query_credential {
                next.url = crate::error::redact::without_query_param(&next.url, name);
            }
        }
        next.redirects = redirects;
        Ok(next)
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

/// Where a response leaves a request.
enum Landed {
    /// The response to return.
    Final(Incoming),
    /// A redirect to follow.
    Redirect(Hop),
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
