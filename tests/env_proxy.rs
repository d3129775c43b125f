//! Proxies from the environment, decided per destination (issue 13): with
//! `HTTP_PROXY` set and `NO_PROXY` covering the destination the request
//! goes direct; without `NO_PROXY` it goes through the proxy; `no_proxy()`
//! ignores the environment. A test binary of its own: the environment is
//! the process's, and no other test runs beside this one.
//!
//! The security model's rule 7 (curl's reading of the environment) and
//! the environment's half of rule 2 (a proxy's credentials are scrubbed)
//! are here too.

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

    curl_s_reading(&proxy, &target).await;
    credentials_from_the_environment_are_scrubbed(&target).await;
}

/// `NO_PROXY=*` means no proxy at all (IP destinations included); a name
/// with a trailing dot matches the name; an unusable proxy variable is an
/// error at `build()` that names it, never silence.
async fn curl_s_reading(proxy: &MockServer, target: &MockServer) {
    set("http_proxy", None);
    set("HTTP_PROXY", Some(&proxy.uri()));
    let asked_before = proxy.received_requests().await.unwrap().len();
    set("NO_PROXY", Some("*"));
    let client = TargetClient::builder()
        .base_url(target.uri())
        .build()
        .unwrap();
    assert_eq!(client.where_().await.unwrap()["answered_by"], "target");
    set("NO_PROXY", Some("localhost."));
    let port = target.address().port();
    let client = TargetClient::builder()
        .base_url(format!("http://localhost:{port}"))
        .build()
        .unwrap();
    assert_eq!(client.where_().await.unwrap()["answered_by"], "target");
    assert_eq!(proxy.received_requests().await.unwrap().len(), asked_before);
    set("NO_PROXY", None);

    for bad in [
        "http://[::bad",
        "socks4://127.0.0.1:1080",
        "ftp://u:hunter2@h",
    ] {
        set("HTTP_PROXY", Some(bad));
        let err = TargetClient::builder()
            .base_url(target.uri())
            .build()
            .expect_err("an unusable HTTP_PROXY is refused");
        let text = err.to_string();
        assert!(text.contains("`HTTP_PROXY`"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        // `.no_proxy()` ignores the environment, bad values included.
        let client = TargetClient::builder()
            .base_url(target.uri())
            .no_proxy()
            .build()
            .unwrap();
        assert_eq!(client.where_().await.unwrap()["answered_by"], "target");
    }
    set("HTTP_PROXY", None);
}

/// A proxy named by `HTTP_PROXY` that quotes the request head in its
/// answer: its credentials are not printed.
async fn credentials_from_the_environment_are_scrubbed(target: &MockServer) {
    let quoting = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(|request: &wiremock::Request| {
            ResponseTemplate::new(502).set_body_string(format!("{:?}", request.headers))
        })
        .mount(&quoting)
        .await;
    let with_credentials = quoting
        .uri()
        .replace("http://", "http://envuser:envpass-0014@");
    set("HTTP_PROXY", Some(&with_credentials));
    let client = TargetClient::builder()
        .base_url(target.uri())
        .no_retry()
        .build()
        .unwrap();
    let err = client.where_().await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(502), "{err}");
    use base64::Engine as _;
    let pair = base64::engine::general_purpose::STANDARD.encode("envuser:envpass-0014");
    let asked = format!(
        "{:?}",
        quoting.received_requests().await.unwrap()[0].headers
    );
    assert!(
        asked.contains(&pair),
        "the proxy got its credentials: {asked}"
    );
    let printed = format!("{err} {err:?}");
    assert!(
        !printed.contains("envpass-0014") && !printed.contains(&pair),
        "{printed}"
    );
    set("HTTP_PROXY", None);
}
