//! Retry: a [`RetryPolicy`] (how many attempts, which statuses, backoff,
//! `Retry-After`), the classifier that decides whether a failure may be
//! retried, and the client-wide [`RetryBudget`].

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime};

use http::{HeaderMap, Method, StatusCode, header};

use crate::engine::exchange::Outcome;
use crate::error::{ErrorKind, TimeoutPhase};

/// A source of uniform random numbers in `[0, 1)`, for backoff jitter.
pub type Jitter = Arc<dyn Fn() -> f64 + Send + Sync>;

/// When and how a failed call is tried again.
///
/// The defaults follow AWS's standard mode and urllib3's `Retry`, made safe:
///
/// | setting | default |
/// |---|---|
/// | attempts in total | 3 |
/// | backoff | full jitter: a random delay in `[0, min(20 s, 500 ms × 2ⁿ⁻¹))` before retry *n* |
/// | retried statuses | 408, 429, 500, 502, 503, 504 |
/// | `Retry-After` (on 429, 503) | honoured, both forms; above 60 s (or past the deadline) the call fails at once with [`Error::retry_after`](crate::Error::retry_after) set |
/// | methods | GET, HEAD, OPTIONS, TRACE, PUT, DELETE; POST and PATCH only when declared `#[idempotent]` or sent with an `Idempotency-Key` header |
/// | connect failures | retried for every method: nothing was sent |
/// | decode and validation errors | never retried |
///
/// ```
/// use std::time::Duration;
/// use api_client::RetryPolicy;
///
/// let policy = RetryPolicy::default()
///     .attempts(5)
///     .backoff(Duration::from_millis(200), Duration::from_secs(5))
///     .retry_on([429, 503]);
/// assert_eq!(policy.max_attempts(), 5);
/// ```
#[derive(Clone)]
pub struct RetryPolicy {
    attempts: u32,
    base: Duration,
    cap: Duration,
    statuses: Vec<u16>,
    retry_after_max: Duration,
    jitter: Jitter,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            base: Duration::from_millis(500),
            cap: Duration::from_secs(20),
            statuses: vec![408, 429, 500, 502, 503, 504],
            retry_after_max: Duration::from_secs(60),
            jitter: Arc::new(random_unit),
        }
    }
}

impl fmt::Debug for RetryPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryPolicy")
            .field("attempts", &self.attempts)
            .field("base", &self.base)
            .field("cap", &self.cap)
            .field("statuses", &self.statuses)
            .field("retry_after_max", &self.retry_after_max)
            .finish_non_exhaustive()
    }
}

impl RetryPolicy {
    /// A policy that never retries: one attempt.
    pub fn none() -> Self {
        RetryPolicy::default().attempts(1)
    }

    /// The number of attempts in total, the first included (at least 1).
    pub fn attempts(mut self, attempts: u32) -> Self {
        self.attempts = attempts.max(1);
        self
    }

    /// Full-jitter exponential backoff: before retry *n*, a random delay in
    /// `[0, min(cap, base × 2ⁿ⁻¹))`.
    pub fn backoff(mut self, base: Duration, cap: Duration) -> Self {
        self.base = base;
        self.cap = cap;
        self
    }

    /// The statuses that are retried (replacing the default set).
    pub fn retry_on(mut self, statuses: impl IntoIterator<Item = u16>) -> Self {
        self.statuses = statuses.into_iter().collect();
        self
    }

    /// The longest `Retry-After` the client waits for (default 60 s); a
    /// server asking for more makes the call fail at once, with the asked
    /// delay on [`Error::retry_after`](crate::Error::retry_after).
    pub fn retry_after_max(mut self, max: Duration) -> Self {
        self.retry_after_max = max;
        self
    }

    /// The random source of the jitter, a function returning values in
    /// `[0, 1)`; fix it to make delays deterministic in tests.
    pub fn jitter(mut self, source: impl Fn() -> f64 + Send + Sync + 'static) -> Self {
        self.jitter = Arc::new(source);
        self
    }

    /// The number of attempts in total.
    pub fn max_attempts(&self) -> u32 {
        self.attempts
    }

    /// The backoff before retry number `retry` (1 for the first retry).
    pub fn backoff_delay(&self, retry: u32) -> Duration {
        let exp = self
            .base
            .saturating_mul(2u32.saturating_pow(retry.saturating_sub(1)));
        let ceiling = exp.min(self.cap);
        let unit = (self.jitter)().clamp(0.0, 1.0);
        ceiling.mul_f64(unit)
    }

    pub(crate) fn retries_status(&self, status: StatusCode) -> bool {
        self.statuses.contains(&status.as_u16())
    }

    pub(crate) fn retry_after_limit(&self) -> Duration {
        self.retry_after_max
    }
}

