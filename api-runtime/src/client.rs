//! The session behind every generated client: one connection pool, its
//! settings and state (cookies, metrics), shared by clones.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use http::header::HeaderName;
use url::Url;

use crate::metrics::{Metrics, MetricsSnapshot};
use crate::policy::auth::Credentials;
use crate::policy::hooks::Hook;
use crate::policy::limits::Timeouts;
use crate::policy::retry::{Bucket, RetryPolicy};

pub use crate::policy::limits::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, DEFAULT_TIMEOUT};

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

#[derive(Clone, Default)]
pub(crate) struct Overrides {
    pub(crate) total: Option<Duration>,
    pub(crate) attempt: Option<Duration>,
    pub(crate) retry: Option<Arc<RetryPolicy>>,
}

pub(crate) struct Shared {
    /// How requests go out: our transport, or a given reqwest client (see
    /// `transport`).
    pub(crate) transport: crate::engine::transport::Transport,
    pub(crate) base: Box<str>,
    /// The base URL, parsed once: each call's URL is a copy of it with the
    /// path and query set, so its scheme and host are never parsed again.
    pub(crate) base_url: BaseUrl,
    pub(crate) max_body_size: usize,
    pub(crate) timeouts: Timeouts,
    pub(crate) retry: Arc<RetryPolicy>,
    pub(crate) bucket: Option<Bucket>,
    pub(crate) auth: Option<Credentials>,
    pub(crate) header_names: Vec<HeaderName>,
    pub(crate) cookies: Option<Arc<crate::engine::cookies::CookieJar>>,
    pub(crate) hooks: Vec<Arc<dyn Hook>>,
    /// Signs every attempt, last.
    pub(crate) signer: Option<Arc<dyn crate::policy::sign::Signer>>,
    pub(crate) metrics: Option<Metrics>,
    pub(crate) request_id_header: Option<HeaderName>,
    /// The client-side rate limit, shared by clones.
    pub(crate) limiter: Option<crate::policy::rate::Limiter>,
    /// The rate limits endpoints declare, shared by clones.
    pub(crate) endpoint_limiters: crate::policy::rate::EndpointLimiters,
    /// What the server announced of its quota (read unless turned off).
    pub(crate) quota: Option<crate::policy::quota::QuotaGate>,
    /// At most this many calls in flight (a bulkhead), in order.
    pub(crate) bulkhead: Option<(usize, Arc<tokio::sync::Semaphore>)>,
    /// The circuit breaker, per host or per endpoint.
    pub(crate) breakers: Option<Arc<crate::policy::breaker::Breakers>>,
    /// What of a URL a user may read (the query key taken out).
    pub(crate) visible: crate::error::redact::Visible,
    /// The client's secrets, scrubbed from every error it returns.
    pub(crate) scrubber: Arc<crate::error::scrub::Scrubber>,
}

impl Session {
    /// The engine this session's exchanges run on.
    pub(crate) fn engine(&self) -> crate::policy::exchange::Engine<'_> {
        crate::policy::exchange::Engine {
            transport: &self.shared.transport,
            visible: &self.shared.visible,
        }
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values may be credentials: only their names are shown.
        f.debug_struct("Session")
            .field("base_url", &&*self.shared.base)
            .field("transport", &self.shared.transport.name())
            .field("default_headers", &self.shared.header_names)
            .field("max_body_size", &self.shared.max_body_size)
            .field("auth", &self.shared.auth)
            .field("timeouts", &self.shared.timeouts)
            .field("rate_limit", &self.shared.limiter)
            .field("endpoint_rate_limits", &self.shared.endpoint_limiters)
            .field(
                "concurrency_limit",
                &self.shared.bulkhead.as_ref().map(|(n, _)| n),
            )
            .field(
                "circuit_breaker",
                &self.shared.breakers.as_ref().map(|b| b.config()),
            )
            .field("server_rate_limits", &self.shared.quota.is_some())
            .field("signer", &self.shared.signer.is_some())
            .field(
                "retry",
                &self
                    .overrides
                    .retry
                    .as_deref()
                    .unwrap_or(&self.shared.retry),
            )
            .finish_non_exhaustive()
    }
}

