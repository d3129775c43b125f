//! One call, around its attempts: its span, its clock, the attempt loop
//! (`attempts.rs`), and what its end records (`call_span.rs`). What it
//! returns ([`Ended`]) is a response to decode, with the [`Report`] a
//! decoding error needs; nothing of the client but its policies.

use std::future::Future;
use std::sync::Arc;

use tokio::time::Instant;
use tracing::Instrument;

use crate::engine::exchange::Received;
use crate::error::{Error, Result};
use crate::policy::attempts::{Reading, attempts};
use crate::policy::call_span::{call_span, end_of_call};
use crate::policy::report::Report;
use crate::policy::{Overrides, Policies, retry};
use crate::request::call::Built;
use crate::request::endpoint::Endpoint;

/// A call whose attempts ended with a 2xx response, to be decoded.
pub(crate) struct Ended {
    pub(crate) received: Received,
    pub(crate) report: Report,
}

/// Sends a call of `endpoint` (attempts, retries, auth, hooks) and
/// returns what came back, to be decoded; `built` is its request, or why
/// it could not be built.
///
/// `async` blocks rather than `async fn`s, here and in `attempts`: a
/// function's future holds each argument twice (as given, and moved into
/// a local), a block holds what it captures once; and moving a future
/// (into its box) copies all of it.
#[allow(clippy::manual_async_fn)] // on purpose: see above
pub(crate) fn perform(
    policies: Arc<Policies>,
    overrides: Overrides,
    endpoint: &'static Endpoint,
    mut built: std::result::Result<Built, Error>,
    reading: Reading,
) -> impl Future<Output = Result<Ended>> + Send {
    async move {
        let target = built.as_ref().ok().map(|b| b.request.url());
        let span = call_span(endpoint, target, reading.page);
        let started = Instant::now();
        // Borrowed, not moved: what a block moves out of its capture
        // keeps its slot, and the request would be held twice across the
        // awaits below.
        let call = match built.as_mut() {
            Ok(call) => call,
            Err(_) => return Err(not_built(built, &policies, endpoint, &span, started)),
        };
        // Whether the method (or a declaration) allows sending the request
        // again once it may have reached the server.
        let replayable = retry::may_replay(
            &endpoint.method,
            endpoint.idempotent,
            call.request.headers(),
        );
        // Boxed: this one holds every state of the attempt loop.
        let parts = (&*policies, &overrides);
        let result = Box::pin(attempts(
            parts, endpoint, started, call, replayable, reading,
        ))
        .instrument(span.clone())
        .await;
        let status = result.as_ref().map(|(received, _)| received.head().status);
        let url = call.request.url();
        end_of_call(&policies, endpoint, &span, started, Some(url), status);
        let (received, attempts) = result?;
        let url = match built {
            Ok(built) => built.request.into_url(),
            // Not reached: `call` was borrowed from `Ok` above.
            Err(error) => return Err(error),
        };
        let report = Report::new(endpoint, url, attempts, policies, span);
        Ok(Ended { received, report })
    }
}

/// The end of a call whose request could not be built: its metrics and
/// span, and its error.
fn not_built(
    built: std::result::Result<Built, Error>,
    policies: &Policies,
    endpoint: &'static Endpoint,
    span: &tracing::Span,
    started: Instant,
) -> Error {
    match built {
        Err(error) => {
            end_of_call(policies, endpoint, span, started, None, Err(&error));
            error
        }
        // Not reached: called for an `Err` only.
        Ok(_) => Error::invalid_request("the call's request was built after all"),
    }
}
