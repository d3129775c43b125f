//! Retry behaviours (the spec's list): which failures are retried, for which
//! methods, how long the client waits, and the budget.

use std::time::{Duration, Instant};

use api_client::{ErrorKind, Result, RetryPolicy, api, retry::RetryBudget};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::misbehaving::{self, Behaviour};

#[api]
pub trait Flaky {
    #[get("/item")]
    async fn get(&self) -> Result<serde_json::Value>;

    #[post("/item")]
    async fn create(&self, #[body] body: &serde_json::Value) -> Result<serde_json::Value>;

    #[post("/item")]
    #[idempotent]
    async fn create_idempotent(
        &self,
        #[body] body: &serde_json::Value,
    ) -> Result<serde_json::Value>;

    #[post("/item")]
    async fn create_keyed(
        &self,
        #[header("Idempotency-Key")] key: &str,
        #[body] body: &serde_json::Value,
    ) -> Result<serde_json::Value>;

    #[get("/item")]
    #[retry(off)]
    async fn get_once(&self) -> Result<serde_json::Value>;

    #[get("/item")]
    #[retry(attempts = 5)]
    async fn get_five(&self) -> Result<serde_json::Value>;
}

/// Fast, deterministic backoff for tests: 1 ms then 2 ms…
fn fast() -> RetryPolicy {
    RetryPolicy::default()
        .backoff(Duration::from_millis(1), Duration::from_millis(10))
        .jitter(|| 1.0)
}

fn client(base: &str) -> FlakyClient {
    FlakyClient::builder()
        .base_url(base)
        .retry(fast())
        .build()
        .unwrap()
}

/// Answers `first` for the first `times` requests, then 200 `{"ok":true}`.
async fn scripted(first: ResponseTemplate, times: u64) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path("/item"))
        .respond_with(first)
        .up_to_n_times(times)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(path("/item"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&server)
        .await;
    server
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.unwrap().len()
}

#[tokio::test]
async fn get_503_then_200_succeeds_on_the_second_attempt() {
    let server = scripted(ResponseTemplate::new(503), 1).await;
    let value = client(&server.uri()).get().await.unwrap();
    assert_eq!(value, json!({"ok": true}));
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn post_is_not_retried_unless_idempotent_or_keyed() {
    let server = scripted(ResponseTemplate::new(503), 100).await;
    let c = client(&server.uri());
    let err = c.create(&json!({"a": 1})).await.unwrap_err();
    assert_eq!(
        (err.status().map(|s| s.as_u16()), err.attempts()),
        (Some(503), 1)
    );
    assert_eq!(requests(&server).await, 1);

    let err = c.create_idempotent(&json!({"a": 1})).await.unwrap_err();
    assert_eq!(err.attempts(), 3, "{err}");
    assert!(
        err.to_string()
            .ends_with("HTTP 503 Service Unavailable (after 3 attempts)"),
        "{err}"
    );
    assert_eq!(requests(&server).await, 4);

    c.create_keyed("key-1", &json!({"a": 1})).await.unwrap_err();
    assert_eq!(requests(&server).await, 7);
}

#[tokio::test]
async fn every_retry_resends_identical_body_bytes() {
    let server = scripted(ResponseTemplate::new(502), 2).await;
    let body = json!({"name": "ü", "n": [1, 2, 3]});
    client(&server.uri())
        .create_idempotent(&body)
        .await
        .unwrap();
    let received = server.received_requests().await.unwrap();
    assert_eq!(received.len(), 3);
    assert!(
        received
            .iter()
            .all(|r| r.body == received[0].body && r.method.as_str() == "POST")
    );
    assert_eq!(
        serde_json::from_slice::<serde_json::Value>(&received[0].body).unwrap(),
        body
    );
}

#[tokio::test]
async fn connect_failures_are_retried_for_every_method() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let err = client(&base).create(&json!({})).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect);
    assert_eq!(err.attempts(), 3);
}

#[tokio::test]
async fn final_statuses_are_not_retried_and_408_429_are() {
    for status in [400u16, 401, 403, 404, 409, 422, 501] {
        let server = scripted(ResponseTemplate::new(status), 100).await;
        let err = client(&server.uri()).get().await.unwrap_err();
        assert_eq!(
            (err.status().unwrap().as_u16(), err.attempts()),
            (status, 1)
        );
        assert_eq!(requests(&server).await, 1, "{status}");
    }
    for status in [408u16, 429] {
        let server = scripted(ResponseTemplate::new(status), 1).await;
        client(&server.uri()).get().await.unwrap();
        assert_eq!(requests(&server).await, 2, "{status}");
    }
}

#[tokio::test]
async fn retry_after_seconds_is_honoured() {
    let server = scripted(
        ResponseTemplate::new(429).insert_header("retry-after", "1"),
        1,
    )
    .await;
    let started = Instant::now();
    client(&server.uri()).get().await.unwrap();
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(1), "{waited:?}");
    assert!(waited < Duration::from_secs(10), "{waited:?}");
}

#[tokio::test]
async fn retry_after_as_a_past_http_date_falls_back_to_backoff() {
    let server = scripted(
        ResponseTemplate::new(503).insert_header("retry-after", "Mon, 03 Jun 2019 11:30:12 GMT"),
        1,
    )
    .await;
    let started = Instant::now();
    client(&server.uri()).get().await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn retry_after_too_long_fails_at_once_with_the_delay() {
    let server = scripted(
        ResponseTemplate::new(503).insert_header("retry-after", "3600"),
        100,
    )
    .await;
    let started = Instant::now();
    let err = client(&server.uri()).get().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert_eq!(err.attempts(), 1);
    assert!(
        err.to_string()
            .contains("the server asked to retry after 1 h"),
        "{err}"
    );
}

#[tokio::test]
async fn retry_after_as_a_future_http_date_is_waited_for() {
    let at = std::time::SystemTime::now() + Duration::from_secs(3);
    let server = scripted(
        ResponseTemplate::new(503)
            .insert_header("retry-after", httpdate::fmt_http_date(at).as_str()),
        1,
    )
    .await;
    let started = Instant::now();
    client(&server.uri()).get().await.unwrap();
    // HTTP-dates have a one-second resolution, and the real clock goes on while
    // the server starts: between 2 and 3 s, with room for a loaded machine.
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_secs(1) && waited < Duration::from_secs(5),
        "{waited:?}"
    );
}

