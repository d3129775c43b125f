//! Connections for our pool (`pool.rs`): TCP and TLS to the destination, or
//! through a proxy chosen per destination (hyper-util's `Matcher`, which
//! reads `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY` as reqwest
//! does): an HTTP(S) proxy with a CONNECT tunnel for https destinations and
//! absolute-form requests for plain http ones, or a SOCKS5 proxy (the
//! proxy resolves names with `socks5h://`). The whole connection, proxy
//! included, is bounded by the connect timeout.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use http::Uri;
use hyper::rt::{Read, ReadBufCursor, Write};
use hyper_rustls::{HttpsConnector, MaybeHttpsStream};
use hyper_util::client::legacy::connect::proxy::{SocksV5, Tunnel};
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::client::proxy::matcher::Intercept;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;

use crate::engine::proxies::Proxies;

pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A connection the pool holds: direct (the common case, unboxed), or
/// through a proxy.
// The direct variant is kept inline on purpose: the pool holds each
// connection once, and every read and write would follow a pointer.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Conn {
    Direct(MaybeHttpsStream<TokioIo<TcpStream>>),
    Proxied(Box<dyn ProxiedIo>),
}

/// What a proxied connection is.
pub(crate) trait ProxiedIo: Read + Write + Connection + Send + Unpin {}

impl<T: Read + Write + Connection + Send + Unpin> ProxiedIo for T {}

impl Connection for Conn {
    fn connected(&self) -> Connected {
        match self {
            Conn::Direct(io) => io.connected(),
            Conn::Proxied(io) => io.connected(),
        }
    }
}

impl Read for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Direct(io) => Pin::new(io).poll_read(cx, buf),
            Conn::Proxied(io) => Pin::new(&mut **io).poll_read(cx, buf),
        }
    }
}

impl Write for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Direct(io) => Pin::new(io).poll_write(cx, buf),
            Conn::Proxied(io) => Pin::new(&mut **io).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Direct(io) => Pin::new(io).poll_flush(cx),
            Conn::Proxied(io) => Pin::new(&mut **io).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Direct(io) => Pin::new(io).poll_shutdown(cx),
            Conn::Proxied(io) => Pin::new(&mut **io).poll_shutdown(cx),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            Conn::Direct(io) => io.is_write_vectored(),
            Conn::Proxied(io) => io.is_write_vectored(),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Direct(io) => Pin::new(io).poll_write_vectored(cx, bufs),
            Conn::Proxied(io) => Pin::new(&mut **io).poll_write_vectored(cx, bufs),
        }
    }
}

/// A connection to an HTTP proxy that carries plain-http requests in
/// absolute form: the pool sends the whole URL when the connection says
/// it is proxied.
struct Forwarded<T>(T);

impl<T: Connection> Connection for Forwarded<T> {
    fn connected(&self) -> Connected {
        self.0.connected().proxy(true)
    }
}

impl<T: Read + Unpin> Read for Forwarded<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_read(cx, buf)
    }
}

impl<T: Write + Unpin> Write for Forwarded<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().0).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().0).poll_shutdown(cx)
    }
}

/// A failure to connect through a proxy. hyper-util's tunnel and SOCKS
/// errors are private types: what they mean is read here, once, from
/// their messages (tested), so that the classifier works on a type.
#[derive(Debug)]
pub(crate) struct ProxyError {
    /// The proxy refused the credentials (or wants some): retrying cannot
    /// help.
    pub(crate) refused_credentials: bool,
    source: BoxError,
}

impl ProxyError {
    fn wrap(source: BoxError) -> BoxError {
        let text = source.to_string();
        let refused_credentials = [
            "proxy authorization required",
            "credentials not accepted",
            "does not support user/pass authentication",
        ]
        .iter()
        .any(|needle| text.contains(needle));
        Box::new(ProxyError {
            refused_credentials,
            source,
        })
    }
}

impl std::fmt::Display for ProxyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.refused_credentials {
            f.write_str("the proxy refused its credentials (or needs some)")
        } else {
            write!(f, "could not connect through the proxy: {}", self.source)
        }
    }
}

