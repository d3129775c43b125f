//! Paginated endpoints (issue 14) against wiremock servers that page as
//! real APIs do: GitHub's `Link` with `per_page`, Stripe's `has_more` and
//! `starting_after`, Slack's cursor in the body, page numbers with
//! `X-Total-Count`, offsets; and the servers that misbehave: one that
//! loops, one that links elsewhere, a page that fails once, a page that
//! fails validation, and a walk dropped midway.

use api_client::{ErrorKind, Pages, api};
use serde::{Deserialize, Serialize};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, garde::Validate)]
pub struct Repo {
    #[garde(skip)]
    pub id: u64,
    #[garde(length(min = 1))]
    pub name: String,
}

/// Stripe's list object.
#[derive(Debug, Serialize, Deserialize)]
pub struct List {
    pub data: Vec<Repo>,
    pub has_more: bool,
}

/// Slack's page: the cursor in `response_metadata`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Channels {
    pub channels: Vec<Repo>,
    pub response_metadata: Metadata,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Metadata {
    pub next_cursor: String,
}

#[api]
pub trait Lists {
    #[get("/user/repos")]
    #[paginate(link)]
    fn repos(&self, #[query] per_page: u32) -> Pages<Repo>;

    #[get("/v1/customers")]
    #[paginate(cursor = starting_after, next_from_last = id, has_more = has_more, items = data)]
    fn customers(
        &self,
        #[query] limit: u32,
        #[query] starting_after: Option<u64>,
    ) -> Pages<Repo, List>;

    #[get("/api/conversations.list")]
    #[paginate(cursor = cursor, next = response_metadata.next_cursor, items = channels)]
    fn channels(&self, #[query] cursor: Option<&str>) -> Pages<Repo, Channels>;

    #[post("/api/search")]
    #[paginate(cursor = cursor, next = response_metadata.next_cursor, items = channels, allow_non_get)]
    fn search(
        &self,
        #[query] cursor: Option<&str>,
        #[body] query: &Metadata,
    ) -> Pages<Repo, Channels>;

    #[get("/items")]
    #[paginate(page = page, total = "X-Total-Count")]
    fn numbered(&self, #[query] page: Option<u32>, #[query] per_page: u32) -> Pages<Repo>;

    #[get("/rows")]
    #[paginate(offset = offset)]
    fn rows(&self, #[query] offset: Option<u64>, #[query] limit: u64) -> Pages<Repo>;

    #[get("/checked")]
    #[paginate(link)]
    #[validate]
    fn checked(&self) -> Pages<Repo>;
}

pub fn repo(id: u64) -> Repo {
    Repo {
        id,
        name: format!("repo-{id}"),
    }
}

fn repos(ids: impl IntoIterator<Item = u64>) -> Vec<Repo> {
    ids.into_iter().map(repo).collect()
}

fn client(server: &MockServer) -> ListsClient {
    ListsClient::builder()
        .base_url(server.uri())
        .bearer_auth("s3cr3t-token")
        .build()
        .unwrap()
}

fn ms(n: u64) -> std::time::Duration {
    std::time::Duration::from_millis(n)
}

fn query(request: &Request, name: &str) -> Option<String> {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// GitHub: `per_page` items a page, `Link` to the next with `page=N` (in
/// another parameter order than the client's, and a `%2C` that must reach
/// the server as written), nothing after the last.
struct GitHub {
    items: u64,
    base: String,
}

impl Respond for GitHub {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let per_page: u64 = query(request, "per_page").unwrap().parse().unwrap();
        let page: u64 = query(request, "page").map_or(1, |p| p.parse().unwrap());
        let first = (page - 1) * per_page + 1;
        let last = (page * per_page).min(self.items);
        let mut response = ResponseTemplate::new(200).set_body_json(repos(first..=last));
        if last < self.items {
            let base = &self.base;
            let next = format!(
                "<{base}/user/repos?page={}&sort=a%2Cb&per_page={per_page}>; rel=\"next\", <{base}/user/repos?page=99>; rel=\"last\"",
                page + 1
            );
            response = response.insert_header("link", next.as_str());
        }
        response
    }
}

async fn github(server: &MockServer, items: u64) {
    Mock::given(path("/user/repos"))
        .respond_with(GitHub {
            items,
            base: server.uri(),
        })
        .mount(server)
        .await;
}

#[tokio::test]
async fn github_link_headers_are_followed_as_written() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/user/repos"))
        .respond_with(GitHub {
            items: 5,
            base: server.uri(),
        })
        .mount(&server)
        .await;
    let walk = client(&server).repos(2);
    // Lazy: nothing is sent before the stream is polled.
    assert!(server.received_requests().await.unwrap().is_empty());
    let items = walk.all().await.unwrap();
    assert_eq!(items, repos(1..=5));
    let received = server.received_requests().await.unwrap();
    let queries: Vec<&str> = received.iter().map(|r| r.url.query().unwrap()).collect();
    assert_eq!(
        queries,
        [
            "per_page=2",
            "page=2&sort=a%2Cb&per_page=2",
            "page=3&sort=a%2Cb&per_page=2"
        ]
    );
    // Every page is a full call: the credentials go with each.
    assert!(
        received
            .iter()
            .all(|r| r.headers.contains_key("authorization"))
    );
}

#[tokio::test]
async fn pages_carry_their_number_status_headers_and_url() {
    let server = MockServer::start().await;
    github(&server, 3).await;
    let mut pages = client(&server).repos(2).pages();
    let first = pages.next_page().await.unwrap().unwrap();
    assert_eq!((first.number(), first.items().len()), (1, 2));
    assert_eq!(first.status(), 200);
    assert!(first.headers().contains_key("link"));
    let second = pages.next_page().await.unwrap().unwrap();
    assert_eq!(second.number(), 2);
    assert_eq!(second.url().query(), Some("page=2&sort=a%2Cb&per_page=2"));
    assert_eq!(second.into_items(), repos([3]));
    assert!(pages.next_page().await.is_none());
}

/// Stripe: `has_more`, and the last item's id as `starting_after`.
struct Stripe;

impl Respond for Stripe {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let after: u64 = query(request, "starting_after").map_or(0, |a| a.parse().unwrap());
        let limit: u64 = query(request, "limit").unwrap().parse().unwrap();
        let last = (after + limit).min(7);
        ResponseTemplate::new(200).set_body_json(List {
            data: repos(after + 1..=last),
            has_more: last < 7,
        })
    }
}

#[tokio::test]
async fn stripe_has_more_and_starting_after() {
    let server = MockServer::start().await;
    Mock::given(path("/v1/customers"))
        .respond_with(Stripe)
        .mount(&server)
        .await;
    let items = client(&server).customers(3, None).all().await.unwrap();
    assert_eq!(items, repos(1..=7));
    let received = server.received_requests().await.unwrap();
    let afters: Vec<Option<String>> = received
        .iter()
        .map(|r| query(r, "starting_after"))
        .collect();
    assert_eq!(afters, [None, Some("3".into()), Some("6".into())]);
}

/// Slack: the cursor in `response_metadata.next_cursor`, empty at the end.
struct Slack;

impl Respond for Slack {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let (items, next) = match query(request, "cursor").as_deref() {
            None => (repos([1, 2]), "dXNlcjpVMDYxTkZUVDI="),
            Some("dXNlcjpVMDYxTkZUVDI=") => (repos([3]), "b+/="),
            Some("b+/=") => (repos([4]), ""),
            Some(other) => panic!("unexpected cursor {other}"),
        };
        ResponseTemplate::new(200).set_body_json(Channels {
            channels: items,
            response_metadata: Metadata {
                next_cursor: next.into(),
            },
        })
    }
}

#[tokio::test]
async fn slack_cursors_in_the_body_until_an_empty_one() {
    let server = MockServer::start().await;
    Mock::given(path("/api/conversations.list"))
        .respond_with(Slack)
        .mount(&server)
        .await;
    let items = client(&server).channels(None).all().await.unwrap();
    assert_eq!(items, repos(1..=4));
    assert_eq!(server.received_requests().await.unwrap().len(), 3);
}

#[tokio::test]
async fn a_declared_non_get_walk_sends_its_body_with_every_page() {
    let server = MockServer::start().await;
    Mock::given(path("/api/search"))
        .respond_with(Slack)
        .mount(&server)
        .await;
    let query = Metadata {
        next_cursor: "q=rust".into(),
    };
    let items = client(&server).search(None, &query).all().await.unwrap();
    assert_eq!(items, repos(1..=4));
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 3);
    let body = serde_json::to_vec(&query).unwrap();
    assert!(
        received
            .iter()
            .all(|r| r.method.as_str() == "POST" && r.body == body)
    );
}

