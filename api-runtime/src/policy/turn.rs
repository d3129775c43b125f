//! What a call waits for before an attempt goes out: a slot of the
//! concurrency limit (held for the whole call), a pause the server
//! announced, the endpoint's and the client's rate limits. Each wait is
//! bounded by the call's deadline: a turn that would come after it fails
//! the call at once, sending nothing.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use crate::error::{Error, ErrorKind, Human, Result};
use crate::policy::attempts::Run;
use crate::policy::rate::Limiter;
use crate::request::outgoing::Outgoing;

/// A call that would wait past its deadline for its turn: `own`, under
/// the client's own limit; else under a pause the server asked for.
fn rate_limited(message: String, wait: Duration, own: bool) -> Error {
    let error = Error::with_message(ErrorKind::RateLimited, message);
    match own {
        true => error.with_own_wait(wait),
        false => error.with_retry_after(wait),
    }
    .permanent()
}

impl Run<'_> {
    /// The wait for this attempt's turn, if it has to wait (the quota's
    /// check is one atomic load unless a pause is in force, and a limiter
    /// that is ready is not waited for).
    pub(crate) fn turn(&self) -> Option<impl std::future::Future<Output = Result<()>> + Send + '_> {
        let limits = &self.policies.limits;
        let paused = limits.quota.as_ref().and_then(|q| q.paused_until());
        // The limiters whose turn has not come yet (`ready` takes the turn
        // of one whose has; while a pause is in force, none is asked
        // before it ends).
        fn pending(limiter: Option<&Limiter>, paused: bool) -> Option<&Limiter> {
            limiter.filter(|l| paused || !l.ready())
        }
        let own = pending(
            limits.endpoint_limiters.get(self.endpoint.name),
            paused.is_some(),
        );
        let client = pending(limits.limiter.as_ref(), paused.is_some());
        let waits = paused.is_some() || own.is_some() || client.is_some();
        waits.then(|| self.wait_turn(paused, [own, client]))
    }

    /// Waits, in order, for one of the `n` call slots, within the
    /// deadline; the call's error (of `request`) when none comes in time.
    pub(crate) async fn slot(
        &self,
        n: usize,
        slots: &Arc<tokio::sync::Semaphore>,
        request: &Outgoing,
    ) -> Result<tokio::sync::OwnedSemaphorePermit> {
        match tokio::time::timeout_at(self.deadline, slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => {
                let error = self.deadline_passed().with_detail(format!(
                    "waiting for one of the {n} call slots of the concurrency limit: nothing was sent"
                ));
                Err(self.error(error, request, 0))
            }
        }
    }

    /// Waits, in order, until the server's announced quota resets, then
    /// for the endpoint's rate limit, then the client's.
    async fn wait_turn(
        &self,
        paused: Option<Instant>,
        limiters: [Option<&Limiter>; 2],
    ) -> Result<()> {
        if let Some(until) = paused {
            let wait = until.saturating_duration_since(Instant::now());
            if until > self.deadline {
                let message = format!(
                    "the server announced its quota spent for {} more, past this call's deadline: nothing was sent",
                    Human(wait)
                );
                return Err(rate_limited(message, wait, false));
            }
            tokio::time::sleep_until(until).await;
        }
        let [own, client] = limiters;
        for (limiter, whose) in [(own, Some(self.endpoint.name)), (client, None)] {
            let Some(limiter) = limiter else { continue };
            if let Err(wait) = limiter.acquire(self.deadline).await {
                let of = whose.map_or(String::new(), |name| format!(" of `{name}`"));
                let message = format!(
                    "the client's own rate limit{of} ({limiter:?}) lets this call go in {}, past its deadline: nothing was sent",
                    Human(wait)
                );
                return Err(rate_limited(message, wait, true));
            }
        }
        Ok(())
    }
}
