//! Time limits: each phase reported, with its limit; the deadline spans
//! attempts; per-endpoint and per-call overrides.

use std::time::{Duration, Instant};

use api_client::{ErrorKind, Result, RetryPolicy, TimeoutPhase, api};

use crate::misbehaving::{self, Behaviour};

#[api]
pub trait Slow {
    #[get("/x")]
    async fn get(&self) -> Result<serde_json::Value>;

    #[get("/x")]
    #[timeout(total = "300ms")]
    async fn get_quick(&self) -> Result<serde_json::Value>;

    #[post("/x")]
    async fn post(&self) -> Result<serde_json::Value>;
}

fn builder(base: &str) -> api_client::ClientBuilder<SlowClient> {
    SlowClient::builder()
        .base_url(base)
        .retry(RetryPolicy::none())
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[tokio::test]
async fn a_silent_server_is_a_response_headers_timeout() {
    let server = misbehaving::start(Behaviour::Stall).await;
    let c = builder(&server.base).read_timeout(ms(300)).build().unwrap();
    let started = Instant::now();
    let err = c.get().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(err.timeout_phase(), Some(TimeoutPhase::ResponseHeaders));
    assert_eq!(err.timeout_limit(), Some(ms(300)));
    assert!(
        err.to_string()
            .contains("timed out waiting for the response headers after"),
        "{err}"
    );
}

#[tokio::test]
async fn a_stalled_body_is_a_body_timeout() {
    let server = misbehaving::start(Behaviour::HeadersThenStall).await;
    let c = builder(&server.base).read_timeout(ms(300)).build().unwrap();
    let err = c.get().await.unwrap_err();
    assert_eq!(err.timeout_phase(), Some(TimeoutPhase::Body), "{err:?}");
    assert_eq!(err.timeout_limit(), Some(ms(300)));
}

#[tokio::test]
async fn a_tls_handshake_that_never_ends_is_a_connect_timeout() {
    let server = misbehaving::start(Behaviour::Silent).await;
    let https = server.base.replace("http://", "https://");
    let c = builder(&https).connect_timeout(ms(300)).build().unwrap();
    let err = c.get().await.unwrap_err();
    assert_eq!(err.timeout_phase(), Some(TimeoutPhase::Connect), "{err:?}");
    assert_eq!(err.timeout_limit(), Some(ms(300)));
}

#[tokio::test]
async fn the_total_deadline_bounds_every_attempt() {
    let server = misbehaving::start(Behaviour::Stall).await;
    let c = SlowClient::builder()
        .base_url(&server.base)
        .retry(RetryPolicy::default().attempts(10).backoff(ms(1), ms(1)))
        .attempt_timeout(ms(300))
        .timeout(Duration::from_secs(1))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = c.get().await.unwrap_err();
    let took = started.elapsed();
    assert!(took >= ms(900) && took < ms(2500), "{took:?}");
    assert!(err.attempts() <= 4, "{err:?}");
    assert_eq!(err.timeout_phase(), Some(TimeoutPhase::Deadline), "{err:?}");
    assert_eq!(err.timeout_limit(), Some(Duration::from_secs(1)));
}

#[tokio::test]
async fn per_call_and_per_endpoint_deadlines_override_the_client() {
    let server = misbehaving::start(Behaviour::Stall).await;
    let c = builder(&server.base)
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = c.with_timeout(ms(300)).get().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        (err.timeout_phase(), err.timeout_limit()),
        (Some(TimeoutPhase::Deadline), Some(ms(300)))
    );

    let err = c.get_quick().await.unwrap_err();
    assert_eq!(
        (err.timeout_phase(), err.timeout_limit()),
        (Some(TimeoutPhase::Deadline), Some(ms(300)))
    );

    // Longer than the client's, too.
    let short = builder(&server.base).timeout(ms(200)).build().unwrap();
    let started = Instant::now();
    let err = short.with_timeout(ms(600)).get().await.unwrap_err();
    assert!(started.elapsed() >= ms(550), "{:?}", started.elapsed());
    assert_eq!(err.timeout_limit(), Some(ms(600)));
}

