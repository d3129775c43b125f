//! Every URL a user can read comes from one redacted source (issue 13):
//! `Response::url`, `ByteStream::url`, `Error::url`, an error's `Display`
//! and the call's span, for each return type, on success and on failure.

use api_client::{ByteStream, Response, Result, api};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[api]
pub trait Shop {
    #[get("/<kind>")]
    async fn value(&self, kind: &str, #[query] q: &str) -> Result<Value>;

    #[get("/<kind>")]
    async fn meta(&self, kind: &str, #[query] q: &str) -> Result<Response<Value>>;

    #[get("/<kind>")]
    async fn stream(&self, kind: &str, #[query] q: &str) -> Result<ByteStream>;

    #[get("/<kind>")]
    async fn maybe(&self, kind: &str, #[query] q: &str) -> Result<Option<Value>>;

    #[get("/<kind>")]
    async fn text(&self, kind: &str, #[query] q: &str) -> Result<String>;

    #[get("/<kind>")]
    async fn unit(&self, kind: &str, #[query] q: &str) -> Result<()>;
}

/// What a user may read of a URL: the user's own query (`q`) stays on a
/// response's URL, the key never appears, and errors mask query values.
fn check_response_url(url: &api_client::Url) {
    let text = url.as_str();
    assert!(
        !text.contains("qk-secret") && !text.contains("api_key"),
        "{text}"
    );
    assert!(
        text.contains("q=mine"),
        "the user's own query stays: {text}"
    );
}

fn check_error(error: &api_client::Error) {
    let url = error
        .url()
        .expect("an error of a sent call has its URL")
        .as_str();
    assert!(
        !url.contains("qk-secret") && !url.contains("api_key"),
        "{url}"
    );
    assert!(url.contains("q=***"), "errors mask query values: {url}");
    let shown = format!("{error} {error:?}");
    assert!(
        !shown.contains("qk-secret") && !shown.contains("mine"),
        "{shown}"
    );
}

#[tokio::test]
async fn every_return_type_shows_the_url_from_one_redacted_source() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/ok"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/garbled"))
        .respond_with(ResponseTemplate::new(200).set_body_raw("{not json", "application/json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/broken"))
        .respond_with(ResponseTemplate::new(500).set_body_string("down"))
        .mount(&server)
        .await;
    let (logs, _guard) = crate::support::capture_debug_logs();
    let c = ShopClient::builder()
        .base_url(server.uri())
        .no_proxy()
        .no_retry()
        .api_key_query("api_key", "qk-secret")
        .build()
        .unwrap();

    check_response_url(c.meta("ok", "mine").await.unwrap().url());
    check_response_url(c.stream("ok", "mine").await.unwrap().url());
    c.value("ok", "mine").await.unwrap();
    c.maybe("ok", "mine").await.unwrap();
    c.text("ok", "mine").await.unwrap();
    c.unit("ok", "mine").await.unwrap();

    // A status error, for each return type.
    check_error(&c.value("broken", "mine").await.unwrap_err());
    check_error(&c.meta("broken", "mine").await.unwrap_err());
    check_error(&c.stream("broken", "mine").await.unwrap_err());
    check_error(&c.maybe("broken", "mine").await.unwrap_err());
    check_error(&c.text("broken", "mine").await.unwrap_err());
    check_error(&c.unit("broken", "mine").await.unwrap_err());
    // A body that does not decode: the error is made after the attempts.
    check_error(&c.value("garbled", "mine").await.unwrap_err());
    check_error(&c.meta("garbled", "mine").await.unwrap_err());

    let logs = logs.text();
    assert!(!logs.contains("qk-secret"), "{logs}");
    assert!(!logs.contains("q=mine"), "logs mask query values: {logs}");
    let spans = logs.matches("url.full=").count();
    assert!(spans >= 8, "the call span records its URL: {logs}");
    assert!(logs.contains("/broken?q=***"), "{logs}");
}
