//! Authentication: fixed credentials, API keys, Digest, token providers,
//! OAuth2 client credentials, and secrets kept out of everything printed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use api_client::{
    ErrorKind, Response, Result, Secret, api, auth::AuthProvider, auth::ClientCredentials,
    auth::Token, auth::TokenFuture,
};
use serde_json::json;
use wiremock::matchers::{body_string, header, header_exists, method, path, query_param};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

#[api]
pub trait Private {
    #[get("/me")]
    async fn me(&self) -> Result<serde_json::Value>;

    #[get("/me")]
    async fn me_raw(&self) -> Result<Response<serde_json::Value>>;

    #[post("/notes")]
    async fn note(&self, #[body] text: &str) -> Result<()>;

    #[get("/health")]
    #[no_auth]
    async fn health(&self) -> Result<()>;
}

fn builder(server: &MockServer) -> api_client::ClientBuilder<PrivateClient> {
    PrivateClient::builder().base_url(server.uri())
}

async fn ok_server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn basic_bearer_and_header_keys() {
    let server = ok_server().await;
    builder(&server)
        .basic_auth("ann", "s3cret")
        .build()
        .unwrap()
        .me()
        .await
        .unwrap();
    builder(&server)
        .bearer_auth("tok-1")
        .build()
        .unwrap()
        .me()
        .await
        .unwrap();
    builder(&server)
        .api_key_header("X-API-Key", "key-1")
        .build()
        .unwrap()
        .me()
        .await
        .unwrap();
    let received = server.received_requests().await.unwrap();
    assert_eq!(
        received[0].headers["authorization"],
        "Basic YW5uOnMzY3JldA=="
    );
    assert_eq!(received[1].headers["authorization"], "Bearer tok-1");
    assert_eq!(received[2].headers["x-api-key"], "key-1");
}

#[tokio::test]
async fn no_auth_endpoints_carry_no_credentials() {
    let server = ok_server().await;
    let c = builder(&server)
        .bearer_auth("tok-1")
        .api_key_header("X-API-Key", "k")
        .build()
        .unwrap();
    c.health().await.unwrap();
    let q = builder(&server)
        .api_key_query("api_key", "k-2")
        .build()
        .unwrap();
    q.health().await.unwrap();
    for r in server.received_requests().await.unwrap() {
        assert!(r.headers.get("authorization").is_none() && r.headers.get("x-api-key").is_none());
        assert_eq!(r.url.query(), None);
    }
}

#[tokio::test]
async fn a_query_key_is_sent_but_never_shown() {
    let server = MockServer::start().await;
    Mock::given(path("/me"))
        .and(query_param("api_key", "k-secret"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/me"))
        .respond_with(ResponseTemplate::new(403).set_body_string("denied"))
        .mount(&server)
        .await;
    let c = builder(&server)
        .api_key_query("api_key", "k-secret")
        .build()
        .unwrap();
    let response = c.me_raw().await.unwrap();
    assert_eq!(response.url().as_str(), format!("{}/me", server.uri()));
    let err = c.me().await.unwrap_err();
    assert!(!format!("{err} {err:?}").contains("k-secret"), "{err:?}");
}

#[tokio::test]
async fn env_credentials_fail_at_build_naming_the_variable() {
    let err = PrivateClient::builder()
        .base_url("http://127.0.0.1:1")
        .bearer_auth_env("API_CLIENT_TEST_SURELY_UNSET_TOKEN")
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Builder);
    assert!(
        err.to_string()
            .contains("`API_CLIENT_TEST_SURELY_UNSET_TOKEN` is not set"),
        "{err}"
    );
    for builder in [
        PrivateClient::builder()
            .api_key_header_env("X-API-Key", "API_CLIENT_TEST_SURELY_UNSET_KEY"),
        PrivateClient::builder().api_key_query_env("api_key", "API_CLIENT_TEST_SURELY_UNSET_KEY"),
    ] {
        let err = builder.base_url("http://127.0.0.1:1").build().unwrap_err();
        assert!(
            err.to_string()
                .contains("`API_CLIENT_TEST_SURELY_UNSET_KEY` is not set"),
            "{err}"
        );
    }
    // PATH is set wherever tests run: its value becomes the token.
    let server = ok_server().await;
    builder(&server)
        .bearer_auth_env("PATH")
        .build()
        .unwrap()
        .me()
        .await
        .unwrap();
    let sent = &server.received_requests().await.unwrap()[0].headers["authorization"];
    assert_eq!(
        sent.to_str().unwrap(),
        format!("Bearer {}", std::env::var("PATH").unwrap())
    );
}

/// A server side of RFC 7616 Digest, written independently of the client.
struct DigestServer {
    algorithm: &'static str,
    nonce: &'static str,
    password: &'static str,
    seen_nc: Mutex<Vec<String>>,
}

fn md5_hex(s: &str) -> String {
    use md5::Digest as _;
    md5::Md5::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn sha256_hex(s: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn param<'a>(header: &'a str, key: &str) -> Option<&'a str> {
    header.split(", ").find_map(|part| {
        let part = part.strip_prefix("Digest ").unwrap_or(part);
        let (k, v) = part.split_once('=')?;
        (k == key).then(|| v.trim_matches('"'))
    })
}

impl Respond for DigestServer {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let challenge = ResponseTemplate::new(401).insert_header(
            "www-authenticate",
            format!(
                "Digest realm=\"api\", qop=\"auth\", algorithm={}, nonce=\"{}\", opaque=\"op\"",
                self.algorithm, self.nonce
            ),
        );
        let Some(auth) = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
        else {
            return challenge;
        };
        let h = |s: &str| {
            if self.algorithm == "MD5" {
                md5_hex(s)
            } else {
                sha256_hex(s)
            }
        };
        let (Some(user), Some(uri), Some(nc), Some(cnonce), Some(response)) = (
            param(auth, "username"),
            param(auth, "uri"),
            param(auth, "nc"),
            param(auth, "cnonce"),
            param(auth, "response"),
        ) else {
            return ResponseTemplate::new(400);
        };
        let ha1 = h(&format!("{user}:api:{}", self.password));
        let ha2 = h(&format!("{}:{uri}", request.method));
        let expected = h(&format!("{ha1}:{}:{nc}:{cnonce}:auth:{ha2}", self.nonce));
        if response != expected || param(auth, "opaque") != Some("op") {
            return challenge;
        }
        self.seen_nc.lock().unwrap().push(nc.to_owned());
        ResponseTemplate::new(200).set_body_json(json!({"user": user}))
    }
}

#[tokio::test]
async fn digest_answers_the_challenge_once_then_reuses_the_nonce() {
    for algorithm in ["MD5", "SHA-256"] {
        let server = MockServer::start().await;
        let digest = Arc::new(DigestServer {
            algorithm,
            nonce: "abc123",
            password: "pw",
            seen_nc: Mutex::new(Vec::new()),
        });
        Mock::given(path("/me"))
            .respond_with(DigestProxy(digest.clone()))
            .mount(&server)
            .await;
        let c = builder(&server).digest_auth("ann", "pw").build().unwrap();
        assert_eq!(c.me().await.unwrap(), json!({"user": "ann"}));
        assert_eq!(c.me().await.unwrap(), json!({"user": "ann"}));
        assert_eq!(c.clone().me().await.unwrap(), json!({"user": "ann"}));
        // One challenge in all: 4 requests for 3 calls, the count going up.
        assert_eq!(
            server.received_requests().await.unwrap().len(),
            4,
            "{algorithm}"
        );
        assert_eq!(
            *digest.seen_nc.lock().unwrap(),
            ["00000001", "00000002", "00000003"]
        );

        // A wrong password is refused after one replay, not in a loop.
        let wrong = builder(&server).digest_auth("ann", "nope").build().unwrap();
        let err = wrong.me().await.unwrap_err();
        assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
        assert_eq!(server.received_requests().await.unwrap().len(), 6);
        assert!(!format!("{err:?} {err}").contains("nope"));
    }
}

struct DigestProxy(Arc<DigestServer>);

impl Respond for DigestProxy {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        self.0.respond(request)
    }
}

