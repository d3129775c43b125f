//! Secrets and memory against a hostile server (issue 12, items 1–7):
//! bounded token responses, credentials that never follow a redirect to
//! another origin, URLs without the query key, credentials in a base URL,
//! echoed credentials scrubbed from errors and logs, multipart file names
//! that cannot inject headers, and a cookie jar a server cannot abuse.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use api_client::{ByteStream, ErrorKind, Part, Response, Result, api, auth::ClientCredentials};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

#[api]
pub trait Vault {
    #[get("/items/<id>")]
    async fn item(&self, id: &str) -> Result<Value>;

    #[get("/items/<id>")]
    async fn item_meta(&self, id: &str) -> Result<Response<Value>>;

    #[get("/download")]
    async fn download(&self) -> Result<ByteStream>;

    #[get("/keyed")]
    async fn keyed(&self, #[header("X-Api-Key")] key: &str) -> Result<Value>;

    #[post("/upload")]
    #[multipart]
    async fn upload(&self, #[part("file")] file: Part) -> Result<()>;
}

fn builder(base: &str) -> api_client::ClientBuilder<VaultClient> {
    VaultClient::builder().base_url(base).no_proxy()
}

/// A server that answers every request with `head` and then writes `chunk`
/// as HTTP/1.1 chunks until the client stops reading or `max` bytes went
/// out. Returns its base URL and the count of bytes written.
async fn endless_chunks(head: &'static str, max: usize) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let written = Arc::new(AtomicUsize::new(0));
    let count = written.clone();
    tokio::spawn(async move {
        for _ in 0..8 {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let count = count.clone();
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request).await;
                if stream.write_all(head.as_bytes()).await.is_err() {
                    return;
                }
                let chunk = format!("4000\r\n{}\r\n", "a".repeat(0x4000));
                while count.load(Ordering::SeqCst) < max {
                    if stream.write_all(chunk.as_bytes()).await.is_err() {
                        return;
                    }
                    count.fetch_add(0x4000, Ordering::SeqCst);
                }
            });
        }
    });
    (base, written)
}

#[tokio::test]
async fn a_token_response_is_read_up_to_a_small_cap() {
    // A token endpoint that sends a JSON document with no end.
    let (token_base, written) = endless_chunks(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
        256 * 1024 * 1024,
    )
    .await;
    let api = MockServer::start().await;
    let provider = ClientCredentials::new(format!("{token_base}/oauth/token"), "id", "secret-42");
    let client = builder(&api.uri()).auth_provider(provider).build().unwrap();
    let err = client.item("1").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{err}");
    assert!(
        err.to_string().contains("exceeds the limit of 65536 bytes"),
        "{err}"
    );
    // The client stopped reading: the server could not write much more
    // than the cap and the sockets' buffers (it would write 256 MiB).
    let sent = written.load(Ordering::SeqCst);
    assert!(sent < 16 * 1024 * 1024, "the server wrote {sent} bytes");

    // A large but finite token document is refused too.
    let auth = MockServer::start().await;
    let huge = json!({"access_token": "t".repeat(200_000), "expires_in": 60});
    Mock::given(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(huge))
        .mount(&auth)
        .await;
    let provider = ClientCredentials::new(format!("{}/oauth/token", auth.uri()), "id", "s-42");
    let client = builder(&api.uri()).auth_provider(provider).build().unwrap();
    let err = client.item("1").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Auth, "{err}");
}

/// The headers of every request `server` received at `route`.
async fn headers_at(server: &MockServer, route: &str) -> Vec<api_client::HeaderMap> {
    let requests = server.received_requests().await.unwrap_or_default();
    requests
        .into_iter()
        .filter(|r| r.url.path() == route)
        .map(|r| r.headers)
        .collect()
}

