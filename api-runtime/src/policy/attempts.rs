//! The attempt pipeline of one call. Each attempt yields an [`Outcome`]
//! (a response of any status, or a failure), read by every policy in
//! turn: hooks, auth renewal, the retry classifier, `Retry-After`, the
//! budget, tracing and metrics. The [`Error`] a call returns is made once,
//! when the call ends ([`Run::error`]).

use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::StatusCode;
use tokio::time::Instant;
use tracing::Instrument;

use crate::client::Session;
use crate::engine::outgoing::{Outgoing, SendBody};
use crate::error::{Error, Human, Result, TimeoutPhase};
use crate::policy::auth::{Credentials, Sent};
use crate::policy::call_span::{call_span, end_of_call};
use crate::policy::done::{Done, request_id, with_api_error};
use crate::policy::exchange::{Outcome, Received, StatusResponse};
use crate::policy::hooks::{AttemptInfo, RequestContext};
use crate::policy::limits::AttemptLimits;
use crate::policy::rate::Limiter;
use crate::policy::retry::{self, Reason, RetryPolicy};
use crate::request::call::Built;
use crate::request::endpoint::{Endpoint, EndpointRetry};

/// A call that would wait past its deadline for its turn: `own`, under
/// the client's own limit; else under a pause the server asked for.
fn rate_limited(message: String, wait: Duration, own: bool) -> Error {
    let error = Error::with_message(crate::error::ErrorKind::RateLimited, message);
    match own {
        true => error.with_own_wait(wait),
        false => error.with_retry_after(wait),
    }
    .permanent()
}

/// What `outcome` says of the host, for the circuit breaker: `Some(true)`
/// a failure (a time-out, a connection that failed, a 5xx), `Some(false)`
/// a success, `None` neither (a 4xx, an error of ours).
fn host_failure(outcome: &Outcome) -> Option<bool> {
    use crate::error::ErrorKind;
    match outcome {
        Outcome::Success(_) => Some(false),
        Outcome::Status(response) if response.status.is_server_error() => Some(true),
        Outcome::Status(_) => None,
        Outcome::Failure(error) => matches!(
            error.kind(),
            ErrorKind::Timeout | ErrorKind::Connect | ErrorKind::Transport | ErrorKind::Body
        )
        .then_some(true),
    }
}

/// What a call's attempts ended with: a 2xx response, how many attempts
/// it took, and the server's request id.
pub(crate) struct Ended {
    received: Received,
    attempts: u32,
    request_id: Option<String>,
}

/// Sends a call of `endpoint` (attempts, retries, auth, hooks) and
/// returns what came back, to be decoded; `built` is its request, or why
/// it could not be built (with the session, for the call's metrics).
///
/// `async` blocks rather than `async fn`s, here and in `attempts`: a
/// function's future holds each argument twice (as given, and moved into
/// a local), a block holds what it captures once; and moving a future
/// (into its box) copies all of it.
#[allow(clippy::manual_async_fn)] // on purpose: see above
pub(crate) fn perform(
    endpoint: &'static Endpoint,
    mut built: std::result::Result<Built, (Session, Error)>,
    buffered: bool,
    meta: bool,
    page: Option<u32>,
) -> impl Future<Output = Result<Done>> + Send {
    async move {
        let target = built.as_ref().ok().map(|b| b.request.url());
        let span = call_span(endpoint, target, page);
        let started = Instant::now();
        // Borrowed, not moved out: what a block moves out of its capture
        // keeps its slot, and the request would be held twice across the
        // awaits below.
        let call = match built.as_mut() {
            Ok(call) => call,
            Err(_) => return Err(not_built(built, endpoint, &span, started)),
        };
        // Whether the method (or a declaration) allows sending the request
        // again once it may have reached the server.
        let replayable = retry::may_replay(
            &endpoint.method,
            endpoint.idempotent,
            call.request.headers(),
        );
        // Boxed: this one holds every state of the attempt loop.
        let result = Box::pin(call.attempts(started, replayable, buffered, meta))
            .instrument(span.clone())
            .await;
        let status = result.as_ref().map(|ended| ended.received.status());
        let url = call.request.url();
        end_of_call(&call.core, endpoint, &span, started, Some(url), status);
        let ended = result?;
        match built {
            Ok(Built {
                endpoint,
                core,
                request,
                ..
            }) => {
                let url = request.into_url();
                let done = Done::new(ended.received, endpoint, core, url, ended.attempts, span);
                Ok(done.with_request_id(ended.request_id))
            }
            // Not reached: `call` was borrowed from `Ok` above.
            Err((_, error)) => Err(error),
        }
    }
}

