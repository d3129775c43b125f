//! The adapter for a client given with `with_reqwest_client` (cargo
//! feature `reqwest`): our [`Outgoing`] request as a `reqwest::Request`,
//! and reqwest's failures as the [`TransportError`]s of our own engine,
//! so that the one classifier (`engine/classify.rs`) reads both alike.
//! That client keeps its own redirects, cookies, proxy and time limits
//! (its redirect policy decides what a redirect carries: see the GUIDE's
//! security model).

use http::HeaderName;

use crate::engine::failure::TransportError;
use crate::engine::incoming::{Exchange, Incoming, Repr};
use crate::engine::outgoing::{Outgoing, SendBody};

/// Sends `request` through `client`; a streamed body is moved into it. A
/// request outside the client's origin carries only the headers that may
/// cross (`origin.rs`) and those in `marked`.
pub(super) fn send<'a>(
    client: &'a reqwest::Client,
    marked: &'a [HeaderName],
    request: &'a mut Outgoing,
) -> Exchange<'a> {
    let pending = client.execute(reqwest_request(request, marked));
    Box::pin(async move {
        let response = pending.await.map_err(TransportError::from)?;
        request.elsewhere = !crate::engine::origin::same_origin(response.url(), &request.url);
        Ok(Incoming(Repr::Reqwest(response)))
    })
}

fn reqwest_request(request: &mut Outgoing, marked: &[HeaderName]) -> reqwest::Request {
    let mut out = reqwest::Request::new(request.method.clone(), request.url.clone());
    *out.headers_mut() = request.headers.clone();
    if request.foreign {
        crate::engine::origin::retain_crossing(out.headers_mut(), marked, true);
    }
    *out.body_mut() = match request.body.take_for_send() {
        SendBody::Empty => None,
        SendBody::Bytes(bytes) => Some(bytes.into()),
        SendBody::Stream(body) => Some(body.into_reqwest()),
    };
    out
}
