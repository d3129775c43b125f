//! The attempt loop of one call. Each attempt yields an [`Outcome`] (a
//! response of any status, or a failure), read by every policy in turn:
//! hooks, auth renewal, the retry classifier, `Retry-After`, the budget,
//! tracing and metrics. The [`Error`] a call returns is made once, when
//! the call ends ([`Run::error`]). What a call waits for before an
//! attempt (its turn) is in `turn.rs`.

use std::borrow::Cow;
use std::future::Future;
use std::time::{Duration, SystemTime};

use http::StatusCode;
use tokio::time::Instant;

use crate::engine::exchange::{Outcome, Received};
use crate::engine::head::Buffered;
use crate::engine::limits::AttemptLimits;
use crate::error::{Error, ErrorKind, Result, TimeoutPhase};
use crate::policy::auth::{Credentials, Sent};
use crate::policy::hooks::{AttemptInfo, RequestContext};
use crate::policy::report::{request_id, with_api_error};
use crate::policy::retry::{self, Reason, RetryPolicy};
use crate::policy::{Overrides, Policies};
use crate::request::call::Built;
use crate::request::endpoint::{Endpoint, EndpointRetry};
use crate::request::outgoing::{Outgoing, SendBody};

/// How a call's response is read.
#[derive(Clone, Copy)]
pub(crate) struct Reading {
    /// The body is read into memory before decoding (all but a stream).
    pub(crate) buffered: bool,
    /// The head keeps the final URL, the redirects and the time
    /// (`Response<T>`, pages, streams).
    pub(crate) meta: bool,
    /// The page number of a walk, for the span.
    pub(crate) page: Option<u32>,
}

/// What `outcome` says of the host, for the circuit breaker: `Some(true)`
/// a failure (a time-out, a connection that failed, a 5xx), `Some(false)`
/// a success, `None` neither (a 4xx, an error of ours).
fn host_failure(outcome: &Outcome) -> Option<bool> {
    match outcome {
        Outcome::Success(_) => Some(false),
        Outcome::Status(response) if response.head.status.is_server_error() => Some(true),
        Outcome::Status(_) => None,
        Outcome::Failure(error) => matches!(
            error.kind(),
            ErrorKind::Timeout | ErrorKind::Connect | ErrorKind::Transport | ErrorKind::Body
        )
        .then_some(true),
    }
}

/// The attempt loop of a call of `endpoint` started at `started`: one
/// [`Outcome`] per attempt, and what follows it; a 2xx response ends it,
/// with the attempts it took. The call's settings ([`Run`]) are made in
/// here, in the loop's (boxed) future, not in the caller's.
#[allow(clippy::manual_async_fn)] // on purpose: see `perform`
pub(crate) fn attempts<'a>(
    (policies, overrides): (&'a Policies, &'a Overrides),
    endpoint: &'static Endpoint,
    started: Instant,
    call: &'a mut Built,
    replayable: bool,
    reading: Reading,
) -> impl Future<Output = Result<(Received, u32)>> + Send + 'a {
    async move {
        let run = &Run::new(policies, overrides, endpoint, started);
        // A slot of the concurrency limit, held until the call ends.
        let _slot = match &run.policies.limits.bulkhead {
            Some((n, slots)) => Some(Box::pin(run.slot(*n, slots, &call.request)).await?),
            None => None,
        };
        if call.multipart.is_some() {
            // Boxed: a rare path, kept out of every call's future.
            Box::pin(run.multipart(call)).await?;
        }
        let mut tally = Tally::default();
        loop {
            tally.sent += 1;
            // The attempt's outcome ends before the wait: held across it,
            // it would take its own slot beside the attempt's future.
            let delay = {
                // A bytes body is sent again by a later attempt; a
                // streamed one goes out once.
                let kept = call.request.is_replayable();
                let sent = tally.sent;
                let (outcome, auth_sent) = match run.attempt(&mut call.request, sent, reading).await
                {
                    Ok(attempted) => attempted,
                    // Nothing was sent by this attempt.
                    Err(e) => return Err(run.error(e, &call.request, sent - 1)),
                };
                let outcome = match outcome {
                    Outcome::Success(received) => return Ok((run.ended(received), sent)),
                    failed => failed,
                };
                // A 401 answered with new credentials is replayed once.
                let refused = match &outcome {
                    Outcome::Status(response) if kept && !tally.reauthenticated => {
                        Some(&**response)
                    }
                    _ => None,
                };
                if run.renewed(&call.request, refused, &auth_sent).await {
                    tally.reauthenticated = true;
                    tracing::debug!(attempt = sent, "401: replaying with new credentials");
                    continue;
                }
                run.next(outcome, &call.request, kept, replayable, &mut tally)?
            };
            Box::pin(tokio::time::sleep(delay)).await;
        }
    }
}

