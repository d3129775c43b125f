//! What went wrong, coarsely ([`ErrorKind`]), and where a time limit ran
//! out ([`TimeoutPhase`]).

use std::fmt;

/// What went wrong, coarsely: match on it to decide what to do.
///
/// ```
/// use api_client::ErrorKind;
///
/// fn should_page_someone(kind: ErrorKind) -> bool {
///     matches!(kind, ErrorKind::Connect | ErrorKind::Timeout)
/// }
/// assert!(should_page_someone(ErrorKind::Timeout));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The client could not be built: a bad base URL, header or setting.
    Builder,
    /// The request could not be built from the arguments (a header value
    /// with CR/LF, a path argument that is `..`, a body that does not
    /// serialize). Nothing was sent.
    InvalidRequest,
    /// No connection could be made (refused, DNS, TLS handshake). Nothing
    /// was sent.
    Connect,
    /// A time limit ran out; [`Error::timeout_phase`](crate::Error::timeout_phase) says which.
    Timeout,
    /// The connection failed after it was made, before a complete response
    /// head arrived (reset, closed early, protocol error).
    Transport,
    /// The server answered with a status that is not a success (not 2xx).
    Status,
    /// The response body could not be read to its end (truncated, or larger
    /// than the configured maximum).
    Body,
    /// The response body could not be decoded into the declared type.
    Decode,
    /// The decoded response (or the request body) broke a declared
    /// constraint; [`Error::violations`](crate::Error::violations) lists them all.
    Validation,
    /// The credentials could not be obtained (an [`AuthProvider`] failed,
    /// e.g. the OAuth2 token endpoint refused the client); nothing was sent.
    /// The provider's error is the [`source`](std::error::Error::source).
    ///
    /// [`AuthProvider`]: crate::auth::AuthProvider
    Auth,
    /// The status was a success, but the body is an error envelope
    /// (declared with `#[envelope(…)]`), e.g. `{"ok": false, "error": …}`.
    Envelope,
    /// A redirect could not be followed: too many of them, or one to a
    /// URL that is not http or https. Not retried.
    Redirect,
    /// The call would have to wait past its deadline for its turn: under
    /// the client's [`rate_limit`](crate::ClientBuilder::rate_limit), or
    /// until the server's announced quota resets
    /// ([`Error::retry_after`](crate::Error::retry_after) says how long). Nothing was sent.
    RateLimited,
    /// The circuit breaker is open after repeated failures of the host
    /// (see [`circuit_breaker`](crate::ClientBuilder::circuit_breaker)).
    /// Nothing was sent.
    CircuitOpen,
    /// The pages of a list do not chain: a next link to another origin
    /// (unless allowed), a cursor or link the server sent before (it
    /// loops), or more pages than the walk's cap. See
    /// [`Pages`](crate::Pages).
    Pagination,
}

impl ErrorKind {
    /// The kind as OpenTelemetry's `error.type` (low-cardinality,
    /// snake_case; a status error is recorded as its status code instead,
    /// see [`Error::error_type`]).
    pub(crate) fn otel_type(self) -> &'static str {
        match self {
            ErrorKind::Builder => "builder",
            ErrorKind::InvalidRequest => "invalid_request",
            ErrorKind::Connect => "connect",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Transport => "transport",
            ErrorKind::Status => "status",
            ErrorKind::Body => "body",
            ErrorKind::Decode => "decode",
            ErrorKind::Validation => "validation",
            ErrorKind::Envelope => "envelope",
            ErrorKind::Auth => "auth",
            ErrorKind::Redirect => "redirect",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::CircuitOpen => "circuit_open",
            ErrorKind::Pagination => "pagination",
        }
    }

    pub(crate) fn describe(self) -> &'static str {
        match self {
            ErrorKind::Builder => "invalid client configuration",
            ErrorKind::InvalidRequest => "invalid request",
            ErrorKind::Connect => "could not connect",
            ErrorKind::Timeout => "timed out",
            ErrorKind::Transport => "connection failed",
            ErrorKind::Status => "error status",
            ErrorKind::Body => "could not read the response body",
            ErrorKind::Decode => "could not decode the response body",
            ErrorKind::Validation => "validation failed",
            ErrorKind::Envelope => "the response reports an error",
            ErrorKind::Auth => "could not get credentials",
            ErrorKind::Redirect => "could not follow a redirect",
            ErrorKind::RateLimited => "rate limited",
            ErrorKind::CircuitOpen => "circuit open",
            ErrorKind::Pagination => "pagination",
        }
    }
}

/// The phase of a call in which a time limit ran out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimeoutPhase {
    /// Connecting (DNS, TCP, TLS).
    Connect,
    /// Waiting for the response head after the request was sent.
    ResponseHeaders,
    /// Reading the response body.
    Body,
    /// The total deadline of the call, spanning every attempt and backoff.
    Deadline,
}

impl fmt::Display for TimeoutPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TimeoutPhase::Connect => "connecting",
            TimeoutPhase::ResponseHeaders => "waiting for the response headers",
            TimeoutPhase::Body => "reading the response body",
            TimeoutPhase::Deadline => "the call's deadline",
        })
    }
}
