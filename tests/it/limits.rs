//! Being a good citizen of someone else's API (issue 15): the client's
//! rate limit, the server's announced quota, the concurrency limit and the
//! circuit breaker, on tokio's paused clock against a server that runs on
//! the same runtime (so waiting for it never idles the clock).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use api_client::{
    ErrorKind, Result, api, limits::CircuitBreaker, limits::CircuitState, limits::RateLimit,
};
use tokio::time::Instant;

#[api]
pub trait Quota {
    #[get("/item")]
    async fn item(&self) -> Result<String>;
}

/// What the server answers to its n-th request (from 0): a status, extra
/// headers, and how long it takes (virtual time).
type Script = dyn Fn(usize) -> (u16, Vec<(&'static str, String)>, Duration) + Send + Sync;

/// A server on the test's runtime: when each request arrived, and the most
/// requests it had in hand at once.
struct Server {
    base: String,
    arrivals: Arc<Mutex<Vec<Instant>>>,
    peak: Arc<AtomicUsize>,
}

impl Server {
    fn hits(&self) -> usize {
        self.arrivals.lock().unwrap().len()
    }

    fn gaps(&self) -> Vec<Duration> {
        let at = self.arrivals.lock().unwrap();
        at.windows(2).map(|w| w[1] - w[0]).collect()
    }
}

async fn serve(
    script: impl Fn(usize) -> (u16, Vec<(&'static str, String)>, Duration) + Send + Sync + 'static,
) -> Server {
    use hyper::service::service_fn;
    use hyper_util::rt::{TokioExecutor, TokioIo};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let peak = Arc::new(AtomicUsize::new(0));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let script: Arc<Script> = Arc::new(script);
    let (seen, top) = (arrivals.clone(), peak.clone());
    tokio::spawn(async move {
        // Bounded: no test makes more than a few dozen connections.
        for _ in 0..64 {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (seen, top, in_flight, script) =
                (seen.clone(), top.clone(), in_flight.clone(), script.clone());
            tokio::spawn(async move {
                let service = service_fn(move |_request| {
                    let (seen, top, in_flight, script) =
                        (seen.clone(), top.clone(), in_flight.clone(), script.clone());
                    async move {
                        let n = {
                            let mut seen = seen.lock().unwrap();
                            seen.push(Instant::now());
                            seen.len() - 1
                        };
                        let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                        top.fetch_max(now, Ordering::SeqCst);
                        let (status, headers, delay) = script(n);
                        tokio::time::sleep(delay).await;
                        in_flight.fetch_sub(1, Ordering::SeqCst);
                        let mut response = hyper::Response::builder().status(status);
                        for (name, value) in headers {
                            response = response.header(name, value);
                        }
                        let body = http_body_util::Full::new(bytes::Bytes::from_static(b"ok"));
                        Ok::<_, std::convert::Infallible>(response.body(body).unwrap())
                    }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Server {
        base,
        arrivals,
        peak,
    }
}

fn ok(_: usize) -> (u16, Vec<(&'static str, String)>, Duration) {
    (200, Vec::new(), Duration::ZERO)
}

fn client(server: &Server) -> api_client::ClientBuilder<QuotaClient> {
    QuotaClient::builder()
        .base_url(&server.base)
        .no_proxy()
        .no_retry()
        .timeout(Duration::from_secs(120))
}

#[tokio::test(start_paused = true)]
async fn a_rate_limit_paces_calls_exactly_and_clones_share_it() {
    let server = serve(ok).await;
    let c = client(&server)
        .rate_limit(RateLimit::per_second(10))
        .build()
        .unwrap();
    let started = Instant::now();
    // Sequential calls, then concurrent ones from clones.
    for _ in 0..5 {
        c.item().await.unwrap();
    }
    let calls: Vec<_> = (0..5)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.item().await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    // 10 calls of a `10 per second` limit: 0.9 s, never less.
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(900), "{took:?}");
    assert!(took < Duration::from_millis(1000), "{took:?}");
    for gap in server.gaps() {
        assert!(gap >= Duration::from_millis(99), "{:?}", server.gaps());
    }
    assert!(format!("{:?}", c.session()).contains("rate_limit: Some(10 per 1 s)"));
}

#[tokio::test(start_paused = true)]
async fn a_wait_past_the_deadline_fails_at_once_sending_nothing() {
    let server = serve(ok).await;
    let c = client(&server)
        .rate_limit(RateLimit::per_minute(1))
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    c.item().await.unwrap();
    let started = Instant::now();
    let err = c.item().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
    assert_eq!(started.elapsed(), Duration::ZERO, "fails at once");
    assert_eq!(err.attempts(), 0, "{err}");
    let after = err.retry_after().unwrap();
    assert!(after > Duration::from_secs(59), "{after:?}");
    assert_eq!(server.hits(), 1, "the second call sent nothing");
}

/// Limits declared on the trait (the client's) and on one endpoint (its own).
#[api]
#[rate_limit(10 per second)]
pub trait Declared {
    #[get("/item")]
    async fn item(&self) -> Result<String>;

    #[get("/item")]
    #[rate_limit(2 per minute, burst = 2)]
    async fn search(&self) -> Result<String>;
}

fn declared(server: &Server) -> api_client::ClientBuilder<DeclaredClient> {
    DeclaredClient::builder()
        .base_url(&server.base)
        .no_proxy()
        .no_retry()
        .timeout(Duration::from_secs(120))
}

#[tokio::test(start_paused = true)]
async fn declared_limits_pace_the_client_and_their_endpoint() {
    let server = serve(ok).await;
    let c = declared(&server).build().unwrap();
    let debug = format!("{:?}", c.session());
    assert!(debug.contains("rate_limit: Some(10 per 1 s)"), "{debug}");
    assert!(
        debug.contains(r#"endpoint_rate_limits: {"search": 2 per 1 min (burst 2)}"#),
        "{debug}"
    );
    let started = Instant::now();
    for _ in 0..3 {
        c.item().await.unwrap();
    }
    assert_eq!(
        started.elapsed(),
        Duration::from_millis(200),
        "10 per second"
    );
    // The endpoint's burst of 2 goes at the client's pace; the third call
    // waits for the endpoint's next turn, 30 s after the first of them.
    let started = Instant::now();
    c.search().await.unwrap();
    c.clone().search().await.unwrap();
    assert!(started.elapsed() <= Duration::from_millis(200));
    let err = c
        .with_timeout(Duration::from_secs(10))
        .search()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
    assert!(err.to_string().contains("rate limit of `search`"), "{err}");
    c.search().await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(30),
        "{:?}",
        started.elapsed()
    );
    // The other endpoint is not held by it.
    let before = Instant::now();
    c.item().await.unwrap();
    assert!(before.elapsed() <= Duration::from_millis(100));
    assert_eq!(server.hits(), 7, "the refused call sent nothing");
}

#[tokio::test(start_paused = true)]
async fn the_builder_replaces_the_declared_client_limit() {
    let server = serve(ok).await;
    let c = declared(&server)
        .rate_limit(RateLimit::per_second(1))
        .build()
        .unwrap();
    let started = Instant::now();
    c.item().await.unwrap();
    c.item().await.unwrap();
    assert_eq!(started.elapsed(), Duration::from_secs(1));
}

/// Seconds since the epoch, `secs` from now (the server's clock is real).
fn epoch_in(secs: u64) -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
    (now.as_secs() + secs).to_string()
}

#[tokio::test(start_paused = true)]
async fn every_announced_form_pauses_the_following_calls_until_reset() {
    let forms: Vec<Vec<(&'static str, String)>> = vec![
        vec![
            ("x-ratelimit-limit", "5000".into()),
            ("x-ratelimit-remaining", "0".into()),
            ("x-ratelimit-reset", epoch_in(30)),
        ],
        vec![
            ("ratelimit-limit", "100".into()),
            ("ratelimit-remaining", "0".into()),
            ("ratelimit-reset", "30".into()),
        ],
        vec![("ratelimit", "limit=100, remaining=0, reset=30".into())],
        vec![
            ("ratelimit", "\"default\";r=0;t=30".into()),
            ("ratelimit-policy", "\"default\";q=100;w=60".into()),
        ],
    ];
    for headers in forms {
        let announced = headers.clone();
        let server = serve(move |n| {
            let headers = if n == 0 {
                announced.clone()
            } else {
                Vec::new()
            };
            (200, headers, Duration::ZERO)
        })
        .await;
        let c = client(&server).build().unwrap();
        c.item().await.unwrap();
        let quota = c.session().quota().expect("the quota was read");
        assert_eq!(quota.remaining(), Some(0), "{headers:?}");
        assert!(quota.limit().is_some(), "{headers:?}");
        let started = Instant::now();
        c.clone().item().await.unwrap();
        let waited = started.elapsed();
        // The epoch form is read against the real clock, which goes on while the
        // test runs (a loaded machine can take seconds): a generous lower bound.
        assert!(
            waited >= Duration::from_secs(20) && waited <= Duration::from_secs(31),
            "{headers:?}: {waited:?}"
        );
        assert_eq!(server.hits(), 2);
    }
}

#[tokio::test(start_paused = true)]
async fn a_429_pauses_the_next_calls_and_a_pause_past_the_deadline_fails_fast() {
    let server = serve(|n| match n {
        0 => (429, vec![("retry-after", "5".into())], Duration::ZERO),
        1 => (503, vec![("retry-after", "600".into())], Duration::ZERO),
        _ => (200, Vec::new(), Duration::ZERO),
    })
    .await;
    let c = client(&server).build().unwrap();
    assert_eq!(
        c.item().await.unwrap_err().status().map(|s| s.as_u16()),
        Some(429)
    );
    let started = Instant::now();
    // Waits the 5 s the 429 asked for, then gets the 503.
    assert_eq!(
        c.item().await.unwrap_err().status().map(|s| s.as_u16()),
        Some(503)
    );
    assert!(
        started.elapsed() >= Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    // 600 s is past the 120 s deadline: no wait, no request.
    let started = Instant::now();
    let err = c.item().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited, "{err}");
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(server.hits(), 2);
    // Turned off, the same answers do not pause anything.
    let server = serve(|n| match n {
        0 => (429, vec![("retry-after", "600".into())], Duration::ZERO),
        _ => (200, Vec::new(), Duration::ZERO),
    })
    .await;
    let c = client(&server).server_rate_limits(false).build().unwrap();
    c.item().await.unwrap_err();
    c.item().await.unwrap();
    assert!(c.session().quota().is_none());
}

#[tokio::test(start_paused = true)]
async fn the_concurrency_limit_never_lets_more_calls_in_flight() {
    let server = serve(|_| (200, Vec::new(), Duration::from_secs(1))).await;
    let c = client(&server).concurrency_limit(2).build().unwrap();
    let started = Instant::now();
    let calls: Vec<_> = (0..6)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.item().await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(server.peak.load(Ordering::SeqCst), 2);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(3) && took < Duration::from_secs(4),
        "{took:?}"
    );
    // A wait longer than the deadline fails, having sent nothing.
    let server = serve(|_| (200, Vec::new(), Duration::from_secs(3))).await;
    let slow = client(&server).concurrency_limit(1).build().unwrap();
    let first = tokio::spawn({
        let slow = slow.clone();
        async move { slow.item().await }
    });
    while server.hits() == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let err = slow
        .with_timeout(Duration::from_millis(500))
        .item()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    assert!(err.to_string().contains("call slots"), "{err}");
    first.await.unwrap().unwrap();
    let hits = 1;
    assert_eq!(server.hits(), hits, "the waiting call sent nothing");
}

#[tokio::test(start_paused = true)]
async fn the_breaker_opens_probes_and_closes() {
    // 500 × 3, then a failing probe, then successes.
    let server = serve(|n| {
        let status = if n < 4 { 500 } else { 200 };
        (status, Vec::new(), Duration::ZERO)
    })
    .await;
    let c = client(&server)
        .circuit_breaker(
            CircuitBreaker::new()
                .consecutive_failures(3)
                .cool_down(Duration::from_secs(10)),
        )
        .record_metrics(true)
        .build()
        .unwrap();
    let state = |c: &QuotaClient| c.session().circuit("item");
    for _ in 0..3 {
        assert_eq!(c.item().await.unwrap_err().kind(), ErrorKind::Status);
    }
    assert_eq!(state(&c), Some(CircuitState::Open));
    // Open: fails at once, nothing sent, for every clone.
    let err = c.clone().item().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CircuitOpen, "{err}");
    assert_eq!(server.hits(), 3);
    tokio::time::sleep(Duration::from_secs(10)).await;
    assert_eq!(state(&c), Some(CircuitState::HalfOpen));
    // The probe fails: open again.
    assert_eq!(c.item().await.unwrap_err().kind(), ErrorKind::Status);
    assert_eq!(state(&c), Some(CircuitState::Open));
    assert_eq!(c.item().await.unwrap_err().kind(), ErrorKind::CircuitOpen);
    tokio::time::sleep(Duration::from_secs(10)).await;
    // The probe succeeds: closed.
    c.item().await.unwrap();
    assert_eq!(state(&c), Some(CircuitState::Closed));
    c.item().await.unwrap();
    assert_eq!(server.hits(), 6);
    // Opened twice (the failing probe too), closed once.
    let metrics = c.session().metrics().unwrap();
    assert_eq!((metrics.circuits_opened, metrics.circuits_closed), (2, 1));
}

#[tokio::test(start_paused = true)]
async fn client_errors_never_open_the_breaker() {
    let server = serve(|_| (404, Vec::new(), Duration::ZERO)).await;
    let c = client(&server)
        .circuit_breaker(CircuitBreaker::new().consecutive_failures(2))
        .build()
        .unwrap();
    for _ in 0..5 {
        assert_eq!(c.item().await.unwrap_err().kind(), ErrorKind::Status);
    }
    assert_eq!(c.session().circuit("item"), Some(CircuitState::Closed));
    assert_eq!(server.hits(), 5);
    let debug = format!("{:?}", c.session());
    assert!(
        debug.contains("circuit_breaker: Some(CircuitBreaker"),
        "{debug}"
    );
}

#[test]
fn invalid_limits_are_builder_errors() {
    let bad = [
        QuotaClient::builder()
            .base_url("http://127.0.0.1:1")
            .rate_limit(RateLimit::per_second(0))
            .build()
            .unwrap_err(),
        QuotaClient::builder()
            .base_url("http://127.0.0.1:1")
            .concurrency_limit(0)
            .build()
            .unwrap_err(),
        QuotaClient::builder()
            .base_url("http://127.0.0.1:1")
            .circuit_breaker(CircuitBreaker::new().consecutive_failures(0))
            .build()
            .unwrap_err(),
    ];
    for err in bad {
        assert_eq!(err.kind(), ErrorKind::Builder, "{err}");
    }
}
