//! What an error says of its call: the endpoint's declared error document
//! (`with_api_error`), the server's request id (`request_id`), and, for an
//! error found after the attempts (a body that does not decode), where
//! the call went, scrubbed ([`Report`], which a call's result carries to
//! its decoding instead of the client).

use std::sync::Arc;

use http::{HeaderMap, HeaderName};
use url::Url;

use crate::engine::limits::StreamLimits;
use crate::error::{Error, ErrorKind};
use crate::policy::Policies;
use crate::request::endpoint::{Endpoint, Envelope};

/// What a call's result carries to its decoding: enough to say where a
/// decoding error came from (the endpoint, the URL, the attempts, the
/// client's secrets to scrub), the limits of a streamed body, and the
/// call's span.
pub(crate) struct Report {
    endpoint: &'static Endpoint,
    /// The request's URL, shown (redacted) only if decoding fails.
    url: Url,
    attempts: u32,
    policies: Arc<Policies>,
    span: tracing::Span,
}

impl Report {
    pub(crate) fn new(
        endpoint: &'static Endpoint,
        url: Url,
        attempts: u32,
        policies: Arc<Policies>,
        span: tracing::Span,
    ) -> Report {
        Report {
            endpoint,
            url,
            attempts,
            policies,
            span,
        }
    }

    /// The endpoint's declared envelope, if any.
    pub(crate) fn envelope(&self) -> Option<&'static Envelope> {
        self.endpoint.envelope.as_ref()
    }

    /// The time limits of a streamed body.
    pub(crate) fn stream_limits(&self) -> StreamLimits {
        self.policies.timeouts.stream_limits()
    }

    /// Enters the call's span (while its response is decoded).
    pub(crate) fn enter(&self) -> tracing::span::Entered<'_> {
        self.span.enter()
    }

    /// A decoding error, with where the call went, scrubbed.
    #[cold]
    pub(crate) fn fail(&self, error: Error, request_id: Option<String>) -> Error {
        let policies = &self.policies;
        let scrubber = &policies.scrubber;
        let url = policies.engine.visible.visible_url(&self.url);
        let error = with_api_error(self.endpoint, error)
            .at(&self.endpoint.method, &url)
            .with_attempts(self.attempts)
            .with_request_id(request_id)
            .scrubbed_by((!scrubber.is_empty()).then_some(scrubber));
        tracing::debug!(error = %error, "the response could not be decoded");
        error
    }
}

/// The server's request id, from the configured response header.
pub(crate) fn request_id(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    let value = headers.get(name)?.to_str().ok()?;
    (!value.is_empty()).then(|| value.chars().take(128).collect())
}

/// Attaches the endpoint's declared error document to a status error.
pub(crate) fn with_api_error(endpoint: &Endpoint, error: Error) -> Error {
    let status = error.status().map(|s| s.as_u16());
    let decoded = match (endpoint.error, status, error.headers(), error.body()) {
        (Some(decode), Some(status), Some(headers), Some(body))
            if matches!(error.kind(), ErrorKind::Status | ErrorKind::Envelope) =>
        {
            decode(status, headers, body)
        }
        _ => None,
    };
    match decoded {
        Some(body) => error.with_api_error(body),
        None => error,
    }
}