/// Counts fetches; each token is `t<n>`, valid for `lifetime`.
struct Counting {
    fetches: Arc<AtomicUsize>,
    lifetime: Duration,
}

impl AuthProvider for Counting {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            // Slow, so that concurrent calls would stampede without the lock.
            tokio::time::sleep(Duration::from_millis(50)).await;
            let n = self.fetches.fetch_add(1, Ordering::SeqCst) + 1;
            Ok(Token::new(format!("t{n}")).expires_in(self.lifetime))
        })
    }
}

#[tokio::test]
async fn tokens_are_fetched_once_shared_and_renewed_on_401() {
    let server = MockServer::start().await;
    Mock::given(path("/me"))
        .and(header("authorization", "Bearer t1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"as": "t1"})))
        .up_to_n_times(20)
        .mount(&server)
        .await;
    Mock::given(path("/me"))
        .and(header("authorization", "Bearer t1"))
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    Mock::given(path("/me"))
        .and(header("authorization", "Bearer t2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"as": "t2"})))
        .mount(&server)
        .await;
    let fetches = Arc::new(AtomicUsize::new(0));
    let c = builder(&server)
        .auth_provider(Counting {
            fetches: fetches.clone(),
            lifetime: Duration::from_secs(3600),
        })
        .build()
        .unwrap();
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let c = c.clone();
            tokio::spawn(async move { c.me().await })
        })
        .collect();
    for call in calls {
        assert_eq!(call.await.unwrap().unwrap(), json!({"as": "t1"}));
    }
    assert_eq!(
        fetches.load(Ordering::SeqCst),
        1,
        "one fetch for 20 concurrent calls"
    );
    // t1 is now refused: one new token, one replay.
    assert_eq!(c.me().await.unwrap(), json!({"as": "t2"}));
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
    assert_eq!(server.received_requests().await.unwrap().len(), 22);
}

#[tokio::test]
async fn tokens_about_to_expire_are_refreshed() {
    let server = ok_server().await;
    let fetches = Arc::new(AtomicUsize::new(0));
    // 10 s of life is inside the 30 s refresh margin: each call refreshes.
    let c = builder(&server)
        .auth_provider(Counting {
            fetches: fetches.clone(),
            lifetime: Duration::from_secs(10),
        })
        .build()
        .unwrap();
    c.me().await.unwrap();
    c.me().await.unwrap();
    assert_eq!(fetches.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn oauth2_client_credentials() {
    let auth_server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(header(
            "authorization",
            "Basic Y2xpZW50LTE6Y2xpZW50LXNlY3JldA==",
        ))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(
            "grant_type=client_credentials&scope=read+write",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "access_token": "at-42", "token_type": "Bearer", "expires_in": 3600
        })))
        .expect(1)
        .mount(&auth_server)
        .await;
    let server = MockServer::start().await;
    Mock::given(path("/me"))
        .and(header("authorization", "Bearer at-42"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .expect(2)
        .mount(&server)
        .await;
    let provider = ClientCredentials::new(
        format!("{}/oauth/token", auth_server.uri()),
        "client-1",
        "client-secret",
    )
    .scope("read")
    .scope("write");
    assert!(!format!("{provider:?}").contains("client-secret"));
    let c = builder(&server).auth_provider(provider).build().unwrap();
    c.me().await.unwrap();
    c.me().await.unwrap();
}

#[tokio::test]
async fn a_failing_token_endpoint_is_a_clear_error() {
    let auth_server = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({"error": "invalid_client"})))
        .mount(&auth_server)
        .await;
    let server = ok_server().await;
    let provider = ClientCredentials::new(
        format!("{}/oauth/token", auth_server.uri()),
        "c",
        "wrong-secret",
    );
    let err = builder(&server)
        .auth_provider(provider)
        .build()
        .unwrap()
        .me()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth);
    assert_eq!(err.attempts(), 0);
    let text = err.to_string();
    assert!(
        text.contains("/me: could not get credentials: POST http://"),
        "{text}"
    );
    assert!(
        text.contains("/oauth/token: HTTP 401 Unauthorized"),
        "{text}"
    );
    let inner = std::error::Error::source(&err)
        .and_then(|s| s.downcast_ref::<api_client::Error>())
        .unwrap();
    assert_eq!(inner.status().map(|s| s.as_u16()), Some(401));
    assert!(!format!("{err} {err:?}").contains("wrong-secret"));
    assert!(
        server.received_requests().await.unwrap().is_empty(),
        "nothing sent without a token"
    );
}

