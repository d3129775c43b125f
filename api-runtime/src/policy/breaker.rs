//! The circuit breaker ([`CircuitBreaker`]): after a run of failures, or a
//! failure rate over a window, calls to the host (or the endpoint) fail at
//! once, sending nothing, until a cool-down has passed; then one probe
//! goes through, and its outcome closes the circuit or opens it again.
//! Failures are time-outs, connect and transport errors and 5xx statuses,
//! never a 4xx.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

use crate::error::{Error, ErrorKind, Result};

/// When a circuit opens and how long it stays open.
///
/// ```
/// use std::time::Duration;
/// use api_client::limits::CircuitBreaker;
/// let breaker = CircuitBreaker::new()           // 5 failures in a row open it
///     .failure_rate(0.5, 20, Duration::from_secs(30))  // or half of 20+ calls in 30 s
///     .cool_down(Duration::from_secs(10));
/// # let _ = breaker;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct CircuitBreaker {
    consecutive: u32,
    rate: Option<(f64, u32, Duration)>,
    cool_down: Duration,
    per_endpoint: bool,
}

impl Default for CircuitBreaker {
    fn default() -> Self {
        CircuitBreaker {
            consecutive: 5,
            rate: None,
            cool_down: Duration::from_secs(30),
            per_endpoint: false,
        }
    }
}

impl CircuitBreaker {
    /// Opens after 5 failures in a row, for 30 s, per host.
    pub fn new() -> Self {
        CircuitBreaker::default()
    }

    /// Opens after `n` failures in a row.
    pub fn consecutive_failures(mut self, n: u32) -> Self {
        self.consecutive = n;
        self
    }

    /// Also opens when at least `min_calls` calls ended within `window`
    /// and a share of at least `rate` (0 to 1) of them failed.
    pub fn failure_rate(mut self, rate: f64, min_calls: u32, window: Duration) -> Self {
        self.rate = Some((rate, min_calls, window));
        self
    }

    /// How long an open circuit fails calls before it lets a probe through.
    pub fn cool_down(mut self, cool_down: Duration) -> Self {
        self.cool_down = cool_down;
        self
    }

    /// One circuit per endpoint instead of one for the host.
    pub fn per_endpoint(mut self) -> Self {
        self.per_endpoint = true;
        self
    }

    pub(crate) fn check(&self) -> Result<()> {
        let rate_ok = self.rate.is_none_or(|(rate, min, window)| {
            (0.0..=1.0).contains(&rate) && min > 0 && !window.is_zero()
        });
        if self.consecutive == 0 || !rate_ok {
            return Err(Error::builder(format!(
                "invalid circuit breaker {self:?}: a run of at least 1 failure, a rate from 0 to 1 over a window of at least one call"
            )));
        }
        Ok(())
    }
}

/// The state of a circuit, read with [`Session::circuit`](crate::Session::circuit).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CircuitState {
    /// Calls go through.
    Closed,
    /// Calls fail at once until the cool-down has passed.
    Open,
    /// One probe is let through; its outcome decides.
    HalfOpen,
}

#[derive(Debug)]
enum State {
    Closed {
        run: u32,
        window: VecDeque<(Instant, bool)>,
    },
    Open {
        until: Instant,
    },
    HalfOpen {
        probing: bool,
    },
}

impl State {
    fn closed() -> State {
        State::Closed {
            run: 0,
            window: VecDeque::new(),
        }
    }
}

/// The circuits of a client, shared by its clones.
#[derive(Debug)]
pub(crate) struct Breakers {
    config: CircuitBreaker,
    host: Mutex<State>,
    endpoints: Mutex<HashMap<&'static str, State>>,
    opened: AtomicU64,
    closed: AtomicU64,
}

/// A call let through: its outcome is recorded by [`Breakers::record`];
/// dropped unrecorded (the call was cancelled), a probe frees its slot.
pub(crate) struct Admission<'a> {
    breakers: &'a Breakers,
    endpoint: &'static str,
    probe: bool,
    recorded: bool,
}

impl Breakers {
    pub(crate) fn new(config: CircuitBreaker) -> Result<Breakers> {
        config.check()?;
        Ok(Breakers {
            config,
            host: Mutex::new(State::closed()),
            endpoints: Mutex::new(HashMap::new()),
            opened: AtomicU64::new(0),
            closed: AtomicU64::new(0),
        })
    }

    fn with_state<T>(&self, endpoint: &'static str, f: impl FnOnce(&mut State) -> T) -> T {
        if self.config.per_endpoint {
            let mut map = self.endpoints.lock().unwrap_or_else(|p| p.into_inner());
            f(map.entry(endpoint).or_insert_with(State::closed))
        } else {
            f(&mut self.host.lock().unwrap_or_else(|p| p.into_inner()))
        }
    }

