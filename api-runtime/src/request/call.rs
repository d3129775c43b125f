//! One call of an endpoint: generated code fills a [`Call`] from the
//! arguments (path, query, headers, body) and sends it.

use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode};
use serde::Serialize;
use tokio::time::Instant;
use tracing::Instrument;

use crate::client::Session;
use crate::engine::exchange::{AttemptLimits, Received};
use crate::engine::transport::{Outgoing, SendBody};
use crate::policy::auth::{Auth, Sent};
use crate::policy::hooks::{AttemptInfo, RequestContext};
use crate::policy::retry::{self, RetryPolicy};
use crate::request::body::{FormSink, Upload};
use crate::request::encode::write_encoded;
use crate::request::multipart::{IntoPart, Part};
use crate::request::params::{HeaderValues, QuerySink, serialize_pairs};
use crate::response::decode::{ApiErrorDecoder, Decode, DecodeCtx, Envelope};
use crate::response::error::{Error, Result, TimeoutPhase};
use crate::response::validate::Validator;

/// What the macro knows of an endpoint, computed at expansion time.
#[doc(hidden)]
#[derive(Debug)]
pub struct Endpoint {
    /// The trait method's name.
    pub name: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The route template as declared, e.g. `/users/<login>`.
    pub route: &'static str,
    /// Declared `#[idempotent]`: a POST or PATCH that may be retried.
    pub idempotent: bool,
    /// Declared `#[retry(…)]`.
    pub retry: EndpointRetry,
    /// Declared `#[timeout(total = …)]`.
    pub timeout: Option<Duration>,
    /// Declared `#[timeout(attempt = …)]`.
    pub attempt_timeout: Option<Duration>,
    /// Declared `#[api(error = E)]` or `#[error(E)]`: decodes an error body.
    pub error: Option<ApiErrorDecoder>,
    /// Declared `#[envelope(…)]` on the trait or method.
    pub envelope: Option<Envelope>,
    /// Declared `#[no_auth]`: sent without the client's credentials.
    pub no_auth: bool,
}

/// An endpoint's own retry declaration.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointRetry {
    /// The client's policy.
    Inherit,
    /// `#[retry(off)]`: one attempt.
    Off,
    /// `#[retry(attempts = n)]`: the client's policy with `n` attempts.
    Attempts(u32),
}

/// A request being assembled from one call's arguments.
///
/// The first problem found (an argument that cannot be encoded) is kept and
/// returned by [`send`](Call::send) without sending anything.
#[doc(hidden)]
pub struct Call {
    /// A clone of the client's session (reference counts): the call owns
    /// what it needs, so its future is `'static` (blocking clients spawn it).
    core: Session,
    endpoint: &'static Endpoint,
    url: String,
    has_query: bool,
    headers: HeaderMap,
    body: Option<Body>,
    error: Option<Error>,
}

