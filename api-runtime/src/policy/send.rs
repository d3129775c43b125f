//! Where a call starts: `Call::send`, and its future ([`Sending`]).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::error::Result;
use crate::error::Validator;
use crate::policy::attempts::perform;
use crate::request::call::Call;
use crate::response::decode::Decode;

impl Call {
    /// Sends the call and decodes the response as `D` says.
    ///
    /// # Errors
    /// Any [`ErrorKind`](crate::ErrorKind): an invalid argument before
    /// sending, a transport failure or time-out, a non-2xx status, or a
    /// body that does not decode.
    pub fn send<D>(self, validator: Option<Validator<D::Target>>) -> Sending<D::Output>
    where
        D: Decode + 'static,
        D::Output: Send + 'static,
    {
        // A buffered result needs no runtime once returned; a streamed
        // one is read later, maybe on another thread.
        let local = D::BUFFERED && self.core.shared.transport.has_pool_per_thread();
        // The request is built now (no I/O: the URL, the headers, the
        // body's bytes); it is sent when the future is first polled.
        let endpoint = self.endpoint;
        let mut built = self.build();
        if let Ok(built) = &mut built {
            built.request.set_reads_redirect(D::READS_REDIRECT);
        }
        // Everything but the decoding is not generic: compiled once, in
        // this crate, not once per return type in every user crate. The
        // block captures `perform`'s future, and nothing else big, so
        // that the box holds the request once.
        let performing = perform(endpoint, built, D::BUFFERED, D::META, None);
        let future = Box::pin(async move { performing.await?.decode::<D>(validator) });
        Sending { future, local }
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
    /// Whether a blocking client may run it on its caller's thread.
    local: bool,
}

impl<T> Sending<T> {
    /// Whether a blocking client may run the call on its caller's thread:
    /// its result is buffered and the transport keeps connections per
    /// thread.
    pub(crate) fn may_run_on_caller_thread(&self) -> bool {
        self.local
    }
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
