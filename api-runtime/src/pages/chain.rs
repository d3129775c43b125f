//! How one page leads to the next: the request of each page (the first
//! call's request, with the next link or the next cursor, page or offset
//! in it), and the checks that keep a walk finite and at home (no loop, no
//! other origin unless allowed, a page cap). Not generic: compiled once.

use std::collections::HashSet;
use std::hash::{BuildHasher, RandomState};

use http::HeaderMap;
use url::Url;

use crate::client::Session;
use crate::error::redact::mask_url;
use crate::error::{Error, ErrorKind, Result};
use crate::pages::link;
use crate::pages::parts::{PageScheme, Paging};
use crate::request::call::Built;
use crate::request::endpoint::Endpoint;
use crate::request::outgoing::Outgoing;

/// The pages a walk fetches at most unless told otherwise: a server that
/// never says "last page" cannot keep a client walking for ever.
pub const DEFAULT_MAX_PAGES: u32 = 1_000;

/// What the next page's request changes.
enum Next {
    /// The first page: the call as made.
    First,
    /// The server's next link, followed as written; `foreign` when it
    /// leaves the client's origin.
    Url { url: Url, foreign: bool },
    /// The next cursor, page number or offset, in the scheme's parameter.
    Query(String),
    /// The pages do not chain: the error ends the walk after the page
    /// that said so (its items are not lost).
    Fail(Error),
}

/// What a page said of the next one.
pub(crate) struct Said<'a> {
    /// The page's URL, after redirects (next links are relative to it).
    pub(crate) url: &'a Url,
    pub(crate) headers: &'a HeaderMap,
    /// The next cursor, if the page has one.
    pub(crate) next: Option<String>,
    pub(crate) has_more: Option<bool>,
    pub(crate) total: Option<u64>,
    /// The page's items.
    pub(crate) count: usize,
}

/// The first page's request, as the call built it.
pub(crate) type Start = std::result::Result<Built, Error>;

/// The state of a walk between pages.
pub(crate) struct Chain {
    pub(crate) endpoint: &'static Endpoint,
    /// The client whose pages these are (each page is a call of it).
    pub(crate) session: Session,
    paging: Paging,
    /// The first page's request (taken when it goes).
    first: Option<Start>,
    /// What each page's request is made from.
    template: Option<Outgoing>,
    next: Option<Next>,
    /// The page number or offset of the page last asked for, if known.
    at: Option<u64>,
    /// Pages asked for so far.
    pub(crate) number: u32,
    /// Items received so far.
    items: u64,
    /// `Some`: the user's cap, reached quietly; `None`: the default one,
    /// reached with an error (items would be lost silently otherwise).
    pub(crate) max_pages: Option<u32>,
    pub(crate) other_origins: bool,
    /// Hashes of the links and cursors followed: a repeat is a loop.
    seen: HashSet<u64>,
    hasher: RandomState,
}

impl Chain {
    pub(crate) fn new(
        session: Session,
        endpoint: &'static Endpoint,
        paging: Paging,
        start: Start,
    ) -> Chain {
        Chain {
            endpoint,
            session,
            paging,
            first: Some(start),
            template: None,
            next: Some(Next::First),
            at: None,
            number: 0,
            items: 0,
            max_pages: None,
            other_origins: false,
            seen: HashSet::new(),
            hasher: RandomState::new(),
        }
    }

    /// The next page's request, `None` when the walk is over.
    pub(crate) fn next_request(&mut self) -> Result<Option<Start>> {
        let Some(next) = self.next.take() else {
            return Ok(None);
        };
        let cap = self.max_pages.unwrap_or(DEFAULT_MAX_PAGES);
        if self.number >= cap {
            return match self.max_pages {
                Some(_) => Ok(None),
                None => Err(self.error(format!(
                    "the list goes on past {DEFAULT_MAX_PAGES} pages, the default cap: raise it with `.max_pages(n)` on the stream if the list is that long"
                ))),
            };
        }
        let mut request = match next {
            Next::Fail(error) => return Err(error),
            Next::First => {
                return match self.first.take() {
                    Some(start) => Ok(Some(self.first_page(start))),
                    None => Ok(None),
                };
            }
            _ => self.template.as_ref().and_then(Outgoing::try_clone),
        }
        .ok_or_else(|| self.error("the request's body cannot be sent again for the next page"))?;
        match next {
            Next::Url { url, foreign } => request.redirect_to(url, foreign),
            Next::Query(value) => set_query(request.url_mut(), self.param(), &value),
            Next::First | Next::Fail(_) => {}
        }
        self.number += 1;
        Ok(Some(Ok(Built {
            request,
            multipart: None,
        })))
    }

    fn first_page(&mut self, start: Start) -> Start {
        self.number = 1;
        let built = start?;
        if built.multipart.is_some() {
            return Err(self.error("a paginated endpoint cannot send a multipart body"));
        }
        self.template = built.request.try_clone();
        let url = built.request.url();
        match self.paging.scheme {
            PageScheme::Link => {
                self.seen.insert(self.hasher.hash_one(url.as_str()));
            }
            PageScheme::Page(name) | PageScheme::Offset(name) => self.at = query_number(url, name),
            PageScheme::Cursor(_) => {}
        }
        Ok(built)
    }