/// Page numbers, with the total in `X-Total-Count` (json-server, many
/// Rails APIs): the walk stops when it has them all, without asking for
/// an empty page.
struct Numbered;

impl Respond for Numbered {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let page: u64 = query(request, "page").map_or(1, |p| p.parse().unwrap());
        let per_page: u64 = query(request, "per_page").unwrap().parse().unwrap();
        let first = (page - 1) * per_page + 1;
        let last = (page * per_page).min(5);
        ResponseTemplate::new(200)
            .set_body_json(repos(first..=last))
            .insert_header("X-Total-Count", "5")
    }
}

#[tokio::test]
async fn page_numbers_end_at_the_total_count() {
    let server = MockServer::start().await;
    Mock::given(path("/items"))
        .respond_with(Numbered)
        .mount(&server)
        .await;
    let items = client(&server).numbered(None, 2).all().await.unwrap();
    assert_eq!(items, repos(1..=5));
    let pages: Vec<Option<String>> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| query(r, "page"))
        .collect();
    assert_eq!(pages, [None, Some("2".into()), Some("3".into())]);
}

#[tokio::test]
async fn offsets_end_on_an_empty_page() {
    let server = MockServer::start().await;
    for (offset, ids) in [(10, vec![11, 12]), (12, vec![13]), (13, vec![])] {
        Mock::given(path("/rows"))
            .and(query_param("offset", offset.to_string()))
            .respond_with(ResponseTemplate::new(200).set_body_json(repos(ids)))
            .expect(1)
            .mount(&server)
            .await;
    }
    let items = client(&server).rows(Some(10), 2).all().await.unwrap();
    assert_eq!(items, repos(11..=13));
}