#[tokio::test]
async fn credentials_do_not_follow_a_redirect_to_another_host() {
    let other = MockServer::start().await;
    Mock::given(path("/landing"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"landed": true})))
        .mount(&other)
        .await;
    let server = MockServer::start().await;
    Mock::given(path("/me"))
        .and(header_exists("authorization"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", format!("{}/landing", other.uri()).as_str()),
        )
        .mount(&server)
        .await;
    let c = builder(&server)
        .bearer_auth("tok-redirect")
        .build()
        .unwrap();
    assert_eq!(c.me().await.unwrap(), json!({"landed": true}));
    let landed = &other.received_requests().await.unwrap()[0];
    assert!(
        landed.headers.get("authorization").is_none(),
        "{:?}",
        landed.headers
    );
    assert!(landed.headers.get("referer").is_none());

    let q = PrivateClient::builder()
        .base_url(server.uri())
        .api_key_query("api_key", "k-redirect")
        .build()
        .unwrap();
    let _ = q.me().await;
    for r in other.received_requests().await.unwrap() {
        assert!(!format!("{:?} {}", r.headers, r.url).contains("k-redirect"));
    }
}

/// Everything a user may print or log: tracing output, `Debug` of the
/// client, `Display` and `Debug` of errors. No secret in any of them.
#[tokio::test]
async fn secrets_never_reach_logs_debug_or_errors() {
    use tracing_subscriber::fmt::MakeWriter;

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    impl<'a> MakeWriter<'a> for Buffer {
        type Writer = Buffer;
        fn make_writer(&'a self) -> Buffer {
            self.clone()
        }
    }

    let logs = Buffer::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(logs.clone())
        .with_ansi(false)
        .finish();
    let _guard = crate::support::capture_logs(subscriber);

    let server = MockServer::start().await;
    Mock::given(path("/me"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"token": "srv-token-9"})))
        .mount(&server)
        .await;
    let secrets = [
        "bearer-XYZ",
        "query-KEY",
        "header-KEY",
        "basic-PW",
        "srv-token-9",
    ];
    let clients = [
        builder(&server)
            .bearer_auth("bearer-XYZ")
            .header("Cookie", "session=header-KEY"),
        builder(&server).api_key_query("key", "query-KEY"),
        builder(&server).api_key_header("X-Key", Secret::new("header-KEY")),
        builder(&server).basic_auth("u", "basic-PW"),
    ];
    let mut printed = String::new();
    for b in clients {
        let c = b
            .retry(
                api_client::RetryPolicy::default()
                    .backoff(Duration::from_millis(1), Duration::from_millis(1)),
            )
            .build()
            .unwrap();
        printed.push_str(&format!("{c:?}\n"));
        let err = c.me().await.unwrap_err();
        printed.push_str(&format!("{err}\n{err:?}\n"));
    }
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("retrying"), "the retries were logged: {logs}");
    for secret in secrets {
        assert!(!logs.contains(secret), "{secret} in logs:\n{logs}");
        assert!(!printed.contains(secret), "{secret} printed:\n{printed}");
    }
}