impl Session {
    /// The base URL every route is appended to, without a trailing `/`.
    pub fn base_url(&self) -> &str {
        &self.shared.base
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
    /// (`X-RateLimit-*`, the IETF `RateLimit` fields): `None` until a
    /// response carried one, or when
    /// [`server_rate_limits(false)`](crate::ClientBuilder::server_rate_limits).
    pub fn quota(&self) -> Option<crate::policy::quota::Quota> {
        self.shared.quota.as_ref()?.quota()
    }

    /// The state of the host's circuit (of `endpoint`'s, for a breaker
    /// [`per_endpoint`](crate::CircuitBreaker::per_endpoint)); `None`
    /// without a circuit breaker.
    pub fn circuit(&self, endpoint: &str) -> Option<crate::policy::breaker::CircuitState> {
        Some(self.shared.breakers.as_ref()?.state_of(endpoint))
    }

    /// Per-endpoint call counts, status classes and latency percentiles;
    /// `None` unless the client was built with
    /// [`record_metrics(true)`](crate::ClientBuilder::record_metrics).
    pub fn metrics(&self) -> Option<MetricsSnapshot> {
        let mut snapshot = self.shared.metrics.as_ref().map(Metrics::snapshot)?;
        if let Some(breakers) = &self.shared.breakers {
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

/// The parsed base URL of a client, and where its path starts in the text
/// of [`Shared::base`] (which every call's URL text begins with).
#[derive(Debug)]
pub(crate) struct BaseUrl {
    url: url::Url,
    path_start: usize,
}

impl BaseUrl {
    /// `base` is the checked, normalised base URL text (no trailing `/`,
    /// no query or fragment).
    pub(crate) fn new(base: &str) -> std::result::Result<BaseUrl, url::ParseError> {
        let url = url::Url::parse(base)?;
        let path_start = url[..url::Position::BeforePath].len();
        Ok(BaseUrl { url, path_start })
    }

    /// The base URL, parsed.
    pub(crate) fn url(&self) -> &url::Url {
        &self.url
    }

    /// The URL of a call whose text is `full` (the base text, then the
    /// path and query the call appended): the same URL as parsing `full`,
    /// at a tenth of the cost (no scheme, host or IDNA processing).
    pub(crate) fn join(&self, full: &str) -> std::result::Result<url::Url, url::ParseError> {
        let Some(rest) = full.get(self.path_start..) else {
            return url::Url::parse(full);
        };
        if !full.starts_with(&self.url[..url::Position::BeforePath]) {
            return url::Url::parse(full);
        }
        let (path, query) = match rest.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (rest, None),
        };
        let mut url = self.url.clone();
        url.set_path(path);
        url.set_query(query);
        Ok(url)
    }
}

#[cfg(test)]
mod tests {
    use super::BaseUrl;

    #[test]
    fn joining_is_the_same_as_parsing_the_whole_text() {
        let cases = [
            ("http://127.0.0.1:8080", "/users/42"),
            ("http://127.0.0.1:8080", ""),
            ("http://127.0.0.1:8080", "?q=1"),
            (
                "https://api.example.com/v2",
                "/search?q=a%20b&x=%E2%82%AC&&y=",
            ),
            ("https://api.example.com/v2", ""),
            ("https://Example.COM:443/base", "/a/./b/../c"),
            ("http://h", "/a b/é/%zz/{x}|^`"),
            ("http://h", "/p?q=é'\"<>"),
            ("http://[::1]:9/x", "/y?"),
            ("https://bücher.example", "/ü?ä=ö"),
        ];
        for (base, tail) in cases {
            let parsed_base = url::Url::parse(base).unwrap();
            let text = parsed_base.as_str().trim_end_matches('/').to_owned();
            let joined = BaseUrl::new(&text).unwrap().join(&format!("{text}{tail}"));
            let whole = url::Url::parse(&format!("{text}{tail}"));
            assert_eq!(joined, whole, "{base} + {tail}");
        }
    }
}