/// What the attempt loop has counted.
#[derive(Default)]
struct Tally {
    sent: u32,
    retries: u32,
    reauthenticated: bool,
}

/// One call's settings while its attempts run.
pub(crate) struct Run<'a> {
    pub(crate) policies: &'a Policies,
    pub(crate) endpoint: &'static Endpoint,
    policy: Cow<'a, RetryPolicy>,
    started: Instant,
    total: Duration,
    attempt_limit: Option<Duration>,
    pub(crate) deadline: Instant,
    /// The values of headers that may not cross origins which hooks or a
    /// signer set on attempts that failed: scrubbed from the call's error
    /// like the client's own credentials, should a server echo them.
    echoed: std::sync::Mutex<Vec<String>>,
}

impl<'a> Run<'a> {
    pub(crate) fn new(
        policies: &'a Policies,
        overrides: &'a Overrides,
        endpoint: &'static Endpoint,
        started: Instant,
    ) -> Self {
        let timeouts = &policies.timeouts;
        let total = overrides
            .total
            .or(endpoint.timeout)
            .unwrap_or(timeouts.total);
        let attempt_limit = overrides
            .attempt
            .or(endpoint.attempt_timeout)
            .or(timeouts.attempt);
        Run {
            policies,
            endpoint,
            policy: policy_for(policies, overrides, endpoint),
            started,
            total,
            attempt_limit,
            deadline: crate::engine::watchdog::instant_after(started, total),
            echoed: std::sync::Mutex::default(),
        }
    }

