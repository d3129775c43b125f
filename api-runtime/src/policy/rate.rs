//! Client-side rate limits ([`RateLimit`]): a GCRA limiter (the `governor`
//! crate) on tokio's clock, shared by the clones of a client. A call waits
//! for its turn; the wait counts against its deadline, and a wait that
//! cannot fit fails the call at once, having sent nothing.

use std::fmt;
use std::time::Duration;

use crate::error::{Error, Result};

#[cfg(feature = "rate-limit")]
pub(crate) use gcra::Limiter;
#[cfg(not(feature = "rate-limit"))]
pub(crate) use off::Limiter;

/// Whether this build has the `rate-limit` feature: a declared
/// `#[rate_limit(…)]` asserts it at compile time.
#[doc(hidden)]
pub const RATE_LIMIT_FEATURE: bool = cfg!(feature = "rate-limit");

/// A client-side rate limit: at most `calls` per `period`, spread evenly
/// (one every `period / calls`), with bursts of `burst` calls at most
/// (default 1: no burst). Every attempt counts, retries included.
///
/// ```
/// use api_client::limits::RateLimit;
/// let github = RateLimit::per_hour(5000);
/// let bursty = RateLimit::per_second(10).burst(5);
/// assert_eq!(bursty.interval(), std::time::Duration::from_millis(100));
/// # let _ = github;
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    calls: u32,
    period: Duration,
    burst: u32,
}

impl RateLimit {
    /// `calls` per `period`.
    pub const fn new(calls: u32, period: Duration) -> Self {
        RateLimit {
            calls,
            period,
            burst: 1,
        }
    }

    /// `calls` per second.
    pub const fn per_second(calls: u32) -> Self {
        RateLimit::new(calls, Duration::from_secs(1))
    }

    /// `calls` per minute.
    pub const fn per_minute(calls: u32) -> Self {
        RateLimit::new(calls, Duration::from_secs(60))
    }

    /// `calls` per hour.
    pub const fn per_hour(calls: u32) -> Self {
        RateLimit::new(calls, Duration::from_secs(3600))
    }

    /// Lets up to `calls` go at once after a quiet time (default 1).
    pub const fn burst(mut self, calls: u32) -> Self {
        self.burst = calls;
        self
    }

    /// The time between two calls at the steady rate.
    pub fn interval(&self) -> Duration {
        self.period / self.calls.max(1)
    }

    /// The limit as the builder checks it.
    pub(crate) fn check(&self) -> Result<()> {
        if self.calls == 0 || self.period.is_zero() || self.burst == 0 {
            return Err(Error::builder(format!(
                "invalid rate limit {self}: calls, period and burst must not be zero"
            )));
        }
        if self.interval().is_zero() {
            return Err(Error::builder(format!(
                "invalid rate limit {self}: more than one call per nanosecond"
            )));
        }
        Ok(())
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} per {}", self.calls, crate::error::Human(self.period))?;
        if self.burst > 1 {
            write!(f, " (burst {})", self.burst)?;
        }
        Ok(())
    }
}

