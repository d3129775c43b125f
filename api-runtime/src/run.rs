//! One call, composed top to bottom (ureq's `run.rs` is the model): the
//! arguments a generated method filled (`Call`, the request floor) built
//! into a request, sent through the policies and the engine they drive
//! (`perform`, the policy floor), the response decoded as the declared
//! return type says (`finish`, the response floor). The one place that
//! names every floor; each floor below gets what it needs as arguments.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::client::Session;
use crate::error::{Checks, Result};
use crate::policy::attempts::Reading;
use crate::policy::perform::perform;
use crate::request::call::Call;
use crate::response::decode::Decode;
use crate::response::finish;

impl Session {
    /// Sends `call` and decodes the response as `D` says: what every
    /// generated async method returns.
    ///
    /// # Errors
    /// Any [`ErrorKind`](crate::ErrorKind): an invalid argument before
    /// sending, a transport failure or time-out, a non-2xx status, or a
    /// body that does not decode.
    #[doc(hidden)]
    pub fn send<D>(&self, call: Call, checks: Checks<D::Target>) -> Sending<D::Output>
    where
        D: Decode + 'static,
        D::Output: Send + 'static,
    {
        self.send_on::<D>(call, checks, false)
    }

    /// [`send`](Self::send), on this thread's connections when
    /// `on_caller_thread` (a blocking call that runs on its caller's
    /// thread, `blocking.rs`).
    pub(crate) fn send_on<D>(
        &self,
        call: Call,
        checks: Checks<D::Target>,
        on_caller_thread: bool,
    ) -> Sending<D::Output>
    where
        D: Decode + 'static,
        D::Output: Send + 'static,
    {
        // The request is built now (no I/O: the URL, the headers, the
        // body's bytes); it is sent when the future is first polled.
        let endpoint = call.endpoint;
        let mut built = call.build(&self.shared.call);
        if let Ok(built) = &mut built {
            built.request.set_reads_redirect(D::READS_REDIRECT);
            built.request.on_caller_thread = on_caller_thread;
        }
        let reading = Reading {
            buffered: D::BUFFERED,
            meta: D::META,
            page: None,
        };
        // Everything but the decoding is not generic: compiled once, in
        // this crate, not once per return type in every user crate. The
        // block captures `perform`'s future, and nothing else big, so
        // that the box holds the request once.
        let policies = self.shared.policies.clone();
        let performing = perform(policies, self.overrides.clone(), endpoint, built, reading);
        let future = Box::pin(async move { finish::decode::<D>(performing.await?, checks) });
        Sending { future }
    }
}

/// The future of a call. Boxed, so that it is one pointer wide and its
/// type is simple: proving it `Send` costs the compiler nothing per
/// endpoint (proving it through the whole call's state machine cost about
/// as much as compiling the rest of a 100-endpoint client), and moving it
/// copies 8 bytes rather than kilobytes.
#[doc(hidden)]
#[must_use = "futures do nothing unless awaited"]
pub struct Sending<T> {
    future: Pin<Box<dyn Future<Output = Result<T>> + Send>>,
}

impl<T> Future for Sending<T> {
    type Output = Result<T>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<T>> {
        self.future.as_mut().poll(cx)
    }
}

impl<T> std::fmt::Debug for Sending<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sending")
    }
}
