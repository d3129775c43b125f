//! The adapter for a client given with `with_reqwest_client` (cargo
//! feature `reqwest`): our [`Outgoing`] request as a `reqwest::Request`,
//! and reqwest's failures as the [`TransportError`]s of our own engine,
//! so that the one classifier (`engine/classify.rs`) reads both alike.
//! That client keeps its own redirects, cookies, proxy and time limits.

use crate::engine::failure::TransportError;
use crate::engine::incoming::{Exchange, Incoming, Repr};
use crate::engine::outgoing::{Outgoing, SendBody};

/// Sends `request` through `client`; a streamed body is moved into it.
pub(super) fn send<'a>(client: &'a reqwest::Client, request: &'a mut Outgoing) -> Exchange<'a> {
    let pending = client.execute(reqwest_request(request));
    Box::pin(async move {
        pending
            .await
            .map(|response| Incoming(Repr::Reqwest(response)))
            .map_err(TransportError::from)
    })
}

fn reqwest_request(request: &mut Outgoing) -> reqwest::Request {
    let mut out = reqwest::Request::new(request.method.clone(), request.url.clone());
    *out.headers_mut() = request.headers.clone();
    *out.body_mut() = match request.body.take_for_send() {
        SendBody::Empty => None,
        SendBody::Bytes(bytes) => Some(bytes.into()),
        SendBody::Stream(body) => Some(body.into_reqwest()),
    };
    out
}
