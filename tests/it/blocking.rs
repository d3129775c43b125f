//! The blocking client: the same declarations as plain `fn`s, the same
//! features and policies, called from ordinary (non-async) code.

use std::time::{Duration, Instant};

use api_client::{ErrorKind, Part, Response, Result, RetryPolicy, TimeoutPhase, api};
use serde_json::json;
use wiremock::matchers::{body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{NewIssue, User};

#[api(base = "https://api.github.com")]
#[header("Accept", "application/vnd.github+json")]
pub trait GitHubBlocking {
    #[get("/users/<login>")]
    fn user(&self, login: &str) -> Result<User>;

    #[get("/search/repositories")]
    fn search(
        &self,
        #[query] q: &str,
        #[query(rename = "per_page")] per_page: Option<u32>,
    ) -> Result<Response<serde_json::Value>>;

    #[post("/repos/<owner>/<repo>/issues")]
    fn create_issue(
        &self,
        owner: &str,
        repo: &str,
        #[body] issue: &NewIssue,
    ) -> Result<serde_json::Value>;

    #[post("/login")]
    fn login(&self, #[field("user")] user: &str) -> Result<()>;

    #[post("/upload")]
    #[multipart]
    fn upload(&self, #[part("title")] title: &str, #[part("file")] file: Part) -> Result<()>;

    #[get("/download")]
    fn download(&self) -> Result<api_client::ByteStream>;

    #[get("/repos")]
    #[paginate(page = page)]
    fn repos(&self, #[query] page: Option<u32>) -> api_client::Pages<serde_json::Value>;
}

/// A mock server on its own runtime, so that the test thread can block.
struct Server {
    runtime: tokio::runtime::Runtime,
    server: MockServer,
}

impl Server {
    fn start() -> Server {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let server = runtime.block_on(MockServer::start());
        Server { runtime, server }
    }

    fn mount(&self, mock: Mock) {
        self.runtime.block_on(mock.mount(&self.server));
    }

    fn requests(&self) -> Vec<wiremock::Request> {
        self.runtime
            .block_on(self.server.received_requests())
            .unwrap()
    }

    fn client(&self) -> GitHubBlockingClient {
        GitHubBlockingClient::builder()
            .base_url(self.server.uri())
            .retry(
                RetryPolicy::default().backoff(Duration::from_millis(1), Duration::from_millis(5)),
            )
            .build()
            .unwrap()
    }
}

#[test]
fn calls_decode_and_send_like_the_async_client() {
    let s = Server::start();
    s.mount(
        Mock::given(path("/users/a%2Fb"))
            .and(header("accept", "application/vnd.github+json"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"login": "a/b", "id": 1})),
            ),
    );
    s.mount(
        Mock::given(path("/search/repositories"))
            .and(query_param("q", "rust"))
            .and(query_param("per_page", "2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"total": 2}))),
    );
    s.mount(
        Mock::given(method("POST"))
            .and(path("/repos/o/r/issues"))
            .respond_with(ResponseTemplate::new(201).set_body_json(json!({"number": 3}))),
    );
    s.mount(
        Mock::given(path("/login"))
            .and(body_string("user=ann"))
            .respond_with(ResponseTemplate::new(204)),
    );
    let c = s.client();
    assert_eq!(
        c.user("a/b").unwrap(),
        User {
            login: "a/b".into(),
            id: 1
        }
    );
    let found = c.search("rust", Some(2)).unwrap();
    assert_eq!(
        (found.status().as_u16(), found.body()["total"].as_u64()),
        (200, Some(2))
    );
    let issue = NewIssue {
        title: "t".into(),
        labels: vec![],
    };
    assert_eq!(c.create_issue("o", "r", &issue).unwrap()["number"], 3);
    c.login("ann").unwrap();
}

#[test]
fn errors_retries_and_timeouts_apply() {
    let s = Server::start();
    s.mount(
        Mock::given(path("/users/flaky"))
            .respond_with(ResponseTemplate::new(503))
            .up_to_n_times(1),
    );
    s.mount(
        Mock::given(path("/users/flaky"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"login": "f", "id": 2}))),
    );
    s.mount(Mock::given(path("/users/ghost")).respond_with(ResponseTemplate::new(404)));
    s.mount(
        Mock::given(path("/users/slow")).respond_with(
            ResponseTemplate::new(200)
                .set_delay(Duration::from_secs(5))
                .set_body_json(json!({})),
        ),
    );
    let c = s.client();
    assert_eq!(c.user("flaky").unwrap().id, 2);
    let err = c.user("ghost").unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Status, 1));
    let started = Instant::now();
    let err = c
        .with_timeout(Duration::from_millis(300))
        .user("slow")
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(4));
    assert_eq!(err.timeout_phase(), Some(TimeoutPhase::Deadline));
}