#[tokio::test]
async fn an_invalid_retry_after_is_ignored() {
    let server = scripted(
        ResponseTemplate::new(503).insert_header("retry-after", "abc"),
        1,
    )
    .await;
    client(&server.uri()).get().await.unwrap();
    assert_eq!(requests(&server).await, 2);
}

#[tokio::test]
async fn the_deadline_spans_attempts_and_backoff() {
    let server = scripted(ResponseTemplate::new(503), 100).await;
    // Backoff 500 ms then 1 s: the second sleep would pass the 1 s deadline.
    let c = FlakyClient::builder()
        .base_url(server.uri())
        .retry(RetryPolicy::default().attempts(10).jitter(|| 1.0))
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = c.get().await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(1100),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(err.attempts(), 2);
}

#[tokio::test]
async fn a_drained_budget_stops_retries_and_successes_refill_it() {
    let server = scripted(ResponseTemplate::new(503), 3).await;
    let c = FlakyClient::builder()
        .base_url(server.uri())
        .retry(fast())
        .retry_budget(Some(RetryBudget::new(5)))
        .build()
        .unwrap();
    // First call: one retry (5 tokens) then the budget is empty.
    let err = c.get().await.unwrap_err();
    assert_eq!(err.attempts(), 2);
    // Second call: 503, no tokens for a retry.
    let err = c.clone().get().await.unwrap_err();
    assert_eq!(err.attempts(), 1);
    assert_eq!(requests(&server).await, 3);
}

#[tokio::test]
async fn per_endpoint_retry_declarations() {
    let server = scripted(ResponseTemplate::new(503), 100).await;
    let c = client(&server.uri());
    assert_eq!(c.get_once().await.unwrap_err().attempts(), 1);
    assert_eq!(c.get_five().await.unwrap_err().attempts(), 5);
    assert_eq!(
        c.with_retry(RetryPolicy::none())
            .get()
            .await
            .unwrap_err()
            .attempts(),
        1
    );
    let no_retry = FlakyClient::builder()
        .base_url(server.uri())
        .no_retry()
        .build()
        .unwrap();
    assert_eq!(no_retry.get().await.unwrap_err().attempts(), 1);
    assert_eq!(requests(&server).await, 8);
}

#[tokio::test]
async fn decode_errors_are_never_retried() {
    let server = scripted(
        ResponseTemplate::new(200).set_body_raw("{not json", "application/json"),
        100,
    )
    .await;
    let err = client(&server.uri()).get().await.unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Decode, 1));
    assert_eq!(requests(&server).await, 1);
}

#[tokio::test]
async fn truncated_bodies_are_retried_for_get_not_post() {
    let server = misbehaving::start(Behaviour::TruncatedBody).await;
    let c = client(&server.base);
    let err = c.get().await.unwrap_err();
    assert_eq!(
        (err.kind(), err.attempts()),
        (ErrorKind::Body, 3),
        "{err:?}"
    );
    let before = server.connections();
    let err = c.create(&json!({})).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.attempts()),
        (ErrorKind::Body, 1),
        "{err:?}"
    );
    assert_eq!(server.connections(), before + 1);
}

#[tokio::test]
async fn a_connection_closed_before_the_response_is_a_transport_error() {
    let server = misbehaving::start(Behaviour::CloseBeforeResponse).await;
    let c = client(&server.base);
    let err = c.get().await.unwrap_err();
    assert_eq!(
        (err.kind(), err.attempts()),
        (ErrorKind::Transport, 3),
        "{err:?}"
    );
    let err = c.create(&json!({})).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.attempts()),
        (ErrorKind::Transport, 1),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_storm_of_concurrent_calls_shares_one_pool() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .expect(50)
        .mount(&server)
        .await;
    let c = client(&server.uri());
    let calls: Vec<_> = (0..50)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.get().await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
}

/// tokio's paused clock: a 20 s `Retry-After` and a 20 s backoff are
/// waited for in virtual time, so the test takes milliseconds. The server
/// runs on the same runtime, so waiting for it never idles the clock.
#[tokio::test(start_paused = true)]
async fn long_waits_run_in_virtual_time() {
    let server = misbehaving::start(Behaviour::Script(&[503, 500, 200])).await;
    let c = FlakyClient::builder()
        .base_url(&server.base)
        .retry(
            RetryPolicy::default()
                .backoff(Duration::from_secs(20), Duration::from_secs(20))
                .jitter(|| 1.0),
        )
        .timeout(Duration::from_secs(120))
        .build()
        .unwrap();
    let real = Instant::now();
    let virtual_start = tokio::time::Instant::now();
    assert_eq!(c.get().await.unwrap(), json!({}));
    // 20 s asked by Retry-After, then a 20 s backoff.
    let waited = virtual_start.elapsed();
    assert!(
        waited >= Duration::from_secs(40) && waited < Duration::from_secs(41),
        "{waited:?}"
    );
    assert!(
        real.elapsed() < Duration::from_secs(10),
        "{:?}",
        real.elapsed()
    );
}
