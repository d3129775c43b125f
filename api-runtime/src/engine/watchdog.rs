//! The time limits of one attempt (or one streamed body) with a single
//! timer.
//!
//! An attempt has two limits: a hard one (the attempt's limit, or what is
//! left of the call's deadline) and an idle one (the read timeout: the
//! longest wait for the next bytes, restarted by every chunk). reqwest
//! would run a timer per limit and a new one per chunk; here one timer is
//! armed for the earliest possible expiry, progress only records the time,
//! and the timer is re-armed only when it fires early (after progress).
//! Each attempt registers one timer, whatever the body's length.

use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

/// Which limit ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Expired {
    /// The hard limit (the attempt's, or the call's deadline).
    Hard,
    /// The idle limit: no bytes for the read timeout.
    Idle,
}

/// `start + limit`, or about thirty years from `start` when that does not
/// fit in an `Instant` (a limit of `Duration::MAX` means "none").
pub(crate) fn instant_after(start: Instant, limit: Duration) -> Instant {
    const FAR: Duration = Duration::from_secs(86_400 * 365 * 30);
    start
        .checked_add(limit)
        .unwrap_or_else(|| start + FAR.min(limit))
}

/// One timer guarding a hard limit and an idle limit.
pub(crate) struct Watchdog {
    sleep: Pin<Box<Sleep>>,
    hard: Option<Instant>,
    idle: Duration,
    last_progress: Instant,
}

impl Watchdog {
    /// Limits starting at `start`: `hard` is an absolute end (none for a
    /// streamed body), `idle` the longest wait for progress.
    pub(crate) fn new(start: Instant, hard: Option<Instant>, idle: Duration) -> Self {
        let first = instant_after(start, idle);
        Watchdog {
            sleep: Box::pin(tokio::time::sleep_until(
                hard.map_or(first, |h| h.min(first)),
            )),
            hard,
            idle,
            last_progress: start,
        }
    }

    /// Records progress (bytes arrived): the idle limit restarts now. The
    /// timer itself is not touched.
    pub(crate) fn progress(&mut self) {
        self.last_progress = Instant::now();
    }

    /// Ready when a limit has run out; re-arms the timer when it fired
    /// before either limit because of progress since it was armed.
    pub(crate) fn poll_expired(&mut self, cx: &mut Context<'_>) -> Poll<Expired> {
        loop {
            ready!(self.sleep.as_mut().poll(cx));
            let now = Instant::now();
            if self.hard.is_some_and(|hard| now >= hard) {
                return Poll::Ready(Expired::Hard);
            }
            let idle_end = instant_after(self.last_progress, self.idle);
            if now >= idle_end {
                return Poll::Ready(Expired::Idle);
            }
            let next = self.hard.map_or(idle_end, |hard| hard.min(idle_end));
            self.sleep.as_mut().reset(next);
        }
    }

    /// Runs `work` until it completes or a limit runs out. `work` is
    /// polled first, so a result that is ready wins over a limit that ran
    /// out at the same moment.
    pub(crate) async fn run<F: Future>(&mut self, work: F) -> Result<F::Output, Expired> {
        let mut work = pin!(work);
        poll_fn(|cx| {
            if let Poll::Ready(output) = work.as_mut().poll(cx) {
                return Poll::Ready(Ok(output));
            }
            self.poll_expired(cx).map(Err)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[tokio::test(start_paused = true)]
    async fn the_idle_limit_restarts_with_progress_and_the_hard_one_does_not() {
        let start = Instant::now();
        let mut dog = Watchdog::new(start, Some(start + ms(1000)), ms(300));
        // Progress every 200 ms keeps the idle limit away…
        for _ in 0..4 {
            assert!(dog.run(tokio::time::sleep(ms(200))).await.is_ok());
            dog.progress();
        }
        // …until the hard limit, at 1000 ms.
        let expired = dog.run(std::future::pending::<()>()).await;
        assert_eq!(expired, Err(Expired::Hard));
        assert_eq!(start.elapsed(), ms(1000));
    }

    #[tokio::test(start_paused = true)]
    async fn no_progress_for_the_idle_limit_expires() {
        let start = Instant::now();
        let mut dog = Watchdog::new(start, Some(start + ms(5000)), ms(300));
        assert!(dog.run(tokio::time::sleep(ms(250))).await.is_ok());
        dog.progress();
        let expired = dog.run(std::future::pending::<()>()).await;
        assert_eq!(expired, Err(Expired::Idle));
        assert_eq!(start.elapsed(), ms(550));
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_hard_limit_only_idleness_expires() {
        let start = Instant::now();
        let mut dog = Watchdog::new(start, None, ms(100));
        for _ in 0..50 {
            assert!(dog.run(tokio::time::sleep(ms(90))).await.is_ok());
            dog.progress();
        }
        assert_eq!(
            dog.run(std::future::pending::<()>()).await,
            Err(Expired::Idle)
        );
        assert_eq!(start.elapsed(), ms(50 * 90 + 100));
    }

    #[tokio::test(start_paused = true)]
    async fn work_that_is_ready_wins_and_huge_limits_do_not_overflow() {
        let start = Instant::now();
        let mut dog = Watchdog::new(start, Some(start), Duration::MAX);
        assert_eq!(dog.run(async { 7 }).await, Ok(7));
        assert_eq!(
            dog.run(std::future::pending::<()>()).await,
            Err(Expired::Hard)
        );
        let far = instant_after(start, Duration::MAX);
        assert!(far > start + Duration::from_secs(86_400 * 365));
    }
}
