//! Paginated endpoints: every item of every page of a list as one lazy,
//! typed stream ([`Pages`]), or its pages with their metadata
//! ([`PageStream`]); blocking iterators of both (`blocking.rs`).
//!
//! Each page is a whole call (retries, time limits, auth, hooks, metrics,
//! validation); the span of each carries its page number. How a page leads
//! to the next is declared on the endpoint with `#[paginate(…)]` (`parts`,
//! `link`), and followed, finite and at home, by `chain`; `walk` fetches
//! and splits each page.

mod blocking;
mod chain;
mod link;
mod page;
mod parts;
mod walk;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::client::Session;
use crate::error::{Checks, Result};
use crate::pages::chain::Chain;
use crate::pages::walk::{State, Walk};
use crate::request::call::Call;
use crate::response::decode::JsonResponse;

pub use blocking::{BlockingPageStream, BlockingPages};
pub use chain::DEFAULT_MAX_PAGES;
pub use page::Page;
use page::Split;
#[doc(hidden)]
pub use parts::{CountValue, CursorValue, FlagValue, PageParts, PageScheme, Paging};

/// The pages of a paginated endpoint, as a lazy stream of
/// `Result<`[`Page`]`<T>>`: nothing is sent until it is polled, each page
/// is requested when the previous one has been taken, and dropping the
/// stream stops the walk. It ends after the last page, or with the first
/// error (which ends it too).
///
/// Made by [`Pages::pages`].
pub struct PageStream<T, P = Vec<T>> {
    state: State<T, P>,
}

impl<T, P> PageStream<T, P>
where
    T: Send + 'static,
    P: JsonResponse + Send + 'static,
{
    fn walk_mut(&mut self) -> Option<&mut Walk<T, P>> {
        match &mut self.state {
            State::Idle(walk) => Some(walk),
            _ => None,
        }
    }

    /// Fetches at most `n` pages, then ends quietly. Without it a walk
    /// stops with an [`ErrorKind::Pagination`](crate::ErrorKind) error
    /// after [`DEFAULT_MAX_PAGES`] pages.
    pub fn max_pages(mut self, n: u32) -> Self {
        if let Some(walk) = self.walk_mut() {
            walk.chain.max_pages = Some(n);
        }
        self
    }

    /// Follows next links to another origin than the client's (scheme,
    /// host and port). Only the headers that may cross origins go there
    /// (see the GUIDE's security model).
    pub fn allow_other_origins(mut self) -> Self {
        if let Some(walk) = self.walk_mut() {
            walk.chain.other_origins = true;
        }
        self
    }

    /// The next page, `None` after the last one.
    ///
    /// # Errors
    /// The page's call failed (see [`ErrorKind`](crate::ErrorKind)), or the
    /// pages do not chain ([`ErrorKind::Pagination`](crate::ErrorKind)).
    pub async fn next_page(&mut self) -> Option<Result<Page<T>>> {
        std::future::poll_fn(|cx| Pin::new(&mut *self).poll_next(cx)).await
    }

    /// The state after a fetch, and what the stream yields.
    fn settle(
        &mut self,
        walk: Box<Walk<T, P>>,
        page: Result<Option<Page<T>>>,
    ) -> Option<Result<Page<T>>> {
        match page {
            Ok(Some(page)) => {
                self.state = State::Idle(walk);
                Some(Ok(page))
            }
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

impl<T, P> Stream for PageStream<T, P>
where
    T: Send + 'static,
    P: JsonResponse + Send + 'static,
{
    type Item = Result<Page<T>>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            match std::mem::replace(&mut self.state, State::Done) {
                State::Done => return Poll::Ready(None),
                State::Idle(walk) => self.state = State::Fetching(walk.fetching(false)),
                State::Fetching(mut fetch) => {
                    let Poll::Ready((walk, page)) = fetch.as_mut().poll(cx) else {
                        self.state = State::Fetching(fetch);
                        return Poll::Pending;
                    };
                    return Poll::Ready(self.settle(walk, page));
                }
            }
        }
    }
}

impl<T, P> fmt::Debug for PageStream<T, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (endpoint, pages) = match &self.state {
            State::Idle(walk) => (Some(walk.chain.endpoint.name), Some(walk.chain.number)),
            _ => (None, None),
        };
        f.debug_struct("PageStream")
            .field("endpoint", &endpoint)
            .field("pages_fetched", &pages)
            .finish_non_exhaustive()
    }
}

/// Every item of every page of a paginated endpoint, as a lazy stream of
/// `Result<T>`: what a method declared with `#[paginate(…)]` returns.
///
/// Nothing is sent until the stream is polled; the next page is requested
/// when the items of the previous one have been taken; dropping the stream
/// stops the walk. [`pages`](Pages::pages) gives whole pages with their
/// response metadata; [`into_iter`](IntoIterator::into_iter) a blocking
/// iterator, for blocking clients.
///
/// ```no_run
/// use api_client::{api, Pages, Result};
/// # #[derive(serde::Deserialize)] struct Repo { name: String }
///
/// #[api(base = "https://api.github.com")]
/// trait GitHub {
///     #[get("/users/<user>/repos")]
///     #[paginate(link)]
///     fn repos(&self, user: &str, #[query] per_page: u32) -> Pages<Repo>;
/// }
///
/// # async fn run() -> Result<()> {
/// let github = GitHubClient::builder().build()?;
/// let mut repos = github.repos("rust-lang", 100).max_items(250);
/// while let Some(repo) = repos.next().await {
///     println!("{}", repo?.name);
/// }
/// # Ok(()) }
/// ```
pub struct Pages<T, P = Vec<T>> {
    pages: PageStream<T, P>,
    /// The items of the page being read (not moved until taken).
    buffer: std::vec::IntoIter<T>,
    max_items: Option<u64>,
    yielded: u64,
}