/// A call turned into a request.
struct Built {
    endpoint: &'static Endpoint,
    core: Session,
    request: Outgoing,
    url: String,
    replayable: bool,
    multipart: Option<Vec<(&'static str, Part)>>,
}

/// A call's body, as the arguments gave it.
enum Body {
    Bytes(Bytes),
    Form(FormSink),
    Upload(Upload),
    Multipart(Vec<(&'static str, Part)>),
}

impl Call {
    /// Starts a call of `endpoint` on `core`.
    pub fn new(core: &Session, endpoint: &'static Endpoint) -> Self {
        let base = &core.shared.base;
        let mut url = String::with_capacity(base.len() + endpoint.route.len() + 32);
        url.push_str(base);
        Call {
            core: core.clone(),
            endpoint,
            url,
            has_query: false,
            headers: HeaderMap::new(),
            body: None,
            error: None,
        }
    }

    fn fail(&mut self, message: String) {
        if self.error.is_none() {
            self.error = Some(Error::invalid_request(format!(
                "in `{}`: {message}",
                self.endpoint.name
            )));
        }
    }

    /// Appends a literal part of the route, checked at expansion time.
    pub fn path(&mut self, literal: &'static str) {
        self.url.push_str(literal);
    }

    /// Appends `value` as (part of) one path segment: every byte but the
    /// RFC 3986 unreserved ones is percent-encoded, `/` included. When the
    /// argument is the whole segment, an empty value, `.` or `..` is
    /// refused, since it would change which resource the path names.
    pub fn segment<T: Display + ?Sized>(&mut self, name: &'static str, value: &T, whole: bool) {
        self.path_argument(name, value, whole, false);
    }

    /// Appends `value` as one or more path segments (`<name..>`): `/` is
    /// kept, everything else encoded; `.` and `..` segments are refused.
    pub fn segments<T: Display + ?Sized>(&mut self, name: &'static str, value: &T, whole: bool) {
        self.path_argument(name, value, whole, true);
    }

    fn path_argument<T: Display + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
        whole: bool,
        keep_slash: bool,
    ) {
        let start = self.url.len();
        if write_encoded(&mut self.url, value, keep_slash).is_err() {
            self.fail(format!("path argument `{name}` could not be formatted"));
            return;
        }
        let written = &self.url[start..];
        let problem = if whole && written.is_empty() {
            Some("is empty")
        } else if (whole || keep_slash) && written.split('/').any(|s| s == "." || s == "..") {
            Some("is or contains the segment `.` or `..`")
        } else {
            None
        };
        if let Some(problem) = problem {
            self.fail(format!(
                "path argument `{name}` {problem}, which would change the request's path"
            ));
        }
    }

    /// Appends the literal query of the route (`/search?type=repo`).
    pub fn query_literal(&mut self, query: &'static str) {
        self.url.push(if self.has_query { '&' } else { '?' });
        self.url.push_str(query);
        self.has_query = true;
    }

    /// Appends a `#[query]` argument: a scalar as `name=value`, `None` as
    /// nothing, a sequence as repeated keys, a struct as one pair per field.
    pub fn query<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) {
        let mut sink = QuerySink {
            url: &mut self.url,
            has_query: self.has_query,
        };
        let result = serialize_pairs(&mut sink, name, value, true);
        self.has_query = sink.has_query;
        if let Err(e) = result {
            self.fail(format!("query argument {e}"));
        }
    }

    /// Sets a header declared with a fixed value on the trait or method.
    pub fn static_header(&mut self, name: HeaderName, value: HeaderValue) {
        self.headers.insert(name, value);
    }

    /// Sets a `#[header("Name")]` argument; `None` sends nothing, a sequence
    /// sends the header once per element. The value is never echoed in
    /// errors: it may be a secret.
    pub fn header<T: Serialize + ?Sized>(&mut self, name: HeaderName, value: &T) {
        let mut values = HeaderValues(Vec::new());
        if let Err(e) = serialize_pairs(&mut values, name.as_str(), value, false) {
            self.fail(format!("header argument {e}"));
            return;
        }
        let mut first = true;
        let sensitive = crate::builder::is_sensitive(&name);
        for text in values.0 {
            let Ok(mut value) = HeaderValue::from_str(&text) else {
                self.fail(format!(
                    "the value of header `{name}` holds a character a header cannot carry (CR, LF or another control character)"
                ));
                return;
            };
            // A credential: never sent across origins by a redirect.
            value.set_sensitive(sensitive);
            if std::mem::take(&mut first) {
                self.headers.insert(name.clone(), value);
            } else {
                self.headers.append(name.clone(), value);
            }
        }
    }

    /// Sets the body to `value` as JSON, with `Content-Type:
    /// application/json` unless the endpoint declares another. With a
    /// validator (the type derives `garde::Validate`), an invalid value is
    /// an error and nothing is sent.
    pub fn json<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
        validator: Option<Validator<T>>,
    ) {
        if self.valid_body(name, value, validator) {
            self.json_body(name, serde_json::to_vec(value));
        }
    }