/// The limiters of the endpoints that declare `#[rate_limit(…)]`, made
/// at `build()` and shared by clones; each counts only its endpoint's
/// attempts (the client's limit, if any, applies as well).
#[derive(Default)]
pub(crate) struct EndpointLimiters(Box<[(&'static str, Limiter)]>);

impl EndpointLimiters {
    pub(crate) fn new(declared: &[(&'static str, RateLimit)]) -> Result<EndpointLimiters> {
        let limiters = declared
            .iter()
            .map(|&(name, limit)| Limiter::new(limit).map(|l| (name, l)))
            .collect::<Result<_>>()?;
        Ok(EndpointLimiters(limiters))
    }

    /// The limiter of `endpoint`, if it declared one.
    pub(crate) fn get(&self, endpoint: &str) -> Option<&Limiter> {
        self.0
            .iter()
            .find(|(name, _)| *name == endpoint)
            .map(|(_, limiter)| limiter)
    }
}

impl fmt::Debug for EndpointLimiters {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(n, l)| (n, l)))
            .finish()
    }
}

#[cfg(feature = "rate-limit")]
mod gcra {
    use std::fmt;
    use std::num::NonZeroU32;
    use std::ops::Add;
    use std::time::Duration;

    use governor::clock::{Clock, Reference};
    use governor::middleware::NoOpMiddleware;
    use governor::nanos::Nanos;
    use governor::state::{InMemoryState, NotKeyed};
    use tokio::time::Instant;

    use super::RateLimit;
    use crate::error::{Error, Result};

    /// tokio's clock for governor: a paused test clock paces calls too.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
    pub(crate) struct TokioInstant(Instant);

    impl Add<Nanos> for TokioInstant {
        type Output = TokioInstant;

        fn add(self, other: Nanos) -> TokioInstant {
            TokioInstant(self.0 + Duration::from_nanos(other.as_u64()))
        }
    }

    impl Reference for TokioInstant {
        fn duration_since(&self, earlier: Self) -> Nanos {
            Nanos::from(self.0.saturating_duration_since(earlier.0))
        }

        fn saturating_sub(&self, duration: Nanos) -> Self {
            let duration = Duration::from_nanos(duration.as_u64());
            self.0.checked_sub(duration).map_or(*self, TokioInstant)
        }
    }

    #[derive(Clone, Copy, Debug, Default)]
    pub(crate) struct TokioClock;

    impl Clock for TokioClock {
        type Instant = TokioInstant;

        fn now(&self) -> TokioInstant {
            TokioInstant(Instant::now())
        }
    }

    type Gcra =
        governor::RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<TokioInstant>>;

    /// A client's limiter, shared by its clones.
    pub(crate) struct Limiter {
        gcra: Gcra,
        limit: RateLimit,
    }

    impl Limiter {
        pub(crate) fn new(limit: RateLimit) -> Result<Limiter> {
            limit.check()?;
            let burst = NonZeroU32::new(limit.burst).unwrap_or(NonZeroU32::MIN);
            let quota = governor::Quota::with_period(limit.interval())
                .ok_or_else(|| Error::builder(format!("invalid rate limit {limit}")))?
                .allow_burst(burst);
            Ok(Limiter {
                gcra: governor::RateLimiter::direct_with_clock(quota, TokioClock),
                limit,
            })
        }

        /// Takes this call's turn if it has come: no wait, no allocation.
        pub(crate) fn ready(&self) -> bool {
            self.gcra.check().is_ok()
        }

        /// Waits for this call's turn. `Err` with the wait when the turn would
        /// come after `deadline`: then the call fails at once.
        pub(crate) async fn acquire(&self, deadline: Instant) -> std::result::Result<(), Duration> {
            loop {
                let wait = match self.gcra.check() {
                    Ok(()) => return Ok(()),
                    Err(not_until) => not_until.wait_time_from(TokioClock.now()),
                };
                if Instant::now() + wait > deadline {
                    return Err(wait);
                }
                tokio::time::sleep(wait).await;
            }
        }
    }

    impl fmt::Debug for Limiter {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            fmt::Display::fmt(&self.limit, f)
        }
    }
}

/// The limiter of a build without the `rate-limit` feature: none can be
/// made (`build()` names the feature), so the type has no value.
#[cfg(not(feature = "rate-limit"))]
mod off {
    use std::time::Duration;

    use tokio::time::Instant;

    use super::RateLimit;
    use crate::error::{Error, Result};

    #[derive(Debug)]
    pub(crate) enum Limiter {}

    impl Limiter {
        pub(crate) fn new(limit: RateLimit) -> Result<Limiter> {
            limit.check()?;
            Err(Error::builder(
                "`.rate_limit(…)` needs api-client's `rate-limit` feature: `api-client = { version = \"…\", features = [\"rate-limit\"] }`",
            ))
        }

        pub(crate) fn ready(&self) -> bool {
            match *self {}
        }

        pub(crate) async fn acquire(&self, _: Instant) -> std::result::Result<(), Duration> {
            match *self {}
        }
    }
}
