//! One call of an endpoint: generated code fills a [`Call`] from the
//! arguments (path, query, headers, body) and sends it.

use std::fmt::Display;
use std::sync::atomic::{AtomicU16, Ordering};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Method, StatusCode};
use serde::Serialize;
use tokio::time::Instant;
use tracing::Instrument;
use url::Url;

use crate::auth::{Auth, Sent};
use crate::body::{FormSink, IntoPart, Part, Upload};
use crate::client::Session;
use crate::encode::write_encoded;
use crate::error::{Error, Result, TimeoutPhase};
use crate::exec::{AttemptLimits, Received};
use crate::hooks::{AttemptInfo, RequestContext};
use crate::params::{HeaderValues, QuerySink, serialize_pairs};
use crate::response::{ApiErrorDecoder, Decode, DecodeCtx, Envelope};
use crate::retry::{self, RetryPolicy};
use crate::validate::Validator;

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
pub struct Call<'a> {
    core: &'a Session,
    endpoint: &'static Endpoint,
    url: String,
    has_query: bool,
    headers: HeaderMap,
    body: Option<Body>,
    error: Option<Error>,
}

/// A call's body, as the arguments gave it.
enum Body {
    Bytes(Bytes),
    Form(FormSink),
    Upload(Upload),
    Multipart(Vec<(&'static str, Part)>),
}

impl<'a> Call<'a> {
    /// Starts a call of `endpoint` on `core`.
    pub fn new(core: &'a Session, endpoint: &'static Endpoint) -> Self {
        let base = &core.shared.base;
        let mut url = String::with_capacity(base.len() + endpoint.route.len() + 32);
        url.push_str(base);
        Call {
            core,
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
        for text in values.0 {
            let Ok(value) = HeaderValue::from_str(&text) else {
                self.fail(format!(
                    "the value of header `{name}` holds a character a header cannot carry (CR, LF or another control character)"
                ));
                return;
            };
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
        if let Some(Err(violations)) = validator.map(|v| v(value)) {
            self.invalid_body(name, std::any::type_name::<T>(), violations);
            return;
        }
        match serde_json::to_vec(value) {
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
        if let Some(Err(violations)) = validator.map(|v| v(value)) {
            self.invalid_body(name, std::any::type_name::<T>(), violations);
            return;
        }
        self.form_pairs(name, value, true);
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

    fn invalid_body(
        &mut self,
        name: &str,
        type_name: &str,
        violations: Vec<crate::validate::Violation>,
    ) {
        if self.error.is_none() {
            let type_name = crate::validate::short_type_name(type_name);
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
    pub async fn send<D: Decode>(
        self,
        validator: Option<Validator<D::Target>>,
    ) -> Result<D::Output> {
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
        let session = self.core;
        let last_status = AtomicU16::new(0);
        let result = self
            .send_inner::<D>(started, validator, &last_status)
            .instrument(span.clone())
            .await;
        let elapsed = started.elapsed();
        span.record("elapsed_ms", elapsed.as_millis() as u64);
        if let Some(metrics) = &session.shared.metrics {
            let status = StatusCode::from_u16(last_status.load(Ordering::Relaxed)).ok();
            metrics.record(&endpoint.method, endpoint.route, status, elapsed);
        }
        match &result {
            Ok(_) => tracing::debug!(parent: &span, "call succeeded"),
            Err(e) => tracing::debug!(parent: &span, error = %e, "call failed"),
        }
        result
    }

    /// The request, built once: each attempt sends a copy of it.
    async fn build(self) -> Result<(reqwest::Request, Url, bool)> {
        if let Some(error) = self.error {
            return Err(error);
        }
        let endpoint = self.endpoint;
        let method = endpoint.method.clone();
        let url = Url::parse(&self.url).map_err(|e| {
            Error::invalid_request(format!("in `{}`: the URL is invalid: {e}", endpoint.name))
        })?;
        let replayable = retry::may_replay(&method, endpoint.idempotent, &self.headers);
        let mut request = reqwest::Request::new(method.clone(), url.clone());
        let mut headers = self.headers;
        *request.body_mut() = match self.body {
            None => None,
            Some(Body::Bytes(bytes)) => Some(bytes.into()),
            Some(Body::Form(form)) => {
                headers
                    .entry(http::header::CONTENT_TYPE)
                    .or_insert(HeaderValue::from_static(
                        "application/x-www-form-urlencoded",
                    ));
                Some(form.body.into())
            }
            Some(Body::Upload(upload)) => Some(upload.body),
            Some(Body::Multipart(parts)) => {
                let (content_type, body) = self
                    .core
                    .multipart(method.clone(), url.clone(), parts)
                    .await
                    .map_err(|e| e.at(&method, &url))?;
                headers.insert(http::header::CONTENT_TYPE, content_type);
                body
            }
        };
        *request.headers_mut() = headers;
        Ok((request, url, replayable))
    }

    async fn send_inner<D: Decode>(
        self,
        started: Instant,
        validator: Option<Validator<D::Target>>,
        last_status: &AtomicU16,
    ) -> Result<D::Output> {
        let endpoint = self.endpoint;
        let core = self.core;
        let method = endpoint.method.clone();
        let (mut request, url, replayable) = self.build().await?;
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
        let deadline = started + total;
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
                    .at(&method, &url)
                    .with_attempts(sent)
                    .with_request_id(id)
            };
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining.is_zero() {
                let err = Error::timeout(TimeoutPhase::Deadline, Some(total), started.elapsed());
                return Err(fail(err).with_attempts(sent - 1));
            }
            let limits = AttemptLimits {
                connect: shared.timeouts.connect,
                read: shared.timeouts.read,
                request: attempt_limit.map_or(remaining, |a| a.min(remaining)),
                deadline_bound: attempt_limit.is_none_or(|a| remaining <= a),
                total,
                call_started: started,
            };
            // A bytes body clones cheaply and the original stays for a later
            // attempt; a streaming body cannot be cloned and goes out once.
            let (mut to_send, kept) = match request.try_clone() {
                Some(copy) => (copy, true),
                None => (
                    std::mem::replace(
                        &mut request,
                        reqwest::Request::new(method.clone(), url.clone()),
                    ),
                    false,
                ),
            };
            for hook in &shared.hooks {
                hook.on_request(&mut RequestContext {
                    endpoint: endpoint.name,
                    route: endpoint.route,
                    method: &method,
                    attempt: sent,
                    headers: to_send.headers_mut(),
                });
            }
            let attempt_started = Instant::now();
            let auth = shared.auth.as_ref().filter(|_| !endpoint.no_auth);
            let auth_sent = match auth {
                // Nothing was sent when credentials cannot be had.
                Some(auth) => auth
                    .apply(&mut to_send)
                    .await
                    .map_err(|e| fail(e).with_attempts(sent - 1))?,
                None => Sent::Nothing,
            };
            let received = core.execute(to_send, &limits, D::BUFFERED).await;
            let status = match &received {
                Ok(Received::Streaming(response)) => Some(response.status()),
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
                    elapsed: attempt_started.elapsed(),
                    error: received.as_ref().err().map(Error::kind),
                });
            }
            let error = match received {
                Ok(Received::Streaming(response)) => {
                    tracing::Span::current().record("http.status", response.status().as_u16());
                    let final_url = response.url().clone();
                    return D::decode_stream(response, final_url, shared.timeouts.read)
                        .map_err(fail);
                }
                Ok(Received::Buffered(mut raw)) => {
                    if let Some(bucket) = &shared.bucket {
                        bucket.refund();
                    }
                    tracing::Span::current().record("http.status", raw.status.as_u16());
                    if let Some(Auth::Query { name, .. }) = &shared.auth {
                        raw.url = crate::redact::without_query_param(&raw.url, name);
                    }
                    let id = shared
                        .request_id_header
                        .as_ref()
                        .and_then(|h| request_id(Some(&raw.headers), h));
                    let ctx = DecodeCtx {
                        validator,
                        envelope: endpoint.envelope.as_ref(),
                        request_id: id.clone(),
                    };
                    return D::decode(raw, &ctx).map_err(|e| fail(e).with_request_id(id));
                }
                Err(error) => error,
            };
            if let Some(status) = error.status() {
                tracing::Span::current().record("http.status", status.as_u16());
            }
            // A 401 answered with new credentials is replayed once.
            if error.status() == Some(StatusCode::UNAUTHORIZED) && kept && !reauthenticated {
                if let (Some(auth), Some(headers)) = (auth, error.headers()) {
                    if auth.renew(&auth_sent, headers).await {
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
            tokio::time::sleep(delay).await;
        }
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
    /// The multipart body of `parts` (files are opened here), with its
    /// `Content-Type` (which carries the boundary).
    async fn multipart(
        &self,
        method: Method,
        url: Url,
        parts: Vec<(&'static str, Part)>,
    ) -> Result<(HeaderValue, Option<reqwest::Body>)> {
        let mut form = reqwest::multipart::Form::new();
        for (name, part) in parts {
            form = form.part(name, part.into_reqwest().await?);
        }
        let mut built = self
            .shared
            .http
            .request(method, url)
            .multipart(form)
            .build()
            .map_err(|e| {
                Error::invalid_request("the multipart body could not be built")
                    .with_source(e.without_url())
            })?;
        let content_type = built
            .headers()
            .get(http::header::CONTENT_TYPE)
            .cloned()
            .ok_or_else(|| Error::invalid_request("the multipart body has no content type"))?;
        Ok((content_type, built.body_mut().take()))
    }

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

impl std::fmt::Debug for Call<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("endpoint", &self.endpoint.name)
            .finish_non_exhaustive()
    }
}
