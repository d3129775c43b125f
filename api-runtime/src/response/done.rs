//! A call's response, still to be decoded: the only part of a call that
//! depends on the declared return type.

use http::Method;
use url::Url;

use crate::engine::exchange::Received;
use crate::policy::attempts::{Built, with_api_error};
use crate::request::body::StreamLimits;
use crate::request::call::Endpoint;
use crate::response::decode::{Decode, DecodeCtx};
use crate::response::error::Result;
use crate::response::validate::Validator;

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
        built: Built,
        attempts: u32,
        request_id: Option<String>,
        span: tracing::Span,
    ) -> Self {
        let timeouts = &built.core.shared.timeouts;
        Done {
            received,
            endpoint: built.endpoint,
            stream_limits: StreamLimits {
                read: timeouts.read,
                total: timeouts.stream,
            },
            url: built.request.into_url(),
            core: built.core,
            attempts,
            request_id,
            span,
        }
    }

    /// Decodes the response as `D` says; an error says where the call went.
    pub(crate) fn decode<D: Decode>(
        self,
        validator: Option<Validator<D::Target>>,
    ) -> Result<D::Output> {
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
            let method: &Method = &endpoint.method;
            let scrubber = &core.shared.scrubber;
            let e = with_api_error(endpoint, e)
                .at(method, &core.visible_url(&url))
                .with_attempts(attempts)
                .with_request_id(request_id)
                .scrubbed_by((!scrubber.is_empty()).then_some(scrubber));
            tracing::debug!(error = %e, "the response could not be decoded");
            e
        })
    }
}
