//! Server-announced limits: what a server says of its quota in response
//! headers, read from every response, and the pause it imposes on the
//! following calls when it says the quota is spent.
//!
//! The forms read: GitHub's `X-RateLimit-Limit` / `-Remaining` / `-Reset`
//! (epoch seconds), the IETF draft's separate `RateLimit-Limit` /
//! `-Remaining` / `-Reset` fields (seconds from now), its `RateLimit:
//! limit=…, remaining=…, reset=…` dictionary and its newer `RateLimit:
//! "policy";r=…;t=…` items with `RateLimit-Policy: "policy";q=…;w=…`, and
//! `Retry-After` on 429 and 503.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{HeaderMap, HeaderName, StatusCode};
use tokio::time::Instant;

const X_LIMIT: HeaderName = HeaderName::from_static("x-ratelimit-limit");
const X_REMAINING: HeaderName = HeaderName::from_static("x-ratelimit-remaining");
const X_RESET: HeaderName = HeaderName::from_static("x-ratelimit-reset");
const LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
const REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
const RESET: HeaderName = HeaderName::from_static("ratelimit-reset");
const RATELIMIT: HeaderName = HeaderName::from_static("ratelimit");
const POLICY: HeaderName = HeaderName::from_static("ratelimit-policy");

/// The longest reset a server's headers are believed for (a day): a
/// hostile or broken value is no further away.
const MAX_PAUSE: Duration = Duration::from_secs(24 * 3600);

/// The longest pause a server's announcement imposes on a client unless
/// [`max_server_pause`](crate::ClientBuilder::max_server_pause) says
/// otherwise: 10 minutes.
pub const DEFAULT_MAX_SERVER_PAUSE: Duration = Duration::from_secs(10 * 60);

/// The quota a server last announced, read on the session with
/// [`Session::quota`](crate::Session::quota).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Quota {
    limit: Option<u64>,
    remaining: Option<u64>,
    reset: Option<Instant>,
    paused_until: Option<Instant>,
}

impl Quota {
    /// The calls allowed in the server's window, if it said.
    pub fn limit(&self) -> Option<u64> {
        self.limit
    }

    /// The calls left in the window, if the server said.
    pub fn remaining(&self) -> Option<u64> {
        self.remaining
    }

    /// How long until the window resets, if the server said.
    pub fn resets_in(&self) -> Option<Duration> {
        self.reset
            .map(|at| at.saturating_duration_since(Instant::now()))
    }

    /// How long calls stay paused because the server said its quota is
    /// spent (at most the client's
    /// [`max_server_pause`](crate::ClientBuilder::max_server_pause));
    /// `None` when no pause is in force.
    pub fn paused_for(&self) -> Option<Duration> {
        self.paused_until
            .map(|at| at.saturating_duration_since(Instant::now()))
            .filter(|left| !left.is_zero())
    }
}

/// What one response said.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Announced {
    limit: Option<u64>,
    remaining: Option<u64>,
    /// Seconds until the window resets.
    reset: Option<Duration>,
    /// A `Retry-After` on 429 or 503.
    retry_after: Option<Duration>,
}

impl Announced {
    /// What `headers` announce, if anything; `now` reads epoch seconds.
    pub(crate) fn read(status: StatusCode, headers: &HeaderMap, now: SystemTime) -> Option<Self> {
        let mut out = Announced::default();
        let number = |name: HeaderName| -> Option<u64> {
            headers.get(name)?.to_str().ok()?.trim().parse().ok()
        };
        if let Some(remaining) = number(X_REMAINING) {
            out.remaining = Some(remaining);
            out.limit = number(X_LIMIT);
            out.reset = number(X_RESET).map(|reset| epoch_or_delta(reset, now));
        }
        if let Some(remaining) = number(REMAINING) {
            out.remaining = Some(remaining);
            out.limit = number(LIMIT).or(out.limit);
            out.reset = number(RESET).map(Duration::from_secs).or(out.reset);
        }
        if let Some(value) = headers.get(RATELIMIT).and_then(|v| v.to_str().ok()) {
            let fields = structured(value);
            let field = |names: &[&str]| {
                fields
                    .iter()
                    .find(|(k, _)| names.contains(&k.as_str()))
                    .map(|(_, v)| *v)
            };
            out.remaining = field(&["remaining", "r"]).or(out.remaining);
            out.limit = field(&["limit"]).or(out.limit);
            out.reset = field(&["reset", "t"])
                .map(Duration::from_secs)
                .or(out.reset);
        }
        if let Some(policy) = headers.get(POLICY).and_then(|v| v.to_str().ok()) {
            let quota = structured(policy)
                .into_iter()
                .find(|(k, _)| k == "q" || k.is_empty())
                .map(|(_, v)| v);
            out.limit = out.limit.or(quota);
        }
        let limited =
            status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE;
        if limited {
            out.retry_after = crate::policy::retry::retry_after(status, headers, now);
        }
        (out != Announced::default()).then_some(out)
    }