#[tokio::test]
async fn a_server_that_loops_ends_the_walk_with_an_error() {
    let server = MockServer::start().await;
    let again = format!("<{}/user/repos?per_page=1>; rel=\"next\"", server.uri());
    Mock::given(path("/user/repos"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(repos([1]))
                .insert_header("link", again.as_str()),
        )
        .mount(&server)
        .await;
    let mut walk = client(&server).repos(1);
    let mut seen = Vec::new();
    let error = loop {
        match walk.next().await.expect("the walk ends with an error") {
            Ok(item) => seen.push(item),
            Err(e) => break e,
        }
    };
    assert_eq!(error.kind(), ErrorKind::Pagination);
    assert!(error.to_string().contains("loops"), "{error}");
    // The link is the first page's own URL: the repeat is caught before
    // it is sent, and the first page's item is not lost.
    assert_eq!(seen, repos([1]));
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
    assert!(walk.next().await.is_none(), "an error ends the stream");
}

#[tokio::test]
async fn a_link_to_another_origin_is_refused_unless_allowed_and_never_gets_credentials() {
    let home = MockServer::start().await;
    let elsewhere = MockServer::start().await;
    let link = format!("<{}/more?page=2>; rel=\"next\"", elsewhere.uri());
    Mock::given(path("/user/repos"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(repos([1]))
                .insert_header("link", link.as_str()),
        )
        .mount(&home)
        .await;
    Mock::given(path("/more"))
        .respond_with(ResponseTemplate::new(200).set_body_json(repos([2])))
        .mount(&elsewhere)
        .await;
    let refused = client(&home).repos(1).all().await.unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Pagination);
    assert!(refused.to_string().contains("another origin"), "{refused}");
    assert!(elsewhere.received_requests().await.unwrap().is_empty());

    let items = client(&home)
        .repos(1)
        .allow_other_origins()
        .all()
        .await
        .unwrap();
    assert_eq!(items, repos([1, 2]));
    let there = elsewhere.received_requests().await.unwrap();
    assert_eq!(there.len(), 1);
    assert!(!there[0].headers.contains_key("authorization"));
    assert!(
        home.received_requests().await.unwrap()[0]
            .headers
            .contains_key("authorization")
    );
}

#[tokio::test]
async fn a_page_that_fails_once_is_retried() {
    let server = MockServer::start().await;
    Mock::given(path("/items"))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/items"))
        .respond_with(Numbered)
        .mount(&server)
        .await;
    let fast = ListsClient::builder()
        .base_url(server.uri())
        .retry(api_client::RetryPolicy::default().backoff(ms(1), ms(5)))
        .build()
        .unwrap();
    let items = fast.numbered(None, 2).all().await.unwrap();
    assert_eq!(items, repos(1..=5));
    assert_eq!(server.received_requests().await.unwrap().len(), 4);
}

#[tokio::test]
async fn a_page_that_fails_validation_ends_the_walk_after_the_valid_items() {
    let server = MockServer::start().await;
    let next = format!("<{}/checked?page=2>; rel=\"next\"", server.uri());
    Mock::given(path("/checked"))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(vec![Repo {
            id: 3,
            name: String::new(),
        }]))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/checked"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(repos([1, 2]))
                .insert_header("link", next.as_str()),
        )
        .mount(&server)
        .await;
    let mut walk = client(&server).checked();
    assert_eq!(walk.next().await.unwrap().unwrap(), repo(1));
    assert_eq!(walk.next().await.unwrap().unwrap(), repo(2));
    let error = walk.next().await.unwrap().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Validation);
    assert!(walk.next().await.is_none());
}

