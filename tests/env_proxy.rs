//! Proxies from the environment, decided per destination (issue 13): with
//! `HTTP_PROXY` set and `NO_PROXY` covering the destination the request
//! goes direct; without `NO_PROXY` it goes through the proxy; `no_proxy()`
//! ignores the environment. A test binary of its own: the environment is
//! the process's, and no other test runs beside this one.

use api_client::{Result, api};
use serde_json::{Value, json};
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[api]
pub trait Target {
    #[get("/where")]
    async fn where_(&self) -> Result<Value>;
}

async fn answering(name: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/where"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({ "answered_by": name })))
        .mount(&server)
        .await;
    server
}

fn set(name: &str, value: Option<&str>) {
    // SAFETY: this binary's only test runs alone, before any other thread
    // of it reads the environment.
    unsafe {
        match value {
            Some(value) => std::env::set_var(name, value),
            None => std::env::remove_var(name),
        }
    }
}

#[tokio::test]
async fn the_environment_decides_per_destination() {
    for name in ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"] {
        set(name, None);
        set(&name.to_ascii_lowercase(), None);
    }
    // wiremock stands in for a forward proxy: it answers absolute-form
    // requests itself.
    let proxy = answering("proxy").await;
    let target = answering("target").await;
    set("HTTP_PROXY", Some(&proxy.uri()));

    set("NO_PROXY", Some("localhost,127.0.0.1"));
    let client = TargetClient::builder()
        .base_url(target.uri())
        .build()
        .unwrap();
    assert_eq!(client.where_().await.unwrap()["answered_by"], "target");

    set("NO_PROXY", None);
    let client = TargetClient::builder()
        .base_url(target.uri())
        .build()
        .unwrap();
    assert_eq!(client.where_().await.unwrap()["answered_by"], "proxy");
    let asked = &proxy.received_requests().await.unwrap()[0];
    assert_eq!(asked.url.port(), Some(target.address().port()));

    // A suffix in NO_PROXY, lower-case variables.
    set("HTTP_PROXY", None);
    set("http_proxy", Some(&proxy.uri()));
    set("no_proxy", Some(".invalid,127.0.0.0/8"));
    let client = TargetClient::builder()
        .base_url(target.uri())
        .build()
        .unwrap();
    assert_eq!(client.where_().await.unwrap()["answered_by"], "target");
    set("no_proxy", None);

    // `no_proxy()` ignores the environment.
    let client = TargetClient::builder()
        .base_url(target.uri())
        .no_proxy()
        .build()
        .unwrap();
    assert_eq!(client.where_().await.unwrap()["answered_by"], "target");
    assert_eq!(proxy.received_requests().await.unwrap().len(), 1);
}
