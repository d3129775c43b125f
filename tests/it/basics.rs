//! Verbs, return types, bodies, static headers and the builder.

use serde_json::json;
use wiremock::matchers::{body_json, header, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{GitHub, GitHubClient, NewIssue, User, client};

#[tokio::test]
async fn get_decodes_json() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/users/octocat"))
        .and(header("accept", "application/vnd.github+json"))
        .and(header(
            "user-agent",
            api_client::defaults::DEFAULT_USER_AGENT,
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"login": "octocat", "id": 583231})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let user = client(&server).user("octocat").await.unwrap();
    assert_eq!(
        user,
        User {
            login: "octocat".into(),
            id: 583231
        }
    );
}

#[tokio::test]
async fn a_call_sends_nothing_until_it_is_awaited() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/users/octocat"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"login": "octocat", "id": 583231})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let gh = client(&server);
    // The request is built when the method is called; nothing goes out
    // before the future is polled, and a future dropped unpolled sends
    // nothing at all.
    drop(gh.user("octocat"));
    let later = gh.user("octocat");
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(server.received_requests().await.unwrap().is_empty());
    assert_eq!(later.await.unwrap().id, 583231);
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn post_sends_a_json_body_and_decodes_the_reply() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/repos/o/r/issues"))
        .and(header("content-type", "application/json"))
        .and(body_json(json!({"title": "Bug", "labels": ["a", "b"]})))
        .respond_with(
            ResponseTemplate::new(201).set_body_json(json!({"number": 7, "title": "Bug"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let issue = NewIssue {
        title: "Bug".into(),
        labels: vec!["a".into(), "b".into()],
    };
    let created = client(&server)
        .create_issue("o", "r", &issue)
        .await
        .unwrap();
    assert_eq!((created.number, created.title.as_str()), (7, "Bug"));
}

#[tokio::test]
async fn put_patch_delete_head_options() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/repos/o/r/topics"))
        .and(body_json(json!(["rust", "http"])))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/repos/o/r"))
        .and(header("content-type", "application/merge-patch+json"))
        .and(body_json(json!({"private": true})))
        .respond_with(ResponseTemplate::new(200).set_body_string("ignored"))
        .expect(1)
        .mount(&server)
        .await;
    // The method-level Accept replaces the trait-level one.
    Mock::given(method("DELETE"))
        .and(path("/repos/o/r/labels/bug"))
        .and(header("accept", "application/vnd.github.v3+json"))
        .and(header("x-request-id", "req-1"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("HEAD"))
        .and(path("/ping"))
        .respond_with(ResponseTemplate::new(200).insert_header("x-pong", "1"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("OPTIONS"))
        .and(path("/ping"))
        .respond_with(ResponseTemplate::new(204).insert_header("allow", "GET, HEAD"))
        .expect(1)
        .mount(&server)
        .await;
    let gh = client(&server);
    gh.put_topics("o", "r", &["rust", "http"]).await.unwrap();
    gh.patch_repo("o", "r", &json!({"private": true}))
        .await
        .unwrap();
    gh.delete_label("o", "r", "bug", "req-1", None)
        .await
        .unwrap();
    let pong = gh.ping().await.unwrap();
    assert_eq!(pong.headers()["x-pong"], "1");
    let allowed = gh.options().await.unwrap();
    assert_eq!(allowed.status().as_u16(), 204);
    assert_eq!(allowed.headers()["allow"], "GET, HEAD");
    let received = server.received_requests().await.unwrap();
    let delete = received
        .iter()
        .find(|r| r.method.as_str() == "DELETE")
        .unwrap();
    assert!(
        delete.headers.get("x-trace").is_none(),
        "None header must be omitted"
    );
}

#[tokio::test]
async fn response_gives_status_headers_url_and_elapsed() {
    let server = MockServer::start().await;
    Mock::given(path("/users/42/raw"))
        .respond_with(
            ResponseTemplate::new(203)
                .insert_header("x-ratelimit-remaining", "59")
                .set_body_json(json!({"login": "x", "id": 42})),
        )
        .mount(&server)
        .await;
    let response = client(&server).user_by_id(42).await.unwrap();
    assert_eq!(response.status().as_u16(), 203);
    assert_eq!(response.headers()["x-ratelimit-remaining"], "59");
    assert_eq!(
        response.url().as_str(),
        format!("{}/users/42/raw", server.uri())
    );
    assert!(response.elapsed() > std::time::Duration::ZERO);
    assert_eq!(response.into_body().id, 42);
}

#[tokio::test]
async fn text_and_bytes_bodies() {
    let server = MockServer::start().await;
    Mock::given(path("/readme"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("# Hello\n", "text/markdown; charset=utf-8"),
        )
        .mount(&server)
        .await;
    Mock::given(path("/blobs/x.bin"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![0u8, 159, 146, 150]))
        .mount(&server)
        .await;
    let gh = client(&server);
    assert_eq!(gh.readme().await.unwrap().into_body(), "# Hello\n");
    assert_eq!(&gh.blob("x").await.unwrap()[..], &[0u8, 159, 146, 150]);
}

#[tokio::test]
async fn builder_headers_are_sent_and_user_agent_is_overridable() {
    let server = MockServer::start().await;
    Mock::given(path("/users/a"))
        .and(header("user-agent", "my-app/1.0"))
        .and(header("x-team", "payments"))
        .and(header_exists("accept"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"login": "a", "id": 1})))
        .expect(1)
        .mount(&server)
        .await;
    let gh = GitHubClient::builder()
        .base_url(server.uri())
        .header("User-Agent", "my-app/1.0")
        .header("X-Team", "payments")
        .build()
        .unwrap();
    gh.user("a").await.unwrap();
}

#[tokio::test]
async fn base_url_path_prefix_is_kept() {
    let server = MockServer::start().await;
    Mock::given(path("/api/v3/users/a"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"login": "a", "id": 1})))
        .expect(1)
        .mount(&server)
        .await;
    let gh = GitHubClient::builder()
        .base_url(format!("{}/api/v3/", server.uri()))
        .build()
        .unwrap();
    gh.user("a").await.unwrap();
}

#[tokio::test]
async fn builder_rejects_bad_input_without_panicking() {
    for (builder, needle) in [
        (GitHubClient::builder().base_url("ftp://x"), "scheme"),
        (
            GitHubClient::builder().base_url("not a url"),
            "invalid base URL",
        ),
        (
            GitHubClient::builder().header("X-Bad", "a\r\nInjected: 1"),
            "x-bad",
        ),
        (
            GitHubClient::builder().header("Bad Name", "v"),
            "invalid header name",
        ),
    ] {
        let err = builder.build().unwrap_err();
        assert_eq!(err.kind(), api_client::ErrorKind::Builder);
        assert!(err.to_string().contains(needle), "{err}");
    }
}

#[tokio::test]
async fn clones_share_one_pool_and_calls_run_in_spawned_tasks() {
    let server = MockServer::start().await;
    Mock::given(path("/users/a"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"login": "a", "id": 1})))
        .expect(20)
        .mount(&server)
        .await;
    let gh = client(&server);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let gh = gh.clone();
            tokio::spawn(async move { gh.user("a").await })
        })
        .collect();
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().id, 1);
    }
    // Debug shows where the client goes, never header values.
    let debug = format!("{gh:?}");
    assert!(debug.contains(&server.uri()), "{debug}");
}