    /// Sets the body as [`json`](Call::json) does, leaving out every field
    /// that is `None` (`#[body(omit_none)]`, for partial updates); an
    /// `Option<Option<T>>` field that is `Some(None)` is sent as `null`.
    pub fn json_omitting_none<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
        validator: Option<Validator<T>>,
    ) {
        if self.valid_body(name, value, validator) {
            self.json_body(
                name,
                serde_json::to_vec(&crate::request::omit::OmitNone(value)),
            );
        }
    }

    /// Sets a serialized JSON body, with `Content-Type: application/json`
    /// unless the endpoint declares another.
    fn json_body(&mut self, name: &str, serialized: serde_json::Result<Vec<u8>>) {
        match serialized {
            Ok(bytes) => {
                self.body = Some(Body::Bytes(Bytes::from(bytes)));
                self.headers
                    .entry(header::CONTENT_TYPE)
                    .or_insert(HeaderValue::from_static("application/json"));
            }
            Err(e) => self.fail(format!(
                "body argument `{name}` could not be serialized: {e}"
            )),
        }
    }

    /// Adds a `#[form]` argument (a struct or map) to the
    /// `application/x-www-form-urlencoded` body, validated like a JSON body.
    pub fn form<T: Serialize + ?Sized>(
        &mut self,
        name: &'static str,
        value: &T,
        validator: Option<Validator<T>>,
    ) {
        if self.valid_body(name, value, validator) {
            self.form_pairs(name, value, true);
        }
    }

    /// Adds a `#[field("name")]` argument to the form body; `None` adds
    /// nothing, a sequence repeats the field.
    pub fn field<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T) {
        self.form_pairs(name, value, false);
    }

    fn form_pairs<T: Serialize + ?Sized>(&mut self, name: &'static str, value: &T, structs: bool) {
        if !matches!(self.body, Some(Body::Form(_))) {
            self.body = Some(Body::Form(FormSink::default()));
        }
        let Some(Body::Form(sink)) = self.body.as_mut() else {
            return;
        };
        if let Err(e) = serialize_pairs(sink, name, value, structs) {
            self.fail(format!("form argument {e}"));
        }
    }

    /// Adds a `#[part("name")]` argument to the multipart body.
    pub fn part<P: IntoPart>(&mut self, name: &'static str, part: P) {
        if !matches!(self.body, Some(Body::Multipart(_))) {
            self.body = Some(Body::Multipart(Vec::new()));
        }
        if let (Some(Body::Multipart(parts)), Some(part)) = (self.body.as_mut(), part.into_part()) {
            parts.push((name, part));
        }
    }

    /// Sets a streamed body (`#[body] data: Upload`).
    pub fn upload(&mut self, upload: Upload) {
        match upload.headers() {
            Ok(headers) => {
                for (name, value) in headers {
                    self.headers.entry(name).or_insert(value);
                }
                self.body = Some(Body::Upload(upload));
            }
            Err(e) => {
                self.error.get_or_insert(e);
            }
        }
    }

    /// Runs a body's validator; false (the error recorded) when it fails.
    fn valid_body<T: ?Sized>(
        &mut self,
        name: &str,
        value: &T,
        validator: Option<Validator<T>>,
    ) -> bool {
        match validator.map(|v| v(value)) {
            Some(Err(violations)) => {
                self.invalid_body(name, std::any::type_name::<T>(), violations);
                false
            }
            _ => true,
        }
    }

    fn invalid_body(
        &mut self,
        name: &str,
        type_name: &str,
        violations: Vec<crate::response::validate::Violation>,
    ) {
        if self.error.is_none() {
            let type_name = crate::response::validate::short_type_name(type_name);
            let err = Error::validation(&type_name, violations);
            self.error = Some(
                Error::with_message(
                    crate::ErrorKind::Validation,
                    format!(
                        "in `{}`: the body argument `{name}` is invalid, nothing was sent",
                        self.endpoint.name
                    ),
                )
                .merge_violations(err),
            );
        }
    }

    /// Sends the call and decodes the response as `D` says.
    ///
    /// # Errors
    /// Any [`ErrorKind`](crate::ErrorKind): an invalid argument before
    /// sending, a transport failure or time-out, a non-2xx status, or a
    /// body that does not decode.
    pub fn send<D>(self, validator: Option<Validator<D::Target>>) -> Sending<D::Output>
    where
        D: Decode + 'static,
        D::Output: Send + 'static,
    {
        // Everything but the decoding is not generic: compiled once, in
        // this crate, not once per return type in every user crate.
        Sending(Box::pin(async move {
            self.perform(D::BUFFERED, D::META)
                .await?
                .decode::<D>(validator)
        }))
    }

    /// Sends the call (attempts, retries, auth, hooks) and returns what
    /// came back, to be decoded.
    ///
    /// `async` blocks rather than `async fn`s, here and in `attempts`: a
    /// function's future holds each argument twice (as given, and moved
    /// into a local), a block holds what it captures once; and moving a
    /// future (into its box) copies all of it.
    #[allow(clippy::manual_async_fn)] // on purpose: see above
    fn perform(self, buffered: bool, meta: bool) -> impl Future<Output = Result<Done>> + Send {
        async move {
            let endpoint = self.endpoint;
            let span = tracing::info_span!(
                "api_client.call",
                endpoint = endpoint.name,
                http.method = %endpoint.method,
                http.route = endpoint.route,
                http.status = tracing::field::Empty,
                elapsed_ms = tracing::field::Empty,
            );
            let started = Instant::now();
            // Kept only when metrics are recorded: no extra work otherwise.
            let shared = self
                .core
                .shared
                .metrics
                .is_some()
                .then(|| self.core.shared.clone());
            let last_status = AtomicU16::new(0);
            // Boxed: this one holds every state of the attempt loop.
            let result = match self.build() {
                Ok(built) => {
                    Box::pin(Call::attempts(built, started, buffered, meta, &last_status))
                        .instrument(span.clone())
                        .await
                }
                Err(error) => Err(error),
            };
            // The clock is read again only if something records the time.
            if !span.is_disabled() {
                span.record("elapsed_ms", started.elapsed().as_millis() as u64);
            }
            if let Some(metrics) = shared.as_ref().and_then(|s| s.metrics.as_ref()) {
                let status = StatusCode::from_u16(last_status.load(Ordering::Relaxed)).ok();
                metrics.record(&endpoint.method, endpoint.route, status, started.elapsed());
            }
            match result {
                Ok(mut done) => {
                    tracing::debug!(parent: &span, "response received");
                    done.span = span;
                    Ok(done)
                }
                Err(e) => {
                    tracing::debug!(parent: &span, error = %e, "call failed");
                    Err(e)
                }
            }
        }
    }

    /// The request, built once: each attempt sends a copy of it. A
    /// multipart body is returned apart, to be assembled (files opened)
    /// asynchronously.
    fn build(self) -> Result<Built> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let endpoint = self.endpoint;
        let url = self.core.shared.base_url.join(&self.url).map_err(|e| {
            Error::invalid_request(format!("in `{}`: the URL is invalid: {e}", endpoint.name))
        })?;
        let replayable = retry::may_replay(&endpoint.method, endpoint.idempotent, &self.headers);
        let mut request = Outgoing::new(endpoint.method.clone(), url);
        let mut headers = self.headers;
        let mut multipart = None;
        let body = match self.body {
            None => SendBody::Empty,
            Some(Body::Bytes(bytes)) => SendBody::Bytes(bytes),
            Some(Body::Form(form)) => {
                headers
                    .entry(http::header::CONTENT_TYPE)
                    .or_insert(HeaderValue::from_static(
                        "application/x-www-form-urlencoded",
                    ));
                SendBody::Bytes(form.body.into())
            }
            Some(Body::Upload(upload)) => SendBody::Stream(upload.body),
            Some(Body::Multipart(parts)) => {
                multipart = Some(parts);
                SendBody::Empty
            }
        };
        request.set_body(body);
        request.set_headers(headers);
        Ok(Built {
            endpoint,
            core: self.core,
            request,
            // The URL text stays for errors: parsed again only if one happens.
            url: self.url,
            replayable,
            multipart,
        })
    }

    /// The attempt loop of a built call: attempts, retries, auth, hooks.
    #[allow(clippy::manual_async_fn)] // on purpose: see `perform`
    fn attempts(
        mut built: Built,
        started: Instant,
        buffered: bool,
        meta: bool,
        last_status: &AtomicU16,
    ) -> impl Future<Output = Result<Done>> + Send + '_ {
        async move {
            let endpoint = built.endpoint;
            let method = endpoint.method.clone();
            let Built {
                core,
                request,
                url,
                replayable,
                multipart: parts,
                ..
            } = &mut built;
            let replayable = *replayable;
            if let Some(parts) = parts.take() {
                // Boxed: a rare path, kept out of every call's future.
                let (content_type, body) = Box::pin(crate::request::multipart::encode(parts))
                    .await
                    .map_err(|e| e.at(&method, request.url()))?;
                request
                    .headers_mut()
                    .insert(http::header::CONTENT_TYPE, content_type);
                request.set_body(SendBody::Stream(body));
            }
            let core = &core;
            let policy = core.policy_for(endpoint);
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
            let deadline = crate::policy::watchdog::instant_after(started, total);
            let mut sent = 0u32;
            let mut retries = 0u32;
            let mut reauthenticated = false;
            loop {
                sent += 1;
                let fail = |e: Error| {
                    let id = shared
                        .request_id_header
                        .as_ref()
                        .and_then(|h| request_id(e.headers(), h));
                    with_api_error(endpoint, e)
                        .at_text(&method, url)
                        .with_attempts(sent)
                        .with_request_id(id)
                        .with_call_elapsed(started.elapsed())
                        .scrubbed_by(Some(&shared.scrubber))
                };
                let remaining = deadline.saturating_duration_since(Instant::now());
                if remaining.is_zero() {
                    let err =
                        Error::timeout(TimeoutPhase::Deadline, Some(total), started.elapsed());
                    return Err(fail(err).with_attempts(sent - 1));
                }
                let limits = AttemptLimits {
                    connect: shared.timeouts.connect,
                    read: shared.timeouts.read,
                    request: attempt_limit.map_or(remaining, |a| a.min(remaining)),
                    total,
                    deadline,
                    call_started: started,
                    max_body: shared.max_body_size,
                };
                let auth = shared.auth.as_ref().filter(|_| !endpoint.no_auth);
                // A bytes body is sent again by a later attempt; a streamed one
                // goes out once. Hooks and query credentials change the request,
                // so they work on a copy made for this attempt; otherwise the
                // request itself is sent (the transport copies what it sends).
                let kept = request.is_replayable();
                let needs_copy = !shared.hooks.is_empty() || auth.is_some_and(Auth::changes_url);
                let mut copy = if needs_copy {
                    request.try_clone()
                } else {
                    None
                };
                let to_send = copy.as_mut().unwrap_or(&mut *request);
                for hook in &shared.hooks {
                    hook.on_request(&mut RequestContext {
                        endpoint: endpoint.name,
                        route: endpoint.route,
                        method: &method,
                        attempt: sent,
                        headers: to_send.headers_mut(),
                    });
                }
                // Only hooks are told how long an attempt took.
                let attempt_started = (!shared.hooks.is_empty()).then(Instant::now);
                let auth_sent = match auth {
                    // Nothing was sent when credentials cannot be had. Getting
                    // them (a token request) is bounded by the deadline too.
                    Some(auth) => {
                        match Box::pin(tokio::time::timeout_at(
                            deadline,
                            auth.apply(
                                to_send,
                                crate::policy::oauth::AuthHttp::new(core, deadline),
                            ),
                        ))
                        .await
                        {
                            Ok(applied) => applied.map_err(|e| fail(e).with_attempts(sent - 1))?,
                            Err(_) => {
                                let err = Error::timeout(
                                    TimeoutPhase::Deadline,
                                    Some(total),
                                    started.elapsed(),
                                );
                                return Err(fail(err).with_attempts(sent - 1));
                            }
                        }
                    }
                    None => Sent::Nothing,
                };
                let received = core.execute(to_send, &limits, buffered, meta).await;
                drop(copy);
                let status = match &received {
                    Ok(Received::Streaming(streaming)) => Some(streaming.0.status()),
                    Ok(Received::Buffered(raw)) => Some(raw.status),
                    Err(e) => e.status(),
                };
                last_status.store(status.map_or(0, |s| s.as_u16()), Ordering::Relaxed);
                for hook in &shared.hooks {
                    hook.on_response(&AttemptInfo {
                        endpoint: endpoint.name,
                        route: endpoint.route,
                        method: &method,
                        attempt: sent,
                        status,
                        elapsed: attempt_started.map_or(Duration::ZERO, |t| t.elapsed()),
                        error: received.as_ref().err().map(Error::kind),
                    });
                }
                let error = match received {
                    Ok(received) => {
                        if let Some(bucket) = &shared.bucket {
                            bucket.refund();
                        }
                        let (status, headers) = match &received {
                            Received::Streaming(streaming) => {
                                (streaming.0.status(), streaming.0.headers())
                            }
                            Received::Buffered(raw) => (raw.status, &raw.headers),
                        };
                        tracing::Span::current().record("http.status", status.as_u16());
                        let request_id = shared
                            .request_id_header
                            .as_ref()
                            .and_then(|h| request_id(Some(headers), h));
                        return Ok(Done {
                            received,
                            endpoint,
                            method,
                            url: std::mem::take(url),
                            attempts: sent,
                            request_id,
                            stream_limits: crate::request::body::StreamLimits {
                                read: shared.timeouts.read,
                                total: shared.timeouts.stream,
                            },
                            span: tracing::Span::none(),
                            scrubber: (!shared.scrubber.is_empty())
                                .then(|| shared.scrubber.clone()),
                        });
                    }
                    Err(error) => error,
                };
                if let Some(status) = error.status() {
                    tracing::Span::current().record("http.status", status.as_u16());
                }
                // A 401 answered with new credentials is replayed once.
                if error.status() == Some(StatusCode::UNAUTHORIZED) && kept && !reauthenticated {
                    if let (Some(auth), Some(headers)) = (auth, error.headers()) {
                        if Box::pin(auth.renew(&auth_sent, headers)).await {
                            reauthenticated = true;
                            tracing::debug!(attempt = sent, "401: replaying with new credentials");
                            continue;
                        }
                    }
                }
                let may_retry = kept && retries + 1 < policy.max_attempts();
                let reason = match retry::classify(&policy, &error, replayable) {
                    Some(reason) if may_retry => reason,
                    _ => return Err(fail(error)),
                };
                let delay = match retry_delay(&policy, &error, retries, deadline) {
                    Ok(delay) => delay,
                    Err(Some(after)) => return Err(fail(error).with_retry_after(after)),
                    Err(None) => return Err(fail(error)),
                };
                if let Some(bucket) = &shared.bucket {
                    if !bucket.withdraw(reason) {
                        tracing::warn!(attempt = sent, %reason, "retry budget exhausted: not retrying");
                        return Err(fail(error));
                    }
                }
                retries += 1;
                tracing::info!(attempt = sent, %reason, delay_ms = delay.as_millis() as u64, "retrying");
                Box::pin(tokio::time::sleep(delay)).await;
            }
        }
    }
}