/// A uniform value in `[0, 1)` from std's per-process random keys.
fn random_unit() -> f64 {
    let bits = RandomState::new().build_hasher().finish();
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// Whether `method` may be sent twice without changing the outcome
/// (RFC 9110 §9.2.2).
pub(crate) fn is_idempotent_method(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE | Method::PUT | Method::DELETE
    )
}

/// Whether a request may be replayed after its bytes may have reached the
/// server.
pub(crate) fn may_replay(method: &Method, declared_idempotent: bool, headers: &HeaderMap) -> bool {
    const IDEMPOTENCY_KEY: http::HeaderName = http::HeaderName::from_static("idempotency-key");
    declared_idempotent || is_idempotent_method(method) || headers.contains_key(IDEMPOTENCY_KEY)
}

/// Why a failure may be retried, for the log and the budget.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reason {
    Connect,
    Timeout,
    Transport,
    Status(StatusCode),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::Connect => f.write_str("connect error"),
            Reason::Timeout => f.write_str("timeout"),
            Reason::Transport => f.write_str("connection error"),
            Reason::Status(s) => write!(f, "status {}", s.as_u16()),
        }
    }
}

/// The one retry classifier: whether an attempt's `outcome` may be
/// retried, given whether the request may be replayed once it may have
/// reached the server.
pub(crate) fn classify(
    policy: &RetryPolicy,
    outcome: &Outcome,
    replayable: bool,
) -> Option<Reason> {
    let error = match outcome {
        Outcome::Success(_) => return None,
        Outcome::Status(response) => {
            let status = response.head.status;
            return (replayable && policy.retries_status(status)).then_some(Reason::Status(status));
        }
        Outcome::Failure(error) => error,
    };
    // A refused certificate stays refused, a redirect loop loops again, a
    // body over the limit stays over it.
    if error.is_permanent() {
        return None;
    }
    match error.kind() {
        // Nothing reached the server: safe for every method.
        ErrorKind::Connect => Some(Reason::Connect),
        ErrorKind::Timeout if error.timeout_phase() == Some(TimeoutPhase::Connect) => {
            Some(Reason::Connect)
        }
        ErrorKind::Timeout if error.timeout_phase() == Some(TimeoutPhase::Deadline) => None,
        ErrorKind::Timeout => replayable.then_some(Reason::Timeout),
        ErrorKind::Transport | ErrorKind::Body => replayable.then_some(Reason::Transport),
        _ => None,
    }
}

/// The delay a `Retry-After` header asks for, on 429 and 503: delay-seconds
/// or an HTTP-date. Invalid values are ignored (`None`).
pub(crate) fn retry_after(
    status: StatusCode,
    headers: &HeaderMap,
    now: SystemTime,
) -> Option<Duration> {
    if status != StatusCode::TOO_MANY_REQUESTS && status != StatusCode::SERVICE_UNAVAILABLE {
        return None;
    }
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value.parse::<u64>().ok().map(Duration::from_secs);
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

/// A client-wide retry budget, shared by clones (AWS standard mode's token
/// bucket): a retry takes tokens, a success gives one back, and with too few
/// tokens left a failure is returned instead of retried, so a failing
/// dependency is not hammered N-fold.
///
/// ```
/// use api_client::retry::RetryBudget;
/// let budget = RetryBudget::default(); // 500 tokens, 5 per retry, 10 per timeout retry, +1 per success
/// assert_eq!(budget.capacity(), 500);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryBudget {
    capacity: u32,
    retry_cost: u32,
    timeout_retry_cost: u32,
    success_refund: u32,
}

impl Default for RetryBudget {
    fn default() -> Self {
        RetryBudget {
            capacity: 500,
            retry_cost: 5,
            timeout_retry_cost: 10,
            success_refund: 1,
        }
    }
}

impl RetryBudget {
    /// A budget of `capacity` tokens with the default costs.
    pub fn new(capacity: u32) -> Self {
        RetryBudget {
            capacity,
            ..RetryBudget::default()
        }
    }

    /// The tokens a retry costs, and a retry after a timeout.
    pub fn costs(mut self, retry: u32, timeout_retry: u32) -> Self {
        self.retry_cost = retry;
        self.timeout_retry_cost = timeout_retry;
        self
    }

    /// The tokens a successful call gives back.
    pub fn success_refund(mut self, tokens: u32) -> Self {
        self.success_refund = tokens;
        self
    }

    /// The number of tokens when full.
    pub fn capacity(&self) -> u32 {
        self.capacity
    }
}

/// The live token bucket of one client.
pub(crate) struct Bucket {
    budget: RetryBudget,
    tokens: AtomicU32,
}

impl Bucket {
    pub(crate) fn new(budget: RetryBudget) -> Self {
        Bucket {
            budget,
            tokens: AtomicU32::new(budget.capacity),
        }
    }