#[tokio::test]
async fn no_credential_follows_a_redirect_to_another_origin() {
    let elsewhere = MockServer::start().await;
    Mock::given(path("/landing"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .mount(&elsewhere)
        .await;
    let origin = MockServer::start().await;
    let target = format!("{}/landing?api_key=from-location", elsewhere.uri());
    Mock::given(path("/items/1"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", target.as_str()))
        .mount(&origin)
        .await;
    Mock::given(path("/keyed"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", target.as_str()))
        .mount(&origin)
        .await;
    // Each kind of credential, with certificate checks on and off (off
    // used to send a client through reqwest; both are one engine now).
    for unverified in [false, true] {
        let clients = [
            builder(&origin.uri()).api_key_header("X-API-Key", "hdr-secret-1"),
            builder(&origin.uri()).header("X-Auth-Token", "default-secret-2"),
            builder(&origin.uri()).api_key_query("api_key", "query-secret-3"),
            builder(&origin.uri()).bearer_auth("bearer-secret-4"),
        ];
        for client in clients {
            let client = client
                .danger_accept_invalid_certs(unverified)
                .build()
                .unwrap();
            let landed = client.item_meta("1").await.unwrap();
            assert_eq!(landed.url().path(), "/landing");
        }
        let client = builder(&origin.uri())
            .danger_accept_invalid_certs(unverified)
            .build()
            .unwrap();
        client.keyed("arg-secret-5").await.unwrap();
    }
    let at_origin = headers_at(&origin, "/items/1").await;
    assert_eq!(at_origin.len(), 8);
    assert!(
        at_origin.iter().any(|h| h.contains_key("x-api-key")),
        "the origin itself gets the key"
    );
    let landed = elsewhere.received_requests().await.unwrap();
    assert_eq!(landed.len(), 10);
    for request in &landed {
        let text = format!("{:?} {}", request.headers, request.url);
        for secret in ["secret-1", "secret-2", "secret-3", "secret-4", "secret-5"] {
            assert!(
                !text.contains(secret),
                "{secret} reached another origin: {text}"
            );
        }
    }
    // The server's own Location is followed as written, except that a
    // client whose key is the `api_key` parameter removes it (both engines).
    let keyed = landed
        .iter()
        .filter(|r| r.url.query().unwrap_or("").contains("api_key"))
        .count();
    assert_eq!(keyed, 8);
}

#[tokio::test]
async fn every_url_a_user_reads_is_free_of_the_query_key() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
        .mount(&server)
        .await;
    let client = builder(&server.uri())
        .api_key_query("api_key", "qk-secret")
        .build()
        .unwrap();
    let stream = client.download().await.unwrap();
    let shown = format!("{} {stream:?}", stream.url());
    assert!(
        !shown.contains("qk-secret") && !shown.contains("api_key"),
        "{shown}"
    );
    let response = client.item_meta("1").await.unwrap();
    assert!(
        !response.url().as_str().contains("qk-secret"),
        "{}",
        response.url()
    );
    // The server got it, though.
    let got = server.received_requests().await.unwrap();
    assert!(
        got.iter()
            .all(|r| r.url.query() == Some("api_key=qk-secret"))
    );
}

#[tokio::test]
async fn credentials_in_the_base_url_are_basic_auth_and_never_shown() {
    let server = MockServer::start().await;
    Mock::given(path("/items/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let with_userinfo = server
        .uri()
        .replace("http://", "http://alice:pa%24%24word@");
    let client = VaultClient::builder()
        .base_url(&with_userinfo)
        .no_proxy()
        .build()
        .unwrap();
    client.item("1").await.unwrap();
    let sent = headers_at(&server, "/items/1").await;
    // base64("alice:pa$$word")
    assert_eq!(sent[0]["authorization"], "Basic YWxpY2U6cGEkJHdvcmQ=");
    let shown = format!("{:?} {}", client.session(), client.session().base_url());
    assert!(
        !shown.contains("pa%24%24word") && !shown.contains("alice"),
        "{shown}"
    );
    // Refused alongside other credentials, and never in a builder error.
    let err = VaultClient::builder()
        .base_url(&with_userinfo)
        .bearer_auth("t")
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Builder);
    let err = VaultClient::builder()
        .base_url("ftp://alice:hunter22@127.0.0.1/")
        .build()
        .unwrap_err();
    assert!(!err.to_string().contains("hunter22"), "{err}");
    // A token URL with credentials is refused, and shown masked.
    let provider = ClientCredentials::new("https://id:tok-pw-9@auth.example/token", "id", "s");
    assert!(!format!("{provider:?}").contains("tok-pw-9"));
    let client = builder(&server.uri())
        .auth_provider(provider)
        .build()
        .unwrap();
    let err = client.item("1").await.unwrap_err();
    assert!(!format!("{err} {err:?}").contains("tok-pw-9"), "{err}");
    assert!(err.to_string().contains("holds credentials"), "{err}");
}

#[tokio::test]
async fn credentials_echoed_by_a_server_are_scrubbed_from_errors_and_logs() {
    let server = MockServer::start().await;
    // Echoes every header, as text and under an unexpected JSON key.
    Mock::given(path("/items/text"))
        .respond_with(|request: &Request| {
            ResponseTemplate::new(400)
                .set_body_string(format!("bad request: {:?}", request.headers))
        })
        .mount(&server)
        .await;
    Mock::given(path("/items/json"))
        .respond_with(|request: &Request| {
            let echoed: Vec<String> = request
                .headers
                .iter()
                .map(|(k, v)| format!("{k}={}", v.to_str().unwrap_or("")))
                .collect();
            ResponseTemplate::new(422)
                .set_body_json(json!({"received": echoed, "q": request.url.query()}))
        })
        .mount(&server)
        .await;
    let auth = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"access_token": "oauth-tok-7"})),
        )
        .mount(&auth)
        .await;
    let (captured, _guard) = crate::support::capture_debug_logs();
    let clients = [
        builder(&server.uri()).bearer_auth("bearer-tok-1"),
        builder(&server.uri()).basic_auth("bob", "basic-pw-2"),
        builder(&server.uri()).api_key_header("X-Key", "hdr-key-3"),
        builder(&server.uri()).api_key_query("key", "query/key+4"),
        builder(&server.uri()).header("X-Session-Token", "default-5"),
        builder(&server.uri()).auth_provider(ClientCredentials::new(
            format!("{}/oauth/token", auth.uri()),
            "client",
            "client-secret-6",
        )),
    ];
    let mut printed = String::new();
    for client in clients {
        let client = client.no_retry().build().unwrap();
        for id in ["text", "json"] {
            let err = client.item(id).await.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Status);
            printed.push_str(&format!("{err}\n{err:?}\n"));
        }
    }
    let logs = captured.text();
    assert!(logs.contains("call failed"), "{logs}");
    printed.push_str(&logs);
    // base64("bob:basic-pw-2") and the query key percent-encoded too.
    for secret in [
        "bearer-tok-1",
        "basic-pw-2",
        "Ym9iOmJhc2ljLXB3LTI",
        "hdr-key-3",
        "query/key+4",
        "query%2Fkey%2B4",
        "default-5",
        "oauth-tok-7",
    ] {
        assert!(!printed.contains(secret), "{secret} printed:\n{printed}");
    }
    assert!(printed.contains("***"), "{printed}");
}

#[tokio::test]
async fn a_multipart_file_name_cannot_inject_headers() {
    let server = MockServer::start().await;
    Mock::given(path("/upload"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let client = builder(&server.uri()).build().unwrap();
    let evil = "a.txt\"\r\nContent-Type: text/html\r\nX-Evil: \"1";
    client
        .upload(Part::bytes(b"data".to_vec()).file_name(evil))
        .await
        .unwrap();
    let body = &server.received_requests().await.unwrap()[0].body;
    let body = String::from_utf8_lossy(body);
    assert!(
        !body.contains("\r\nX-Evil") && !body.contains("\r\nContent-Type: text/html"),
        "{body}"
    );
    assert!(
        body.contains(r#"filename="a.txt%22%0D%0AContent-Type: text/html%0D%0AX-Evil: %221""#),
        "{body}"
    );
}

#[tokio::test]
async fn the_cookie_jar_refuses_public_suffixes_insecure_secure_cookies_and_floods() {
    let server = MockServer::start().await;
    let mut flood = ResponseTemplate::new(200).set_body_json(json!({}));
    for i in 0..90 {
        flood = flood.append_header("set-cookie", format!("c{i}={}; Path=/", "v".repeat(400)));
    }
    flood = flood.append_header("set-cookie", "sec=1; Secure; Path=/");
    Mock::given(path("/items/flood"))
        .respond_with(flood)
        .mount(&server)
        .await;
    Mock::given(path("/items/after"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let client = builder(&server.uri()).cookie_store(true).build().unwrap();
    client.item("flood").await.unwrap();
    client.item("after").await.unwrap();
    let sent = headers_at(&server, "/items/after").await;
    let cookie = sent[0]["cookie"].to_str().unwrap();
    assert!(
        cookie.len() <= 16 * 1024 + 1024,
        "a {} byte Cookie header",
        cookie.len()
    );
    assert!(!cookie.contains("sec=1"), "a Secure cookie set over http");
    let session = client.session();
    // `Domain=com` from api.example.com would go to every .com host.
    session.add_cookie("wide=1; Domain=com", "https://api.example.com/");
    session.add_cookie("narrow=1; Domain=example.com", "https://api.example.com/");
    assert_eq!(session.cookies("https://other.com/"), Some(vec![]));
    assert_eq!(
        session.cookies("https://www.example.com/"),
        Some(vec![("narrow".to_owned(), "1".to_owned())])
    );
}