/// The future of a call. Boxed, so that it is one pointer wide and its
/// type is simple: proving it `Send` costs the compiler nothing per
/// endpoint (proving it through the whole call's state machine cost about
/// as much as compiling the rest of a 100-endpoint client), and moving it
/// copies 8 bytes rather than kilobytes.
#[doc(hidden)]
#[must_use = "futures do nothing unless awaited"]
pub struct Sending<T>(Pin<Box<dyn Future<Output = Result<T>> + Send>>);

impl<T> Future for Sending<T> {
    type Output = Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        self.0.as_mut().poll(cx)
    }
}

impl<T> std::fmt::Debug for Sending<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sending")
    }
}

/// A response that came back from a call, still to be decoded (the only
/// part of a call that depends on the declared return type).
struct Done {
    received: Received,
    endpoint: &'static Endpoint,
    method: Method,
    url: String,
    attempts: u32,
    request_id: Option<String>,
    stream_limits: crate::request::body::StreamLimits,
    span: tracing::Span,
    /// The client's secrets, when it has any.
    scrubber: Option<Arc<crate::response::scrub::Scrubber>>,
}

impl Done {
    fn decode<D: Decode>(self, validator: Option<Validator<D::Target>>) -> Result<D::Output> {
        let Done {
            received,
            endpoint,
            method,
            url,
            attempts,
            request_id,
            stream_limits,
            span,
            scrubber,
        } = self;
        let _entered = span.enter();
        let result = match received {
            Received::Streaming(streaming) => {
                let (response, final_url) = *streaming;
                D::decode_stream(response, final_url, stream_limits)
            }
            Received::Buffered(raw) => {
                let ctx = DecodeCtx {
                    validator,
                    envelope: endpoint.envelope.as_ref(),
                    request_id: request_id.clone(),
                };
                D::decode(raw, &ctx)
            }
        };
        result.map_err(|e| {
            let e = with_api_error(endpoint, e)
                .at_text(&method, &url)
                .with_attempts(attempts)
                .with_request_id(request_id)
                .scrubbed_by(scrubber.as_ref());
            tracing::debug!(error = %e, "the response could not be decoded");
            e
        })
    }
}