impl<T, P> Pages<T, P>
where
    T: Send + 'static,
    P: JsonResponse + Send + 'static,
{
    /// The walk of `call`'s pages, calls of `session`. Generated code
    /// calls it.
    #[doc(hidden)]
    pub fn __new(
        session: &Session,
        call: Call,
        paging: Paging,
        checks: Checks<P>,
        split: Split<T, P>,
    ) -> Self {
        let endpoint = call.endpoint;
        let start = call.build(&session.shared.call);
        let walk = Walk {
            chain: Chain::new(session.clone(), endpoint, paging, start),
            split,
            checks,
        };
        Pages {
            pages: PageStream {
                state: State::Idle(Box::new(walk)),
            },
            buffer: Vec::new().into_iter(),
            max_items: None,
            yielded: 0,
        }
    }

    /// Yields at most `n` items, then ends (no further page is asked for).
    pub fn max_items(mut self, n: u64) -> Self {
        self.max_items = Some(n);
        self
    }

    /// Fetches at most `n` pages, then ends quietly. Without it a walk
    /// stops with an [`ErrorKind::Pagination`](crate::ErrorKind) error
    /// after [`DEFAULT_MAX_PAGES`] pages.
    pub fn max_pages(mut self, n: u32) -> Self {
        self.pages = self.pages.max_pages(n);
        self
    }

    /// Follows next links to another origin than the client's; the
    /// client's credentials are never sent there.
    pub fn allow_other_origins(mut self) -> Self {
        self.pages = self.pages.allow_other_origins();
        self
    }

    /// The walk page by page, each [`Page`] with its number, status,
    /// headers and URL. Items already taken from this stream's current page
    /// are not repeated; [`max_items`](Pages::max_items) does not apply.
    pub fn pages(self) -> PageStream<T, P> {
        self.pages
    }

    /// The next item, `None` after the last one.
    ///
    /// # Errors
    /// A page's call failed, or the pages do not chain
    /// ([`ErrorKind::Pagination`](crate::ErrorKind)); the stream ends there.
    // A stream's `next`, as `StreamExt::next`: it returns a future, so it
    // cannot be `Iterator::next` (the blocking iterator is `into_iter`).
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> NextItem<'_, T, P> {
        NextItem { pages: self }
    }

    /// Every item of every page, in order.
    ///
    /// # Errors
    /// The first error of the walk.
    pub async fn all(mut self) -> Result<Vec<T>> {
        let mut items = Vec::new();
        while let Some(item) = self.next().await {
            items.push(item?);
        }
        Ok(items)
    }

    /// Whether `max_items` are out: then the walk is dropped.
    fn exhausted(&mut self) -> bool {
        let out = self.max_items.is_some_and(|max| self.yielded >= max);
        if out {
            self.pages.state = State::Done;
            self.buffer = Vec::new().into_iter();
        }
        out
    }

    /// Frees the last page's storage before the next page is fetched.
    fn release(&mut self) {
        self.buffer = Vec::new().into_iter();
    }

    fn take(&mut self) -> Option<T> {
        let item = self.buffer.next()?;
        self.yielded += 1;
        Some(item)
    }
}

// Nothing of it is pinned in place: its items sit in a queue, the page's
// future in a box.
impl<T, P> Unpin for Pages<T, P> {}

impl<T, P> Stream for Pages<T, P>
where
    T: Send + 'static,
    P: JsonResponse + Send + 'static,
{
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T>>> {
        let this = &mut *self;
        loop {
            if this.exhausted() {
                return Poll::Ready(None);
            }
            if let Some(item) = this.take() {
                return Poll::Ready(Some(Ok(item)));
            }
            this.release();
            match Pin::new(&mut this.pages).poll_next(cx) {
                Poll::Ready(Some(Ok(page))) => this.buffer = page.items.into_iter(),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<T, P> fmt::Debug for Pages<T, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages")
            .field("pages", &self.pages)
            .field("buffered", &self.buffer.len())
            .field("yielded", &self.yielded)
            .field("max_items", &self.max_items)
            .finish()
    }
}

/// The future of [`Pages::next`]: the next item. A named future rather
/// than an `async fn`, so that an item already received is handed over at
/// the first poll with no state machine around it.
#[must_use = "futures do nothing unless awaited"]
pub struct NextItem<'a, T, P = Vec<T>> {
    pages: &'a mut Pages<T, P>,
}

impl<T, P> Future for NextItem<'_, T, P>
where
    T: Send + 'static,
    P: JsonResponse + Send + 'static,
{
    type Output = Option<Result<T>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T>>> {
        Pin::new(&mut *self.pages).poll_next(cx)
    }
}

impl<T, P> fmt::Debug for NextItem<'_, T, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("NextItem").field(&self.pages).finish()
    }
}
