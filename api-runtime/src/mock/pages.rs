//! Typed mocks of paginated endpoints ([`PagesMock`]): a test gives the
//! pages as values, and the mock serves them in order, writing the next
//! links, matching the cursors, page numbers or offsets the client sends,
//! and the total header, as the endpoint's `#[paginate(…)]` declares.

use std::fmt;
use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use wiremock::{Mock, Request, Respond, ResponseTemplate};

use super::kit::MockKit;
use super::matcher::EndpointMatcher;
use super::request::MockRequest;
use crate::pages::{PageParts, PageScheme, Paging};

/// The query parameter of the next links a mock writes (link walks).
const PAGE_MARK: &str = "api_mock_page";

/// One page as served: its JSON, its item count, and its next cursor.
#[derive(Clone, Debug)]
struct Served {
    body: Value,
    count: usize,
    next: Option<String>,
}

/// The mock of a paginated endpoint: from `mock.endpoint(args…)`, then
/// [`pages`](PagesMock::pages) and [`mount`](PagesMock::mount).
#[must_use = "a mock does nothing until `.mount().await`"]
pub struct PagesMock<'a, T, P> {
    kit: MockKit<'a>,
    request: MockRequest,
    paging: Paging,
    split: fn(P) -> PageParts<T>,
    pages: Vec<Served>,
    headers: Vec<(String, String)>,
    problems: Vec<String>,
    item: PhantomData<fn() -> T>,
}

impl<'a> MockKit<'a> {
    /// Starts the mock of a paginated endpoint.
    #[doc(hidden)]
    pub fn for_pages<T, P>(
        &self,
        request: MockRequest,
        paging: Paging,
        split: fn(P) -> PageParts<T>,
    ) -> PagesMock<'a, T, P> {
        PagesMock {
            kit: self.clone(),
            request,
            paging,
            split,
            pages: Vec::new(),
            headers: Vec::new(),
            problems: Vec::new(),
            item: PhantomData,
        }
    }
}

impl<T, P> fmt::Debug for PagesMock<'_, T, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PagesMock")
            .field("endpoint", &self.request.endpoint)
            .field("scheme", &self.paging.scheme)
            .field("pages", &self.pages.len())
            .finish()
    }
}

impl<T, P: Serialize + DeserializeOwned> PagesMock<'_, T, P> {
    /// The pages to serve, in order: for `Pages<T>`, each a `Vec<T>` of
    /// items; for `Pages<T, Page>`, each a `Page` (whose cursor or
    /// `has_more` fields say how the walk goes on, as a real server's
    /// would). A page-number or offset walk over plain arrays gets an
    /// empty page after the last one.
    pub fn pages(mut self, pages: impl IntoIterator<Item = P>) -> Self {
        for page in pages {
            match self.served(&page) {
                Ok(served) => self.pages.push(served),
                Err(e) => self.problems.push(e),
            }
        }
        self
    }

    /// The page as served, read back through the endpoint's own split.
    fn served(&self, page: &P) -> Result<Served, String> {
        let body =
            serde_json::to_value(page).map_err(|e| format!("a page does not serialize: {e}"))?;
        let decoded: P = serde_json::from_value(body.clone())
            .map_err(|e| format!("a page does not read back as the page type: {e}"))?;
        let parts = (self.split)(decoded);
        Ok(Served {
            body,
            count: parts.items.len(),
            next: parts.next,
        })
    }
}

impl<T, P> PagesMock<'_, T, P> {
    /// Adds a header to every page's response.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Mounts the mock on the server. A page given to
    /// [`pages`](PagesMock::pages) that cannot be served (it does not
    /// serialize, or not back as the page type) makes every response a 500
    /// that says so.
    pub async fn mount(mut self) {
        let marker = match self.paging.scheme {
            PageScheme::Link => PAGE_MARK,
            PageScheme::Cursor(name) | PageScheme::Page(name) | PageScheme::Offset(name) => name,
        };
        let start = first_number(&self.request.query, marker);
        self.request.any_query.push(marker.to_owned());
        let matcher = EndpointMatcher::new(self.request);
        let name = format!(
            "{} ({} {}, {} pages)",
            matcher.expected.endpoint,
            matcher.expected.method,
            matcher.expected.route,
            self.pages.len()
        );
        let responder = Pager {
            total: self.pages.iter().map(|p| p.count as u64).sum(),
            pages: self.pages,
            paging: self.paging,
            start,
            headers: self.headers,
            problems: self.problems,
        };
        let mock = Mock::given(matcher.clone())
            .respond_with(responder)
            .named(name);
        self.kit.mount_mock(matcher, mock).await;
    }

    /// Mounts the mock from blocking code.
    pub fn mount_blocking(self) {
        let _ = crate::blocking::block_on_local(async {
            self.mount().await;
            Ok(())
        });
    }
}