#[tokio::test]
async fn a_token_endpoint_that_never_answers_is_bounded_by_the_deadline() {
    let token_server = crate::misbehaving::start(crate::misbehaving::Behaviour::Stall).await;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .expect(0)
        .mount(&server)
        .await;
    let provider = ClientCredentials::new(format!("{}/oauth/token", token_server.base), "c", "s");
    let c = builder(&server)
        .auth_provider(provider)
        .timeout(Duration::from_millis(400))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = c.me().await.unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err:?}");
    assert_eq!(
        err.timeout_phase(),
        Some(api_client::TimeoutPhase::Deadline)
    );
    // Nothing reached the API.
    assert_eq!(err.attempts(), 0);
}

/// A provider that takes its time to hand out a token.
struct Slow;

impl AuthProvider for Slow {
    fn token(&self) -> TokenFuture<'_> {
        Box::pin(async move {
            tokio::time::sleep(Duration::from_millis(400)).await;
            Ok(Token::new("slow-token"))
        })
    }
}

#[tokio::test]
async fn the_read_and_attempt_limits_start_when_the_request_is_sent() {
    let server = MockServer::start().await;
    Mock::given(header("authorization", "Bearer slow-token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .expect(1)
        .mount(&server)
        .await;
    // Getting the token takes longer than either limit: neither counts it
    // (and no retry could hide it if one did).
    let c = builder(&server)
        .no_retry()
        .auth_provider(Slow)
        .read_timeout(Duration::from_millis(250))
        .attempt_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    assert_eq!(c.me().await.unwrap(), json!({"ok": true}));
}
