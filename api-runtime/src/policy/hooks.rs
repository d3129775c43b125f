//! Hooks: code of yours that runs around every attempt of every call, like
//! requests' hooks, httpx's event hooks or OkHttp's interceptors.

use std::fmt;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};

use crate::error::ErrorKind;

/// Runs before and after every attempt of every call: add headers (a
/// correlation id), observe statuses and latencies (per route template).
/// Hooks run in the order they were added; they must not block.
///
/// ```
/// use api_client::{hooks::AttemptInfo, hooks::Hook, hooks::RequestContext};
///
/// struct CorrelationId;
///
/// impl Hook for CorrelationId {
///     fn on_request(&self, request: &mut RequestContext<'_>) {
///         request.set_header("x-correlation-id", "req-42");
///     }
///
///     fn on_response(&self, attempt: &AttemptInfo<'_>) {
///         println!("{} {} -> {:?} in {:?}", attempt.method(), attempt.route(), attempt.status(), attempt.elapsed());
///     }
/// }
/// ```
pub trait Hook: Send + Sync + 'static {
    /// Before an attempt is sent; may change its headers.
    fn on_request(&self, request: &mut RequestContext<'_>) {
        let _ = request;
    }

    /// After an attempt: its status (if a response came), latency and
    /// outcome.
    fn on_response(&self, attempt: &AttemptInfo<'_>) {
        let _ = attempt;
    }
}

/// What a request hook sees and may change.
pub struct RequestContext<'a> {
    pub(crate) endpoint: &'static str,
    pub(crate) route: &'static str,
    pub(crate) method: &'a Method,
    pub(crate) attempt: u32,
    pub(crate) headers: &'a mut HeaderMap,
}

impl fmt::Debug for RequestContext<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestContext")
            .field("endpoint", &self.endpoint)
            .field("route", &self.route)
            .field("method", self.method)
            .field("attempt", &self.attempt)
            .finish_non_exhaustive()
    }
}

impl RequestContext<'_> {
    /// The trait method's name.
    pub fn endpoint(&self) -> &'static str {
        self.endpoint
    }

    /// The route template, e.g. `/users/<login>` (not the filled path).
    pub fn route(&self) -> &'static str {
        self.route
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        self.method
    }

    /// The attempt number, from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The request's headers (credentials are added after the hooks run).
    pub fn headers(&self) -> &HeaderMap {
        self.headers
    }

    /// Sets a header; an invalid name or value is ignored (and logged at
    /// warn level without the value).
    pub fn set_header(&mut self, name: &str, value: &str) {
        match (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            (Ok(name), Ok(value)) => {
                self.headers.insert(name, value);
            }
            _ => tracing::warn!(header = name, "a hook set an invalid header: ignored"),
        }
    }
}

/// What a response hook sees of one attempt.
#[derive(Debug)]
pub struct AttemptInfo<'a> {
    pub(crate) endpoint: &'static str,
    pub(crate) route: &'static str,
    pub(crate) method: &'a Method,
    pub(crate) attempt: u32,
    pub(crate) status: Option<StatusCode>,
    pub(crate) elapsed: Duration,
    pub(crate) error: Option<ErrorKind>,
}

impl AttemptInfo<'_> {
    /// The trait method's name.
    pub fn endpoint(&self) -> &'static str {
        self.endpoint
    }

    /// The route template, e.g. `/users/<login>`.
    pub fn route(&self) -> &'static str {
        self.route
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        self.method
    }

    /// The attempt number, from 1.
    pub fn attempt(&self) -> u32 {
        self.attempt
    }

    /// The response status, when a response arrived.
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }

    /// How long the attempt took, to the end of the body.
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// How the attempt failed, if it did (a non-2xx status is
    /// [`ErrorKind::Status`]).
    pub fn error(&self) -> Option<ErrorKind> {
        self.error
    }
}

/// A hook made of two closures, for [`ClientBuilder::on_request`] and
/// [`ClientBuilder::on_response`].
///
/// [`ClientBuilder::on_request`]: crate::ClientBuilder::on_request
/// [`ClientBuilder::on_response`]: crate::ClientBuilder::on_response
pub(crate) struct FnHook<Q, S> {
    pub(crate) request: Q,
    pub(crate) response: S,
}

impl<Q, S> Hook for FnHook<Q, S>
where
    Q: Fn(&mut RequestContext<'_>) + Send + Sync + 'static,
    S: Fn(&AttemptInfo<'_>) + Send + Sync + 'static,
{
    fn on_request(&self, request: &mut RequestContext<'_>) {
        (self.request)(request);
    }

    fn on_response(&self, attempt: &AttemptInfo<'_>) {
        (self.response)(attempt);
    }
}
