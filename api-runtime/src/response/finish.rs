//! The end of a call: the response its attempts ended with, decoded as
//! the declared return type says. The only generic step of a call (once
//! per return type); a failure says where the call went, through the
//! call's [`Report`](crate::policy::report::Report).

use crate::engine::exchange::Received;
use crate::error::{Checks, Result};
use crate::policy::perform::Ended;
use crate::response::decode::Decode;
use crate::response::json::DecodeCtx;

/// Decodes the response of a call as `D` says, within the call's span.
pub(crate) fn decode<D: Decode>(ended: Ended, checks: Checks<D::Target>) -> Result<D::Output> {
    let Ended { received, report } = ended;
    let _span = report.enter();
    match received {
        Received::Streaming(streaming) => D::decode_stream(*streaming, report.stream_limits())
            .map_err(|error| report.fail(error, None)),
        Received::Buffered(response) => {
            // Kept for a failure's message: the head goes with the body.
            let request_id = response.head.request_id.clone();
            let ctx = DecodeCtx {
                checks,
                envelope: report.envelope(),
            };
            D::decode_buffered(*response, &ctx).map_err(|error| report.fail(error, request_id))
        }
    }
}
