//! What the macro knows of an endpoint ([`Endpoint`]), computed at
//! expansion time and kept in a `static`.

use std::time::Duration;

use http::{HeaderMap, Method};

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

/// A JSON envelope around the data: `#[envelope(data = "data", error =
/// "error", ok = "ok")]`. Every part is optional.
#[doc(hidden)]
#[derive(Debug)]
pub struct Envelope {
    /// The field that holds the data (`{"data": T}`).
    pub data: Option<&'static str>,
    /// A field that, when present and not `null`, makes the response an
    /// error whose document it holds.
    pub error: Option<&'static str>,
    /// A field that says whether the call succeeded: `true`, `1`, `"ok"`,
    /// `"success"` (and a few more, see `reports_success`) when it did;
    /// any other value makes the response an error.
    pub ok: Option<&'static str>,
}

/// The signature of `decode_api_error` (response/json.rs), as stored on an endpoint.
#[doc(hidden)]
pub type ApiErrorDecoder = fn(u16, &HeaderMap, &[u8]) -> Option<crate::error::ApiErrorBody>;
