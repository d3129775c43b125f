//! The blocking front end of a list: its items ([`BlockingPages`], from
//! `pages.into_iter()` or a `for` loop over `Pages`) and its pages
//! ([`BlockingPageStream`], from `pages.pages().into_iter()`), each page
//! fetched on the caller's thread and its connections when it can, as a
//! blocking client's calls are (see `crate::blocking`).

use std::fmt;

use crate::error::Result;
use crate::pages::page::Page;
use crate::pages::walk::State;
use crate::pages::{PageStream, Pages};
use crate::response::decode::JsonResponse;

impl<T, P> PageStream<T, P>
where
    T: Send + 'static,
    P: JsonResponse + Send + 'static,
{
    /// Blocks the thread for the next page.
    fn next_blocking(&mut self) -> Option<Result<Page<T>>> {
        // A fetch an async poll started is finished here; else the page is
        // fetched on this thread, on its connections, when it can.
        let (fetch, local) = match std::mem::replace(&mut self.state, State::Done) {
            State::Done => return None,
            State::Fetching(fetch) => (fetch, false),
            State::Idle(walk) => {
                let local = walk.chain.session.has_pool_per_thread()
                    && tokio::runtime::Handle::try_current().is_err();
                (walk.fetching(local), local)
            }
        };
        let fetched = crate::blocking::run(local, async move { Ok(fetch.await) });
        let (walk, page) = match fetched {
            Ok(fetched) => fetched,
            Err(e) => return Some(Err(e)),
        };
        self.settle(walk, page)
    }
}

/// The pages of a paginated endpoint as a blocking [`Iterator`]: for
/// blocking clients, `for page in client.posts(…).pages() { … }`. Not for
/// use inside an async task.
pub struct BlockingPageStream<T, P = Vec<T>> {
    pages: PageStream<T, P>,
}

impl<T, P> Iterator for BlockingPageStream<T, P>
where
    T: Send + 'static,
    P: JsonResponse + Send + 'static,
{
    type Item = Result<Page<T>>;

    fn next(&mut self) -> Option<Result<Page<T>>> {
        self.pages.next_blocking()
    }
}

impl<T, P> IntoIterator for PageStream<T, P>
where
    T: Send + 'static,
    P: JsonResponse + Send + 'static,
{
    type Item = Result<Page<T>>;
    type IntoIter = BlockingPageStream<T, P>;

    fn into_iter(self) -> BlockingPageStream<T, P> {
        BlockingPageStream { pages: self }
    }
}

impl<T, P> fmt::Debug for BlockingPageStream<T, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BlockingPageStream")
            .field(&self.pages)
            .finish()
    }
}

/// The items of a paginated endpoint as a blocking [`Iterator`]: each page
/// is fetched on the blocking runtime while the thread waits, as a
/// blocking client's calls are. From `pages.into_iter()` (or a `for` loop
/// over [`Pages`]); not for use inside an async task.
pub struct BlockingPages<T, P = Vec<T>> {
    pages: Pages<T, P>,
}

impl<T, P> Iterator for BlockingPages<T, P>
where
    T: Send + 'static,
    P: JsonResponse + Send + 'static,
{
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        let pages = &mut self.pages;
        loop {
            if pages.exhausted() {
                return None;
            }
            if let Some(item) = pages.take() {
                return Some(Ok(item));
            }
            pages.release();
            match pages.pages.next_blocking()? {
                Ok(page) => pages.buffer = page.items.into_iter(),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

impl<T, P> IntoIterator for Pages<T, P>
where
    T: Send + 'static,
    P: JsonResponse + Send + 'static,
{
    type Item = Result<T>;
    type IntoIter = BlockingPages<T, P>;

    fn into_iter(self) -> BlockingPages<T, P> {
        BlockingPages { pages: self }
    }
}

impl<T, P> fmt::Debug for BlockingPages<T, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("BlockingPages").field(&self.pages).finish()
    }
}