impl std::error::Error for ProxyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// The connector of the engine's pool.
#[derive(Clone)]
pub(crate) struct Connector {
    http: HttpConnector,
    /// TLS to destinations (ALPN as the client speaks).
    tls: Arc<rustls::ClientConfig>,
    /// TLS to an `https://` proxy (HTTP/1.1: CONNECT is HTTP/1.1).
    proxy_tls: Arc<rustls::ClientConfig>,
    proxies: Option<Arc<Proxies>>,
    timeout: Duration,
}

type Connecting =
    Pin<Box<dyn std::future::Future<Output = std::result::Result<Conn, BoxError>> + Send>>;

impl Connector {
    pub(crate) fn new(
        http: HttpConnector,
        tls: Arc<rustls::ClientConfig>,
        proxy_tls: Arc<rustls::ClientConfig>,
        proxies: Option<Arc<Proxies>>,
        timeout: Duration,
    ) -> Connector {
        Connector {
            http,
            tls,
            proxy_tls,
            proxies,
            timeout,
        }
    }

    fn direct(&self, dst: Uri) -> Connecting {
        let mut https = HttpsConnector::from((self.http.clone(), self.tls.clone()));
        let connecting = https.call(dst);
        Box::pin(async move { connecting.await.map(Conn::Direct) })
    }

    fn via_proxy(&self, intercept: Intercept, dst: Uri) -> Connecting {
        let proxy = intercept.uri().clone();
        let to_proxy = HttpsConnector::from((self.http.clone(), self.proxy_tls.clone()));
        match proxy.scheme_str() {
            Some(scheme @ ("socks5" | "socks5h")) => {
                // `socks5`: we resolve the name; `socks5h`: the proxy does.
                let mut socks =
                    SocksV5::new(proxy.clone(), self.http.clone()).local_dns(scheme == "socks5");
                if let Some((user, password)) = intercept.raw_auth() {
                    socks = socks.with_auth(user.to_owned(), password.to_owned());
                }
                let mut https = HttpsConnector::from((socks, self.tls.clone()));
                let connecting = https.call(dst);
                Box::pin(async move {
                    let conn = connecting.await.map_err(ProxyError::wrap)?;
                    Ok(Conn::Proxied(Box::new(conn)))
                })
            }
            _ if dst.scheme() == Some(&http::uri::Scheme::HTTPS) => {
                let mut tunnel = Tunnel::new(proxy, to_proxy);
                if let Some(auth) = intercept.basic_auth() {
                    tunnel = tunnel.with_auth(auth.clone());
                }
                let mut https = HttpsConnector::from((tunnel, self.tls.clone()));
                let connecting = https.call(dst);
                Box::pin(async move {
                    let conn = connecting.await.map_err(ProxyError::wrap)?;
                    Ok(Conn::Proxied(Box::new(conn)))
                })
            }
            _ => {
                let mut to_proxy = to_proxy;
                let connecting = to_proxy.call(proxy);
                Box::pin(async move {
                    let conn = connecting.await.map_err(ProxyError::wrap)?;
                    Ok(Conn::Proxied(Box::new(Forwarded(conn))))
                })
            }
        }
    }
}

impl Service<Uri> for Connector {
    type Response = Conn;
    type Error = BoxError;
    type Future = Connecting;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<std::result::Result<(), BoxError>> {
        // HttpConnector is always ready.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, dst: Uri) -> Connecting {
        let connecting = match self.proxies.as_ref().and_then(|p| p.intercept(&dst)) {
            Some(intercept) => self.via_proxy(intercept, dst),
            None => self.direct(dst),
        };
        let timeout = self.timeout;
        Box::pin(async move {
            match tokio::time::timeout(timeout, connecting).await {
                Ok(connected) => connected,
                Err(_) => Err(Box::new(std::io::Error::new(
                    std::io::ErrorKind::TimedOut,
                    format!("connecting took more than {}", crate::error::Human(timeout)),
                )) as BoxError),
            }
        })
    }
}
