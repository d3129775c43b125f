//! The adapter for a client given with `with_reqwest_client` (cargo
//! feature `reqwest`): our [`Outgoing`] request as a `reqwest::Request`,
//! and reqwest's failures as the [`TransportError`]s of our own engine,
//! so that the one classifier (`engine/classify.rs`) reads both alike.
//! That client keeps its own redirects, cookies, proxy and time limits.

use std::error::Error as StdError;

use crate::engine::incoming::{Incoming, Repr};
use crate::engine::outgoing::{Outgoing, SendBody};
use crate::engine::transport::{BoxError, Exchange, TransportError};

/// Sends `request` through `client`; a streamed body is moved into it.
pub(super) fn send<'a>(client: &'a reqwest::Client, request: &'a mut Outgoing) -> Exchange<'a> {
    let pending = client.execute(reqwest_request(request));
    Box::pin(async move {
        pending
            .await
            .map(|response| Incoming(Repr::Reqwest(response)))
            .map_err(transport_error)
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

/// reqwest's failure as one of ours. Its own time-outs become an I/O
/// `TimedOut` (what our connector reports), its URL is dropped (it may
/// hold a credential; the call reports its redacted URL itself).
pub(super) fn transport_error(error: reqwest::Error) -> TransportError {
    let error = error.without_url();
    if error.is_redirect() {
        return TransportError::Redirect(root_message(&error));
    }
    if error.is_builder() {
        return TransportError::InvalidUrl(Box::new(error));
    }
    let connect = error.is_connect();
    let source: BoxError = if error.is_timeout() {
        Box::new(std::io::Error::new(std::io::ErrorKind::TimedOut, error))
    } else {
        Box::new(error)
    };
    if connect {
        TransportError::Connect(source)
    } else {
        TransportError::Exchange(source)
    }
}

fn root_message(error: &(dyn StdError + 'static)) -> String {
    let mut last = error;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}
