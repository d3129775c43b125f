//! Our connection pool, on hyper's connection API (the connections are
//! made by `connect.rs`). It replaces hyper-util's legacy pool, which per
//! HTTP/1 request hashes its key with SipHash several times, allocates a
//! checkout, and spawns a task that waits for the connection to be ready
//! again (see BENCHMARKS.md, issue 18). Here a pool is a short list of
//! hosts, each with its connections: a request takes a ready HTTP/1
//! connection, is handed to it at once (hyper queues it synchronously),
//! and the connection goes straight back into the list, busy until its
//! response is read, so nothing waits for it to become ready. An HTTP/2
//! connection is shared by every request to its host.
//!
//! What hyper-util did that a request relies on is kept: the `Host`
//! header and origin-form request targets (`target.rs`), a request that a
//! reused connection dropped before sending it sent again on a new
//! connection, idle connections dropped after the idle time-out and
//! beyond the per-host cap.

use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::Either;
use http::header::HeaderValue;
use http::uri::Authority;
use http::{Request, Response};
use hyper::body::Incoming;
use hyper::client::conn::{http1, http2};
use hyper_util::client::legacy::connect::Connection;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use tower_service::Service;

use crate::engine::connect::Connector;
use crate::engine::failure::TransportError;
use crate::engine::target::{absolute, host_header, http1_target, origin, origin_uri};
use crate::request::outgoing::SendBody;

/// How often a host's connections are swept whole (closed and expired
/// ones a checkout meets are dropped at once).
const SWEEP_EVERY: Duration = Duration::from_secs(1);

/// How the pool's connections are made and kept.
#[derive(Clone, Debug)]
pub(crate) struct PoolSettings {
    /// HTTP/2 without negotiation (prior knowledge).
    pub(crate) http2_only: bool,
    pub(crate) http2_adaptive_window: bool,
    /// `None`: idle connections stay until the server closes them.
    pub(crate) idle_timeout: Option<Duration>,
    /// Idle HTTP/1 connections kept per host.
    pub(crate) max_idle_per_host: usize,
}

/// A pool of connections (cheap to clone: one `Arc`).
#[derive(Clone)]
pub(crate) struct Pool(Arc<Inner>);

struct Inner {
    hosts: Mutex<Vec<Host>>,
    connector: Connector,
    settings: PoolSettings,
}

/// The connections to one origin.
struct Host {
    https: bool,
    authority: Authority,
    conns: Vec<Pooled>,
    /// Whether it speaks HTTP/2 (known from a connection, or prior
    /// knowledge): then new connections are made one at a time, and
    /// requests waiting for one share it.
    h2: bool,
    /// Held while an HTTP/2 connection is being made.
    connecting: Arc<tokio::sync::Mutex<()>>,
    /// The `Host` header of its HTTP/1 requests, made once.
    host_header: Option<HeaderValue>,
    /// When `conns` is next swept whole.
    next_sweep: Instant,
}

impl Host {
    /// Whether it is the entry of this origin. Authorities compare
    /// without regard to case, byte by byte; the bytes as given match
    /// first in nearly every call, in one comparison.
    fn is(&self, https: bool, authority: &Authority) -> bool {
        self.https == https
            && (self.authority.as_str() == authority.as_str() || self.authority == *authority)
    }

    /// Drops closed connections, idle ones past `timeout`, and idle ones
    /// beyond the first `cap`.
    fn sweep(&mut self, now: Instant, timeout: Option<Duration>, cap: usize) {
        let mut idle = 0;
        self.conns.retain(|c| {
            if c.sender.is_closed() {
                return false;
            }
            if !c.is_idle() {
                return true;
            }
            idle += 1;
            idle <= cap && !c.expired(now, timeout)
        });
        self.next_sweep = now + SWEEP_EVERY;
    }
}

/// A connection in the pool.
struct Pooled {
    sender: Sender,
    /// Through a forward proxy: requests go in absolute form.
    proxied: bool,
    /// When a request was last handed to it.
    used: Instant,
}