#[tokio::test]
async fn a_timed_out_post_is_not_retried() {
    let server = misbehaving::start(Behaviour::Stall).await;
    let c = SlowClient::builder()
        .base_url(&server.base)
        .retry(RetryPolicy::default().backoff(ms(1), ms(1)))
        .read_timeout(ms(200))
        .build()
        .unwrap();
    let err = c.post().await.unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Timeout, 1));
    let err = c.get().await.unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Timeout, 3));
}

#[tokio::test]
async fn a_trickling_body_passes_the_read_limit_but_not_the_deadline() {
    let server = misbehaving::start(Behaviour::Trickle).await;
    // 100 ms between bytes is within a 500 ms read limit: the call succeeds.
    let c = builder(&server.base).read_timeout(ms(500)).build().unwrap();
    assert_eq!(
        c.get().await.unwrap(),
        serde_json::json!(1234567890123456u64)
    );
    // The whole body takes 1.6 s: a 500 ms deadline cuts it.
    let err = c.with_timeout(ms(500)).get().await.unwrap_err();
    assert_eq!(
        (err.timeout_phase(), err.timeout_limit()),
        (Some(TimeoutPhase::Deadline), Some(ms(500)))
    );
}

#[tokio::test]
async fn a_per_call_attempt_limit_bounds_each_attempt_within_the_deadline() {
    let server = misbehaving::start(Behaviour::Stall).await;
    let c = SlowClient::builder()
        .base_url(&server.base)
        .retry(RetryPolicy::default().attempts(2).backoff(ms(1), ms(1)))
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = c.with_attempt_timeout(ms(200)).get().await.unwrap_err();
    // Two attempts of 200 ms each, far inside the 20 s deadline.
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    assert_eq!((err.attempts(), err.timeout_limit()), (2, Some(ms(200))));
    assert_eq!(err.timeout_phase(), Some(TimeoutPhase::ResponseHeaders));
}

#[tokio::test]
async fn an_error_body_that_stalls_is_cut_by_the_read_limit_and_kept() {
    let server = misbehaving::start(Behaviour::ErrorThenStall).await;
    let c = builder(&server.base).read_timeout(ms(300)).build().unwrap();
    let started = Instant::now();
    let err = c.get().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    // The status is the error; what of the body arrived is kept.
    assert_eq!(err.kind(), ErrorKind::Status, "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(
        err.body().map(|b| &b[..]),
        Some(&b"{\"error\":\"b"[..]),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_read_limit_applies_to_a_client_given_with_reqwest() {
    let server = misbehaving::start(Behaviour::Stall).await;
    let own = api_client::reqwest::Client::builder().build().unwrap();
    let c = builder(&server.base)
        .with_reqwest_client(own)
        .read_timeout(ms(300))
        .build()
        .unwrap();
    let started = Instant::now();
    let err = c.get().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(
        (err.timeout_phase(), err.timeout_limit()),
        (Some(TimeoutPhase::ResponseHeaders), Some(ms(300)))
    );
}

#[tokio::test]
async fn limits_too_large_for_the_clock_mean_no_limit_not_a_panic() {
    let server = misbehaving::start(Behaviour::Trickle).await;
    let c = builder(&server.base)
        .read_timeout(Duration::MAX)
        .timeout(Duration::MAX)
        .attempt_timeout(Duration::MAX)
        .build()
        .unwrap();
    assert_eq!(
        c.with_timeout(Duration::MAX).get().await.unwrap(),
        serde_json::json!(1234567890123456u64)
    );
}

#[tokio::test]
async fn a_time_out_of_a_given_reqwest_client_is_a_timeout_without_our_limit() {
    let server = misbehaving::start(Behaviour::Stall).await;
    let own = api_client::reqwest::Client::builder()
        .timeout(ms(300))
        .build()
        .unwrap();
    let c = builder(&server.base)
        .with_reqwest_client(own)
        .build()
        .unwrap();
    let started = Instant::now();
    let err = c.get().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err:?}");
    assert_eq!(err.timeout_phase(), Some(TimeoutPhase::ResponseHeaders));
    // The limit was that client's own: not one of ours to report.
    assert_eq!(err.timeout_limit(), None);
}
