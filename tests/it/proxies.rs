//! One engine through proxies (issue 13): plain http in absolute form and
//! https through a CONNECT tunnel (HTTP/2 inside it) via an HTTP proxy,
//! both via SOCKS5 (`socks5h` lets the proxy resolve names), proxy
//! credentials that work and never show, redirects, cookies, compressed
//! bodies and downloads through a proxy, and mutual TLS. The proxies are
//! tinyproxy and dante where installed (`.ci/run` installs them), else
//! the in-tree ones of `proxy_servers.rs`.

use std::io::Write as _;

use api_client::{ByteStream, ErrorKind, Result, api};
use futures_util::StreamExt;
use serde_json::{Value, json};
use wiremock::matchers::{header, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::proxy_servers::{Proxy, http_proxy, socks_proxy};
use crate::transport::{CA, Echo as _, EchoClient, echo_server};

#[api]
pub trait Via {
    #[get("/items/<id>")]
    async fn item(&self, id: &str) -> Result<Value>;

    #[get("/files/<name>")]
    async fn file(&self, name: &str) -> Result<ByteStream>;
}

/// Whether `proxy` was asked for `host:port` (in its record or log).
fn asked(proxy: &Proxy, host: &str, port: u16) -> bool {
    let log = proxy.log();
    // tinyproxy and the in-tree proxies write `host:port`, dante `host.port`.
    log.contains(&format!("{host}:{port}")) || log.contains(&format!("{host}.{port}"))
}

fn port_of(url: &str) -> u16 {
    api_client::Url::parse(url).unwrap().port().unwrap()
}

#[tokio::test]
async fn plain_http_goes_through_an_http_proxy() {
    let proxy = http_proxy(None).await;
    let server = MockServer::start().await;
    Mock::given(path("/items/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 1})))
        .expect(1)
        .mount(&server)
        .await;
    let client = ViaClient::builder()
        .base_url(server.uri())
        .proxy(&proxy.url)
        .build()
        .unwrap();
    assert_eq!(client.item("1").await.unwrap(), json!({"id": 1}));
    let log = proxy.log();
    assert!(
        log.contains(&format!("GET {}/items/1", server.uri())),
        "{log}"
    );
}

#[tokio::test]
async fn https_goes_through_a_connect_tunnel_with_http2_inside() {
    let proxy = http_proxy(None).await;
    let base = echo_server(true).await;
    let client = EchoClient::builder()
        .base_url(&base)
        .add_root_certificate_pem(CA)
        .proxy(&proxy.url)
        .build()
        .unwrap();
    let seen = client.who().await.unwrap();
    assert_eq!(seen["version"], "HTTP/2.0", "{seen}");
    assert!(
        asked(&proxy, "127.0.0.1", port_of(&base)),
        "{}",
        proxy.log()
    );
}

#[tokio::test]
async fn proxy_credentials_are_sent_and_never_shown() {
    let proxy = http_proxy(Some(("proxyuser", "pr0xy-pw"))).await;
    let server = MockServer::start().await;
    Mock::given(path("/items/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let client = ViaClient::builder()
        .base_url(server.uri())
        .proxy(&proxy.url)
        .build()
        .unwrap();
    client.item("1").await.unwrap();
    // The destination never sees the proxy's credentials.
    let got = &server.received_requests().await.unwrap()[0];
    assert!(!got.headers.contains_key("proxy-authorization"));
    // Through a tunnel too.
    let base = echo_server(true).await;
    let tunnelled = EchoClient::builder()
        .base_url(&base)
        .add_root_certificate_pem(CA)
        .proxy(&proxy.url)
        .build()
        .unwrap();
    tunnelled.who().await.unwrap();
    // Wrong credentials: refused, once, and not printed.
    let wrong = proxy.url.replace("pr0xy-pw", "wr0ng-pw");
    let refused = EchoClient::builder()
        .base_url(&base)
        .add_root_certificate_pem(CA)
        .proxy(&wrong)
        .build()
        .unwrap();
    let err = refused.who().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect, "{err}");
    if !proxy.real {
        // `HTTP/1.1 407`: known as a refusal, not retried. tinyproxy
        // answers `HTTP/1.0 407`, which hyper-util's tunnel reports as
        // "unsuccessful": retried like any failure to connect.
        assert_eq!(err.attempts(), 1, "{err}");
    }
    let shown = format!("{err} {err:?} {:?}", refused.session());
    assert!(
        !shown.contains("wr0ng-pw") && !shown.contains("pr0xy-pw"),
        "{shown}"
    );
    let plain = ViaClient::builder()
        .base_url(server.uri())
        .proxy(&wrong)
        .build()
        .unwrap();
    let err = plain.item("1").await.unwrap_err();
    // 407, or 401 from tinyproxy.
    let status = err.status().map(|s| s.as_u16());
    assert!(matches!(status, Some(401 | 407)), "{err}");
    assert!(!format!("{err} {err:?}").contains("wr0ng-pw"), "{err}");
}

#[tokio::test]
async fn socks5_carries_http_and_https_and_socks5h_names() {
    let proxy = socks_proxy(None).await;
    let server = MockServer::start().await;
    Mock::given(path("/items/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": 1})))
        .expect(1)
        .mount(&server)
        .await;
    let client = ViaClient::builder()
        .base_url(server.uri())
        .proxy(&proxy.url)
        .build()
        .unwrap();
    assert_eq!(client.item("1").await.unwrap(), json!({"ok": 1}));
    assert!(
        asked(&proxy, "127.0.0.1", port_of(&server.uri())),
        "{}",
        proxy.log()
    );
    // https to a name the proxy resolves (the certificate is for localhost).
    let base = echo_server(true).await.replace("127.0.0.1", "localhost");
    let remote_dns = proxy.url.replace("socks5://", "socks5h://");
    let client = EchoClient::builder()
        .base_url(&base)
        .add_root_certificate_pem(CA)
        .proxy(&remote_dns)
        .build()
        .unwrap();
    assert_eq!(client.who().await.unwrap()["version"], "HTTP/2.0");
    if !proxy.real {
        assert!(
            asked(&proxy, "localhost", port_of(&base)),
            "{}",
            proxy.log()
        );
    }
}

#[tokio::test]
async fn socks5_credentials_are_sent() {
    let proxy = socks_proxy(Some(("sockuser", "s0cks-pw"))).await;
    let server = MockServer::start().await;
    Mock::given(path("/items/1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let client = ViaClient::builder()
        .base_url(server.uri())
        .proxy(&proxy.url)
        .build()
        .unwrap();
    client.item("1").await.unwrap();
    assert!(proxy.log().contains(" auth"), "{}", proxy.log());
    let wrong = ViaClient::builder()
        .base_url(server.uri())
        .proxy(proxy.url.replace("s0cks-pw", "nope-pw"))
        .build()
        .unwrap();
    let err = wrong.item("1").await.unwrap_err();
    assert!(!format!("{err} {err:?}").contains("nope-pw"), "{err}");
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

#[tokio::test]
async fn redirects_cookies_compression_and_downloads_hold_through_proxies() {
    for socks in [false, true] {
        let proxy = if socks {
            socks_proxy(None).await
        } else {
            http_proxy(None).await
        };
        let server = MockServer::start().await;
        Mock::given(path("/items/start"))
            .respond_with(
                ResponseTemplate::new(302)
                    .insert_header("location", "/items/landed")
                    .insert_header("set-cookie", "sid=abc; Path=/"),
            )
            .mount(&server)
            .await;
        Mock::given(path("/items/landed"))
            .and(header("cookie", "sid=abc"))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-encoding", "gzip")
                    .insert_header("content-type", "application/json")
                    .set_body_raw(gzip(br#"{"landed":true}"#), "application/json"),
            )
            .mount(&server)
            .await;
        Mock::given(path("/files/big"))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![7u8; 300_000]))
            .mount(&server)
            .await;
        let client = ViaClient::builder()
            .base_url(server.uri())
            .proxy(&proxy.url)
            .cookie_store(true)
            .build()
            .unwrap();
        assert_eq!(client.item("start").await.unwrap(), json!({"landed": true}));
        let mut stream = client.file("big").await.unwrap();
        let mut total = 0;
        while let Some(chunk) = stream.next().await {
            total += chunk.unwrap().len();
        }
        assert_eq!(total, 300_000, "socks: {socks}");
    }
}

#[tokio::test]
async fn mutual_tls_with_a_client_certificate() {
    let base = crate::hostile::mtls_server().await;
    let client = ViaClient::builder()
        .base_url(&base)
        .add_root_certificate_pem(CA)
        .identity_pem(include_bytes!("../fixtures/client-identity.pem"))
        .build()
        .unwrap();
    assert_eq!(client.item("1").await.unwrap(), json!({"mtls": true}));
    // A key that does not fit the certificate is a build error.
    let mut mismatched = include_bytes!("../fixtures/server.key").to_vec();
    mismatched.extend_from_slice(include_bytes!("../fixtures/client.pem"));
    let err = ViaClient::builder()
        .base_url(&base)
        .identity_pem(&mismatched)
        .build()
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Builder, "{err}");
}

#[tokio::test]
async fn a_token_request_goes_out_on_the_clients_engine() {
    let proxy = http_proxy(None).await;
    let auth = MockServer::start().await;
    Mock::given(path("/oauth/token"))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"access_token": "via-proxy"})),
        )
        .expect(1)
        .mount(&auth)
        .await;
    let api = MockServer::start().await;
    Mock::given(path("/items/1"))
        .and(header("authorization", "Bearer via-proxy"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"ok": true})))
        .expect(1)
        .mount(&api)
        .await;
    let provider =
        api_client::auth::ClientCredentials::new(format!("{}/oauth/token", auth.uri()), "id", "s");
    let client = ViaClient::builder()
        .base_url(api.uri())
        .proxy(&proxy.url)
        .auth_provider(provider)
        .build()
        .unwrap();
    assert_eq!(client.item("1").await.unwrap(), json!({"ok": true}));
    let log = proxy.log();
    assert!(
        log.contains(&format!("POST {}/oauth/token", auth.uri())),
        "{log}"
    );
}