#[tokio::test]
async fn dropping_the_stream_or_reaching_a_cap_sends_nothing_more() {
    let server = MockServer::start().await;
    github(&server, 100).await;
    let mut walk = client(&server).repos(2);
    for _ in 0..3 {
        walk.next().await.unwrap().unwrap();
    }
    drop(walk);
    tokio::time::sleep(ms(50)).await;
    assert_eq!(server.received_requests().await.unwrap().len(), 2);

    server.reset().await;
    github(&server, 100).await;
    let five = client(&server).repos(2).max_items(5).all().await.unwrap();
    assert_eq!(five, repos(1..=5));
    let capped = client(&server).repos(2).max_pages(2).all().await.unwrap();
    assert_eq!(capped, repos(1..=4));
    assert_eq!(server.received_requests().await.unwrap().len(), 3 + 2);
}

/// A server that always has a next page: the default cap stops the walk
/// with an error that says how to go further (no item lost silently).
struct Endless;

impl Respond for Endless {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let page: u64 = query(request, "page").map_or(1, |p| p.parse().unwrap());
        let next = format!("</rows?limit=1&page={}>; rel=\"next\"", page + 1);
        ResponseTemplate::new(200)
            .set_body_json(repos([page]))
            .insert_header("link", next.as_str())
    }
}

#[api]
pub trait Endlessly {
    #[get("/rows")]
    #[paginate(link)]
    fn rows(&self, #[query] limit: u32) -> Pages<Repo>;
}

#[tokio::test]
async fn the_default_page_cap_is_an_error_and_can_be_raised() {
    let server = MockServer::start().await;
    Mock::given(path("/rows"))
        .respond_with(Endless)
        .mount(&server)
        .await;
    let client = EndlesslyClient::builder()
        .base_url(server.uri())
        .build()
        .unwrap();
    let error = client.rows(1).all().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Pagination);
    assert!(error.to_string().contains("max_pages"), "{error}");
    let sent = server.received_requests().await.unwrap().len();
    assert_eq!(sent as u32, api_client::defaults::DEFAULT_MAX_PAGES);
    let more = client
        .rows(1)
        .max_pages(1_001)
        .max_items(1_001)
        .all()
        .await
        .unwrap();
    assert_eq!(more.len(), 1_001);
}

/// A walk can be moved into a spawned task, and so can a page stream.
#[allow(dead_code)]
fn streams_are_send(
    items: Pages<Repo>,
    pages: api_client::pages::PageStream<Repo, List>,
) -> impl Send {
    (items, pages)
}