    /// Takes the cost of a retry for `reason`; false when too few are left.
    pub(crate) fn withdraw(&self, reason: Reason) -> bool {
        let cost = match reason {
            Reason::Timeout => self.budget.timeout_retry_cost,
            _ => self.budget.retry_cost,
        };
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(cost))
            .is_ok()
    }

    /// Gives back the refund of a success, up to the capacity.
    pub(crate) fn refund(&self) {
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| {
                Some(
                    t.saturating_add(self.budget.success_refund)
                        .min(self.budget.capacity),
                )
            });
    }

    #[cfg(test)]
    pub(crate) fn available(&self) -> u32 {
        self.tokens.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn fixed(v: f64) -> RetryPolicy {
        RetryPolicy::default().jitter(move || v)
    }

    #[test]
    fn full_jitter_backoff_vectors() {
        let p = fixed(1.0);
        assert_eq!(p.backoff_delay(1), Duration::from_millis(500));
        assert_eq!(p.backoff_delay(2), Duration::from_secs(1));
        assert_eq!(p.backoff_delay(3), Duration::from_secs(2));
        assert_eq!(p.backoff_delay(10), Duration::from_secs(20));
        assert_eq!(p.backoff_delay(u32::MAX), Duration::from_secs(20));
        assert_eq!(fixed(0.0).backoff_delay(5), Duration::ZERO);
        let random = RetryPolicy::default();
        for n in 1..50 {
            assert!(random.backoff_delay(n) <= Duration::from_secs(20));
        }
    }

    #[test]
    fn random_unit_is_in_range_and_varies() {
        let values: Vec<f64> = (0..100).map(|_| random_unit()).collect();
        assert!(values.iter().all(|v| (0.0..1.0).contains(v)));
        assert!(values.windows(2).any(|w| w[0] != w[1]));
    }

    fn with_retry_after(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::RETRY_AFTER, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn retry_after_both_forms() {
        // 2019-06-03T11:00:00Z, as in urllib3's vectors.
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_559_559_600);
        let s503 = StatusCode::SERVICE_UNAVAILABLE;
        let cases = [
            ("3600", Some(3600)),
            ("0", Some(0)),
            ("\t42 ", Some(42)),
            ("Mon, 03 Jun 2019 11:30:12 GMT", Some(1812)),
            ("Monday, 03-Jun-19 11:30:12 GMT", Some(1812)),
            ("Mon Jun  3 11:30:12 2019", Some(1812)),
            ("Mon, 03 Jun 2019 10:00:00 GMT", Some(0)),
            ("-1", None),
            ("+1", None),
            ("1.0", None),
            ("abc", None),
        ];
        for (value, expected) in cases {
            let got = retry_after(s503, &with_retry_after(value), now);
            assert_eq!(got, expected.map(Duration::from_secs), "{value:?}");
        }
        assert_eq!(
            retry_after(
                StatusCode::INTERNAL_SERVER_ERROR,
                &with_retry_after("5"),
                now
            ),
            None
        );
        assert_eq!(
            retry_after(StatusCode::TOO_MANY_REQUESTS, &with_retry_after("5"), now),
            Some(Duration::from_secs(5))
        );
    }

    #[test]
    fn methods_and_statuses() {
        let p = RetryPolicy::default();
        let headers = HeaderMap::new();
        assert!(may_replay(&Method::GET, false, &headers));
        assert!(may_replay(&Method::DELETE, false, &headers));
        assert!(!may_replay(&Method::POST, false, &headers));
        assert!(!may_replay(&Method::PATCH, false, &headers));
        assert!(may_replay(&Method::POST, true, &headers));
        let mut keyed = HeaderMap::new();
        keyed.insert("idempotency-key", HeaderValue::from_static("k1"));
        assert!(may_replay(&Method::POST, false, &keyed));
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(p.retries_status(StatusCode::from_u16(s).unwrap()), "{s}");
        }
        for s in [400, 401, 403, 404, 409, 422, 501, 505] {
            assert!(!p.retries_status(StatusCode::from_u16(s).unwrap()), "{s}");
        }
    }

    #[test]
    fn budget_drains_and_refills() {
        let bucket = Bucket::new(RetryBudget::new(20));
        assert!(bucket.withdraw(Reason::Timeout)); // 10 left
        assert!(bucket.withdraw(Reason::Connect)); // 5 left
        assert!(bucket.withdraw(Reason::Connect)); // 0 left
        assert!(!bucket.withdraw(Reason::Connect));
        bucket.refund();
        assert_eq!(bucket.available(), 1);
        for _ in 0..100 {
            bucket.refund();
        }
        assert_eq!(bucket.available(), 20);
    }
}
