//! `#[idempotency_key]`: a new key per call, the same on every retry of
//! the call, and a POST that may therefore be retried.

use api_client::{Result, api};
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[api]
pub trait Payments {
    #[post("/charges")]
    #[idempotency_key]
    #[retry(attempts = 3)]
    async fn charge(&self, #[query] amount: u32) -> Result<serde_json::Value>;

    #[post("/refunds")]
    #[idempotency_key("X-Request-Key")]
    async fn refund(&self, #[header("X-Request-Key")] key: Option<&str>) -> Result<()>;
}

fn keys(requests: &[wiremock::Request], name: &str) -> Vec<String> {
    requests
        .iter()
        .map(|r| r.headers.get(name).unwrap().to_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn one_key_per_call_the_same_for_each_retry() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&server)
        .await;
    let client = PaymentsClient::builder()
        .base_url(server.uri())
        .retry(api_client::RetryPolicy::default().backoff(
            std::time::Duration::from_millis(1),
            std::time::Duration::from_millis(2),
        ))
        .build()
        .unwrap();
    client.charge(5).await.unwrap();
    client.charge(6).await.unwrap();
    let requests = server.received_requests().await.unwrap();
    assert_eq!(
        requests.len(),
        3,
        "the 503 was retried: a POST with a key may be"
    );
    let keys = keys(&requests, "idempotency-key");
    assert_eq!(keys[0], keys[1], "a retry sends the call's key again");
    assert_ne!(keys[1], keys[2], "each call has its own");
    assert_eq!(keys[0].len(), 36);
    assert_eq!(&keys[0][14..15], "4");
}

#[tokio::test]
async fn a_named_header_and_a_key_the_caller_gives() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let client = PaymentsClient::builder()
        .base_url(server.uri())
        .build()
        .unwrap();
    client.refund(None).await.unwrap();
    client.refund(Some("mine-1")).await.unwrap();
    let keys = keys(&server.received_requests().await.unwrap(), "x-request-key");
    assert_eq!(keys[0].len(), 36);
    assert_eq!(keys[1], "mine-1");
}

#[tokio::test]
async fn a_mock_expects_any_key() {
    let server = MockServer::start().await;
    let mock = PaymentsMock::new(&server);
    mock.charge(5).returns(&json!({"ok": true})).mount().await;
    let client = PaymentsClient::builder()
        .base_url(server.uri())
        .build()
        .unwrap();
    assert_eq!(client.charge(5).await.unwrap(), json!({"ok": true}));
}
