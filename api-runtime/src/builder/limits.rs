//! The builder's limits: a client-side rate limit, a concurrency limit,
//! a circuit breaker, and whether the server's announced quota is obeyed.

use std::sync::Arc;

use super::ClientBuilder;
use crate::client::FromCore;
use crate::error::{Error, Result};
use crate::policy::Limits;
use crate::policy::breaker::{Breakers, CircuitBreaker};
use crate::policy::quota::{DEFAULT_MAX_SERVER_PAUSE, QuotaGate};
use crate::policy::rate::{EndpointLimiters, Limiter, RateLimit};

/// The limits as set (all off but the server's quota).
#[derive(Debug)]
pub(super) struct LimitSettings {
    rate: Option<RateLimit>,
    /// Declared with `#[rate_limit(…)]` on endpoints.
    endpoints: Vec<(&'static str, RateLimit)>,
    concurrency: Option<usize>,
    breaker: Option<CircuitBreaker>,
    server: bool,
    /// The longest pause a server's announcement imposes.
    max_server_pause: std::time::Duration,
}

impl Default for LimitSettings {
    fn default() -> Self {
        LimitSettings {
            rate: None,
            endpoints: Vec::new(),
            concurrency: None,
            breaker: None,
            server: true,
            max_server_pause: DEFAULT_MAX_SERVER_PAUSE,
        }
    }
}

impl LimitSettings {
    pub(super) fn build(&self) -> Result<Limits> {
        let bulkhead = match self.concurrency {
            Some(0) => {
                return Err(Error::builder(
                    "`.concurrency_limit(0)` would let no call through: give at least 1",
                ));
            }
            Some(n) => Some((n, Arc::new(tokio::sync::Semaphore::new(n)))),
            None => None,
        };
        Ok(Limits {
            limiter: self.rate.map(Limiter::new).transpose()?,
            endpoint_limiters: EndpointLimiters::new(&self.endpoints)?,
            quota: self.server.then(|| QuotaGate::new(self.max_server_pause)),
            bulkhead,
            breakers: self
                .breaker
                .clone()
                .map(|b| Breakers::new(b).map(Arc::new))
                .transpose()?,
        })
    }
}

impl<C: FromCore> ClientBuilder<C> {
    /// Paces the client's calls (every attempt, shared by clones): a call
    /// waits for its turn, the wait counting against its deadline; when
    /// its turn would come after the deadline, it fails at once with
    /// [`ErrorKind::RateLimited`](crate::ErrorKind::RateLimited), having
    /// sent nothing. Needs api-client's `rate-limit` feature (the
    /// `governor` crate): without it, a call of this method does not
    /// compile, and the error names the feature.
    ///
    /// ```
    /// # use api_client::{api, limits::RateLimit, Result};
    /// # #[api(base = "https://api.example.com")]
    /// # pub trait Example { #[get("/ping")] async fn ping(&self) -> Result<()>; }
    /// let builder = ExampleClient::builder().rate_limit(RateLimit::per_hour(5000));
    /// # let _ = builder;
    /// ```
    pub fn rate_limit(self, limit: RateLimit) -> Self
    where
        C: super::features::RateLimitFeature,
    {
        self.__declared_rate_limit(limit)
    }

    /// The client's rate limit declared with `#[rate_limit(…)]` on the
    /// trait (called by the generated `builder()`, behind a compile-time
    /// assertion that the feature is on).
    #[doc(hidden)]
    pub fn __declared_rate_limit(mut self, limit: RateLimit) -> Self {
        self.limits.rate = Some(limit);
        self
    }

    /// An endpoint's own rate limit, declared with `#[rate_limit(…)]` on
    /// its method (called by the generated `builder()`).
    #[doc(hidden)]
    pub fn __endpoint_rate_limit(mut self, endpoint: &'static str, limit: RateLimit) -> Self {
        self.limits.endpoints.push((endpoint, limit));
        self
    }

    /// At most `n` calls of the client (and its clones) in flight: the
    /// others wait, in order, within their deadlines (a bulkhead).
    pub fn concurrency_limit(mut self, n: usize) -> Self {
        self.limits.concurrency = Some(n);
        self
    }

    /// Stops calling a host that keeps failing: see [`CircuitBreaker`].
    /// While the circuit is open, calls fail at once with
    /// [`ErrorKind::CircuitOpen`](crate::ErrorKind::CircuitOpen).
    pub fn circuit_breaker(mut self, breaker: CircuitBreaker) -> Self {
        self.limits.breaker = Some(breaker);
        self
    }

    /// Whether the quota a server announces (`X-RateLimit-*`, the IETF
    /// `RateLimit` fields, `Retry-After` on 429 and 503) pauses the
    /// following calls until it resets (default: yes, each call within
    /// its deadline, and for at most
    /// [`max_server_pause`](Self::max_server_pause)). Only what the
    /// client's own origin announces counts: a redirect target on another
    /// host cannot pause the client. [`Session::quota`](crate::Session::quota)
    /// reads it.
    pub fn server_rate_limits(mut self, obey: bool) -> Self {
        self.limits.server = obey;
        self
    }

    /// The longest pause a server's announcement imposes on the client
    /// (default 10 minutes): a broken or hostile `X-RateLimit-Reset` or
    /// `Retry-After` cannot stop it for longer. Calls after the pause ask
    /// again, and a server whose quota is still spent says so again.
    pub fn max_server_pause(mut self, limit: std::time::Duration) -> Self {
        self.limits.max_server_pause = limit;
        self
    }
}