    /// Lets a call of `endpoint` through, or fails it at once.
    pub(crate) fn admit(&self, endpoint: &'static str) -> Result<Admission<'_>> {
        let probe = self.with_state(endpoint, |state| match state {
            State::Closed { .. } => Ok(false),
            State::Open { until } if *until > Instant::now() => {
                Err(until.saturating_duration_since(Instant::now()))
            }
            State::Open { .. } | State::HalfOpen { probing: false } => {
                tracing::info!(endpoint, "circuit half-open: one probe goes through");
                *state = State::HalfOpen { probing: true };
                Ok(true)
            }
            State::HalfOpen { probing: true } => Err(Duration::ZERO),
        });
        match probe {
            Ok(probe) => Ok(Admission {
                breakers: self,
                endpoint,
                probe,
                recorded: false,
            }),
            Err(wait) => {
                let message = if wait.is_zero() {
                    "the circuit is half-open and its probe is in flight: nothing was sent"
                        .to_owned()
                } else {
                    format!(
                        "the circuit is open for {} more after repeated failures: nothing was sent",
                        crate::error::Human(wait)
                    )
                };
                Err(Error::with_message(ErrorKind::CircuitOpen, message).permanent())
            }
        }
    }

    /// The state of the host's circuit (or `endpoint`'s, per endpoint).
    pub(crate) fn state_of(&self, endpoint: &str) -> CircuitState {
        let now = Instant::now();
        let read = |state: &State| match state {
            State::Closed { .. } => CircuitState::Closed,
            State::Open { until } if *until > now => CircuitState::Open,
            State::Open { .. } | State::HalfOpen { .. } => CircuitState::HalfOpen,
        };
        if self.config.per_endpoint {
            let map = self.endpoints.lock().unwrap_or_else(|p| p.into_inner());
            map.get(endpoint).map_or(CircuitState::Closed, read)
        } else {
            read(&self.host.lock().unwrap_or_else(|p| p.into_inner()))
        }
    }

    /// How many times circuits opened, and closed again (for metrics).
    pub(crate) fn transitions(&self) -> (u64, u64) {
        (
            self.opened.load(Ordering::Relaxed),
            self.closed.load(Ordering::Relaxed),
        )
    }

    /// How the circuits open and close.
    pub(crate) fn config(&self) -> &CircuitBreaker {
        &self.config
    }

    fn record(&self, endpoint: &'static str, probe: bool, failed: bool) {
        let config = &self.config;
        self.with_state(endpoint, |state| {
            let open = match state {
                State::HalfOpen { .. } if probe => failed,
                State::HalfOpen { .. } | State::Open { .. } => return,
                State::Closed { run, window } => {
                    *run = if failed { *run + 1 } else { 0 };
                    over_the_limit(config, *run, window, failed)
                }
            };
            if open {
                tracing::warn!(
                    endpoint,
                    cool_down_ms = config.cool_down.as_millis() as u64,
                    "circuit opened"
                );
                self.opened.fetch_add(1, Ordering::Relaxed);
                *state = State::Open {
                    until: Instant::now() + config.cool_down,
                };
            } else if !matches!(state, State::Closed { .. }) {
                tracing::info!(endpoint, "circuit closed: the probe succeeded");
                self.closed.fetch_add(1, Ordering::Relaxed);
                *state = State::closed();
            }
        });
    }
}

/// Whether a closed circuit must open: a run of failures, or a failure
/// rate over the window (kept to the window's calls).
fn over_the_limit(
    config: &CircuitBreaker,
    run: u32,
    window: &mut VecDeque<(Instant, bool)>,
    failed: bool,
) -> bool {
    if run >= config.consecutive {
        return true;
    }
    let Some((rate, min_calls, span)) = config.rate else {
        return false;
    };
    let now = Instant::now();
    window.push_back((now, failed));
    while window
        .front()
        .is_some_and(|(at, _)| now.saturating_duration_since(*at) > span)
    {
        window.pop_front();
    }
    // Bounded: a window holds at most the calls of its span, capped.
    while window.len() > 10_000 {
        window.pop_front();
    }
    let failures = window.iter().filter(|(_, f)| *f).count();
    window.len() >= min_calls as usize && failures as f64 >= rate * window.len() as f64
}

impl Admission<'_> {
    /// Records the call's outcome: `Some(true)` a failure of the host,
    /// `Some(false)` a success, `None` neither (a 4xx, a decode error).
    pub(crate) fn record(mut self, failed: Option<bool>) {
        self.recorded = true;
        match failed {
            Some(failed) => self.breakers.record(self.endpoint, self.probe, failed),
            None if self.probe => self.breakers.record(self.endpoint, true, false),
            None => {}
        }
    }
}

impl Drop for Admission<'_> {
    fn drop(&mut self) {
        if self.probe && !self.recorded {
            // A cancelled probe: let the next call probe instead.
            self.breakers.with_state(self.endpoint, |state| {
                if let State::HalfOpen { probing } = state {
                    *probing = false;
                }
            });
        }
    }
}

impl fmt::Debug for Admission<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Admission")
            .field("probe", &self.probe)
            .finish()
    }
}