/// Application code takes `&impl GitHub`; a test can hand it its own impl.
async fn greeting(api: &impl GitHub, login: &str) -> String {
    match api.user(login).await {
        Ok(user) => format!("hello {} (#{})", user.login, user.id),
        Err(e) => format!("failed: {}", e.kind() as u8),
    }
}

#[tokio::test]
async fn the_trait_can_be_implemented_by_hand() {
    struct Fake;
    impl GitHub for Fake {
        async fn user(&self, login: &str) -> api_client::Result<User> {
            Ok(User {
                login: login.to_owned(),
                id: 1,
            })
        }
        async fn user_by_id(&self, _: u64) -> api_client::Result<api_client::Response<User>> {
            unimplemented!()
        }
        async fn search(
            &self,
            _: &str,
            _: Option<u32>,
            _: Vec<String>,
        ) -> api_client::Result<serde_json::Value> {
            unimplemented!()
        }
        async fn issues(
            &self,
            _: &crate::support::Filter<'_>,
        ) -> api_client::Result<Vec<crate::support::Issue>> {
            unimplemented!()
        }
        async fn create_issue(
            &self,
            _: &str,
            _: &str,
            _: &NewIssue,
        ) -> api_client::Result<crate::support::Issue> {
            unimplemented!()
        }
        async fn put_topics(&self, _: &str, _: &str, _: &[&str]) -> api_client::Result<()> {
            unimplemented!()
        }
        async fn patch_repo(
            &self,
            _: &str,
            _: &str,
            _: &serde_json::Value,
        ) -> api_client::Result<()> {
            unimplemented!()
        }
        async fn delete_label(
            &self,
            _: &str,
            _: &str,
            _: &str,
            _: &str,
            _: Option<&str>,
        ) -> api_client::Result<()> {
            unimplemented!()
        }
        async fn ping(&self) -> api_client::Result<api_client::Response<()>> {
            unimplemented!()
        }
        async fn options(&self) -> api_client::Result<api_client::Response<()>> {
            unimplemented!()
        }
        async fn file(&self, _: &str) -> api_client::Result<String> {
            unimplemented!()
        }
        async fn blob(&self, _: &str) -> api_client::Result<api_client::Bytes> {
            unimplemented!()
        }
        async fn readme(&self) -> api_client::Result<api_client::Response<String>> {
            unimplemented!()
        }
    }
    assert_eq!(greeting(&Fake, "ann").await, "hello ann (#1)");
}

#[tokio::test]
async fn literal_query_and_query_arguments_merge() {
    let server = MockServer::start().await;
    Mock::given(path("/search/repositories"))
        .and(query_param("type", "repo"))
        .and(query_param("q", "rust lang"))
        .and(query_param("per_page", "5"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"total_count": 1})))
        .expect(1)
        .mount(&server)
        .await;
    let found = client(&server)
        .search("rust lang", Some(5), vec![])
        .await
        .unwrap();
    assert_eq!(found["total_count"], 1);
    let request = &server.received_requests().await.unwrap()[0];
    assert_eq!(
        request.url.query(),
        Some("type=repo&q=rust+lang&per_page=5")
    );
}
