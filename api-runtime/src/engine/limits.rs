//! The time limits of a client ([`Timeouts`]) and of one attempt
//! ([`AttemptLimits`]), and the time-out error of a limit that ran out.

use std::time::Duration;

use tokio::time::Instant;

use crate::engine::watchdog::Expired;
use crate::error::{Error, TimeoutPhase};

/// The time limits of a client.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Timeouts {
    pub(crate) connect: Duration,
    pub(crate) read: Duration,
    pub(crate) attempt: Option<Duration>,
    pub(crate) total: Duration,
    /// The overall limit of a streamed body (`ByteStream`), from the
    /// response head to its end; none by default.
    pub(crate) stream: Option<Duration>,
}

impl Timeouts {
    /// The limits of a streamed body.
    pub(crate) fn stream_limits(&self) -> StreamLimits {
        StreamLimits {
            read: self.read,
            total: self.stream,
        }
    }
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: DEFAULT_CONNECT_TIMEOUT,
            read: DEFAULT_READ_TIMEOUT,
            attempt: None,
            total: DEFAULT_TIMEOUT,
            stream: None,
        }
    }
}

/// The default limit on connecting (DNS, TCP, TLS): 10 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default limit on waiting for the next bytes of a response (the first
/// ones included): 30 s.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// The default deadline of a whole call, every attempt and backoff
/// included: 60 s.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);

/// The time limits of a streamed body: the read timeout between chunks,
/// and the overall limit of
/// [`stream_timeout`](crate::ClientBuilder::stream_timeout), if set.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct StreamLimits {
    pub(crate) read: std::time::Duration,
    pub(crate) total: Option<std::time::Duration>,
}

/// The time limits in force for one attempt.
pub(crate) struct AttemptLimits {
    pub(crate) connect: Duration,
    pub(crate) read: Duration,
    /// The limit of the whole attempt: the attempt limit, or what is left
    /// of the deadline when that is shorter.
    pub(crate) request: Duration,
    pub(crate) total: Duration,
    /// When the call's deadline (`total` after `call_started`) runs out.
    pub(crate) deadline: Instant,
    pub(crate) call_started: Instant,
    /// The largest success body read (`max_body_size`, or a token's cap).
    pub(crate) max_body: usize,
}

impl AttemptLimits {
    /// The time-out error for a limit that ran out in `phase` of the
    /// attempt sent at `sent_at`. Its time is the attempt's own, or the
    /// call's when the deadline ran out.
    pub(crate) fn expired(&self, expired: Expired, phase: TimeoutPhase, sent_at: Instant) -> Error {
        let (phase, limit) = match expired {
            Expired::Idle => (phase, self.read),
            // The hard limit is the earlier of the attempt limit and the
            // deadline: it was the deadline if that has passed.
            Expired::Hard if Instant::now() >= self.deadline => {
                (TimeoutPhase::Deadline, self.total)
            }
            Expired::Hard => (phase, self.request),
        };
        let elapsed = if phase == TimeoutPhase::Deadline {
            self.call_started.elapsed()
        } else {
            sent_at.elapsed()
        };
        Error::timeout(phase, Some(limit), elapsed)
    }
}
