//! The builder of generated clients: every setting, checked, then one
//! pooled reqwest client.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::auth::{Auth, AuthProvider, DigestAuth, Secret, TokenCache};
use crate::client::{
    BaseUrl, DEFAULT_MAX_BODY_SIZE, DEFAULT_USER_AGENT, FromCore, Overrides, Session, Shared,
    Timeouts,
};
use crate::error::{Error, Result};
use crate::hooks::{AttemptInfo, FnHook, Hook, RequestContext};
use crate::metrics::Metrics;
use crate::retry::{Bucket, RetryBudget, RetryPolicy};
use crate::scrub::Scrubber;

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
    proxies: Vec<reqwest::Proxy>,
    no_proxy: bool,
    roots: Vec<reqwest::Certificate>,
    /// The same roots, for our transport's rustls configuration.
    root_ders: Vec<rustls::pki_types::CertificateDer<'static>>,
    identity: Option<reqwest::Identity>,
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
    own_client: Option<reqwest::Client>,
    auth: Option<AuthSpec>,
    accept_invalid_certs: bool,
    transport: Transport,
    hooks: Vec<Arc<dyn Hook>>,
    record_metrics: bool,
    request_id_header: Option<HeaderName>,
    /// Settings that live on the reqwest client, set explicitly.
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
            own_client: None,
            auth: None,
            accept_invalid_certs: false,
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
    /// [`with_reqwest_client`](Self::with_reqwest_client) too.
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
    /// Such a client sends its requests through reqwest.
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.accept_invalid_certs = accept;
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

    /// Sends every call through the proxy at `url` (`http://`, `https://`
    /// or `socks5://`; credentials may be in the URL). Without it, the
    /// standard `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY`
    /// environment variables apply. A client with a proxy (set, or from
    /// the environment) sends its requests through reqwest, which applies
    /// it; other clients use api-client's own transport.
    ///
    /// # Errors
    /// [`build`](ClientBuilder::build) fails if `url` is not a valid proxy URL.
    pub fn proxy(mut self, url: impl AsRef<str>) -> Self {
        self.transport_settings.push("proxy");
        let valid = Url::parse(url.as_ref()).is_ok_and(|u| {
            matches!(u.scheme(), "http" | "https" | "socks5" | "socks5h") && u.has_host()
        });
        if !valid {
            return self.fail(Error::builder(
                "invalid proxy URL: expected http://, https:// or socks5:// with a host (the URL is not shown: it may hold credentials)",
            ));
        }
        match reqwest::Proxy::all(url.as_ref()) {
            Ok(proxy) => {
                self.transport.proxies.push(proxy);
                self
            }
            Err(_) => self.fail(Error::builder(
                "invalid proxy URL (not shown: it may hold credentials)",
            )),
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
        let ders =
            match CertificateDer::pem_slice_iter(pem).collect::<std::result::Result<Vec<_>, _>>() {
                Ok(ders) => ders,
                Err(e) => {
                    return self.fail(Error::builder("invalid root certificate").with_source(e));
                }
            };
        match reqwest::Certificate::from_pem(pem) {
            Ok(cert) => {
                self.transport.roots.push(cert);
                self.transport.root_ders.extend(ders);
                self
            }
            Err(e) => self.fail(Error::builder("invalid root certificate").with_source(e)),
        }
    }

    /// Authenticates with a client certificate (mutual TLS): `pem` holds
    /// the private key and the certificate chain. Such a client sends its
    /// requests through reqwest.
    ///
    /// # Errors
    /// [`build`](ClientBuilder::build) fails if `pem` is not a key and
    /// certificate.
    pub fn identity_pem(mut self, pem: &[u8]) -> Self {
        self.transport_settings.push("identity_pem");
        match reqwest::Identity::from_pem(pem) {
            Ok(identity) => {
                self.transport.identity = Some(identity);
                self
            }
            Err(_) => self.fail(Error::builder(
                "invalid client identity: expected a PEM private key and certificate",
            )),
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

    /// Uses your own `reqwest::Client` (proxies, certificates, a resolver…)
    /// instead of building one. Its own settings then apply: setting
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
            .then(|| Arc::new(crate::cookies::CookieJar::default()));
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
        let settings = crate::transport::DirectSettings {
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
            tls: tls_config(&self.transport.root_ders)?,
        };
        let transport = match self.own_client {
            Some(client) => {
                if let Some(setting) = self.transport_settings.first() {
                    return Err(Error::builder(format!(
                        "`.{setting}(…)` does not apply to a client given with `.with_reqwest_client(…)`: set it on that reqwest client"
                    )));
                }
                crate::transport::Transport::Reqwest(client)
            }
            None => {
                // What hyper-util does not do here yet goes out through
                // reqwest, under the same headers, cookies and redirects.
                let engine = needs_reqwest(&self.transport, self.accept_invalid_certs)
                    .then(|| {
                        build_reqwest(
                            &self.timeouts,
                            &self.pool,
                            self.accept_invalid_certs,
                            &mut self.transport,
                        )
                    })
                    .transpose()?;
                crate::transport::Transport::Direct(Box::new(crate::transport::Direct::new(
                    settings, engine,
                )))
            }
        };
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

/// Whether the client needs reqwest rather than our transport: for what
/// only reqwest does (proxies, client certificates, native TLS, turning
/// certificate checks off).
fn needs_reqwest(transport: &Transport, accept_invalid_certs: bool) -> bool {
    let proxied = !transport.proxies.is_empty()
        || (!transport.no_proxy && crate::transport::env_names_a_proxy());
    proxied || transport.identity.is_some() || accept_invalid_certs || cfg!(feature = "native-tls")
}

/// Our transport's TLS: rustls with the platform's verifier (the one
/// reqwest uses) and the roots added on the builder, HTTP/2 and
/// HTTP/1.1 offered by ALPN.
fn tls_config(
    roots: &[rustls::pki_types::CertificateDer<'static>],
) -> Result<rustls::ClientConfig> {
    crate::ensure_tls_provider()?;
    let provider = match rustls::crypto::CryptoProvider::get_default() {
        Some(provider) => provider.clone(),
        None => default_provider()?,
    };
    let tls_error = |e: rustls::Error| Error::builder("could not set up TLS").with_source(e);
    let verifier = if roots.is_empty() {
        rustls_platform_verifier::Verifier::new(provider.clone())
    } else {
        rustls_platform_verifier::Verifier::new_with_extra_roots(roots.to_vec(), provider.clone())
    }
    .map_err(tls_error)?;
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(tls_error)?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth())
}

/// The crypto provider when the application installed none (reqwest's
/// default with `tls-aws-lc-rs`).
fn default_provider() -> Result<Arc<rustls::crypto::CryptoProvider>> {
    #[cfg(feature = "tls-aws-lc-rs")]
    {
        Ok(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
    }
    #[cfg(not(feature = "tls-aws-lc-rs"))]
    Err(Error::builder("no TLS crypto provider installed"))
}

/// The reqwest engine: one exchange at a time, no redirects, cookies or
/// default headers of its own (the transport above it does those, as for
/// hyper-util).
fn build_reqwest(
    timeouts: &Timeouts,
    pool: &PoolSettings,
    accept_invalid_certs: bool,
    transport: &mut Transport,
) -> Result<reqwest::Client> {
    crate::ensure_tls_provider()?;
    // No `Referer`: it would carry the query (an API key) to another host.
    let mut builder = reqwest::Client::builder()
        .connect_timeout(timeouts.connect)
        // No reqwest read or request timeout: each attempt enforces both
        // with one timer (`Watchdog`), which costs less per call.
        .referer(false)
        .redirect(reqwest::redirect::Policy::none());
    if transport.no_proxy {
        builder = builder.no_proxy();
    }
    for proxy in transport.proxies.drain(..) {
        builder = builder.proxy(proxy);
    }
    for root in transport.roots.drain(..) {
        builder = builder.add_root_certificate(root);
    }
    if let Some(identity) = transport.identity.take() {
        builder = builder.identity(identity);
    }
    if transport.http2_prior_knowledge {
        builder = builder.http2_prior_knowledge();
    }
    #[cfg(feature = "native-tls")]
    {
        builder = builder.tls_backend_native();
    }
    if accept_invalid_certs {
        tracing::warn!(
            "TLS certificate verification is OFF for this client (danger_accept_invalid_certs)"
        );
        builder = builder.tls_danger_accept_invalid_certs(true);
    }
    if let Some(max) = pool.max_idle_per_host {
        builder = builder.pool_max_idle_per_host(max);
    }
    if let Some(idle) = pool.idle_timeout {
        builder = builder.pool_idle_timeout(idle);
    }
    if let Some(keepalive) = pool.tcp_keepalive {
        builder = builder.tcp_keepalive(keepalive);
    }
    if pool.http2_adaptive_window {
        builder = builder.http2_adaptive_window(true);
    }
    builder
        .build()
        .map_err(|e| Error::builder("could not build the HTTP client").with_source(e))
}

/// Whether a header with this name carries a credential: its value is
/// marked sensitive (never shown, never sent across origins by a redirect).
pub(crate) fn is_sensitive(name: &HeaderName) -> bool {
    name == header::AUTHORIZATION
        || name == header::PROXY_AUTHORIZATION
        || name == header::COOKIE
        || crate::redact::is_secret_lowercase(name.as_str())
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
            crate::redact::mask_text_url(base)
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
    fn only_what_our_transport_cannot_do_goes_to_reqwest() {
        let plain = Transport {
            no_proxy: true,
            ..Transport::default()
        };
        assert!(!needs_reqwest(&plain, false) || cfg!(feature = "native-tls"));
        assert!(needs_reqwest(&plain, true), "certificate checks off");
        let proxied = Transport {
            proxies: vec![reqwest::Proxy::all("http://proxy:3128").unwrap()],
            ..Transport::default()
        };
        assert!(needs_reqwest(&proxied, false));
        let mutual = Transport {
            no_proxy: true,
            identity: Some(
                reqwest::Identity::from_pem(include_bytes!("../../tests/fixtures/identity.pem"))
                    .unwrap(),
            ),
            ..Transport::default()
        };
        assert!(needs_reqwest(&mutual, false));
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
