//! Blocking calls, for scripts and CLIs: the same async call, run whole on
//! one shared background runtime while the calling thread waits for its
//! result (as reqwest's blocking client does: I/O events never cross
//! threads mid-call).

use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use crate::response::error::{Error, Result};

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

/// Runs a call to completion on the shared runtime and waits for its
/// result. Generated blocking clients call it; it works from any thread,
/// `spawn_blocking` ones included (from an async task it would block that
/// task's thread: use the async client there).
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
    result.recv().map_err(|_| {
        Error::with_message(
            crate::response::error::ErrorKind::Transport,
            "the blocking call ended without a result (its task panicked or the runtime stopped)",
        )
    })?
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