/// The end of a call whose request could not be built: its metrics and
/// span, and its error.
fn not_built(
    built: std::result::Result<Built, (Session, Error)>,
    endpoint: &'static Endpoint,
    span: &tracing::Span,
    started: Instant,
) -> Error {
    match built {
        Err((core, error)) => {
            end_of_call(&core, endpoint, span, started, None, Err(&error));
            error
        }
        // Not reached: called for an `Err` only.
        Ok(_) => Error::invalid_request("the call's request was built after all"),
    }
}

impl Built {
    /// The attempt loop: one [`Outcome`] per attempt, and what follows it.
    #[allow(clippy::manual_async_fn)] // on purpose: see `perform`
    fn attempts(
        &mut self,
        started: Instant,
        replayable: bool,
        buffered: bool,
        meta: bool,
    ) -> impl Future<Output = Result<Ended>> + Send + '_ {
        async move {
            let mut run = Run::new(&self.core, self.endpoint, started);
            run.credentials = !self.request.is_foreign();
            // A slot of the concurrency limit, held until the call ends.
            let _slot = match &self.core.shared.bulkhead {
                Some((n, slots)) => Some(
                    Box::pin(run.slot(*n, slots))
                        .await
                        .map_err(|e| run.error(e, &self.request, 0))?,
                ),
                None => None,
            };
            if let Some(parts) = self.multipart.take() {
                // Boxed: a rare path, kept out of every call's future.
                let (content_type, body) = Box::pin(crate::request::multipart::encode(parts))
                    .await
                    .map_err(|e| run.error(e, &self.request, 0))?;
                let headers = self.request.headers_mut();
                headers.insert(http::header::CONTENT_TYPE, content_type);
                self.request.set_body(SendBody::Stream(body));
            }
            let mut sent = 0u32;
            let mut retries = 0u32;
            let mut reauthenticated = false;
            loop {
                sent += 1;
                // The attempt's outcome ends before the wait: held across
                // it, it would take its own slot beside the attempt's future.
                let delay = {
                    // A bytes body is sent again by a later attempt; a
                    // streamed one goes out once.
                    let kept = self.request.is_replayable();
                    let (outcome, auth_sent) =
                        match run.attempt(&mut self.request, sent, buffered, meta).await {
                            Ok(attempted) => attempted,
                            // Nothing was sent by this attempt.
                            Err(e) => return Err(run.error(e, &self.request, sent - 1)),
                        };
                    let outcome = match outcome {
                        Outcome::Success(received) => return Ok(run.ended(received, sent)),
                        failed => failed,
                    };
                    // A 401 answered with new credentials is replayed once.
                    let refused = match &outcome {
                        Outcome::Status(response) if kept && !reauthenticated => Some(response),
                        _ => None,
                    };
                    if run.renewed(refused, &auth_sent).await {
                        reauthenticated = true;
                        tracing::debug!(attempt = sent, "401: replaying with new credentials");
                        continue;
                    }
                    let may_retry = kept && retries + 1 < run.policy.max_attempts();
                    let (reason, delay) = match run.retry(&outcome, may_retry, replayable, retries)
                    {
                        Ok(next) => next,
                        Err(retry_after) => {
                            let error = run.outcome_error(outcome, retry_after);
                            return Err(run.error(error, &self.request, sent));
                        }
                    };
                    retries += 1;
                    tracing::info!(attempt = sent, %reason, delay_ms = delay.as_millis() as u64, "retrying");
                    delay
                };
                Box::pin(tokio::time::sleep(delay)).await;
            }
        }
    }
}

/// One call's settings while its attempts run.
struct Run<'a> {
    core: &'a Session,
    endpoint: &'static Endpoint,
    policy: Cow<'a, RetryPolicy>,
    started: Instant,
    total: Duration,
    attempt_limit: Option<Duration>,
    deadline: Instant,
    /// The client's credentials go with the request (not to another
    /// origin).
    credentials: bool,
    /// The values of headers that may not cross origins which hooks or a
    /// signer set on attempts that failed: scrubbed from the call's error
    /// like the client's own credentials, should a server echo them.
    echoed: std::sync::Mutex<Vec<String>>,
}

