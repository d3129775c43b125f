//! The walk of a list: how each page is fetched (a call of the client,
//! through the policies and the engine, decoded as `Response<P>`) and
//! split into its items and what it says of the next ([`Walk`]), and the
//! state of a [`PageStream`](super::PageStream) between polls.

use std::future::Future;
use std::pin::Pin;

use crate::error::{Checks, Result};
use crate::pages::chain::{Chain, Said};
use crate::pages::page::{Page, Split};
use crate::policy::attempts::Reading;
use crate::policy::perform::perform;
use crate::response::decode::{Json, JsonResponse, WithMeta};
use crate::response::finish;
use crate::response::meta::Response;

/// The walk: where it is, and how a page is decoded and split.
pub(super) struct Walk<T, P> {
    pub(super) chain: Chain,
    pub(super) split: Split<T, P>,
    pub(super) checks: Checks<P>,
}

/// A page being fetched, with the walk it belongs to.
pub(super) type Fetch<T, P> =
    Pin<Box<dyn Future<Output = (Box<Walk<T, P>>, Result<Option<Page<T>>>)> + Send>>;

/// Where a stream of pages is between polls.
pub(super) enum State<T, P> {
    Idle(Box<Walk<T, P>>),
    Fetching(Fetch<T, P>),
    Done,
}

impl<T, P> Walk<T, P>
where
    T: Send + 'static,
    P: JsonResponse + Send + 'static,
{
    /// The fetch of the next page, on this thread's connections when
    /// `on_caller_thread` (a blocking walk, `blocking.rs`).
    pub(super) fn fetching(mut self: Box<Self>, on_caller_thread: bool) -> Fetch<T, P> {
        Box::pin(async move {
            let page = self.fetch(on_caller_thread).await;
            (self, page)
        })
    }

    /// Fetches the next page: `None` when the list is over.
    async fn fetch(&mut self, on_caller_thread: bool) -> Result<Option<Page<T>>> {
        let Some(mut start) = self.chain.next_request()? else {
            return Ok(None);
        };
        if let Ok(built) = &mut start {
            built.request.on_caller_thread = on_caller_thread;
        }
        let number = self.chain.number;
        let session = &self.chain.session;
        let reading = Reading {
            buffered: true,
            meta: true,
            page: Some(number),
        };
        let policies = session.shared.policies.clone();
        let overrides = session.overrides.clone();
        let ended = perform(policies, overrides, self.chain.endpoint, start, reading).await?;
        let response: Response<P> = finish::decode::<WithMeta<Json<P>>>(ended, self.checks)?;
        let Response { head, body } = response;
        let parts = (self.split)(body);
        self.chain.advance(Said {
            url: head.url(),
            headers: &head.headers,
            next: parts.next,
            has_more: parts.has_more,
            total: parts.total,
            count: parts.items.len(),
        });
        Ok(Some(Page {
            items: parts.items,
            number,
            head,
        }))
    }
}
