//! Non-2xx statuses, decode failures and transport failures as errors a
//! user can act on.

use api_client::ErrorKind;
use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{GitHub, GitHubClient, client};

#[tokio::test]
async fn error_statuses_carry_method_url_headers_and_a_snippet() {
    let server = MockServer::start().await;
    Mock::given(path("/users/ghost"))
        .respond_with(
            ResponseTemplate::new(404)
                .insert_header("x-github-request-id", "ABC")
                .set_body_json(json!({"message": "Not Found", "token": "hunter2"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = client(&server).user("ghost").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Status);
    assert!(err.is_status() && !err.is_timeout() && !err.is_connect() && !err.is_decode());
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.method().map(|m| m.as_str()), Some("GET"));
    assert_eq!(
        err.url().unwrap().as_str(),
        format!("{}/users/ghost", server.uri())
    );
    assert_eq!(err.headers().unwrap()["x-github-request-id"], "ABC");
    assert_eq!(err.attempts(), 1);
    let text = err.to_string();
    assert_eq!(
        text,
        format!(
            "GET {}/users/ghost: HTTP 404 Not Found: {{\"message\":\"Not Found\",\"token\":\"***\"}}",
            server.uri()
        )
    );
    #[derive(serde::Deserialize)]
    struct GhError {
        message: String,
    }
    assert_eq!(err.body_json::<GhError>().unwrap().message, "Not Found");
}

#[tokio::test]
async fn query_values_are_masked_in_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/search/repositories"))
        .respond_with(ResponseTemplate::new(500).set_body_string("boom"))
        .mount(&server)
        .await;
    let err = client(&server)
        .search("secret-term", Some(2), vec![])
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(!text.contains("secret-term"), "{text}");
    assert!(text.contains("q=***"), "{text}");
    assert!(!format!("{err:?}").contains("secret-term"));
}

#[tokio::test]
async fn undecodable_bodies_are_decode_errors_with_the_json_path() {
    let server = MockServer::start().await;
    Mock::given(path("/users/x"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"login": "x", "id": "seven"})),
        )
        .mount(&server)
        .await;
    let err = client(&server).user("x").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(err.decode_path(), Some("$.id"));
    assert!(
        err.to_string()
            .ends_with(r#"$.id: invalid type: string "seven", expected u64"#),
        "{err}"
    );
    assert_eq!(&err.body().unwrap()[..], br#"{"id":"seven","login":"x"}"#);
}

#[tokio::test]
async fn html_instead_of_json_names_the_content_type() {
    let server = MockServer::start().await;
    Mock::given(path("/users/x"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("<html>proxy</html>", "text/html"))
        .mount(&server)
        .await;
    let err = client(&server).user("x").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(
        err.to_string()
            .contains("expected a JSON response, got content type `text/html`"),
        "{err}"
    );
}

#[tokio::test]
async fn a_refused_port_is_a_connect_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let gh = GitHubClient::builder()
        .base_url(format!("http://{addr}"))
        .build()
        .unwrap();
    let err = gh.user("x").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect, "{err:?}");
    assert!(err.is_connect());
    assert!(
        err.to_string()
            .starts_with(&format!("GET http://{addr}/users/x: could not connect")),
        "{err}"
    );
}

#[tokio::test]
async fn a_body_over_the_limit_is_an_error_not_an_allocation() {
    let server = MockServer::start().await;
    Mock::given(path("/readme"))
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(10_000)))
        .mount(&server)
        .await;
    let gh = GitHubClient::builder()
        .base_url(server.uri())
        .max_body_size(1024)
        .build()
        .unwrap();
    let err = gh.readme().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Body);
    assert!(
        err.to_string().contains("exceeds the limit of 1024 bytes"),
        "{err}"
    );
}

#[derive(Debug, serde::Deserialize, PartialEq)]
pub struct ApiError {
    pub message: String,
    pub code: u32,
}

#[derive(Debug, serde::Deserialize, PartialEq)]
pub struct Problem {
    pub title: String,
}

#[api_client::api(error = ApiError)]
pub trait Typed {
    #[get("/a")]
    async fn a(&self) -> api_client::Result<()>;

    #[get("/b")]
    #[error(Problem)]
    async fn b(&self) -> api_client::Result<()>;
}