enum Sender {
    Http1(http1::SendRequest<SendBody>),
    Http2(http2::SendRequest<SendBody>),
}

impl Sender {
    fn is_closed(&self) -> bool {
        match self {
            Sender::Http1(s) => s.is_closed(),
            Sender::Http2(s) => s.is_closed(),
        }
    }
}

impl Pooled {
    /// Whether it has been idle longer than `timeout` at `now`.
    fn expired(&self, now: Instant, timeout: Option<Duration>) -> bool {
        timeout.is_some_and(|t| now.duration_since(self.used) > t)
    }

    /// Another handle on a shared (HTTP/2) connection, marked used now.
    fn share(&mut self) -> Option<Pooled> {
        let Sender::Http2(sender) = &self.sender else {
            return None;
        };
        self.used = Instant::now();
        Some(Pooled {
            sender: Sender::Http2(sender.clone()),
            proxied: self.proxied,
            used: self.used,
        })
    }

    /// Whether a request can be handed to it now: an HTTP/1 connection
    /// whose last response is read, any HTTP/2 one (it multiplexes).
    fn is_idle(&self) -> bool {
        match &self.sender {
            Sender::Http1(s) => s.is_ready(),
            Sender::Http2(_) => true,
        }
    }
}

/// What the pool gives a request: a connection of its own (HTTP/1, put
/// back once the request is handed over) or a shared one (HTTP/2).
struct Checkout {
    pooled: Pooled,
    reused: bool,
    /// The `Host` header of an HTTP/1 request to this origin.
    host_header: Option<HeaderValue>,
}

impl Pool {
    pub(crate) fn new(connector: Connector, settings: PoolSettings) -> Pool {
        Pool(Arc::new(Inner {
            hosts: Mutex::new(Vec::new()),
            connector,
            settings,
        }))
    }

    /// Sends `request` (absolute URI) on a pooled connection or a new one;
    /// the future waits for the response head.
    ///
    /// An `async` block, not an `async fn`: a function's future holds its
    /// request twice (as given, and moved into a local).
    #[allow(clippy::manual_async_fn)] // on purpose: see above
    pub(crate) fn send(
        &self,
        mut request: Request<SendBody>,
    ) -> impl Future<Output = Result<Response<Incoming>, TransportError>> + Send + '_ {
        async move {
            let (https, authority) = origin(request.uri())?;
            // A request a reused connection dropped unsent goes once more,
            // on a new connection.
            let mut retried = false;
            loop {
                let checkout = self.checkout(https, &authority, retried).await?;
                let reused = checkout.reused;
                // Only the wait for the response is kept in this future: the
                // hand-over is synchronous.
                let sent = self.hand_over(https, &authority, checkout, request).await;
                let mut error = match sent {
                    Ok(response) => return Ok(response),
                    Err(error) => error,
                };
                match error.take_message() {
                    Some(again) if reused && !retried => {
                        // Its target may be in origin form by now.
                        request = absolute(again, https, &authority)?;
                        retried = true;
                    }
                    Some(_) if reused => return Err(exchange_error("Canceled", None)),
                    _ => return Err(exchange_error("SendRequest", Some(error.into_error()))),
                }
            }
        }
    }

    /// Hands `request` to the checked-out connection and gives an HTTP/1
    /// connection back (busy until its response is read); what is returned
    /// waits for the response head.
    fn hand_over(
        &self,
        https: bool,
        authority: &Authority,
        checkout: Checkout,
        mut request: Request<SendBody>,
    ) -> Either<impl Future<Output = SendResult> + use<>, impl Future<Output = SendResult> + use<>>
    {
        let Checkout {
            pooled,
            host_header,
            ..
        } = checkout;
        let Pooled {
            sender, proxied, ..
        } = pooled;
        match sender {
            Sender::Http1(mut sender) => {
                http1_target(&mut request, proxied, host_header);
                // Queued at once: the connection goes back busy.
                let sent = sender.try_send_request(request);
                let back = Pooled {
                    sender: Sender::Http1(sender),
                    proxied,
                    used: Instant::now(),
                };
                self.give_back(https, authority, back);
                Either::Left(sent)
            }
            Sender::Http2(mut sender) => Either::Right(sender.try_send_request(request)),
        }
    }
}