/// When to retry after a retryable `error`: `Ok(delay)`, or `Err` when
/// the wait would pass the deadline, with the `Retry-After` the server
/// asked for when that is why the call stops.
fn retry_delay(
    policy: &RetryPolicy,
    error: &Error,
    retries: u32,
    deadline: Instant,
) -> std::result::Result<Duration, Option<Duration>> {
    let asked = error
        .status()
        .zip(error.headers())
        .and_then(|(status, headers)| retry::retry_after(status, headers, SystemTime::now()));
    let remaining = deadline.saturating_duration_since(Instant::now());
    let delay = match asked {
        Some(after) if after > policy.retry_after_limit() || after >= remaining => {
            return Err(Some(after));
        }
        Some(after) if !after.is_zero() => after,
        _ => policy.backoff_delay(retries + 1),
    };
    if delay >= remaining {
        return Err(None);
    }
    Ok(delay)
}

/// The server's request id, from the configured response header.
fn request_id(headers: Option<&HeaderMap>, name: &http::HeaderName) -> Option<String> {
    let value = headers?.get(name)?.to_str().ok()?;
    (!value.is_empty()).then(|| value.chars().take(128).collect())
}

/// Attaches the endpoint's declared error document to a status error.
fn with_api_error(endpoint: &Endpoint, error: Error) -> Error {
    let decoded = match (endpoint.error, error.headers(), error.body()) {
        (Some(decode), Some(headers), Some(body))
            if matches!(
                error.kind(),
                crate::ErrorKind::Status | crate::ErrorKind::Envelope
            ) =>
        {
            decode(headers, body)
        }
        _ => None,
    };
    match decoded {
        Some(body) => error.with_api_error(body),
        None => error,
    }
}

impl Session {
    /// The retry policy of one call: the call's override, else the
    /// endpoint's declaration applied to the client's policy.
    fn policy_for(&self, endpoint: &Endpoint) -> std::borrow::Cow<'_, RetryPolicy> {
        use std::borrow::Cow;
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

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("endpoint", &self.endpoint.name)
            .finish_non_exhaustive()
    }
}
