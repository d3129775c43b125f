//! The builder of generated clients: every setting, checked, then one
//! pooled session on the engine.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::client::{
    BaseUrl, DEFAULT_MAX_BODY_SIZE, DEFAULT_USER_AGENT, FromCore, Overrides, Session, Shared,
    Timeouts,
};
use crate::engine::connect::Proxies;
use crate::engine::tls::TlsSettings;
use crate::metrics::Metrics;
use crate::policy::auth::{Auth, AuthProvider, Secret, TokenCache};
use crate::policy::digest::DigestAuth;
use crate::policy::hooks::{AttemptInfo, FnHook, Hook, RequestContext};
use crate::policy::retry::{Bucket, RetryBudget, RetryPolicy};
use crate::response::error::{Error, Result};
use crate::response::scrub::Scrubber;

/// Credentials as given to the builder; `_env` variants are read at
/// `build()`.
enum AuthSpec {
    Basic(String, Secret),
    Bearer(Secret),
    BearerEnv(String),
    Header(String, Secret),
    HeaderEnv(String, String),
    Query(String, Secret),
    QueryEnv(String, String),
    Digest(String, Secret),
    Provider(Arc<TokenCache>),
}

fn from_env(var: &str) -> Result<Secret> {
    match std::env::var(var) {
        Ok(value) if !value.is_empty() => Ok(Secret::new(value)),
        Ok(_) => Err(Error::builder(format!(
            "the environment variable `{var}` is empty"
        ))),
        Err(std::env::VarError::NotPresent) => Err(Error::builder(format!(
            "the environment variable `{var}` is not set: it should hold the API credential"
        ))),
        Err(std::env::VarError::NotUnicode(_)) => Err(Error::builder(format!(
            "the environment variable `{var}` is not valid UTF-8"
        ))),
    }
}

impl AuthSpec {
    /// The credentials, each secret also handed to `scrubber`.
    fn resolve(self, scrubber: &mut Scrubber) -> Result<Auth> {
        let mut secret = |s: Secret| {
            scrubber.add(s.expose());
            s
        };
        let auth = match self {
            AuthSpec::Basic(user, password) => {
                let password = secret(password);
                secret(Secret::new(format!("{user}:{}", password.expose())));
                Auth::basic(&user, &password)?
            }
            AuthSpec::Bearer(token) => Auth::bearer(&secret(token))?,
            AuthSpec::BearerEnv(var) => Auth::bearer(&secret(from_env(&var)?))?,
            AuthSpec::Header(name, key) => header_auth(&name, &secret(key))?,
            AuthSpec::HeaderEnv(name, var) => header_auth(&name, &secret(from_env(&var)?))?,
            AuthSpec::Query(name, value) => Auth::Query {
                name,
                value: secret(value),
            },
            AuthSpec::QueryEnv(name, var) => Auth::Query {
                value: secret(from_env(&var)?),
                name,
            },
            AuthSpec::Digest(user, password) => {
                Auth::Digest(Arc::new(DigestAuth::new(user, secret(password))))
            }
            AuthSpec::Provider(cache) => {
                cache.add_secrets(scrubber);
                Auth::Provider(cache)
            }
        };
        if let Auth::Header(_, value) = &auth {
            if let Ok(text) = value.to_str() {
                scrubber.add(text);
            }
        }
        Ok(auth)
    }
}

fn header_auth(name: &str, key: &Secret) -> Result<Auth> {
    let name = HeaderName::from_bytes(name.as_bytes())
        .map_err(|_| Error::builder(format!("invalid header name `{name}` for the API key")))?;
    Auth::header(name, key.expose())
}

/// Connection settings beyond the pool.
#[derive(Default)]
struct Transport {
    cookies: bool,
    redirects: Option<usize>,
    /// Set with `.proxy(…)`: every destination through it.
    proxy: Option<Arc<Proxies>>,
    no_proxy: bool,
    tls: TlsSettings,
    http2_prior_knowledge: bool,
}

/// Connection-pool settings.
#[derive(Clone, Copy, Debug, Default)]
struct PoolSettings {
    max_idle_per_host: Option<usize>,
    idle_timeout: Option<Option<Duration>>,
    tcp_keepalive: Option<Option<Duration>>,
    http2_adaptive_window: bool,
}