/// The number in query parameter `name` of a raw query, if any.
fn first_number(query: &str, name: &str) -> Option<u64> {
    form_urlencoded::parse(query.trim_start_matches('?').as_bytes())
        .find(|(k, _)| k == name)
        .and_then(|(_, v)| v.parse().ok())
}

/// Serves the page a request asks for.
struct Pager {
    pages: Vec<Served>,
    paging: Paging,
    /// The first page's number or offset, when the mock names one.
    start: Option<u64>,
    total: u64,
    headers: Vec<(String, String)>,
    /// Why the pages cannot be served.
    problems: Vec<String>,
}

impl Pager {
    /// The index of the page `request` asks for (may be one past the last).
    fn index(&self, request: &Request) -> Result<usize, String> {
        let query = request.url.query().unwrap_or("");
        let number = |name: &str| first_number(query, name);
        let value = |name: &str| {
            form_urlencoded::parse(query.as_bytes())
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let index = match self.paging.scheme {
            PageScheme::Link => number(PAGE_MARK).unwrap_or(1).saturating_sub(1),
            PageScheme::Page(name) => {
                let first = self.start.unwrap_or(1);
                number(name)
                    .unwrap_or(first)
                    .checked_sub(first)
                    .ok_or("a page before the first")?
            }
            PageScheme::Offset(name) => {
                let at = number(name).unwrap_or(self.start.unwrap_or(0));
                let mut offset = self.start.unwrap_or(0);
                let mut index = None;
                for (i, page) in self.pages.iter().enumerate() {
                    if offset == at {
                        index = Some(i as u64);
                        break;
                    }
                    offset += page.count as u64;
                }
                index
                    .or((offset == at).then_some(self.pages.len() as u64))
                    .ok_or_else(|| format!("no page starts at offset {at}"))?
            }
            PageScheme::Cursor(name) => match value(name) {
                None => 0,
                Some(cursor) => self
                    .pages
                    .iter()
                    .position(|p| p.next.as_deref() == Some(cursor.as_str()))
                    .map(|i| i as u64 + 1)
                    .ok_or_else(|| format!("no page follows cursor `{cursor}`"))?,
            },
        };
        usize::try_from(index).map_err(|e| e.to_string())
    }
}

impl Respond for Pager {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if !self.problems.is_empty() {
            return ResponseTemplate::new(500).set_body_string(format!(
                "mock set-up: the pages cannot be served: {}",
                self.problems.join("; ")
            ));
        }
        let index = match self.index(request) {
            Ok(index) => index,
            Err(e) => return ResponseTemplate::new(404).set_body_string(format!("mock: {e}")),
        };
        let plain = self.pages.first().is_none_or(|p| p.body.is_array());
        let body = match self.pages.get(index) {
            Some(page) => page.body.clone(),
            None if index == self.pages.len() && plain => Value::Array(Vec::new()),
            None => {
                return ResponseTemplate::new(404)
                    .set_body_string(format!("mock: there is no page {}", index + 1));
            }
        };
        let mut response = ResponseTemplate::new(200).set_body_json(body);
        for (name, value) in &self.headers {
            response = response.insert_header(name.as_str(), value.as_str());
        }
        if let Some(name) = self.paging.total_header {
            response = response.insert_header(name, self.total.to_string().as_str());
        }
        if self.paging.scheme == PageScheme::Link && index + 1 < self.pages.len() {
            // Relative: wiremock's request URL does not name the server.
            let mut next = request.url.clone();
            let kept: Vec<(String, String)> = next
                .query_pairs()
                .filter(|(k, _)| k != PAGE_MARK)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            next.query_pairs_mut()
                .clear()
                .extend_pairs(kept)
                .append_pair(PAGE_MARK, &(index + 2).to_string());
            let link = format!("<{}>; rel=\"next\"", &next[url::Position::BeforePath..]);
            response = response.insert_header("link", link.as_str());
        }
        response
    }
}
