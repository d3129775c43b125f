//! The session behind every generated client ([`Session`]): each floor's
//! part of the client (the request floor's base URL, the policy floor's
//! policies and the engine they drive), shared by clones, and what a user
//! reads of it (cookies, quota, circuits, metrics).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::header::HeaderName;
use url::Url;

use crate::engine::cookies::CookieJar;
use crate::metrics::{Metrics, MetricsSnapshot};
use crate::policy::retry::RetryPolicy;
use crate::policy::{Overrides, Policies};
use crate::request::base::CallBase;

pub use crate::engine::limits::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, DEFAULT_TIMEOUT};

/// The `User-Agent` sent unless the builder sets another.
pub const DEFAULT_USER_AGENT: &str = concat!("api-client/", env!("CARGO_PKG_VERSION"));

/// The default cap on a buffered response body: 64 MiB.
pub const DEFAULT_MAX_BODY_SIZE: usize = 64 * 1024 * 1024;

/// The state a generated client runs on: one connection pool, its settings,
/// and what it keeps between calls (cookies, metrics), like a requests
/// `Session`. Every clone of a client shares it; reach it with
/// `client.session()`.
///
/// ```
/// # use api_client::{api, Result};
/// # #[api(base = "https://api.example.com")]
/// # pub trait Example { #[get("/ping")] async fn ping(&self) -> Result<()>; }
/// # fn main() -> Result<()> {
/// let client = ExampleClient::builder().record_metrics(true).build()?;
/// let session = client.session();
/// assert_eq!(session.base_url(), "https://api.example.com");
/// assert!(session.metrics().is_some());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Session {
    pub(crate) shared: Arc<Shared>,
    /// Per-call overrides (`client.with_timeout(…)`), most specific first.
    pub(crate) overrides: Overrides,
}

/// Each floor's part of a client.
pub(crate) struct Shared {
    /// Where every call starts: the base URL, parsed once.
    pub(crate) call: CallBase,
    /// What happens around each attempt, and the engine it drives; in its
    /// own `Arc`, so that a call holds it and nothing else of the client.
    pub(crate) policies: Arc<Policies>,
    /// The engine's cookie jar, for [`Session::cookies`].
    pub(crate) cookies: Option<Arc<CookieJar>>,
    /// The default headers' names, for `Debug` (their values may be
    /// credentials).
    pub(crate) header_names: Vec<HeaderName>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values may be credentials: only their names are shown.
        let policies = &self.shared.policies;
        let limits = &policies.limits;
        f.debug_struct("Session")
            .field("base_url", &self.base_url())
            .field("transport", &policies.engine.transport.name())
            .field("default_headers", &self.shared.header_names)
            .field("max_body_size", &policies.max_body_size)
            .field("auth", &policies.auth)
            .field("timeouts", &policies.timeouts)
            .field("rate_limit", &limits.limiter)
            .field("endpoint_rate_limits", &limits.endpoint_limiters)
            .field(
                "concurrency_limit",
                &limits.bulkhead.as_ref().map(|(n, _)| n),
            )
            .field(
                "circuit_breaker",
                &limits.breakers.as_ref().map(|b| b.config()),
            )
            .field("server_rate_limits", &limits.quota.is_some())
            .field("signer", &policies.signer.is_some())
            .field(
                "retry",
                &self.overrides.retry.as_deref().unwrap_or(&policies.retry),
            )
            .finish_non_exhaustive()
    }
}

impl Session {
    /// The base URL every route is appended to, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        self.shared.call.text()
    }

    /// Where generated code starts each call: the base URL, parsed once.
    #[doc(hidden)]
    pub fn __call_base(&self) -> &CallBase {
        &self.shared.call
    }

    /// Whether the engine keeps connections per thread, for blocking
    /// calls run on their caller's thread (`blocking.rs`).
    pub(crate) fn has_pool_per_thread(&self) -> bool {
        self.shared.policies.engine.transport.has_pool_per_thread()
    }

    /// The cookies the session holds for `url`, as `(name, value)` pairs;
    /// `None` when the client was built without
    /// [`cookie_store(true)`](crate::ClientBuilder::cookie_store) or `url`
    /// is not a valid URL.
    pub fn cookies(&self, url: &str) -> Option<Vec<(String, String)>> {
        let jar = self.shared.cookies.as_ref()?;
        let url = Url::parse(url).ok()?;
        Some(jar.pairs(&url))
    }

    /// Adds a cookie for `url`, as a `Set-Cookie` value would
    /// (`"name=value; Path=/"`), under the rules of cookies set by a
    /// server: see [`cookie_store`](crate::ClientBuilder::cookie_store).
    /// Does nothing without a cookie store, or for a cookie those rules
    /// refuse.
    pub fn add_cookie(&self, cookie: &str, url: &str) {
        if let (Some(jar), Ok(url)) = (&self.shared.cookies, Url::parse(url)) {
            let _ = jar.add(cookie, &url);
        }
    }

    /// The quota the server last announced in its response headers
    /// (`X-RateLimit-*`, the IETF `RateLimit` fields), with the pause in
    /// force: `None` until a response carried one, or when
    /// [`server_rate_limits(false)`](crate::ClientBuilder::server_rate_limits).
    pub fn quota(&self) -> Option<crate::policy::quota::Quota> {
        self.shared.policies.limits.quota.as_ref()?.quota()
    }

    /// The state of the host's circuit (of `endpoint`'s, for a breaker
    /// [`per_endpoint`](crate::limits::CircuitBreaker::per_endpoint)); `None`
    /// without a circuit breaker.
    pub fn circuit(&self, endpoint: &str) -> Option<crate::policy::breaker::CircuitState> {
        let breakers = self.shared.policies.limits.breakers.as_ref()?;
        Some(breakers.state_of(endpoint))
    }

    /// Per-endpoint call counts, status classes and latency percentiles;
    /// `None` unless the client was built with
    /// [`record_metrics(true)`](crate::ClientBuilder::record_metrics).
    pub fn metrics(&self) -> Option<MetricsSnapshot> {
        let policies = &self.shared.policies;
        let mut snapshot = policies.metrics.as_ref().map(Metrics::snapshot)?;
        if let Some(breakers) = &policies.limits.breakers {
            (snapshot.circuits_opened, snapshot.circuits_closed) = breakers.transitions();
        }
        Some(snapshot)
    }

    /// The same client (same pool) with another total deadline per call.
    pub fn with_timeout(&self, total: Duration) -> Session {
        let mut core = self.clone();
        core.overrides.total = Some(total);
        core
    }

    /// The same client (same pool) with another limit per attempt.
    pub fn with_attempt_timeout(&self, attempt: Duration) -> Session {
        let mut core = self.clone();
        core.overrides.attempt = Some(attempt);
        core
    }

    /// The same client (same pool) with another retry policy.
    pub fn with_retry(&self, policy: RetryPolicy) -> Session {
        let mut core = self.clone();
        core.overrides.retry = Some(Arc::new(policy));
        core
    }
}

/// Implemented by generated clients so the builder can make them.
#[doc(hidden)]
pub trait FromCore: Sized {
    /// Wraps a built core.
    fn from_core(core: Session) -> Self;
}
