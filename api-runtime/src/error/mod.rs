//! The one error type of api-client, [`Error`], and what it can tell;
//! how it prints is in `display.rs`.

mod display;
mod human;
mod kind;
pub(crate) mod redact;
pub(crate) mod scrub;
mod violation;

pub(crate) use human::Human;
pub use kind::{ErrorKind, TimeoutPhase};
pub(crate) use violation::KEPT_VIOLATIONS;
pub(crate) use violation::short_type_name;
pub use violation::{Checks, Validator, Violation};

use std::any::Any;
use std::error::Error as StdError;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use url::Url;

use scrub::Scrubber;

/// `Result<T, api_client::Error>`, the return type of every endpoint.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The return type of an endpoint: `api_client::Result<T>`.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not `api_client::Result<T>`: an endpoint returns api-client's `Result`",
    label = "expected `api_client::Result<T>` (`Result<T, api_client::Error>`)",
    note = "is another crate's `Result` imported here (`use anyhow::Result;`)? write `api_client::Result<T>`, and convert with `?` where the endpoint is called"
)]
pub trait ApiResult {}

impl<T> ApiResult for Result<T> {}

/// Compiles only when `R` is `api_client::Result<T>`.
#[doc(hidden)]
pub fn assert_api_result<R: ApiResult>() {}

/// A boxed error cause, as kept by [`Error::source`].
pub(crate) type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// The error of every api-client call.
///
/// It is opaque: ask it what you need with [`kind`](Error::kind) and the
/// accessors. Its `Display` is one line that names the method, the URL
/// (query values masked), what went wrong and, for an error status, a short
/// excerpt of the body with secret-looking JSON fields redacted.
///
/// ```
/// # async fn demo(err: api_client::Error) {
/// use api_client::ErrorKind;
/// match err.kind() {
///     ErrorKind::Status if err.status().map(|s| s.as_u16()) == Some(404) => { /* not found */ }
///     ErrorKind::Timeout | ErrorKind::Connect => { /* try later */ }
///     _ => eprintln!("{err}"),
/// }
/// # }
/// ```
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: Option<String>,
    method: Option<Method>,
    url: Option<Url>,
    status: Option<StatusCode>,
    headers: Option<HeaderMap>,
    body: Option<Bytes>,
    source: Option<BoxError>,
    attempts: u32,
    retry_after: Option<Duration>,
    /// The wait is the client's own limit's, not one a server asked for.
    own_limit: bool,
    timeout: Option<TimeoutInfo>,
    decode: Option<DecodeInfo>,
    api_error: Option<ApiErrorBody>,
    /// A failure that retrying cannot fix (a certificate problem, a
    /// redirect loop, a body over the limit).
    permanent: bool,
    violations: Vec<Violation>,
    /// How many violations there were beyond those kept.
    violations_more: usize,
    request_id: Option<String>,
    /// The time the whole call took, when it ended in this error.
    call_elapsed: Option<Duration>,
    /// The secrets of the client that made the call: scrubbed from every
    /// text the error prints.
    scrub: Option<Arc<Scrubber>>,
}

/// The declared error type, decoded from an error response's body.
#[doc(hidden)]
pub struct ApiErrorBody {
    pub(crate) value: Box<dyn Any + Send + Sync>,
    pub(crate) type_name: &'static str,
}

#[derive(Clone, Copy, Debug)]
struct TimeoutInfo {
    phase: TimeoutPhase,
    limit: Option<Duration>,
    elapsed: Duration,
}