#[tokio::test]
async fn typed_error_documents_with_a_raw_fallback() {
    let server = MockServer::start().await;
    Mock::given(path("/a"))
        .respond_with(
            ResponseTemplate::new(422).set_body_json(json!({"message": "bad", "code": 7})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/a"))
        .respond_with(
            ResponseTemplate::new(400).set_body_raw("<html>proxy says no</html>", "text/html"),
        )
        .mount(&server)
        .await;
    Mock::given(path("/b"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_raw(r#"{"title":"nope"}"#, "application/problem+json"),
        )
        .mount(&server)
        .await;
    let c = TypedClient::builder()
        .base_url(server.uri())
        .build()
        .unwrap();
    let err = c.a().await.unwrap_err();
    assert_eq!(
        err.api_error::<ApiError>(),
        Some(&ApiError {
            message: "bad".into(),
            code: 7
        })
    );
    assert!(format!("{err:?}").contains("ApiError"));
    // An HTML page is no error document: the raw body is still there.
    let err = c.a().await.unwrap_err();
    assert_eq!(err.api_error::<ApiError>(), None);
    assert_eq!(&err.body().unwrap()[..], b"<html>proxy says no</html>");
    assert!(
        err.to_string()
            .ends_with("HTTP 400 Bad Request: <html>proxy says no</html>"),
        "{err}"
    );
    // The method's own error type wins over the trait's.
    let err = c.b().await.unwrap_err();
    assert_eq!(
        err.api_error::<Problem>().map(|p| p.title.as_str()),
        Some("nope")
    );
    assert_eq!(err.api_error::<ApiError>(), None);
}

#[derive(Debug, serde::Deserialize, PartialEq)]
pub struct Invalid {
    pub errors: Vec<String>,
}

#[api_client::api]
pub trait ByStatus {
    #[post("/c")]
    #[error(422 => Invalid, 404 | 410 => Problem, 500..=599 => ApiError)]
    async fn c(&self) -> api_client::Result<()>;

    #[get("/d")]
    #[error(404 => Problem, _ => ApiError)]
    async fn d(&self) -> api_client::Result<()>;
}

#[tokio::test]
async fn an_error_document_per_status() {
    let server = MockServer::start().await;
    let answers = [
        (422, json!({"errors": ["name is taken"]})),
        (410, json!({"title": "gone"})),
        (503, json!({"message": "later", "code": 3})),
        // No arm matches 400: only the raw body is kept.
        (400, json!({"title": "unmatched"})),
    ];
    for (status, body) in answers {
        Mock::given(path("/c"))
            .respond_with(ResponseTemplate::new(status).set_body_json(body))
            .up_to_n_times(1)
            .mount(&server)
            .await;
    }
    Mock::given(path("/d"))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({"message": "m", "code": 9})))
        .mount(&server)
        .await;
    let c = ByStatusClient::builder()
        .base_url(server.uri())
        .no_retry()
        .build()
        .unwrap();
    let err = c.c().await.unwrap_err();
    assert_eq!(
        err.api_error::<Invalid>().unwrap().errors,
        ["name is taken"]
    );
    assert_eq!(err.api_error::<Problem>(), None);
    let err = c.c().await.unwrap_err();
    assert_eq!(err.api_error::<Problem>().unwrap().title, "gone");
    let err = c.c().await.unwrap_err();
    assert_eq!(err.api_error::<ApiError>().unwrap().code, 3);
    let err = c.c().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
    assert_eq!(err.api_error::<Problem>(), None);
    assert!(err.body_json::<Problem>().is_some(), "the raw body is kept");
    // `_` takes every status the arms before it do not.
    let err = c.d().await.unwrap_err();
    assert_eq!(err.api_error::<ApiError>().unwrap().code, 9);
}

#[tokio::test]
async fn a_reqwest_client_of_your_own() {
    let server = MockServer::start().await;
    Mock::given(path("/users/a"))
        .and(wiremock::matchers::header("user-agent", "mine/1.0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"login": "a", "id": 1})))
        .expect(1)
        .mount(&server)
        .await;
    let http = api_client::reqwest::Client::builder()
        .user_agent("mine/1.0")
        .build()
        .unwrap();
    let gh = GitHubClient::builder()
        .base_url(server.uri())
        .with_reqwest_client(http.clone())
        .build()
        .unwrap();
    assert_eq!(gh.user("a").await.unwrap().id, 1);
    let err = GitHubClient::builder()
        .with_reqwest_client(http)
        .connect_timeout(std::time::Duration::from_secs(1))
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("`.connect_timeout(…)` does not apply"),
        "{err}"
    );
}

#[tokio::test]
async fn pool_settings_build_a_working_client() {
    let server = MockServer::start().await;
    Mock::given(path("/users/a"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"login": "a", "id": 1})))
        .mount(&server)
        .await;
    let gh = GitHubClient::builder()
        .base_url(server.uri())
        .pool_max_idle_per_host(4)
        .pool_idle_timeout(Some(std::time::Duration::from_secs(30)))
        .tcp_keepalive(Some(std::time::Duration::from_secs(60)))
        .http2_adaptive_window(true)
        .build()
        .unwrap();
    assert_eq!(gh.user("a").await.unwrap().id, 1);
}