    /// Reads what the page just received says of the next one; when the
    /// pages do not chain, the next fetch fails (this page's items are
    /// still delivered).
    pub(crate) fn advance(&mut self, said: Said<'_>) {
        if let Err(error) = self.chain_to(said) {
            self.next = Some(Next::Fail(error));
        }
    }

    fn chain_to(&mut self, said: Said<'_>) -> Result<()> {
        let Said {
            url,
            headers,
            next,
            has_more,
            total,
            count,
        } = said;
        self.items += count as u64;
        let total = total.or_else(|| self.header_total(headers));
        let ended = has_more == Some(false) || total.is_some_and(|t| self.items >= t);
        self.next = match self.paging.scheme {
            PageScheme::Link => match link::next_target(headers) {
                Some(target) => Some(self.follow(url, target)?),
                None => None,
            },
            PageScheme::Cursor(_) => match next.filter(|_| !ended) {
                Some(cursor) => {
                    self.remember(&cursor, "cursor")?;
                    Some(Next::Query(cursor))
                }
                None => None,
            },
            PageScheme::Page(_) | PageScheme::Offset(_) => {
                if ended || count == 0 {
                    None
                } else {
                    let next = match self.paging.scheme {
                        PageScheme::Offset(_) => self.at.unwrap_or(0).saturating_add(count as u64),
                        _ => self.at.unwrap_or(1).saturating_add(1),
                    };
                    self.at = Some(next);
                    Some(Next::Query(next.to_string()))
                }
            }
        };
        Ok(())
    }

    /// The next link, resolved against the page's URL and checked.
    fn follow(&mut self, page: &Url, target: &str) -> Result<Next> {
        let url = page
            .join(target)
            .map_err(|e| self.error(format!("the server's next link is not a URL ({e})")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(self.error(format!(
                "the server's next link is not http or https: {}",
                mask_url(&url)
            )));
        }
        self.remember(url.as_str(), "link")?;
        let foreign = !crate::request::origin::same_origin(&url, self.session.shared.call.url());
        if foreign && !self.other_origins {
            return Err(self.error(format!(
                "the server's next link leads to another origin than the client's ({}): allow it with `.allow_other_origins()` on the stream (credentials never go there)",
                mask_url(&url)
            )));
        }
        let visible = &self.session.shared.policies.engine.visible;
        let url = match (&visible.query_key, foreign) {
            (Some(key), true) => crate::error::redact::without_query_param(&url, key),
            _ => url,
        };
        Ok(Next::Url { url, foreign })
    }

    /// Records a link or cursor; one seen before means the server loops.
    fn remember(&mut self, value: &str, what: &str) -> Result<()> {
        if self.seen.insert(self.hasher.hash_one(value)) {
            return Ok(());
        }
        Err(self.error(format!(
            "the server sent the same next {what} twice (after page {}): it loops, so the walk stops",
            self.number
        )))
    }

    fn header_total(&self, headers: &HeaderMap) -> Option<u64> {
        let value = headers.get(self.paging.total_header?)?;
        value.to_str().ok()?.trim().parse().ok()
    }

    fn param(&self) -> &'static str {
        match self.paging.scheme {
            PageScheme::Cursor(name) | PageScheme::Page(name) | PageScheme::Offset(name) => name,
            PageScheme::Link => "",
        }
    }

    fn error(&self, message: impl std::fmt::Display) -> Error {
        Error::with_message(
            ErrorKind::Pagination,
            format!("in `{}`: {message}", self.endpoint.name),
        )
        .permanent()
        .scrubbed_by(Some(&self.session.shared.policies.scrubber))
    }
}

/// Sets query parameter `name` to `value` (form-encoded, as arguments
/// are), replacing every pair of that name and leaving the others as they
/// were written.
fn set_query(url: &mut Url, name: &str, value: &str) {
    let encoded_name: String = form_urlencoded::byte_serialize(name.as_bytes()).collect();
    let mut query: Vec<&str> = url
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|pair| !pair.is_empty() && pair.split('=').next() != Some(&encoded_name))
        .collect();
    let pair = format!(
        "{encoded_name}={}",
        form_urlencoded::byte_serialize(value.as_bytes()).collect::<String>()
    );
    query.push(&pair);
    let query = query.join("&");
    url.set_query(Some(&query));
}

/// The number in query parameter `name`, if it is one.
fn query_number(url: &Url, name: &str) -> Option<u64> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_query_parameter_is_replaced_and_the_rest_kept_as_written() {
        let mut url = Url::parse("http://x/items?per_page=2&q=a%20b&cursor=old&cursor=x").unwrap();
        set_query(&mut url, "cursor", "c/d+e=");
        assert_eq!(url.query(), Some("per_page=2&q=a%20b&cursor=c%2Fd%2Be%3D"));
        let mut bare = Url::parse("http://x/items").unwrap();
        set_query(&mut bare, "page", "2");
        assert_eq!(bare.as_str(), "http://x/items?page=2");
        assert_eq!(query_number(&url, "per_page"), Some(2));
        assert_eq!(query_number(&url, "q"), None);
    }
}