/// What a connection's sender gives back: the response head, or why not
/// (with the request when it was not sent).
type SendResult = Result<Response<Incoming>, hyper::client::conn::TrySendError<Request<SendBody>>>;

impl Pool {
    /// A connection ready for a request to this origin, if the pool has
    /// one: the idle HTTP/1 one given back last (taken out) or the shared
    /// HTTP/2 one (cloned). Closed and expired connections it meets are
    /// dropped; the whole list is swept (`Host::sweep`) when it holds more
    /// than the cap allows, and otherwise at most once a second, so that a
    /// checkout does not look at every busy connection.
    fn take(&self, https: bool, authority: &Authority) -> Option<(Pooled, Option<HeaderValue>)> {
        let mut hosts = self.0.hosts.lock().unwrap_or_else(|e| e.into_inner());
        let host = hosts.iter_mut().find(|h| h.is(https, authority))?;
        let now = Instant::now();
        let settings = &self.0.settings;
        // Idle beyond the cap (the one taken now aside) is dropped.
        let cap = settings.max_idle_per_host.saturating_add(1);
        if host.conns.len() > cap || now >= host.next_sweep {
            host.sweep(now, settings.idle_timeout, cap);
        }
        loop {
            let i = host
                .conns
                .iter()
                .rposition(|c| c.is_idle() || c.sender.is_closed())?;
            let conn = &mut host.conns[i];
            if conn.sender.is_closed() || conn.expired(now, settings.idle_timeout) {
                host.conns.swap_remove(i);
                continue;
            }
            let pooled = conn.share().unwrap_or_else(|| host.conns.swap_remove(i));
            return Some((pooled, host.host_header.clone()));
        }
    }

    /// Puts a connection (back) into the pool: an HTTP/1 one whose request
    /// is handed over, a new HTTP/2 one (unless the host has one already).
    fn give_back(&self, https: bool, authority: &Authority, pooled: Pooled) {
        let settings = &self.0.settings;
        let is_h2 = matches!(pooled.sender, Sender::Http2(_));
        if !is_h2 && settings.max_idle_per_host == 0 {
            // Closed once its response is read.
            return;
        }
        let mut hosts = self.0.hosts.lock().unwrap_or_else(|e| e.into_inner());
        let host = host_of(&mut hosts, https, authority);
        host.h2 |= is_h2;
        // Idle HTTP/1 connections beyond the cap are dropped by `take`.
        if is_h2
            && host
                .conns
                .iter()
                .any(|c| matches!(&c.sender, Sender::Http2(s) if !s.is_closed()))
        {
            return;
        }
        host.conns.push(pooled);
    }

    /// A connection for a request: an idle one (unless `fresh`), else a
    /// new one, made one at a time for an HTTP/2 host (a request that
    /// waited for the one being made shares it). A new HTTP/2 connection
    /// joins the pool at once.
    async fn checkout(
        &self,
        https: bool,
        authority: &Authority,
        fresh: bool,
    ) -> Result<Checkout, TransportError> {
        let idle = || (!fresh).then(|| self.take(https, authority)).flatten();
        if let Some((pooled, host_header)) = idle() {
            return Ok(Checkout {
                pooled,
                reused: true,
                host_header,
            });
        }
        let gate = self.h2_gate(https, authority);
        let _turn = match &gate {
            Some(gate) => Some(gate.lock().await),
            None => None,
        };
        if let Some((pooled, host_header)) = gate.as_ref().and_then(|_| idle()) {
            return Ok(Checkout {
                pooled,
                reused: true,
                host_header,
            });
        }
        // Boxed: making a connection (TCP, TLS, a proxy's handshake) takes
        // kilobytes of state, and unboxed, every future that awaits a
        // checkout would be that large and copied whole at each move,
        // on every call, for the rare call that connects.
        let mut pooled = Box::pin(self.connect(https, authority)).await?;
        if let Some(shared) = pooled.share() {
            self.give_back(https, authority, shared);
        }
        Ok(Checkout {
            pooled,
            reused: false,
            host_header: host_header(https, authority),
        })
    }