#[test]
fn multipart_and_streamed_downloads() {
    let s = Server::start();
    s.mount(Mock::given(path("/upload")).respond_with(ResponseTemplate::new(201)));
    let big: Vec<u8> = (0..1_000_000u32).map(|i| (i % 7) as u8).collect();
    s.mount(
        Mock::given(path("/download"))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(big.clone())),
    );
    let c = s.client();
    c.upload("hello", Part::bytes(vec![1, 2, 3]).file_name("x.bin"))
        .unwrap();
    let body = &s.requests()[0].body;
    assert!(find(body, b"filename=\"x.bin\"") && find(body, b"hello"));
    let stream = c.download().unwrap();
    assert_eq!(stream.content_length(), Some(1_000_000));
    let mut received = Vec::new();
    for chunk in stream.blocking_iter() {
        received.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(received, big);
}

fn find(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn clones_work_from_many_threads() {
    let s = Server::start();
    s.mount(
        Mock::given(path("/users/a"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"login": "a", "id": 1}))),
    );
    let c = s.client();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let c = c.clone();
            std::thread::spawn(move || c.user("a").map(|u| u.id))
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap().unwrap(), 1);
    }
    assert_eq!(s.requests().len(), 8);
}

#[test]
fn usable_from_spawn_blocking_inside_an_async_program() {
    let s = Server::start();
    s.mount(
        Mock::given(path("/users/a"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"login": "a", "id": 1}))),
    );
    let c = s.client();
    let app = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let id = app.block_on(async move {
        tokio::task::spawn_blocking(move || c.user("a").map(|u| u.id))
            .await
            .unwrap()
    });
    assert_eq!(id.unwrap(), 1);
}

#[test]
fn typed_mocks_work_for_blocking_clients() {
    let s = Server::start();
    let mock = GitHubBlockingMock::new(&s.server);
    let user = User {
        login: "octocat".into(),
        id: 7,
    };
    mock.user("octocat")
        .returns(&user)
        .expect(1)
        .mount_blocking();
    mock.search("rust", None)
        .responds(503)
        .times(1)
        .then_responds(200)
        .body_json(&json!({"ok": 1}))
        .mount_blocking();
    let c = s.client();
    assert_eq!(c.user("octocat").unwrap(), user);
    assert_eq!(c.search("rust", None).unwrap().body()["ok"], 1);
}

/// The blocking front end has what the async one has: a list's items and
/// its pages, both as plain iterators.
#[test]
fn blocking_clients_iterate_items_and_pages() {
    let server = Server::start();
    for page in 1..=3 {
        let items = if page < 3 {
            json!([page * 10, page * 10 + 1])
        } else {
            json!([])
        };
        server.mount(
            Mock::given(path("/repos"))
                .and(query_param("page", page.to_string()))
                .respond_with(ResponseTemplate::new(200).set_body_json(items)),
        );
    }
    server.mount(
        Mock::given(path("/repos"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!([10, 11]))),
    );
    let client = server.client();
    let items: Vec<serde_json::Value> =
        client.repos(None).into_iter().map(|i| i.unwrap()).collect();
    assert_eq!(items, [json!(10), json!(11), json!(20), json!(21)]);
    let mut numbers = Vec::new();
    for page in client.repos(None).pages() {
        let page = page.unwrap();
        assert_eq!(page.status(), 200);
        numbers.push((page.number(), page.items().len()));
    }
    assert_eq!(numbers, [(1, 2), (2, 2), (3, 0)]);
}
