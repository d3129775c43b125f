//! Blocking calls, for scripts and CLIs. On a plain thread, a call runs
//! there, whole, on that thread's own current-thread runtime, with that
//! thread's own connections (the transport keeps a pool per thread, see
//! `engine/direct.rs`): no hand-off to another thread and back per call,
//! which cost a blocking call about half its throughput. Inside a
//! runtime's context (a `spawn_blocking` thread, say), where a runtime of
//! our own cannot start, and for a streamed body, which must outlive the
//! call and may be read on another thread, the call runs on one shared
//! background runtime while the calling thread waits for its result (as
//! reqwest's blocking client does for every call).

use std::cell::OnceCell;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use bytes::Bytes;
use futures_core::Stream;

use crate::client::Session;
use crate::error::{Checks, Error, Result};
use crate::request::call::Call;
use crate::response::decode::Decode;
use crate::response::stream::ByteStream;

/// The runtime behind every blocking client: it runs the calls, the I/O
/// and timer drivers and the connection tasks, on up to 4 worker threads.
fn runtime() -> Result<&'static tokio::runtime::Runtime> {
    static RUNTIME: OnceLock<std::result::Result<tokio::runtime::Runtime, String>> =
        OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            let workers = std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .min(4);
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .thread_name("api-client-blocking")
                .enable_all()
                .build()
                .map_err(|e| e.to_string())
        })
        .as_ref()
        .map_err(|e| {
            Error::builder(format!(
                "the blocking client's runtime could not start: {e}"
            ))
        })
}

/// Wakes the thread that waits for a future.
struct ThreadWaker(Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.0.unpark();
    }
}

thread_local! {
    /// This thread's runtime for its blocking calls, made by the first.
    static LOCAL: OnceCell<tokio::runtime::Runtime> = const { OnceCell::new() };
}

/// Runs a generated blocking call: on this thread, on this thread's
/// connections, when it can (see the module's documentation: a buffered
/// result, an engine that keeps connections per thread, no runtime's
/// context entered here), else on the shared runtime. The choice is made
/// here and handed down with the request, which the engine reads.
#[doc(hidden)]
pub fn block_on_call<D>(
    session: &Session,
    call: Call,
    checks: Checks<D::Target>,
) -> Result<D::Output>
where
    D: Decode + 'static,
    D::Output: Send + 'static,
{
    let local = D::BUFFERED
        && session.has_pool_per_thread()
        && tokio::runtime::Handle::try_current().is_err();
    run(local, session.send_on::<D>(call, checks, local))
}

/// Runs `future` to completion and waits for its result: on this thread's
/// own runtime when `local` (it must not return anything that needs a
/// runtime afterwards, such as a stream) and no runtime's context is
/// entered here, else on the shared runtime.
pub(crate) fn run<T, F>(local: bool, future: F) -> Result<T>
where
    T: Send + 'static,
    F: Future<Output = Result<T>> + Send + 'static,
{
    if !local || tokio::runtime::Handle::try_current().is_ok() {
        return block_on(future);
    }
    let mut future = Some(future);
    let ran = LOCAL.try_with(|local| {
        let runtime = match local.get() {
            Some(runtime) => runtime,
            None => {
                let built = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                local.get_or_init(|| built)
            }
        };
        let future = future.take()?;
        Some(runtime.block_on(async move {
            settle().await;
            future.await
        }))
    });
    match (ran, future) {
        (Ok(Some(result)), _) => result,
        // This thread's runtime could not start or is gone (the thread is
        // ending): the shared one runs the call.
        (_, Some(future)) => block_on(future),
        (_, None) => Err(ended_without_result()),
    }
}

/// Lets this thread's runtime catch up with what happened while it did
/// not run: the I/O driver is polled once, without waiting, and the
/// connection tasks it wakes run, so a connection the server closed in
/// the meantime leaves the pool before the call picks one. Without it, a
/// request would be written to that connection and lost with it (a POST
/// is not sent again: tests/it/blocking_threads.rs).
async fn settle() {
    tokio::task::yield_now().await;
    tokio::task::yield_now().await;
}

fn ended_without_result() -> Error {
    Error::with_message(
        crate::error::ErrorKind::Transport,
        "the blocking call ended without a result (its task panicked or the runtime stopped)",
    )
}

/// Runs a call to completion on the shared runtime and waits for its
/// result. It works from any thread, `spawn_blocking` ones included (from
/// an async task it would block that task's thread: use the async client
/// there).
#[doc(hidden)]
pub fn block_on<T, F>(future: F) -> Result<T>
where
    T: Send + 'static,
    F: Future<Output = Result<T>> + Send + 'static,
{
    let runtime = runtime()?;
    let (done, result) = std::sync::mpsc::sync_channel(1);
    runtime.spawn(async move {
        let _ = done.send(future.await);
    });
    result.recv().map_err(|_| ended_without_result())?
}

/// Drives a future that borrows from the caller (so cannot be spawned) on
/// this thread, inside the shared runtime's context.
pub(crate) fn block_on_local<T, F: Future<Output = Result<T>>>(future: F) -> Result<T> {
    let runtime = runtime()?;
    let _context = runtime.enter();
    let waker = Waker::from(Arc::new(ThreadWaker(thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(output) => return output,
            Poll::Pending => thread::park(),
        }
    }
}

impl ByteStream {
    /// The chunks as a blocking iterator, for blocking clients: each
    /// `next()` waits for the next chunk.
    pub fn blocking_iter(self) -> BlockingChunks {
        BlockingChunks { stream: self }
    }
}

/// The chunks of a [`ByteStream`], one blocking `next()` at a time.
#[derive(Debug)]
pub struct BlockingChunks {
    stream: ByteStream,
}

impl Iterator for BlockingChunks {
    type Item = Result<Bytes>;

    fn next(&mut self) -> Option<Result<Bytes>> {
        let stream = &mut self.stream;
        let next = block_on_local(async move {
            Ok(std::future::poll_fn(|cx| Pin::new(&mut *stream).poll_next(cx)).await)
        });
        match next {
            Ok(item) => item,
            Err(e) => Some(Err(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timers_run_and_results_come_back() {
        let started = std::time::Instant::now();
        let value = block_on(async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok(7)
        });
        assert_eq!(block_on_local(async { Ok(8) }).unwrap(), 8);
        assert_eq!(value.unwrap(), 7);
        assert!(started.elapsed() >= Duration::from_millis(20));
    }

    #[test]
    fn usable_from_many_threads_at_once() {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                thread::spawn(move || {
                    block_on(async move {
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        Ok(i)
                    })
                })
            })
            .collect();
        let sum: i32 = handles
            .into_iter()
            .map(|h| h.join().unwrap().unwrap())
            .sum();
        assert_eq!(sum, 28);
    }
}