    /// How long the following calls must wait, if the quota is spent.
    fn pause(&self) -> Option<Duration> {
        let spent = match (self.remaining, self.reset) {
            (Some(0), Some(reset)) => Some(reset),
            _ => None,
        };
        let pause = match (spent, self.retry_after) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        }?;
        (!pause.is_zero()).then_some(pause.min(MAX_PAUSE))
    }
}

/// `X-RateLimit-Reset` is epoch seconds at GitHub and most APIs, seconds
/// from now at a few: a value before 2001 is taken as seconds from now.
fn epoch_or_delta(reset: u64, now: SystemTime) -> Duration {
    const EPOCH_2001: u64 = 978_307_200;
    if reset < EPOCH_2001 {
        return Duration::from_secs(reset);
    }
    let now = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    Duration::from_secs(reset).saturating_sub(now)
}

/// The integer parameters of a structured field (RFC 8941) as the draft
/// uses them: `limit=10, remaining=0, reset=5` (a dictionary) or
/// `"default";r=0;t=5` (items with parameters); a bare integer item (`100;w=60`)
/// is returned with an empty name. Anything else is skipped; at most 32
/// members are read.
fn structured(value: &str) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for member in value.split(',').take(32) {
        for (i, part) in member.split(';').enumerate() {
            let part = part.trim();
            match part.split_once('=') {
                Some((key, number)) => {
                    if let Ok(n) = number.trim().parse::<u64>() {
                        out.push((key.trim().to_ascii_lowercase(), n));
                    }
                }
                None if i == 0 => {
                    if let Ok(n) = part.parse::<u64>() {
                        out.push((String::new(), n));
                    }
                }
                None => {}
            }
        }
    }
    out
}

/// Whether a response may announce anything: a 429 or 503, or a header
/// whose name starts with `ratelimit` or `x-ratelimit`. One pass over the
/// names, no hashing and no clock read, so the common response (which
/// announces nothing) costs next to nothing.
fn mentions_a_limit(status: StatusCode, headers: &HeaderMap) -> bool {
    if status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE {
        return true;
    }
    headers.keys().any(|name| {
        let name = name.as_str().as_bytes();
        let name = name.strip_prefix(b"x-").unwrap_or(name);
        name.starts_with(b"ratelimit")
    })
}

/// The server-announced quota of a client's host, shared by its clones.
#[derive(Debug)]
pub(crate) struct QuotaGate {
    /// Set while a pause is in force: the fast path reads only this.
    paused: AtomicBool,
    state: Mutex<State>,
    /// The longest pause an announcement imposes.
    max_pause: Duration,
}

#[derive(Debug, Default)]
struct State {
    quota: Option<Quota>,
    until: Option<Instant>,
}

impl QuotaGate {
    /// A gate whose pauses last at most `max_pause`.
    pub(crate) fn new(max_pause: Duration) -> QuotaGate {
        QuotaGate {
            paused: AtomicBool::new(false),
            state: Mutex::default(),
            max_pause,
        }
    }

    /// Records what a response of the client's own origin announced.
    pub(crate) fn observe(&self, status: StatusCode, headers: &HeaderMap) {
        if !mentions_a_limit(status, headers) {
            return;
        }
        let Some(announced) = Announced::read(status, headers, SystemTime::now()) else {
            return;
        };
        let now = Instant::now();
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.quota = Some(Quota {
            limit: announced.limit,
            remaining: announced.remaining,
            reset: announced.reset.map(|r| now + r.min(MAX_PAUSE)),
            paused_until: None,
        });
        if let Some(pause) = announced.pause().map(|p| p.min(self.max_pause)) {
            let until = now + pause;
            if state.until.is_none_or(|u| u < until) {
                state.until = Some(until);
                tracing::info!(
                    pause_ms = pause.as_millis() as u64,
                    "the server's quota is spent: pausing calls"
                );
            }
            self.paused.store(true, Ordering::Release);
        }
    }