impl<'a> Run<'a> {
    fn new(core: &'a Session, endpoint: &'static Endpoint, started: Instant) -> Self {
        let shared = &core.shared;
        let total = core
            .overrides
            .total
            .or(endpoint.timeout)
            .unwrap_or(shared.timeouts.total);
        let attempt_limit = core
            .overrides
            .attempt
            .or(endpoint.attempt_timeout)
            .or(shared.timeouts.attempt);
        Run {
            core,
            endpoint,
            policy: core.policy_for(endpoint),
            started,
            total,
            attempt_limit,
            deadline: crate::policy::watchdog::instant_after(started, total),
            credentials: true,
            echoed: std::sync::Mutex::default(),
        }
    }

    fn auth(&self) -> Option<&'a Credentials> {
        self.core
            .shared
            .auth
            .as_ref()
            .filter(|_| !self.endpoint.no_auth && self.credentials)
    }

    fn deadline_passed(&self) -> Error {
        Error::timeout(
            TimeoutPhase::Deadline,
            Some(self.total),
            self.started.elapsed(),
        )
    }

    /// Sends attempt number `sent`: hooks and credentials applied to a
    /// copy of the request when they change it (the request itself is
    /// sent otherwise: the transport copies what it sends). `Err` when
    /// nothing could be sent (the deadline passed, no credentials).
    async fn attempt(
        &self,
        request: &mut Outgoing,
        sent: u32,
        buffered: bool,
        meta: bool,
    ) -> Result<(Outcome, Sent)> {
        let shared = &self.core.shared;
        // Fails at once, sending nothing, while the circuit is open.
        let admission = match &shared.breakers {
            Some(breakers) => Some(breakers.admit(self.endpoint.name)?),
            None => None,
        };
        // The quota's check is one atomic load unless a pause is in force.
        let paused = shared.quota.as_ref().and_then(|q| q.paused_until());
        // The limiters whose turn has not come yet (while a pause is in
        // force, none is asked before it ends).
        let pending =
            |limiter: Option<&'a Limiter>| limiter.filter(|l| paused.is_some() || !l.ready());
        let own = pending(shared.endpoint_limiters.get(self.endpoint.name));
        let client = pending(shared.limiter.as_ref());
        if paused.is_some() || own.is_some() || client.is_some() {
            // Boxed: a rare wait, kept out of every call's future.
            Box::pin(self.wait_turn(paused, [own, client])).await?;
        }
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(self.deadline_passed());
        }
        let limits = AttemptLimits {
            connect: shared.timeouts.connect,
            read: shared.timeouts.read,
            request: self.attempt_limit.map_or(remaining, |a| a.min(remaining)),
            total: self.total,
            deadline: self.deadline,
            call_started: self.started,
            max_body: shared.max_body_size,
        };
        let auth = self.auth();
        let needs_copy = !shared.hooks.is_empty()
            || shared.signer.is_some()
            || auth.is_some_and(Credentials::changes_url);
        // Boxed: a copy is the rare case, kept out of every call's future.
        let mut copy = if needs_copy {
            request.try_clone().map(Box::new)
        } else {
            None
        };
        let to_send = copy.as_deref_mut().unwrap_or(request);
        for hook in &shared.hooks {
            hook.on_request(&mut RequestContext {
                endpoint: self.endpoint.name,
                route: self.endpoint.route,
                method: &self.endpoint.method,
                attempt: sent,
                headers: to_send.headers_mut(),
            });
        }
        // Only hooks are told how long an attempt took.
        let attempt_started = (!shared.hooks.is_empty()).then(Instant::now);
        let auth_sent = match auth {
            Some(auth) => Box::pin(self.authenticate(auth, to_send)).await?,
            None => Sent::Nothing,
        };
        if let Some(signer) = &shared.signer {
            crate::policy::sign::sign(signer, self.endpoint.name, sent, to_send)?;
        }
        let outcome = self
            .core
            .engine()
            .execute(to_send, &limits, buffered, meta)
            .await;
        self.observe(&outcome, sent, attempt_started);
        // What another origin answered (a redirect led there) says
        // nothing of the client's: not its quota, not its health.
        let home = !to_send.answered_elsewhere();
        if let (Some(quota), Some(status), Some(headers), true) =
            (&shared.quota, outcome.status(), outcome.headers(), home)
        {
            quota.observe(status, headers);
        }
        if let Some(admission) = admission {
            admission.record(host_failure(&outcome).filter(|_| home));
        }
        if let (Some(copy), false) = (&copy, matches!(outcome, Outcome::Success(_))) {
            self.remember_values(copy.headers());
        }
        Ok((outcome, auth_sent))
    }

    /// Keeps the values of `headers` that may not cross origins (what
    /// hooks and the signer set), for the scrubber of the call's error.
    fn remember_values(&self, headers: &http::HeaderMap) {
        let mut echoed = self.echoed.lock().unwrap_or_else(|p| p.into_inner());
        for (name, value) in headers {
            if let (false, Ok(text)) =
                (crate::engine::origin::may_cross(name, true), value.to_str())
            {
                if !echoed.iter().any(|known| known == text) {
                    echoed.push(text.to_owned());
                }
            }
        }
    }

    /// Waits, in order, for one of the `n` call slots, within the deadline.
    async fn slot(
        &self,
        n: usize,
        slots: &Arc<tokio::sync::Semaphore>,
    ) -> Result<tokio::sync::OwnedSemaphorePermit> {
        match tokio::time::timeout_at(self.deadline, slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            _ => Err(self.deadline_passed().with_detail(format!(
                "waiting for one of the {n} call slots of the concurrency limit: nothing was sent"
            ))),
        }
    }

    /// Waits for this attempt's turn: until the server's announced quota
    /// resets, then for the client's rate limit; a turn that would come
    /// after the deadline fails the call at once, sending nothing.
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
        if let Some(limiter) = own {
            if let Err(wait) = limiter.acquire(self.deadline).await {
                let message = format!(
                    "the client's own rate limit of `{}` ({limiter:?}) lets this call go in {}, past its deadline: nothing was sent",
                    self.endpoint.name,
                    Human(wait)
                );
                return Err(rate_limited(message, wait, true));
            }
        }
        if let Some(limiter) = client {
            if let Err(wait) = limiter.acquire(self.deadline).await {
                let message = format!(
                    "the client's own rate limit ({limiter:?}) lets this call go in {}, past its deadline: nothing was sent",
                    Human(wait)
                );
                return Err(rate_limited(message, wait, true));
            }
        }
        Ok(())
    }

    /// Adds the credentials to one attempt. Getting them (a token
    /// request) is bounded by the deadline too.
    async fn authenticate(&self, auth: &Credentials, request: &mut Outgoing) -> Result<Sent> {
        let shared = &self.core.shared;
        let http = crate::policy::auth_http::AuthHttp::new(
            self.core.engine(),
            &shared.timeouts,
            self.deadline,
        );
        match tokio::time::timeout_at(self.deadline, auth.apply(request, http)).await {
            Ok(applied) => applied,
            Err(_) => Err(self.deadline_passed()),
        }
    }

    /// What every attempt's outcome is shown to: the hooks and the span.
    fn observe(&self, outcome: &Outcome, sent: u32, attempt_started: Option<Instant>) {
        let status = outcome.status();
        for hook in &self.core.shared.hooks {
            hook.on_response(&AttemptInfo {
                endpoint: self.endpoint.name,
                route: self.endpoint.route,
                method: &self.endpoint.method,
                attempt: sent,
                status,
                elapsed: attempt_started.map_or(Duration::ZERO, |t| t.elapsed()),
                error: outcome.error_kind(),
            });
        }
        if let Some(status) = status {
            let span = tracing::Span::current();
            span.record("http.response.status_code", status.as_u16());
            if sent > 1 {
                span.record("http.request.resend_count", sent - 1);
            }
        }
    }

    /// Whether a 401 was answered by renewing the credentials (a new
    /// token, a digest challenge), so that the attempt may be replayed.
    async fn renewed(&self, refused: Option<&StatusResponse>, auth_sent: &Sent) -> bool {
        let (Some(auth), Some(response)) = (self.auth(), refused) else {
            return false;
        };
        response.status == StatusCode::UNAUTHORIZED
            && Box::pin(auth.renew(auth_sent, &response.headers)).await
    }

    /// Whether and when to retry after `outcome`: `Ok` with the reason and
    /// the delay, or `Err` (see [`delay`](Self::delay)).
    fn retry(
        &self,
        outcome: &Outcome,
        may_retry: bool,
        replayable: bool,
        retries: u32,
    ) -> std::result::Result<(Reason, Duration), Option<Duration>> {
        match retry::classify(&self.policy, outcome, replayable) {
            Some(reason) if may_retry => self.delay(outcome, reason, retries),
            _ => Err(None),
        }
    }

    /// When to retry for `reason`: `Ok(delay)`, or `Err` when the wait
    /// would pass the deadline or the retry budget is spent, with the
    /// `Retry-After` the server asked for when that is why the call stops.
    fn delay(
        &self,
        outcome: &Outcome,
        reason: Reason,
        retries: u32,
    ) -> std::result::Result<(Reason, Duration), Option<Duration>> {
        let asked = outcome
            .status()
            .zip(outcome.headers())
            .and_then(|(status, headers)| retry::retry_after(status, headers, SystemTime::now()));
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        let delay = match asked {
            Some(after) if after > self.policy.retry_after_limit() || after >= remaining => {
                return Err(Some(after));
            }
            Some(after) if !after.is_zero() => after,
            _ => self.policy.backoff_delay(retries + 1),
        };
        if delay >= remaining {
            return Err(None);
        }
        if let Some(bucket) = &self.core.shared.bucket {
            if !bucket.withdraw(reason) {
                tracing::warn!(%reason, "retry budget exhausted: not retrying");
                return Err(None);
            }
        }
        Ok((reason, delay))
    }

    /// The end of a call that got its response.
    fn ended(&self, received: Received, attempts: u32) -> Ended {
        let shared = &self.core.shared;
        if let Some(bucket) = &shared.bucket {
            bucket.refund();
        }
        let request_id = shared
            .request_id_header
            .as_ref()
            .and_then(|h| request_id(received.headers(), h));
        Ended {
            received,
            attempts,
            request_id,
        }
    }

    /// The error a call that ends with `outcome` returns, with the
    /// `Retry-After` that was too long to wait for.
    fn outcome_error(&self, outcome: Outcome, retry_after: Option<Duration>) -> Error {
        // A success ends the call before it gets here.
        let error = outcome.into_error().unwrap_or_else(|| {
            Error::invalid_request("a success response ended the call as a failure")
        });
        match retry_after {
            Some(after) => error.with_retry_after(after),
            None => error,
        }
    }

    /// Everything a call's error says of the call: where it went, the
    /// declared error document, the attempts, the request id, the time,
    /// and the secrets scrubbed: the client's, and the value of every
    /// header of the call that may not cross origins (an argument's, a
    /// hook's, a signer's), whatever its name.
    fn error(&self, error: Error, request: &Outgoing, attempts: u32) -> Error {
        let shared = &self.core.shared;
        let id = shared
            .request_id_header
            .as_ref()
            .and_then(|h| error.headers().and_then(|headers| request_id(headers, h)));
        let echoed = self.echoed.lock().unwrap_or_else(|p| p.into_inner());
        let own = request
            .headers()
            .iter()
            .filter(|(name, _)| !crate::engine::origin::may_cross(name, true))
            .filter_map(|(_, value)| value.to_str().ok());
        let scrubber = shared
            .scrubber
            .extended(own.chain(echoed.iter().map(String::as_str)));
        with_api_error(self.endpoint, error)
            .at(
                &self.endpoint.method,
                &shared.visible.visible_url(request.url()),
            )
            .with_attempts(attempts)
            .with_request_id(id)
            .with_call_elapsed(self.started.elapsed())
            .scrubbed_by(Some(&scrubber))
    }
}

impl Session {
    /// The retry policy of one call: the call's override, else the
    /// endpoint's declaration applied to the client's policy.
    fn policy_for(&self, endpoint: &Endpoint) -> Cow<'_, RetryPolicy> {
        let base: &RetryPolicy = match &self.overrides.retry {
            Some(policy) => return Cow::Borrowed(policy),
            None => &self.shared.retry,
        };
        match endpoint.retry {
            EndpointRetry::Inherit => Cow::Borrowed(base),
            EndpointRetry::Off => Cow::Owned(base.clone().attempts(1)),
            EndpointRetry::Attempts(n) => Cow::Owned(base.clone().attempts(n)),
        }
    }
}
