//! The builder's engine settings: connections, pool, TLS, proxies,
//! redirects and cookies, and the transport they make.

use std::sync::Arc;
use std::time::Duration;

use super::ClientBuilder;

/// Redirects followed by default, as reqwest and requests do.
const DEFAULT_MAX_REDIRECTS: usize = 10;

use crate::client::FromCore;
use crate::engine::direct::{Direct, DirectSettings};
use crate::engine::proxies::Proxies;
use crate::engine::tls::TlsSettings;
use crate::engine::transport::Transport;
use crate::error::Error;

/// Connection settings beyond the pool.
#[derive(Default)]
pub(super) struct EngineSettings {
    pub(super) cookies: bool,
    pub(super) redirects: Option<usize>,
    /// Set with `.proxy(…)`: every destination through it.
    pub(super) proxy: Option<Arc<Proxies>>,
    pub(super) no_proxy: bool,
    pub(super) tls: TlsSettings,
    pub(super) http2_prior_knowledge: bool,
    pub(super) http1_only: bool,
}

/// Connection-pool settings.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct PoolSettings {
    pub(super) max_idle_per_host: Option<usize>,
    pub(super) idle_timeout: Option<Option<Duration>>,
    pub(super) tcp_keepalive: Option<Option<Duration>>,
    pub(super) http2_adaptive_window: bool,
}

impl<C: FromCore> ClientBuilder<C> {
    /// The transport the engine settings make: our own, or a given
    /// reqwest client (refused next to settings it would ignore).
    pub(super) fn transport(
        &mut self,
        headers: http::HeaderMap,
        cookies: Option<Arc<crate::engine::cookies::CookieJar>>,
        query_credential: Option<String>,
        scrubber: &mut crate::error::scrub::Scrubber,
    ) -> crate::error::Result<Transport> {
        if let Some(given) = self.given.take() {
            if let Some(setting) = self.transport_settings.first() {
                return Err(Error::builder(format!(
                    "`.{setting}(…)` does not apply to a client given with `.with_reqwest_client(…)`: set it on that reqwest client"
                )));
            }
            return Ok(Transport::Given(given(self.cross_origin.clone())));
        }
        let engine = std::mem::take(&mut self.engine);
        if engine.http1_only && engine.http2_prior_knowledge {
            return Err(Error::builder(
                "`.http1_only()` and `.http2_prior_knowledge()` contradict each other: choose one",
            ));
        }
        let proxies = match engine.no_proxy {
            true => None,
            false => match engine.proxy {
                Some(proxies) => Some(proxies),
                None => Proxies::from_env()?.map(Arc::new),
            },
        };
        // The proxies' credentials are the client's too.
        if let Some(proxies) = &proxies {
            for secret in proxies.secrets() {
                scrubber.add(secret.expose());
            }
        }
        let settings = DirectSettings {
            headers,
            connect_timeout: self.timeouts.connect,
            cookies,
            query_credential,
            max_redirects: engine.redirects.unwrap_or(DEFAULT_MAX_REDIRECTS),
            http2_prior_knowledge: engine.http2_prior_knowledge,
            http1_only: engine.http1_only,
            http2_adaptive_window: self.pool.http2_adaptive_window,
            pool_max_idle_per_host: self.pool.max_idle_per_host,
            pool_idle_timeout: self.pool.idle_timeout,
            tcp_keepalive: self.pool.tcp_keepalive,
            tls: engine.tls,
            proxies,
            cross_origin: self.cross_origin.clone(),
        };
        Ok(Transport::Direct(Box::new(Direct::new(settings)?)))
    }

    /// The most idle connections kept per host (default: no limit).
    pub fn pool_max_idle_per_host(mut self, max: usize) -> Self {
        self.pool.max_idle_per_host = Some(max);
        self.transport_settings.push("pool_max_idle_per_host");
        self
    }