    /// The credentials of a request (none for an endpoint declared
    /// `#[no_auth]` or a request to another origin).
    fn auth(&self, request: &Outgoing) -> Option<&'a Credentials> {
        let policies: &'a Policies = self.policies;
        policies
            .auth
            .as_ref()
            .filter(|_| !self.endpoint.no_auth && !request.is_foreign())
    }

    pub(crate) fn deadline_passed(&self) -> Error {
        Error::timeout(
            TimeoutPhase::Deadline,
            Some(self.total),
            self.started.elapsed(),
        )
    }

    /// Assembles the call's multipart body (its files opened now), to be
    /// streamed by its one attempt.
    async fn multipart(&self, call: &mut Built) -> Result<()> {
        let Some(parts) = call.multipart.take() else {
            return Ok(());
        };
        let (content_type, body) = crate::request::multipart::encode(parts)
            .await
            .map_err(|e| self.error(e, &call.request, 0))?;
        let headers = call.request.headers_mut();
        headers.insert(http::header::CONTENT_TYPE, content_type);
        call.request.set_body(SendBody::Stream(body));
        Ok(())
    }

    /// After an attempt that did not succeed: the delay before the next,
    /// or the call's error (not retryable, out of attempts, deadline or
    /// budget).
    fn next(
        &self,
        outcome: Outcome,
        request: &Outgoing,
        kept: bool,
        replayable: bool,
        tally: &mut Tally,
    ) -> Result<Duration> {
        let may_retry = kept && tally.retries + 1 < self.policy.max_attempts();
        match self.retry(&outcome, may_retry, replayable, tally.retries) {
            Ok((reason, delay)) => {
                tally.retries += 1;
                let attempt = tally.sent;
                tracing::info!(attempt, %reason, delay_ms = delay.as_millis() as u64, "retrying");
                Ok(delay)
            }
            Err(retry_after) => {
                let error = outcome_error(outcome, retry_after);
                Err(self.error(error, request, tally.sent))
            }
        }
    }

    /// Sends attempt number `sent`: hooks and credentials applied to a
    /// copy of the request when they change it (the request itself is
    /// sent otherwise: the transport copies what it sends). `Err` when
    /// nothing could be sent (the deadline passed, no credentials).
    async fn attempt(
        &self,
        request: &mut Outgoing,
        sent: u32,
        reading: Reading,
    ) -> Result<(Outcome, Sent)> {
        let policies = self.policies;
        // Fails at once, sending nothing, while the circuit is open.
        let admission = match &policies.limits.breakers {
            Some(breakers) => Some(breakers.admit(self.endpoint.name)?),
            None => None,
        };
        if let Some(wait) = self.turn() {
            // Boxed: a rare wait, kept out of every call's future.
            Box::pin(wait).await?;
        }
        let limits = self.limits()?;
        let auth = self.auth(request);
        let needs_copy = !policies.hooks.is_empty()
            || policies.signer.is_some()
            || auth.is_some_and(Credentials::changes_url);
        // Boxed: a copy is the rare case, kept out of every call's future.
        let mut copy = if needs_copy {
            request.try_clone().map(Box::new)
        } else {
            None
        };
        let to_send = copy.as_deref_mut().unwrap_or(request);
        let prepared = match needs_copy || auth.is_some() {
            true => self.prepare(to_send, auth, sent).await?,
            false => (None, Sent::Nothing),
        };
        let (attempt_started, auth_sent) = prepared;
        let outcome = policies
            .engine
            .execute(to_send, &limits, reading.buffered, reading.meta)
            .await;
        self.observe(&outcome, sent, attempt_started);
        // What another origin answered (a redirect led there) says
        // nothing of the client's: not its quota, not its health.
        let home = !to_send.answered_elsewhere();
        if let (Some(quota), Some(status), Some(headers), true) = (
            &policies.limits.quota,
            outcome.status(),
            outcome.headers(),
            home,
        ) {
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

    /// The limits of an attempt starting now; `Err` when the deadline
    /// has passed.
    fn limits(&self) -> Result<AttemptLimits> {
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(self.deadline_passed());
        }
        let timeouts = &self.policies.timeouts;
        Ok(AttemptLimits {
            connect: timeouts.connect,
            read: timeouts.read,
            request: self.attempt_limit.map_or(remaining, |a| a.min(remaining)),
            total: self.total,
            deadline: self.deadline,
            call_started: self.started,
            max_body: self.policies.max_body_size,
        })
    }

    /// The hooks, the credentials and the signer, in that order, on the
    /// request of attempt `sent`; when the attempt started (for hooks).
    async fn prepare(
        &self,
        to_send: &mut Outgoing,
        auth: Option<&Credentials>,
        sent: u32,
    ) -> Result<(Option<Instant>, Sent)> {
        let policies = self.policies;
        for hook in &policies.hooks {
            hook.on_request(&mut RequestContext {
                endpoint: self.endpoint.name,
                route: self.endpoint.route,
                method: &self.endpoint.method,
                attempt: sent,
                headers: to_send.headers_mut(),
            });
        }
        // Only hooks are told how long an attempt took.
        let attempt_started = (!policies.hooks.is_empty()).then(Instant::now);
        let auth_sent = match auth {
            Some(auth) => Box::pin(self.authenticate(auth, to_send)).await?,
            None => Sent::Nothing,
        };
        if let Some(signer) = &policies.signer {
            crate::policy::sign::sign(signer, self.endpoint.name, sent, to_send)?;
        }
        Ok((attempt_started, auth_sent))
    }

    /// Keeps the values of `headers` that may not cross origins (what
    /// hooks and the signer set), for the scrubber of the call's error.
    fn remember_values(&self, headers: &http::HeaderMap) {
        let mut echoed = self.echoed.lock().unwrap_or_else(|p| p.into_inner());
        for (name, value) in headers {
            if let (false, Ok(text)) = (
                crate::request::origin::may_cross(name, true),
                value.to_str(),
            ) {
                if !echoed.iter().any(|known| known == text) {
                    echoed.push(text.to_owned());
                }
            }
        }
    }

    /// Adds the credentials to one attempt. Getting them (a token
    /// request) is bounded by the deadline too.
    async fn authenticate(&self, auth: &Credentials, request: &mut Outgoing) -> Result<Sent> {
        let policies = self.policies;
        let http = crate::policy::auth_http::AuthHttp::new(
            &policies.engine,
            &policies.timeouts,
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
        for hook in &self.policies.hooks {
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
    async fn renewed(
        &self,
        request: &Outgoing,
        refused: Option<&Buffered>,
        auth_sent: &Sent,
    ) -> bool {
        let (Some(auth), Some(response)) = (self.auth(request), refused) else {
            return false;
        };
        response.head.status == StatusCode::UNAUTHORIZED
            && Box::pin(auth.renew(auth_sent, &response.head.headers)).await
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
        if let Some(bucket) = &self.policies.bucket {
            if !bucket.withdraw(reason) {
                tracing::warn!(%reason, "retry budget exhausted: not retrying");
                return Err(None);
            }
        }
        Ok((reason, delay))
    }

    /// The end of a call that got its response: the budget refunded, the
    /// server's request id on the head.
    fn ended(&self, mut received: Received) -> Received {
        let policies = self.policies;
        if let Some(bucket) = &policies.bucket {
            bucket.refund();
        }
        if let Some(name) = &policies.request_id_header {
            let id = request_id(&received.head().headers, name);
            received.head_mut().request_id = id;
        }
        received
    }

    /// Everything a call's error says of the call: where it went, the
    /// declared error document, the attempts, the request id, the time,
    /// and the secrets scrubbed: the client's, and the value of every
    /// header of the call that may not cross origins (an argument's, a
    /// hook's, a signer's), whatever its name.
    pub(crate) fn error(&self, error: Error, request: &Outgoing, attempts: u32) -> Error {
        let policies = self.policies;
        let id = policies
            .request_id_header
            .as_ref()
            .and_then(|h| error.headers().and_then(|headers| request_id(headers, h)));
        let echoed = self.echoed.lock().unwrap_or_else(|p| p.into_inner());
        let own = request
            .headers()
            .iter()
            .filter(|(name, _)| !crate::request::origin::may_cross(name, true))
            .filter_map(|(_, value)| value.to_str().ok());
        let scrubber = policies
            .scrubber
            .extended(own.chain(echoed.iter().map(String::as_str)));
        let url = policies.engine.visible.visible_url(request.url());
        with_api_error(self.endpoint, error)
            .at(&self.endpoint.method, &url)
            .with_attempts(attempts)
            .with_request_id(id)
            .with_call_elapsed(self.started.elapsed())
            .scrubbed_by(Some(&scrubber))
    }
}

/// The error a call that ends with `outcome` returns, with the
/// `Retry-After` that was too long to wait for.
fn outcome_error(outcome: Outcome, retry_after: Option<Duration>) -> Error {
    // A success ends the call before it gets here.
    let error = outcome.into_error().unwrap_or_else(|| {
        Error::invalid_request("a success response ended the call as a failure")
    });
    match retry_after {
        Some(after) => error.with_retry_after(after),
        None => error,
    }
}

/// The retry policy of one call: the call's override, else the
/// endpoint's declaration applied to the client's policy.
fn policy_for<'a>(
    policies: &'a Policies,
    overrides: &'a Overrides,
    endpoint: &Endpoint,
) -> Cow<'a, RetryPolicy> {
    let base: &RetryPolicy = match &overrides.retry {
        Some(policy) => return Cow::Borrowed(policy),
        None => &policies.retry,
    };
    match endpoint.retry {
        EndpointRetry::Inherit => Cow::Borrowed(base),
        EndpointRetry::Off => Cow::Owned(base.clone().attempts(1)),
        EndpointRetry::Attempts(n) => Cow::Owned(base.clone().attempts(n)),
    }
}