/// Builds a generated client: `GitHubClient::builder()...build()?`.
///
/// Every setter takes and returns the builder by value; a setter whose input
/// is invalid records the error and [`build`](ClientBuilder::build) returns
/// it, so a chain never panics.
///
/// ```
/// # use api_client::{api, Result};
/// #[api(base = "https://api.example.com")]
/// pub trait Example {
///     #[get("/ping")]
///     async fn ping(&self) -> Result<()>;
/// }
///
/// # fn main() -> Result<()> {
/// let client = ExampleClient::builder()
///     .base_url("http://127.0.0.1:8080/v2")
///     .header("X-Team", "payments")
///     .build()?;
/// # let _ = client; Ok(()) }
/// ```
#[must_use = "a builder does nothing until `.build()` is called"]
pub struct ClientBuilder<C> {
    base: Option<String>,
    headers: HeaderMap,
    user_agent: HeaderValue,
    max_body_size: usize,
    timeouts: Timeouts,
    retry: RetryPolicy,
    budget: Option<RetryBudget>,
    pool: PoolSettings,
    #[cfg(feature = "reqwest")]
    own_client: Option<reqwest::Client>,
    auth: Option<AuthSpec>,
    transport: Transport,
    hooks: Vec<Arc<dyn Hook>>,
    record_metrics: bool,
    request_id_header: Option<HeaderName>,
    /// Settings of the engine set explicitly: refused next to a given
    /// reqwest client, which would ignore them.
    transport_settings: Vec<&'static str>,
    error: Option<Error>,
    client: PhantomData<fn() -> C>,
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base)
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl<C: FromCore> ClientBuilder<C> {
    /// A builder with the base URL declared on the trait, if any.
    #[doc(hidden)]
    pub fn __new(declared_base: Option<&'static str>) -> Self {
        ClientBuilder {
            base: declared_base.map(str::to_owned),
            headers: HeaderMap::new(),
            user_agent: HeaderValue::from_static(DEFAULT_USER_AGENT),
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            timeouts: Timeouts::default(),
            retry: RetryPolicy::default(),
            budget: Some(RetryBudget::default()),
            pool: PoolSettings::default(),
            #[cfg(feature = "reqwest")]
            own_client: None,
            auth: None,
            transport: Transport::default(),
            hooks: Vec::new(),
            record_metrics: false,
            request_id_header: Some(HeaderName::from_static("x-request-id")),
            transport_settings: Vec::new(),
            error: None,
            client: PhantomData,
        }
    }

    fn fail(mut self, error: Error) -> Self {
        self.error.get_or_insert(error);
        self
    }

    /// Sends every call to `url` instead of the base declared on the trait:
    /// another environment, or a mock server in tests. A path in it is kept
    /// and routes are appended to it (`http://host/v2` + `/users` →
    /// `http://host/v2/users`).
    ///
    /// # Errors
    /// [`build`](ClientBuilder::build) fails unless `url` is an absolute
    /// `http` or `https` URL without a query or fragment.
    pub fn base_url(mut self, url: impl AsRef<str>) -> Self {
        self.base = Some(url.as_ref().to_owned());
        self
    }

    /// Sends this header with every call, unless an endpoint sets the same
    /// header itself. `Authorization`, `Cookie` and `Proxy-Authorization`
    /// values are marked sensitive.
    ///
    /// # Errors
    /// [`build`](ClientBuilder::build) fails if the name is not a valid
    /// header name or the value holds control characters (CR, LF, …).
    pub fn header(mut self, name: impl AsRef<str>, value: impl AsRef<str>) -> Self {
        let name_str = name.as_ref();
        let Ok(name) = HeaderName::from_bytes(name_str.as_bytes()) else {
            return self.fail(Error::builder(format!("invalid header name `{name_str}`")));
        };
        let Ok(mut value) = HeaderValue::from_str(value.as_ref()) else {
            return self.fail(Error::builder(format!(
                "invalid value for header `{name}`: it must be visible ASCII, without CR or LF"
            )));
        };
        if is_sensitive(&name) {
            value.set_sensitive(true);
        }
        if name == header::USER_AGENT {
            self.user_agent = value;
        } else {
            self.headers.append(name, value);
        }
        self.transport_settings.push("header");
        self
    }

    /// Sets the `User-Agent` header (default: `api-client/<version>`).
    ///
    /// # Errors
    /// [`build`](ClientBuilder::build) fails if `value` holds control
    /// characters.
    pub fn user_agent(self, value: impl AsRef<str>) -> Self {
        self.header(header::USER_AGENT.as_str(), value)
    }

    /// The largest response body read into memory, in bytes (default
    /// 64 MiB). A larger body fails the call with
    /// [`ErrorKind::Body`](crate::ErrorKind::Body) instead of exhausting
    /// memory.
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// The limit on connecting: DNS, TCP and TLS (default 10 s). Connect
    /// failures are retried for every method, since nothing was sent.
    pub fn connect_timeout(mut self, limit: Duration) -> Self {
        self.timeouts.connect = limit;
        self.transport_settings.push("connect_timeout");
        self
    }

    /// The limit on waiting for the next bytes of a response, the first
    /// ones included (default 30 s): the time-out that catches a stalled
    /// server, however long the body. It applies to a client given with
    /// `with_reqwest_client` (feature `reqwest`) too.
    pub fn read_timeout(mut self, limit: Duration) -> Self {
        self.timeouts.read = limit;
        self
    }

    /// A limit on each attempt, from sending to the end of the body
    /// (default: none; the deadline still applies).
    pub fn attempt_timeout(mut self, limit: Duration) -> Self {
        self.timeouts.attempt = Some(limit);
        self
    }

    /// The deadline of a whole call, every attempt and backoff sleep
    /// included (default 60 s). No call outlives it.
    pub fn timeout(mut self, total: Duration) -> Self {
        self.timeouts.total = total;
        self
    }

    /// A limit on reading a streamed body (`Result<ByteStream>`) from its
    /// first chunk to its last (default: none, so that a download of any
    /// size can finish; the read timeout still ends a stream that stalls).
    /// Set it to bound a server that drips bytes just fast enough to
    /// never trip the read timeout. When it runs out, the stream yields
    /// an [`ErrorKind::Timeout`](crate::ErrorKind::Timeout) error in the
    /// body phase, and ends.
    pub fn stream_timeout(mut self, limit: Duration) -> Self {
        self.timeouts.stream = Some(limit);
        self
    }

    /// The retry policy of every endpoint that does not declare its own
    /// (default: [`RetryPolicy::default`]).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Never retries: every call makes one attempt.
    pub fn no_retry(self) -> Self {
        self.retry(RetryPolicy::none())
    }

    /// The client-wide retry budget shared by every clone (default:
    /// [`RetryBudget::default`]); `None` removes the limit.
    pub fn retry_budget(mut self, budget: Option<RetryBudget>) -> Self {
        self.budget = budget;
        self
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

    /// HTTP Basic authentication on every call.
    pub fn basic_auth(mut self, user: impl Into<String>, password: impl Into<Secret>) -> Self {
        self.auth = Some(AuthSpec::Basic(user.into(), password.into()));
        self
    }

    /// `Authorization: Bearer <token>` on every call.
    pub fn bearer_auth(mut self, token: impl Into<Secret>) -> Self {
        self.auth = Some(AuthSpec::Bearer(token.into()));
        self
    }

    /// `Authorization: Bearer` with the token read from the environment
    /// variable `var` when the client is built, so the key stays out of the
    /// source.
    ///
    /// # Errors
    /// [`build`](ClientBuilder::build) fails, naming the variable, when it
    /// is unset or empty.
    pub fn bearer_auth_env(mut self, var: impl Into<String>) -> Self {
        self.auth = Some(AuthSpec::BearerEnv(var.into()));
        self
    }

    /// An API key in a header, e.g. `.api_key_header("X-API-Key", key)`.
    pub fn api_key_header(mut self, name: impl Into<String>, key: impl Into<Secret>) -> Self {
        self.auth = Some(AuthSpec::Header(name.into(), key.into()));
        self
    }

    /// An API key in a header, read from the environment variable `var`
    /// at `build()` (which fails, naming it, when it is unset).
    pub fn api_key_header_env(mut self, name: impl Into<String>, var: impl Into<String>) -> Self {
        self.auth = Some(AuthSpec::HeaderEnv(name.into(), var.into()));
        self
    }

    /// An API key as a query parameter, e.g. `?api_key=…`. It is masked in
    /// errors, removed from [`Response::url`](crate::Response::url), and no
    /// `Referer` header is ever sent, so it cannot leak through a redirect.
    pub fn api_key_query(mut self, name: impl Into<String>, key: impl Into<Secret>) -> Self {
        self.auth = Some(AuthSpec::Query(name.into(), key.into()));
        self
    }

    /// An API key as a query parameter, read from the environment variable
    /// `var` at `build()` (which fails, naming it, when it is unset).
    pub fn api_key_query_env(mut self, name: impl Into<String>, var: impl Into<String>) -> Self {
        self.auth = Some(AuthSpec::QueryEnv(name.into(), var.into()));
        self
    }

    /// HTTP Digest authentication (RFC 7616: MD5, SHA-256, `qop=auth`). The
    /// first call's 401 challenge is answered and the call replayed; later
    /// calls reuse the nonce with an incremented count.
    pub fn digest_auth(mut self, user: impl Into<String>, password: impl Into<Secret>) -> Self {
        self.auth = Some(AuthSpec::Digest(user.into(), password.into()));
        self
    }

    /// Bearer tokens from `provider`, fetched lazily, cached and shared by
    /// every clone (one fetch at a time), refreshed before they expire, and
    /// renewed once on a 401 (the call is then replayed once). See
    /// [`AuthProvider`] and the ready-made
    /// [`ClientCredentials`](crate::ClientCredentials).
    pub fn auth_provider(mut self, provider: impl AuthProvider) -> Self {
        self.auth = Some(AuthSpec::Provider(Arc::new(TokenCache::new(provider))));
        self
    }

    /// **Dangerous**: accepts any TLS certificate, so anyone on the path can
    /// read and change the traffic. Only for a test server with a
    /// self-signed certificate; logged at warn level when the client is
    /// built. Prefer trusting its certificate authority with
    /// [`add_root_certificate_pem`](ClientBuilder::add_root_certificate_pem).
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.transport.tls.accept_invalid_certs = accept;
        self.transport_settings.push("danger_accept_invalid_certs");
        self
    }

    /// Keeps cookies the server sets and sends them back on later calls,
    /// like a requests `Session` (default: off). Read them with
    /// [`Session::cookies`](crate::Session::cookies).
    pub fn cookie_store(mut self, enabled: bool) -> Self {
        self.transport.cookies = enabled;
        self.transport_settings.push("cookie_store");
        self
    }

    /// Follows at most `max` redirects (default 10); the final URL is on
    /// [`Response::url`](crate::Response::url). `Authorization` and cookies
    /// are dropped when a redirect leaves the host.
    pub fn max_redirects(mut self, max: usize) -> Self {
        self.transport.redirects = Some(max);
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
                self.transport.proxy = Some(Arc::new(proxies));
                self
            }
            Err(e) => self.fail(e),
        }
    }

    /// Ignores proxies, those from the environment included.
    pub fn no_proxy(mut self) -> Self {
        self.transport.no_proxy = true;
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
                self.transport.tls.roots.extend(ders);
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
                self.transport.tls.identity = Some(identity);
                self
            }
            Err(e) => self.fail(e),
        }
    }

    /// Speaks HTTP/2 from the first byte, without negotiation (for
    /// cleartext `h2c` servers).
    pub fn http2_prior_knowledge(mut self) -> Self {
        self.transport.http2_prior_knowledge = true;
        self.transport_settings.push("http2_prior_knowledge");
        self
    }

    /// The response header that carries the server's request id (default
    /// `x-request-id`): it is kept on [`Response`](crate::Response) and on
    /// errors, and printed in an error's `Display`, so a failed call can be
    /// quoted in a support ticket.
    pub fn request_id_header(mut self, name: impl AsRef<str>) -> Self {
        match HeaderName::from_bytes(name.as_ref().as_bytes()) {
            Ok(name) => {
                self.request_id_header = Some(name);
                self
            }
            Err(_) => {
                let message = format!("invalid request id header name `{}`", name.as_ref());
                self.fail(Error::builder(message))
            }
        }
    }

    /// Adds a [`Hook`] that runs around every attempt of every call.
    pub fn hook(mut self, hook: impl Hook) -> Self {
        self.hooks.push(Arc::new(hook));
        self
    }

    /// Runs `f` before every attempt; it may add headers.
    ///
    /// ```
    /// # use api_client::{api, Result};
    /// # #[api(base = "https://api.example.com")]
    /// # pub trait Example { #[get("/ping")] async fn ping(&self) -> Result<()>; }
    /// # fn main() -> Result<()> {
    /// let client = ExampleClient::builder()
    ///     .on_request(|request| request.set_header("x-correlation-id", "abc"))
    ///     .on_response(|attempt| eprintln!("{} took {:?}", attempt.route(), attempt.elapsed()))
    ///     .build()?;
    /// # let _ = client; Ok(()) }
    /// ```
    pub fn on_request(self, f: impl Fn(&mut RequestContext<'_>) + Send + Sync + 'static) -> Self {
        self.hook(FnHook {
            request: f,
            response: |_: &AttemptInfo<'_>| {},
        })
    }

    /// Runs `f` after every attempt, with its status and latency.
    pub fn on_response(self, f: impl Fn(&AttemptInfo<'_>) + Send + Sync + 'static) -> Self {
        self.hook(FnHook {
            request: |_: &mut RequestContext<'_>| {},
            response: f,
        })
    }

    /// Records per-endpoint call counts, status classes and latency
    /// percentiles, read with [`Session::metrics`](crate::Session::metrics).
    pub fn record_metrics(mut self, enabled: bool) -> Self {
        self.record_metrics = enabled;
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
        self.own_client = Some(client);
        self
    }

    /// Builds the client: one connection pool, shared by every clone.
    ///
    /// # Errors
    /// [`ErrorKind::Builder`](crate::ErrorKind::Builder) if a setter got an
    /// invalid value, no base URL was declared or set, or the TLS backend
    /// could not be initialised.
    pub fn build(mut self) -> Result<C> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let Some(base) = self.base else {
            return Err(Error::builder(
                "no base URL: declare `#[api(base = \"https://…\")]` or call `.base_url(…)`",
            ));
        };
        let (base, userinfo) = check_base_url(&base)?;
        let base_url = BaseUrl::new(&base)
            .map_err(|e| Error::builder(format!("invalid base URL `{base}`: {e}")))?;
        let mut headers = self.headers;
        headers.insert(header::USER_AGENT, self.user_agent);
        let header_names = headers.keys().cloned().collect();
        let header_values: Vec<HeaderValue> = headers.values().cloned().collect();
        let cookies = self
            .transport
            .cookies
            .then(|| Arc::new(crate::engine::cookies::CookieJar::default()));
        let mut scrubber = Scrubber::default();
        // Credentials in the base URL are used as basic auth, never shown.
        if let Some((user, password)) = userinfo {
            if self.auth.is_some() {
                return Err(Error::builder(
                    "the base URL holds credentials (`user:…@`) and another authentication is set: keep one",
                ));
            }
            self.auth = Some(AuthSpec::Basic(user, password));
        }
        let query_credential = match &self.auth {
            Some(AuthSpec::Query(name, _) | AuthSpec::QueryEnv(name, _)) => Some(name.clone()),
            _ => None,
        };
        let settings = crate::engine::direct::DirectSettings {
            headers,
            connect_timeout: self.timeouts.connect,
            cookies: cookies.clone(),
            query_credential,
            max_redirects: self.transport.redirects.unwrap_or(DEFAULT_MAX_REDIRECTS),
            http2_prior_knowledge: self.transport.http2_prior_knowledge,
            http2_adaptive_window: self.pool.http2_adaptive_window,
            pool_max_idle_per_host: self.pool.max_idle_per_host,
            pool_idle_timeout: self.pool.idle_timeout,
            tcp_keepalive: self.pool.tcp_keepalive,
            tls: self.transport.tls,
            proxies: if self.transport.no_proxy {
                None
            } else {
                self.transport
                    .proxy
                    .or_else(|| Proxies::from_env().map(Arc::new))
            },
        };
        #[cfg(feature = "reqwest")]
        let transport = match self.own_client {
            Some(client) => {
                if let Some(setting) = self.transport_settings.first() {
                    return Err(Error::builder(format!(
                        "`.{setting}(…)` does not apply to a client given with `.with_reqwest_client(…)`: set it on that reqwest client"
                    )));
                }
                crate::engine::transport::Transport::Reqwest(client)
            }
            None => crate::engine::transport::Transport::Direct(Box::new(
                crate::engine::direct::Direct::new(settings)?,
            )),
        };
        #[cfg(not(feature = "reqwest"))]
        let transport = crate::engine::transport::Transport::Direct(Box::new(
            crate::engine::direct::Direct::new(settings)?,
        ));
        // Headers marked sensitive are credentials too.
        for value in header_values.iter().filter(|v| v.is_sensitive()) {
            if let Ok(text) = value.to_str() {
                scrubber.add(text);
                if let Some((_scheme, credential)) = text.split_once(' ') {
                    scrubber.add(credential.trim());
                }
            }
        }
        let auth = self
            .auth
            .map(|spec| spec.resolve(&mut scrubber))
            .transpose()?;
        Ok(C::from_core(Session {
            shared: Arc::new(Shared {
                transport,
                base: base.into_boxed_str(),
                base_url,
                max_body_size: self.max_body_size,
                timeouts: self.timeouts,
                retry: Arc::new(self.retry),
                bucket: self.budget.map(Bucket::new),
                auth,
                header_names,
                cookies,
                hooks: self.hooks,
                metrics: self.record_metrics.then(Metrics::new),
                request_id_header: self.request_id_header,
                scrubber: Arc::new(scrubber),
            }),
            overrides: Overrides::default(),
        }))
    }
}

