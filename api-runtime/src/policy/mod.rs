//! The policy floor: what happens around each attempt of a call, and the
//! part of a client it owns ([`Policies`]): retries, backoff and the retry
//! budget (`retry`), credentials (`auth`, `provider`, `oauth`, `digest`,
//! `auth_http`), the user's hooks (`hooks`) and request signing (`sign`),
//! the limits a call waits for (`rate`, `quota`, `breaker`, `turn`), the
//! attempt loop (`attempts`) and the call around it (`perform`), its span
//! and what its end records (`call_span`), and what a later error says of
//! the call (`report`). It drives the engine below it; nothing here knows
//! the client.

pub(crate) mod attempts;
pub(crate) mod auth;
pub(crate) mod auth_http;
pub(crate) mod breaker;
pub(crate) mod call_span;
pub(crate) mod digest;
pub(crate) mod hooks;
pub(crate) mod oauth;
pub(crate) mod perform;
pub(crate) mod provider;
pub(crate) mod quota;
pub(crate) mod rate;
pub(crate) mod report;
pub(crate) mod retry;
pub(crate) mod sign;
pub(crate) mod turn;

use std::sync::Arc;
use std::time::Duration;

use http::HeaderName;

use crate::engine::exchange::Engine;
use crate::engine::limits::Timeouts;
use crate::error::scrub::Scrubber;
use crate::metrics::Metrics;

/// What the policy floor holds for a client, shared by its clones: the
/// engine it drives, the time limits, retries, credentials, hooks, the
/// signer, the limits, and what every error of a call is scrubbed of.
pub(crate) struct Policies {
    pub(crate) engine: Engine,
    pub(crate) timeouts: Timeouts,
    /// The largest success body read into memory.
    pub(crate) max_body_size: usize,
    pub(crate) retry: Arc<retry::RetryPolicy>,
    pub(crate) bucket: Option<retry::Bucket>,
    pub(crate) auth: Option<auth::Credentials>,
    pub(crate) hooks: Vec<Arc<dyn hooks::Hook>>,
    /// Signs every attempt, last.
    pub(crate) signer: Option<Arc<dyn sign::Signer>>,
    pub(crate) limits: Limits,
    /// The response header that carries the server's request id.
    pub(crate) request_id_header: Option<HeaderName>,
    /// The client's secrets, scrubbed from every error it returns.
    pub(crate) scrubber: Arc<Scrubber>,
    /// The built-in recorder, when asked for.
    pub(crate) metrics: Option<Metrics>,
}

/// The limits a call waits for or is refused by, shared by clones.
#[derive(Default)]
pub(crate) struct Limits {
    /// The client-side rate limit.
    pub(crate) limiter: Option<rate::Limiter>,
    /// The rate limits endpoints declare.
    pub(crate) endpoint_limiters: rate::EndpointLimiters,
    /// What the server announced of its quota (read unless turned off).
    pub(crate) quota: Option<quota::QuotaGate>,
    /// At most this many calls in flight (a bulkhead), in order.
    pub(crate) bulkhead: Option<(usize, Arc<tokio::sync::Semaphore>)>,
    /// The circuit breaker, per host or per endpoint.
    pub(crate) breakers: Option<Arc<breaker::Breakers>>,
}

/// One call's own settings (`client.with_timeout(…)`), over the client's.
#[derive(Clone, Default, Debug)]
pub(crate) struct Overrides {
    pub(crate) total: Option<Duration>,
    pub(crate) attempt: Option<Duration>,
    pub(crate) retry: Option<Arc<retry::RetryPolicy>>,
}