    /// When the following calls may go, if the server asked for a pause.
    pub(crate) fn paused_until(&self) -> Option<Instant> {
        if !self.paused.load(Ordering::Acquire) {
            return None;
        }
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match state.until {
            Some(until) if until > Instant::now() => Some(until),
            _ => {
                state.until = None;
                self.paused.store(false, Ordering::Release);
                None
            }
        }
    }

    /// The quota last announced, with the pause in force.
    pub(crate) fn quota(&self) -> Option<Quota> {
        let until = self.paused_until();
        let state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        state.quota.map(|quota| Quota {
            paused_until: until,
            ..quota
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    fn read(pairs: &[(&'static str, &str)]) -> Option<Announced> {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        Announced::read(StatusCode::OK, &headers(pairs), now)
    }

    #[test]
    fn every_documented_form_is_read() {
        let github = read(&[
            ("x-ratelimit-limit", "5000"),
            ("x-ratelimit-remaining", "0"),
            ("x-ratelimit-reset", "1700000042"),
        ])
        .unwrap();
        assert_eq!(github.limit, Some(5000));
        assert_eq!(github.pause(), Some(Duration::from_secs(42)));
        let fields = read(&[
            ("ratelimit-limit", "100"),
            ("ratelimit-remaining", "0"),
            ("ratelimit-reset", "7"),
        ])
        .unwrap();
        assert_eq!(fields.pause(), Some(Duration::from_secs(7)));
        let dictionary = read(&[("ratelimit", "limit=10, remaining=0, reset=5")]).unwrap();
        assert_eq!(
            (dictionary.limit, dictionary.pause()),
            (Some(10), Some(Duration::from_secs(5)))
        );
        let items = read(&[
            ("ratelimit", "\"default\";r=0;t=9"),
            ("ratelimit-policy", "\"default\";q=100;w=60"),
        ])
        .unwrap();
        assert_eq!(
            (items.limit, items.pause()),
            (Some(100), Some(Duration::from_secs(9)))
        );
        let old_policy = read(&[
            ("ratelimit", "limit=3, remaining=2, reset=1"),
            ("ratelimit-policy", "3;w=1"),
        ])
        .unwrap();
        assert_eq!((old_policy.remaining, old_policy.pause()), (Some(2), None));
    }

    #[test]
    fn only_responses_that_may_announce_are_read() {
        let plain = headers(&[("content-type", "application/json"), ("x-request-id", "7")]);
        assert!(!mentions_a_limit(StatusCode::OK, &plain));
        assert!(mentions_a_limit(StatusCode::TOO_MANY_REQUESTS, &plain));
        assert!(mentions_a_limit(StatusCode::SERVICE_UNAVAILABLE, &plain));
        for name in ["x-ratelimit-remaining", "ratelimit", "ratelimit-policy"] {
            let announcing = headers(&[("content-type", "text/plain"), (name, "1")]);
            assert!(mentions_a_limit(StatusCode::OK, &announcing), "{name}");
        }
        let gate = QuotaGate::new(DEFAULT_MAX_SERVER_PAUSE);
        gate.observe(StatusCode::OK, &plain);
        assert_eq!(gate.quota(), None);
    }

    #[test]
    fn hostile_values_are_bounded_or_ignored() {
        let far = read(&[
            ("ratelimit-remaining", "0"),
            ("ratelimit-reset", "99999999"),
        ])
        .unwrap();
        assert_eq!(far.pause(), Some(MAX_PAUSE));
        // The gate pauses for at most its own limit.
        let gate = QuotaGate::new(Duration::from_secs(90));
        let spent = headers(&[
            ("ratelimit-remaining", "0"),
            ("ratelimit-reset", "99999999"),
        ]);
        gate.observe(StatusCode::OK, &spent);
        let paused = gate.quota().and_then(|q| q.paused_for()).unwrap();
        assert!(paused <= Duration::from_secs(90) && paused > Duration::from_secs(80));
        assert_eq!(read(&[("ratelimit-remaining", "-1")]), None);
        assert_eq!(read(&[("ratelimit", "remaining=zero")]), None);
        let delta = read(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "30")]).unwrap();
        assert_eq!(delta.pause(), Some(Duration::from_secs(30)));
    }
}