/// Redirects followed by default, as reqwest and requests do.
const DEFAULT_MAX_REDIRECTS: usize = 10;

/// Whether a header with this name carries a credential: its value is
/// marked sensitive (never shown, never sent across origins by a redirect).
pub(crate) fn is_sensitive(name: &HeaderName) -> bool {
    name == header::AUTHORIZATION
        || name == header::PROXY_AUTHORIZATION
        || name == header::COOKIE
        || crate::response::redact::is_secret_lowercase(name.as_str())
}

/// A base URL's user name and password, percent-decoded.
type UserInfo = Option<(String, Secret)>;

/// Checks a base URL and returns it without a trailing `/` and without
/// user info, which is returned apart. Messages show the URL with its
/// credentials masked.
fn check_base_url(base: &str) -> Result<(String, UserInfo)> {
    let invalid = |why: &dyn fmt::Display| {
        Error::builder(format!(
            "invalid base URL `{}`: {why}",
            crate::response::redact::mask_text_url(base)
        ))
    };
    let mut url = Url::parse(base).map_err(|e| invalid(&e))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(&"the scheme must be http or https"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(&"it cannot have a query or a fragment"));
    }
    let userinfo = if url.username().is_empty() && url.password().is_none() {
        None
    } else {
        let decode = |s: &str| {
            percent_decode(s).ok_or_else(|| invalid(&"its user name or password is not UTF-8"))
        };
        let user = decode(url.username())?;
        let password = decode(url.password().unwrap_or_default())?;
        // Both fail only for URLs without a host, refused above.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        Some((user, Secret::new(password)))
    };
    Ok((url.as_str().trim_end_matches('/').to_owned(), userinfo))
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes: Vec<u8> =
        form_urlencoded::parse(format!("x={}", text.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned().into_bytes())?;
    String::from_utf8(bytes).ok()
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
        let identity = include_bytes!("../../tests/fixtures/identity.pem");
        assert!(TlsSettings::parse_identity(identity).is_ok());
        assert!(TlsSettings::parse_identity(b"not a pem").is_err());
    }

    #[test]
    fn base_urls_are_checked_and_normalised() {
        assert_eq!(check_base_url("http://h:1/v2/").unwrap().0, "http://h:1/v2");
        assert_eq!(
            check_base_url("HTTPS://Example.com").unwrap().0,
            "https://example.com"
        );
        let (base, userinfo) = check_base_url("http://me%40x:p%2Fw+d@h/v1").unwrap();
        assert_eq!(base, "http://h/v1");
        let (user, password) = userinfo.unwrap();
        assert_eq!((user.as_str(), password.expose()), ("me@x", "p/w+d"));
        let err = check_base_url("ftp://u:hunter2@h/")
            .unwrap_err()
            .to_string();
        assert!(
            !err.contains("hunter2") && err.contains("ftp://u:***@h/"),
            "{err}"
        );
        for bad in [
            "ftp://h",
            "/relative",
            "http://h/?q=1",
            "http://h/#f",
            "not a url",
        ] {
            assert!(check_base_url(bad).is_err(), "{bad}");
        }
    }
}