    /// The lock new connections to this origin are made under, when it
    /// speaks HTTP/2.
    fn h2_gate(&self, https: bool, authority: &Authority) -> Option<Arc<tokio::sync::Mutex<()>>> {
        let mut hosts = self.0.hosts.lock().unwrap_or_else(|e| e.into_inner());
        let http2_only = self.0.settings.http2_only;
        let host = host_of(&mut hosts, https, authority);
        (host.h2 || http2_only).then(|| host.connecting.clone())
    }

    /// A new connection to the request's origin, HTTP/2 when negotiated
    /// (or known), with its connection task spawned.
    async fn connect(&self, https: bool, authority: &Authority) -> Result<Pooled, TransportError> {
        let destination = origin_uri(https, authority)?;
        let mut connector = self.0.connector.clone();
        let io = connector
            .call(destination)
            .await
            .map_err(|e| TransportError::Connect(Box::new(ClientError::connect(e))))?;
        let connected = io.connected();
        let settings = &self.0.settings;
        let handshake_failed =
            |e: hyper::Error| TransportError::Connect(Box::new(ClientError::connect(e.into())));
        let sender = if settings.http2_only || connected.is_negotiated_h2() {
            let mut builder = http2::Builder::new(TokioExecutor::new());
            builder
                .timer(TokioTimer::new())
                .adaptive_window(settings.http2_adaptive_window);
            // The server's control frames are bounded (`h2_guard.rs`).
            let io = crate::engine::h2_guard::FrameGuard::new(io);
            let (sender, connection) = builder.handshake(io).await.map_err(handshake_failed)?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            Sender::Http2(sender)
        } else {
            let (sender, connection) = http1::Builder::new()
                .handshake(io)
                .await
                .map_err(handshake_failed)?;
            tokio::spawn(async move {
                let _ = connection.await;
            });
            Sender::Http1(sender)
        };
        Ok(Pooled {
            sender,
            proxied: connected.is_proxied(),
            used: Instant::now(),
        })
    }
}

/// The pool's entry for an origin, added if it has none.
fn host_of<'a>(hosts: &'a mut Vec<Host>, https: bool, authority: &Authority) -> &'a mut Host {
    let i = match hosts.iter().position(|h| h.is(https, authority)) {
        Some(i) => i,
        None => {
            hosts.push(Host {
                https,
                authority: authority.clone(),
                conns: Vec::new(),
                h2: false,
                connecting: Arc::default(),
                host_header: host_header(https, authority),
                next_sweep: Instant::now() + SWEEP_EVERY,
            });
            hosts.len() - 1
        }
    };
    &mut hosts[i]
}

fn exchange_error(kind: &'static str, source: Option<hyper::Error>) -> TransportError {
    TransportError::Exchange(Box::new(ClientError {
        kind,
        source: source.map(|e| Box::new(e) as _),
    }))
}

/// A failure of the pool, shown as hyper-util showed it (`client error
/// (Connect)`), its cause as its source.
#[derive(Debug)]
struct ClientError {
    kind: &'static str,
    source: Option<Box<dyn StdError + Send + Sync>>,
}

impl ClientError {
    fn connect(source: Box<dyn StdError + Send + Sync>) -> ClientError {
        ClientError {
            kind: "Connect",
            source: Some(source),
        }
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "client error ({})", self.kind)
    }
}

impl StdError for ClientError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source.as_deref().map(|e| e as _)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_read_as_hyper_util_showed_them_with_their_cause() {
        let io = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let error = ClientError::connect(Box::new(io));
        assert_eq!(error.to_string(), "client error (Connect)");
        let cause = error.source().unwrap().downcast_ref::<std::io::Error>();
        assert_eq!(
            cause.map(std::io::Error::kind),
            Some(std::io::ErrorKind::ConnectionRefused)
        );
    }
}
