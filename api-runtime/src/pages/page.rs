//! One page of a list ([`Page`]): its items, its number, and the head of
//! the response it came in; and how a decoded page is split.

use http::{HeaderMap, StatusCode};
use url::Url;

use crate::engine::head::Head;
use crate::pages::parts::PageParts;

/// Splits a decoded page into its items and what it says of the next.
pub(super) type Split<T, P> = fn(P) -> PageParts<T>;

/// One page of a list: its items, its number (from 1) and the response it
/// came in.
#[derive(Debug)]
pub struct Page<T> {
    pub(super) items: Vec<T>,
    pub(super) number: u32,
    pub(super) head: Head,
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
        self.head.status
    }

    /// The response's headers (rate limits, totals, links).
    pub fn headers(&self) -> &HeaderMap {
        &self.head.headers
    }

    /// The page's URL, after redirects, without the client's API key.
    pub fn url(&self) -> &Url {
        self.head.url()
    }
}