#[derive(Clone, Debug)]
struct DecodeInfo {
    path: String,
    line: usize,
    column: usize,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                message: None,
                method: None,
                url: None,
                status: None,
                headers: None,
                body: None,
                source: None,
                attempts: 0,
                retry_after: None,
                own_limit: false,
                timeout: None,
                decode: None,
                api_error: None,
                permanent: false,
                violations: Vec::new(),
                violations_more: 0,
                request_id: None,
                call_elapsed: None,
                scrub: None,
            }),
        }
    }

    pub(crate) fn with_message(kind: ErrorKind, message: impl Into<String>) -> Self {
        let mut err = Error::new(kind);
        err.inner.message = Some(message.into());
        err
    }

    pub(crate) fn builder(message: impl Into<String>) -> Self {
        Error::with_message(ErrorKind::Builder, message)
    }

    pub(crate) fn invalid_request(message: impl Into<String>) -> Self {
        Error::with_message(ErrorKind::InvalidRequest, message)
    }

    pub(crate) fn status_error(status: StatusCode, headers: HeaderMap, body: Bytes) -> Self {
        let mut err = Error::new(ErrorKind::Status);
        err.inner.status = Some(status);
        err.inner.headers = Some(headers);
        err.inner.body = Some(body);
        err
    }

    /// A success status whose envelope reports an error; `detail` is the
    /// error part of the envelope (or the whole body).
    pub(crate) fn envelope(status: StatusCode, headers: HeaderMap, detail: Bytes) -> Self {
        let mut err = Error::new(ErrorKind::Envelope);
        err.inner.status = Some(status);
        err.inner.headers = Some(headers);
        err.inner.body = Some(detail);
        err
    }

    pub(crate) fn timeout(phase: TimeoutPhase, limit: Option<Duration>, elapsed: Duration) -> Self {
        let mut err = Error::new(ErrorKind::Timeout);
        err.inner.timeout = Some(TimeoutInfo {
            phase,
            limit,
            elapsed,
        });
        err
    }

    pub(crate) fn decode(
        message: String,
        path: String,
        line: usize,
        column: usize,
        body: Bytes,
    ) -> Self {
        let mut err = Error::with_message(ErrorKind::Decode, message);
        err.inner.decode = Some(DecodeInfo { path, line, column });
        err.inner.body = Some(body);
        err
    }

    /// Adds what the error's kind does not say (a time-out's cause).
    pub(crate) fn with_detail(mut self, detail: String) -> Self {
        self.inner.message = Some(detail);
        self
    }

    pub(crate) fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    pub(crate) fn with_body(mut self, body: Bytes) -> Self {
        self.inner.body = Some(body);
        self
    }

    pub(crate) fn with_status(mut self, status: StatusCode) -> Self {
        self.inner.status = Some(status);
        self
    }

    /// Records where the call went; the URL is kept with its query values
    /// masked and its user info removed.
    pub(crate) fn at(mut self, method: &Method, url: &Url) -> Self {
        self.inner.method = Some(method.clone());
        self.inner.url = Some(redact::mask_url(url));
        self
    }

    pub(crate) fn with_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = attempts;
        self
    }

    /// Every broken constraint of a value of type `type_name` (the first
    /// [`KEPT_VIOLATIONS`] kept, the rest counted).
    pub(crate) fn validation(type_name: &str, mut violations: Vec<Violation>) -> Self {
        let n = violations.len();
        let plural = if n == 1 { "" } else { "s" };
        let mut err = Error::with_message(
            ErrorKind::Validation,
            format!("{n} validation error{plural} for {type_name}"),
        );
        err.inner.violations_more = n.saturating_sub(KEPT_VIOLATIONS);
        violations.truncate(KEPT_VIOLATIONS);
        err.inner.violations = violations;
        err
    }

    /// This decode error with every problem of the body, which its
    /// message counts: `more` beyond those listed.
    pub(crate) fn with_problems(
        mut self,
        type_name: &str,
        violations: Vec<Violation>,
        more: usize,
    ) -> Self {
        let n = violations.len() + more;
        let plural = if n == 1 { "" } else { "s" };
        self.inner.message = Some(format!("{n} problem{plural} in {type_name}"));
        self.inner.violations = violations;
        self.inner.violations_more = more;
        self
    }

    /// This error with the violations (and their count) of `validation`.
    pub(crate) fn merge_violations(mut self, validation: Error) -> Self {
        let count = validation.inner.message.unwrap_or_default();
        let message = self.inner.message.take().unwrap_or_default();
        self.inner.message = Some(format!("{message}: {count}"));
        self.inner.violations = validation.inner.violations;
        self.inner.violations_more = validation.inner.violations_more;
        self
    }

    pub(crate) fn with_request_id(mut self, id: Option<String>) -> Self {
        if id.is_some() {
            self.inner.request_id = id;
        }
        self
    }

    /// Records how long the whole call took (a time-out's own figure is
    /// the time its limit measured: one attempt's, or the call's).
    pub(crate) fn with_call_elapsed(mut self, elapsed: Duration) -> Self {
        self.inner.call_elapsed = Some(elapsed);
        self
    }

    /// Scrubs the secrets `scrubber` knows from everything this error
    /// prints.
    pub(crate) fn scrubbed_by(mut self, scrubber: Option<&Arc<Scrubber>>) -> Self {
        if let Some(scrubber) = scrubber.filter(|s| !s.is_empty()) {
            self.inner.scrub = Some(scrubber.clone());
        }
        self
    }

    pub(crate) fn permanent(mut self) -> Self {
        self.inner.permanent = true;
        self
    }

    /// [`permanent`](Error::permanent), with why in the message.
    pub(crate) fn permanent_because(mut self, why: &str) -> Self {
        let message = match self.inner.message.take() {
            Some(message) => format!("{message} ({why}; not retried)"),
            None => format!("{why}; not retried"),
        };
        self.inner.message = Some(message);
        self.permanent()
    }

    pub(crate) fn is_permanent(&self) -> bool {
        self.inner.permanent
    }

    pub(crate) fn with_api_error(mut self, body: ApiErrorBody) -> Self {
        self.inner.api_error = Some(body);
        self
    }

    pub(crate) fn with_retry_after(mut self, retry_after: Duration) -> Self {
        self.inner.retry_after = Some(retry_after);
        self
    }

    /// [`with_retry_after`](Self::with_retry_after) for a wait that the
    /// client's own limit imposes (a rate limit, a circuit): the message
    /// says so, and no server is said to have asked.
    pub(crate) fn with_own_wait(mut self, wait: Duration) -> Self {
        self.inner.retry_after = Some(wait);
        self.inner.own_limit = true;
        self
    }

    /// OpenTelemetry's `error.type` of this error: the status code when a
    /// response came, else the kind (`timeout`, `connect`, …).
    pub(crate) fn error_type(&self) -> std::borrow::Cow<'static, str> {
        match self.status() {
            Some(status) => status.as_u16().to_string().into(),
            None => self.kind().otel_type().into(),
        }
    }

    /// What went wrong, to match on.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The response status, for [`ErrorKind::Status`] errors and for decode
    /// errors of a response that arrived.
    pub fn status(&self) -> Option<StatusCode> {
        self.inner.status
    }

    /// The HTTP method of the failed call.
    pub fn method(&self) -> Option<&Method> {
        self.inner.method.as_ref()
    }

    /// The URL of the failed call, with query values masked (`***`) and
    /// any user info removed, so it is safe to log.
    pub fn url(&self) -> Option<&Url> {
        self.inner.url.as_ref()
    }

    /// The response headers of an [`ErrorKind::Status`] error.
    pub fn headers(&self) -> Option<&HeaderMap> {
        self.inner.headers.as_ref()
    }

    /// The raw response body the server sent with an error status or an
    /// undecodable response, as received (bounded: at most 64 KiB of an
    /// error body is kept). It is not redacted: treat it as sensitive.
    pub fn body(&self) -> Option<&Bytes> {
        self.inner.body.as_ref()
    }

    /// The response body decoded as JSON into `T`, e.g. the API's error
    /// document. `None` when there is no body or it is not such a document.
    ///
    /// ```
    /// # fn demo(err: api_client::Error) {
    /// #[derive(serde::Deserialize)]
    /// struct ApiError { message: String }
    /// if let Some(e) = err.body_json::<ApiError>() {
    ///     eprintln!("the API said: {}", e.message);
    /// }
    /// # }
    /// ```
    pub fn body_json<T: serde::de::DeserializeOwned>(&self) -> Option<T> {
        serde_json::from_slice(self.inner.body.as_deref()?).ok()
    }

    /// The API's error document, decoded into the type declared with
    /// `#[api(error = E)]` (or `#[error(E)]` on the method). `None` when no
    /// type was declared, `E` is another type, or the body was not such a
    /// JSON document (an HTML page from a proxy, say): [`Error::body`]
    /// still has the raw bytes then.
    ///
    /// ```
    /// # use api_client::{api, Result};
    /// #[derive(Debug, serde::Deserialize)]
    /// pub struct ApiError { pub message: String }
    ///
    /// #[api(base = "https://api.example.com", error = ApiError)]
    /// pub trait Example {
    ///     #[get("/items/<id>")]
    ///     async fn item(&self, id: u64) -> Result<String>;
    /// }
    ///
    /// # async fn demo(client: ExampleClient) {
    /// if let Err(err) = client.item(7).await {
    ///     match err.api_error::<ApiError>() {
    ///         Some(e) => eprintln!("the API said: {}", e.message),
    ///         None => eprintln!("{err}"),
    ///     }
    /// }
    /// # }
    /// ```
    pub fn api_error<E: 'static>(&self) -> Option<&E> {
        self.inner.api_error.as_ref()?.value.downcast_ref()
    }

    /// Every problem of the value, each with its JSON path (wire names),
    /// code and message: the broken rules of an [`ErrorKind::Validation`]
    /// error; for an [`ErrorKind::Decode`] error of a type deriving
    /// `api_client::Deserialize`, also each misfit (code `type`, `enum` or
    /// `value`) and missing field (`missing`). At most the first 100;
    /// [`violation_count`](Self::violation_count) counts them all.
    pub fn violations(&self) -> &[Violation] {
        &self.inner.violations
    }

    /// How many problems there were, those beyond
    /// [`violations`](Self::violations)' first 100 included.
    pub fn violation_count(&self) -> usize {
        self.inner.violations.len() + self.inner.violations_more
    }

    /// The server's request id (the `x-request-id` response header by
    /// default), to quote in a support ticket.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// How many attempts were made before this error (1 when the call was
    /// not retried; 0 when nothing was sent).
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// The delay the server asked for with `Retry-After`, when it was too
    /// long to wait for.
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// The phase in which a time limit ran out, for [`ErrorKind::Timeout`].
    pub fn timeout_phase(&self) -> Option<TimeoutPhase> {
        self.inner.timeout.map(|t| t.phase)
    }

    /// The time limit that ran out, when known.
    pub fn timeout_limit(&self) -> Option<Duration> {
        self.inner.timeout.and_then(|t| t.limit)
    }

    /// Where in the body a decode error happened, as a JSON path such as
    /// `$.items[3].id`.
    pub fn decode_path(&self) -> Option<&str> {
        self.inner.decode.as_ref().map(|d| d.path.as_str())
    }

    /// The line and column (1-based) of a decode error in the body.
    pub fn decode_position(&self) -> Option<(usize, usize)> {
        self.inner
            .decode
            .as_ref()
            .filter(|d| d.line > 0)
            .map(|d| (d.line, d.column))
    }

    /// Whether a time limit ran out.
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == ErrorKind::Timeout
    }

    /// Whether no connection could be made.
    pub fn is_connect(&self) -> bool {
        self.inner.kind == ErrorKind::Connect
    }

    /// Whether the server answered with a non-success status.
    pub fn is_status(&self) -> bool {
        self.inner.kind == ErrorKind::Status
    }

    /// Whether the response body could not be decoded.
    pub fn is_decode(&self) -> bool {
        self.inner.kind == ErrorKind::Decode
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|s| s as &(dyn StdError + 'static))
    }
}
