//! The transport's connection pool: connections reused, given back while
//! busy, capped, expired, replaced when the server closed them, and never
//! reused with a body left unread. Against a server that counts them.

use std::time::Duration;

use api_client::{ByteStream, ClientBuilder, Result, api};
use futures_util::StreamExt;

use crate::counting::CountingServer;

#[api(base = "http://127.0.0.1")]
pub trait Pooled {
    #[get("/users/<login>")]
    async fn user(&self, login: &str) -> Result<serde_json::Value>;

    #[post("/users")]
    async fn create(&self, #[body] user: &serde_json::Value) -> Result<serde_json::Value>;

    #[get("/big")]
    async fn big(&self) -> Result<ByteStream>;
}

fn client(server: &CountingServer) -> PooledClient {
    client_with(server, |b| b)
}

/// A client of `server`, with more settings.
fn client_with(
    server: &CountingServer,
    settings: impl FnOnce(ClientBuilder<PooledClient>) -> ClientBuilder<PooledClient>,
) -> PooledClient {
    settings(PooledClient::builder().base_url(&server.base))
        .build()
        .unwrap()
}

#[tokio::test]
async fn sequential_calls_share_one_connection() {
    let server = CountingServer::start(false);
    let client = client(&server);
    for _ in 0..5 {
        assert_eq!(client.user("a").await.unwrap()["id"], 1);
    }
    assert_eq!(server.opened(), 1);
}

#[tokio::test]
async fn calls_in_flight_each_take_a_connection_and_give_it_back() {
    let server = CountingServer::start(false);
    let client = client(&server);
    let round = || futures_util::future::join_all((0..8).map(|_| client.user("a")));
    for result in round().await {
        assert_eq!(result.unwrap()["id"], 1);
    }
    let first = server.opened();
    assert!((1..=8).contains(&first), "{first} connections for 8 calls");
    // Their connections are idle again: the next round opens none.
    tokio::time::sleep(Duration::from_millis(50)).await;
    for result in round().await {
        assert_eq!(result.unwrap()["id"], 1);
    }
    assert_eq!(server.opened(), first);
}

#[tokio::test]
async fn no_idle_connection_is_kept_when_the_cap_is_zero() {
    let server = CountingServer::start(false);
    let client = client_with(&server, |b| b.pool_max_idle_per_host(0));
    for _ in 0..3 {
        assert_eq!(client.user("a").await.unwrap()["id"], 1);
    }
    assert_eq!(server.opened(), 3);
    assert_eq!(server.wait_closed(3), 3);
}

#[tokio::test]
async fn idle_connections_beyond_the_cap_are_closed() {
    let server = CountingServer::start(false);
    let client = client_with(&server, |b| b.pool_max_idle_per_host(1));
    let calls = futures_util::future::join_all((0..4).map(|_| client.user("a"))).await;
    for result in calls {
        assert_eq!(result.unwrap()["id"], 1);
    }
    let opened = server.opened();
    tokio::time::sleep(Duration::from_millis(50)).await;
    // The next call keeps one idle connection and takes another.
    assert_eq!(client.user("a").await.unwrap()["id"], 1);
    let beyond = opened.saturating_sub(2);
    assert_eq!(server.wait_closed(beyond), beyond);
    assert_eq!(server.opened(), opened);
}

#[tokio::test]
async fn an_idle_connection_past_the_time_out_is_closed_not_reused() {
    let server = CountingServer::start(false);
    let client = client_with(&server, |b| {
        b.pool_idle_timeout(Some(Duration::from_millis(100)))
    });
    assert_eq!(client.user("a").await.unwrap()["id"], 1);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(client.user("a").await.unwrap()["id"], 1);
    assert_eq!(server.opened(), 2);
    assert_eq!(server.wait_closed(1), 1);
}

#[tokio::test]
async fn an_expired_connection_no_checkout_reaches_is_swept_within_seconds() {
    let server = CountingServer::start(false);
    let client = client_with(&server, |b| {
        b.pool_idle_timeout(Some(Duration::from_millis(300)))
    });
    let both = futures_util::future::join(client.user("a"), client.user("b")).await;
    assert_eq!(both.0.unwrap()["id"], 1);
    assert_eq!(both.1.unwrap()["id"], 1);
    assert_eq!(server.opened(), 2);
    // Every call takes the connection given back last: the other one is
    // never reached again and expires; the periodic sweep closes it (the
    // server would only close it after 10 s of silence).
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(client.user("a").await.unwrap()["id"], 1);
        if server.closed() == 1 {
            break;
        }
    }
    assert_eq!(server.closed(), 1, "the expired idle connection is closed");
    assert_eq!(server.opened(), 2, "the connection in use was kept");
}

#[tokio::test]
async fn a_connection_the_server_closed_while_idle_is_replaced() {
    let server = CountingServer::start(true);
    let client = client(&server);
    assert_eq!(client.user("a").await.unwrap()["id"], 1);
    server.wait_closed(1);
    tokio::time::sleep(Duration::from_millis(50)).await;
    // A POST is not sent again after a lost connection: it must go out on
    // a new one.
    let created = client.create(&serde_json::json!({"login": "b"})).await;
    assert_eq!(created.unwrap()["id"], 1);
    assert_eq!(server.opened(), 2);
}

#[tokio::test]
async fn a_body_left_unread_does_not_spoil_the_next_call() {
    let server = CountingServer::start(false);
    let client = client(&server);
    let mut stream = client.big().await.unwrap();
    assert!(!stream.next().await.unwrap().unwrap().is_empty());
    drop(stream);
    assert_eq!(client.user("a").await.unwrap()["id"], 1);
    assert_eq!(client.user("a").await.unwrap()["id"], 1);
    // The half-read connection is not reused; the next one is.
    assert_eq!(server.opened(), 2);
}

/// An HTTP/1 and HTTP/2 (h2c) server on 127.0.0.1 that answers every
/// request with the small user and counts the connections it accepted.
async fn h2c_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use hyper_util::rt::{TokioExecutor, TokioIo};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let counted = accepted.clone();
    tokio::spawn(async move {
        // Ends with the test's runtime.
        while let Ok((tcp, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let service = hyper::service::service_fn(|_request| async {
                    let body = http_body_util::Full::new(bytes::Bytes::from_static(
                        br#"{"login":"a","id":1}"#,
                    ));
                    Ok::<_, std::convert::Infallible>(hyper::Response::new(body))
                });
                let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                let _ = builder.serve_connection(TokioIo::new(tcp), service).await;
            });
        }
    });
    (base, accepted)
}

#[tokio::test]
async fn http2_requests_in_flight_share_one_connection() {
    let (base, accepted) = h2c_server().await;
    let client = PooledClient::builder()
        .base_url(&base)
        .http2_prior_knowledge()
        .build()
        .unwrap();
    for _ in 0..2 {
        let calls = futures_util::future::join_all((0..8).map(|_| client.user("a"))).await;
        for result in calls {
            assert_eq!(result.unwrap()["id"], 1);
        }
    }
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
}
