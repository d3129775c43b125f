//! The adapter for a client given with `with_reqwest_client` (cargo
//! feature `reqwest`), the engine's one edge to reqwest: our [`Outgoing`]
//! request as a `reqwest::Request`, reqwest's response as our
//! [`Incoming`], and reqwest's failures as the [`TransportError`]s of our
//! own engine, so that the one classifier (`engine/classify.rs`) and
//! everything above read both alike. That client keeps its own
//! redirects, cookies, proxy and time limits (its redirect policy decides
//! what a redirect carries: see the GUIDE's security model).

use std::error::Error as StdError;

use futures_util::StreamExt as _;
use http::HeaderName;

use crate::engine::failure::{BoxError, TransportError};
use crate::engine::incoming::{Exchange, Incoming};
use crate::request::outgoing::{Outgoing, SendBody};

/// A client given with `with_reqwest_client`, and the headers the user
/// marked safe to send to another origin.
pub(crate) struct GivenReqwest {
    pub(crate) client: reqwest::Client,
    pub(crate) marked: Vec<HeaderName>,
}

impl crate::engine::transport::Given for GivenReqwest {
    /// Sends `request` through the client; a streamed body is moved into
    /// it. A request outside the client's origin carries only the
    /// headers that may cross (`origin.rs`) and the marked ones.
    fn send<'a>(&'a self, request: &'a mut Outgoing) -> Exchange<'a> {
        send(&self.client, &self.marked, request)
    }

    fn name(&self) -> &'static str {
        "reqwest (given)"
    }
}

fn send<'a>(
    client: &'a reqwest::Client,
    marked: &'a [HeaderName],
    request: &'a mut Outgoing,
) -> Exchange<'a> {
    let pending = client.execute(reqwest_request(request, marked));
    Box::pin(async move {
        let mut response = pending.await.map_err(TransportError::from)?;
        let url = response.url().clone();
        request.elsewhere = !crate::request::origin::same_origin(&url, &request.url);
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let length = response.content_length();
        let chunks = response
            .bytes_stream()
            .map(|chunk| chunk.map_err(TransportError::from));
        Ok(Incoming::chunked(
            status,
            headers,
            url,
            Box::pin(chunks),
            length,
        ))
    })
}

fn reqwest_request(request: &mut Outgoing, marked: &[HeaderName]) -> reqwest::Request {
    let mut out = reqwest::Request::new(request.method.clone(), request.url.clone());
    *out.headers_mut() = request.headers.clone();
    if request.foreign {
        crate::request::origin::retain_crossing(out.headers_mut(), marked, true);
    }
    *out.body_mut() = match request.body.take_for_send() {
        SendBody::Empty => None,
        SendBody::Bytes(bytes) => Some(bytes.into()),
        SendBody::Stream(body) => Some(reqwest::Body::wrap_stream(body.into_chunks())),
    };
    out
}

/// reqwest's failure as one of ours. Its own time-outs become an I/O
/// `TimedOut` (what our connector reports), its URL is dropped (it may
/// hold a credential; the call reports its redacted URL itself).
impl From<reqwest::Error> for TransportError {
    fn from(error: reqwest::Error) -> TransportError {
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
}

fn root_message(error: &(dyn StdError + 'static)) -> String {
    let mut last = error;
    while let Some(next) = last.source() {
        last = next;
    }
    last.to_string()
}