    /// How long an idle connection is kept (default 90 s; `None`: forever).
    pub fn pool_idle_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.pool.idle_timeout = Some(timeout);
        self.transport_settings.push("pool_idle_timeout");
        self
    }

    /// TCP keep-alive probes on pooled connections (default: off).
    pub fn tcp_keepalive(mut self, interval: Option<Duration>) -> Self {
        self.pool.tcp_keepalive = Some(interval);
        self.transport_settings.push("tcp_keepalive");
        self
    }

    /// HTTP/2 adaptive flow-control windows (BDP estimation), for
    /// high-latency, high-bandwidth links.
    pub fn http2_adaptive_window(mut self, enabled: bool) -> Self {
        self.pool.http2_adaptive_window = enabled;
        self.transport_settings.push("http2_adaptive_window");
        self
    }

    /// **Dangerous**: accepts any TLS certificate, so anyone on the path can
    /// read and change the traffic. Only for a test server with a
    /// self-signed certificate; logged at warn level when the client is
    /// built. Prefer trusting its certificate authority with
    /// [`add_root_certificate_pem`](ClientBuilder::add_root_certificate_pem).
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.engine.tls.accept_invalid_certs = accept;
        self.transport_settings.push("danger_accept_invalid_certs");
        self
    }

    /// Keeps cookies the server sets and sends them back on later calls,
    /// like a requests `Session` (default: off). Read them with
    /// [`Session::cookies`](crate::Session::cookies). Needs api-client's
    /// `cookies` feature (off by default, as in reqwest): without it, a
    /// call of this method does not compile, and the error names the
    /// feature.
    pub fn cookie_store(mut self, enabled: bool) -> Self
    where
        C: super::features::CookiesFeature,
    {
        self.engine.cookies = enabled;
        self.transport_settings.push("cookie_store");
        self
    }

    /// Follows at most `max` redirects (default 10); the final URL is on
    /// [`Response::url`](crate::Response::url). `Authorization` and cookies
    /// are dropped when a redirect leaves the host.
    pub fn max_redirects(mut self, max: usize) -> Self {
        self.engine.redirects = Some(max);
        self.transport_settings.push("max_redirects");
        self
    }

    /// Does not follow redirects: a 3xx is an error status.
    pub fn no_redirects(self) -> Self {
        self.max_redirects(0)
    }

    /// Sends every call through the proxy at `url`: `http://` or
    /// `https://` (a CONNECT tunnel for https destinations, absolute-form
    /// requests for plain http ones), `socks5://` (names resolved here) or
    /// `socks5h://` (names resolved by the proxy). Credentials in the URL
    /// (`http://user:pass@proxy:3128`) are sent as `Proxy-Authorization`
    /// or SOCKS authentication, and never shown.
    ///
    /// Without it, the `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and
    /// `NO_PROXY` environment variables (in either case) decide for each
    /// destination, as curl and reqwest read them; [`no_proxy`](Self::no_proxy)
    /// ignores them.
    ///
    /// # Errors
    /// [`build`](ClientBuilder::build) fails if `url` is not a valid proxy URL.
    pub fn proxy(mut self, url: impl AsRef<str>) -> Self {
        self.transport_settings.push("proxy");
        match Proxies::all(url.as_ref()) {
            Ok(proxies) => {
                self.engine.proxy = Some(Arc::new(proxies));
                self
            }
            Err(e) => self.fail(e),
        }
    }

    /// Ignores proxies, those from the environment included.
    pub fn no_proxy(mut self) -> Self {
        self.engine.no_proxy = true;
        self.transport_settings.push("no_proxy");
        self
    }

    /// Trusts this root certificate (PEM) too, e.g. a company CA.
    ///
    /// # Errors
    /// [`build`](ClientBuilder::build) fails if `pem` is not a certificate.
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Self {
        self.transport_settings.push("add_root_certificate_pem");
        // reqwest parses lazily and would ignore a file with no certificate.
        let has_certificate = pem.windows(27).any(|w| w == b"-----BEGIN CERTIFICATE-----");
        if !has_certificate {
            return self.fail(Error::builder(
                "invalid root certificate: no `-----BEGIN CERTIFICATE-----` block in the PEM",
            ));
        }
        use rustls::pki_types::CertificateDer;
        use rustls::pki_types::pem::PemObject as _;
        match CertificateDer::pem_slice_iter(pem).collect::<std::result::Result<Vec<_>, _>>() {
            Ok(ders) => {
                self.engine.tls.roots.extend(ders);
                self
            }
            Err(e) => self.fail(Error::builder("invalid root certificate").with_source(e)),
        }
    }

    /// Authenticates with a client certificate (mutual TLS): `pem` holds
    /// the private key and the certificate chain.
    ///
    /// # Errors
    /// [`build`](ClientBuilder::build) fails if `pem` is not a key and
    /// certificate.
    pub fn identity_pem(mut self, pem: &[u8]) -> Self {
        self.transport_settings.push("identity_pem");
        match TlsSettings::parse_identity(pem) {
            Ok(identity) => {
                self.engine.tls.identity = Some(identity);
                self
            }
            Err(e) => self.fail(e),
        }
    }

    /// Speaks HTTP/1.1 only: HTTP/2 is not offered in TLS (ALPN), for
    /// servers and proxies that mishandle it.
    pub fn http1_only(mut self) -> Self {
        self.engine.http1_only = true;
        self.transport_settings.push("http1_only");
        self
    }

    /// Speaks HTTP/2 from the first byte, without negotiation (for
    /// cleartext `h2c` servers).
    pub fn http2_prior_knowledge(mut self) -> Self {
        self.engine.http2_prior_knowledge = true;
        self.transport_settings.push("http2_prior_knowledge");
        self
    }

    #[cfg(feature = "reqwest")]
    /// Uses your own `reqwest::Client` instead of api-client's engine (cargo
    /// feature `reqwest`, off by default): an adapter for applications that
    /// already configure one. That client's own redirects (and its
    /// redirect policy for credentials), cookies, proxy, TLS and pool
    /// apply; nothing else, and nothing in the environment, ever picks it.
    /// Its own settings then apply: setting
    /// headers, a connect time-out or pool options on this builder too is
    /// an error from [`build`](ClientBuilder::build), since they would be
    /// silently ignored. Retries, the read time-out, the per-attempt limit
    /// and the deadline still apply, per request (with any time-outs of
    /// that client's own).
    ///
    /// ```
    /// # use api_client::{api, Result};
    /// # #[api(base = "https://api.example.com")]
    /// # pub trait Example { #[get("/ping")] async fn ping(&self) -> Result<()>; }
    /// # fn main() -> Result<()> {
    /// api_client::ensure_tls_provider()?;
    /// let http = api_client::reqwest::Client::builder()
    ///     .user_agent("my-app/2.0")
    ///     .build()
    ///     .expect("a reqwest client");
    /// let client = ExampleClient::builder().with_reqwest_client(http).build()?;
    /// # let _ = client; Ok(()) }
    /// ```
    pub fn with_reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.given = Some(Box::new(move |marked| {
            let given = crate::engine::reqwest_adapter::GivenReqwest { client, marked };
            Box::new(given) as Box<dyn crate::engine::transport::Given>
        }));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proxy_urls_are_checked_and_never_shown() {
        for good in [
            "http://proxy:3128",
            "https://u:p@proxy",
            "socks5://127.0.0.1",
            "socks5h://h:1080",
        ] {
            assert!(Proxies::all(good).is_ok(), "{good}");
        }
        for bad in ["ftp://proxy", "proxy:3128", "http://", "socks4://s3cret@h"] {
            let err = Proxies::all(bad).unwrap_err().to_string();
            assert!(!err.contains("s3cret"), "{err}");
        }
        let identity = include_bytes!("../../../tests/fixtures/identity.pem");
        assert!(TlsSettings::parse_identity(identity).is_ok());
        assert!(TlsSettings::parse_identity(b"not a pem").is_err());
    }
}
