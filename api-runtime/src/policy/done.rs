//! A call's response, still to be decoded: the only part of a call that
//! depends on the declared return type.

use http::{HeaderMap, HeaderName, Method};
use url::Url;

use crate::error::Validator;
use crate::error::{Error, Result};
use crate::policy::exchange::Received;
use crate::request::endpoint::Endpoint;
use crate::response::decode::{Decode, DecodeCtx};
use crate::response::stream::StreamLimits;

/// A response that came back from a call, to be decoded.
pub(crate) struct Done {
    received: Received,
    endpoint: &'static Endpoint,
    /// The request's URL, shown (redacted) only if decoding fails.
    url: Url,
    core: crate::client::Session,
    attempts: u32,
    request_id: Option<String>,
    stream_limits: StreamLimits,
    span: tracing::Span,
}

impl Done {
    pub(crate) fn new(
        received: Received,
        endpoint: &'static Endpoint,
        core: crate::client::Session,
        url: Url,
        attempts: u32,
        span: tracing::Span,
    ) -> Self {
        let timeouts = &core.shared.timeouts;
        Done {
            received,
            endpoint,
            stream_limits: StreamLimits {
                read: timeouts.read,
                total: timeouts.stream,
            },
            url,
            core,
            attempts,
            request_id: None,
            span,
        }
    }

    /// The server's request id, read from the response head.
    pub(crate) fn with_request_id(mut self, request_id: Option<String>) -> Self {
        self.request_id = request_id;
        self
    }

    /// Decodes the response as `D` says; an error says where the call went.
    /// Only the decoding itself is generic: the rest is compiled once.
    pub(crate) fn decode<D: Decode>(
        self,
        validator: Option<Validator<D::Target>>,
    ) -> Result<D::Output> {
        let (received, finish) = self.open();
        let result = match received {
            Received::Streaming(streaming) => {
                let (response, final_url) = *streaming;
                D::decode_stream(response, final_url, finish.stream_limits)
            }
            Received::Buffered(raw) => {
                let ctx = DecodeCtx {
                    validator,
                    envelope: finish.endpoint.envelope.as_ref(),
                    request_id: finish.request_id.clone(),
                };
                D::decode(*raw, &ctx)
            }
        };
        match result {
            Ok(output) => Ok(output),
            Err(error) => Err(finish.fail(error)),
        }
    }

    /// The response, and what is left to say where it came from; the
    /// call's span entered while it is decoded.
    fn open(self) -> (Received, Finish) {
        let Done {
            received,
            endpoint,
            url,
            attempts,
            request_id,
            core,
            stream_limits,
            span,
        } = self;
        let finish = Finish {
            endpoint,
            url,
            core,
            attempts,
            request_id,
            stream_limits,
            _span: span.entered(),
        };
        (received, finish)
    }
}

/// What a decoding error says of its call.
struct Finish {
    endpoint: &'static Endpoint,
    url: Url,
    core: crate::client::Session,
    attempts: u32,
    request_id: Option<String>,
    stream_limits: StreamLimits,
    _span: tracing::span::EnteredSpan,
}

impl Finish {
    /// The decoding error, with where the call went, scrubbed.
    #[cold]
    fn fail(self, error: Error) -> Error {
        let scrubber = &self.core.shared.scrubber;
        let method: &Method = &self.endpoint.method;
        let error = with_api_error(self.endpoint, error)
            .at(method, &self.core.shared.visible.visible_url(&self.url))
            .with_attempts(self.attempts)
            .with_request_id(self.request_id)
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
            if matches!(
                error.kind(),
                crate::error::ErrorKind::Status | crate::error::ErrorKind::Envelope
            ) =>
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
