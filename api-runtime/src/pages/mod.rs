//! Paginated endpoints: every item of every page of a list as one lazy,
//! typed stream ([`Pages`]), or its pages with their metadata
//! ([`PageStream`]), or a blocking iterator ([`BlockingPages`]).
//!
//! Each page is a whole call (retries, time limits, auth, hooks, metrics,
//! validation); the span of each carries its page number. How a page leads
//! to the next is declared on the endpoint with `#[paginate(…)]`.

mod chain;
mod link;
mod parts;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;
use http::{HeaderMap, StatusCode};
use url::Url;

use crate::error::Result;
use crate::error::Validator;
use crate::pages::chain::{Chain, Said};
use crate::policy::attempts::perform;
use crate::request::call::Call;
use crate::response::decode::{Json, JsonResponse, WithMeta};
use crate::response::meta::Response;

pub use chain::DEFAULT_MAX_PAGES;
pub use parts::{CountValue, CursorValue, FlagValue, PageParts, PageScheme, Paging};

/// Splits a decoded page into its items and what it says of the next.
type Split<T, P> = fn(P) -> PageParts<T>;

/// One page of a list: its items, its number (from 1) and the response it
/// came in.
#[derive(Debug)]
pub struct Page<T> {
    items: Vec<T>,
    number: u32,
    status: StatusCode,
    headers: HeaderMap,
    url: Url,
}

impl<T> Page<T> {
    /// The page's items.
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// The page's items, owned.
    pub fn into_items(self) -> Vec<T> {
        self.items
    }

    /// The page's number: 1 for the first page.
    pub fn number(&self) -> u32 {
        self.number
    }

    /// The response's status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response's headers (rate limits, totals, links).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The page's URL, after redirects, without the client's API key.
    pub fn url(&self) -> &Url {
        &self.url
    }
}

/// The walk: where it is, and how a page is decoded and split.
struct Walk<T, P> {
    chain: Chain,
    split: Split<T, P>,
    validator: Option<Validator<P>>,
}

impl<T, P> Walk<T, P>
where
    T: Send + 'static,
    P: JsonResponse + Send + 'static,
{
    /// Fetches the next page: `None` when the list is over.
    async fn fetch(&mut self) -> Result<Option<Page<T>>> {
        let Some(start) = self.chain.next_request()? else {
            return Ok(None);
        };
        let number = self.chain.number;
        let done = perform(self.chain.endpoint, start, true, true, Some(number)).await?;
        let response: Response<P> = done.decode::<WithMeta<Json<P>>>(self.validator)?;
        let Response {
            status,
            headers,
            url,
            body,
            ..
        } = response;
        let parts = (self.split)(body);
        self.chain.advance(Said {
            url: &url,
            headers: &headers,
            next: parts.next,
            has_more: parts.has_more,
            total: parts.total,
            count: parts.items.len(),
        });
        Ok(Some(Page {
            items: parts.items,
            number,
            status,
            headers,
            url,
        }))
    }
}

type Fetch<T, P> = Pin<Box<dyn Future<Output = (Box<Walk<T, P>>, Result<Option<Page<T>>>)> + Send>>;

enum State<T, P> {
    Idle(Box<Walk<T, P>>),
    Fetching(Fetch<T, P>),
    Done,
}

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
    /// host and port). The client's credentials (auth, API key, sensitive
    /// headers) are never sent there.
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

    /// Blocks the thread for the next page: for blocking clients (see
    /// [`BlockingPages`]).
    fn next_blocking(&mut self) -> Option<Result<Page<T>>> {
        // A fetch an async poll started is finished here.
        // A page is fetched on this thread (see `blocking.rs`), unless an
        // async poll started the fetch elsewhere.
        let (fetch, local): (Fetch<T, P>, bool) =
            match std::mem::replace(&mut self.state, State::Done) {
                State::Done => return None,
                State::Fetching(fetch) => (fetch, false),
                State::Idle(mut walk) => {
                    let local = walk.chain.has_pool_per_thread();
                    let fetch = Box::pin(async move {
                        let page = walk.fetch().await;
                        (walk, page)
                    });
                    (fetch, local)
                }
            };
        let fetched = crate::blocking::run(local, async move { Ok(fetch.await) });
        let (walk, page) = match fetched {
            Ok(fetched) => fetched,
            Err(e) => return Some(Err(e)),
        };
        self.settle(walk, page)
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
                State::Idle(mut walk) => {
                    self.state = State::Fetching(Box::pin(async move {
                        let page = walk.fetch().await;
                        (walk, page)
                    }));
                }
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
    /// The walk of `call`'s pages. Generated code calls it.
    #[doc(hidden)]
    pub fn __new(
        call: Call,
        paging: Paging,
        validator: Option<Validator<P>>,
        split: Split<T, P>,
    ) -> Self {
        let endpoint = call.endpoint;
        let walk = Walk {
            chain: Chain::new(endpoint, paging, call.build()),
            split,
            validator,
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
