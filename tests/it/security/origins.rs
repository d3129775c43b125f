//! Rule 1: nothing crosses an origin unless it is known safe (an
//! allowlist, plus what the user marked), whatever set a header. Rule 3:
//! URLs a server supplies lose their user info before they are followed,
//! shown or sent. Rule 4: a signature covers the request it is on.

use std::convert::Infallible;
use std::sync::Arc;

use api_client::{ErrorKind, auth::SignError, auth::SignRequest};
use bytes::Bytes;
use http_body_util::Full;
use hyper_util::rt::{TokioExecutor, TokioIo};
use proptest::prelude::*;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use super::{MAY_CROSS, Partner, builder, json_response, names, raw_server};

/// Every way a header reaches a request, each with a value that must not
/// leave the origin: the builder's headers, an argument, the trait's
/// static header, a hook, a signer, a bearer token and an API key.
fn loaded(base: &str) -> api_client::ClientBuilder<super::PartnerClient> {
    builder(base)
        .header("Ocp-Apim-Subscription-Key", "apim-key-0001")
        .header("X-Functions-Key", "func-key-0002")
        .on_request(|request| request.set_header("X-Hook-Token", "hook-tok-0004"))
        .signer(|request: &mut SignRequest<'_>| -> Result<(), SignError> {
            request.set_header("x-signature", "sig-0005-over-the-path")
        })
        .bearer_auth("bearer-0006")
        .api_key_header("X-Api-Key", "apikey-0007")
        .header(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        )
        .cross_origin_header("traceparent")
}

const SECRETS: [&str; 8] = [
    "apim-key-0001",
    "func-key-0002",
    "partner-key-0003",
    "hook-tok-0004",
    "sig-0005",
    "bearer-0006",
    "apikey-0007",
    "static-secret-0008",
];

/// A server that answers every request with its own headers as JSON.
async fn echoing() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(|request: &Request| {
            let seen: Vec<String> = request.headers.keys().map(|k| k.to_string()).collect();
            ResponseTemplate::new(200).set_body_json(json!({ "headers": seen }))
        })
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    server
}

/// A server that redirects every request to `location` with `status`.
async fn redirecting(status: u16, location: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(path_regex("^/(items/1|keyed/1|upload)$"))
        .respond_with(ResponseTemplate::new(status).insert_header("location", location))
        .mount(&server)
        .await;
    server
}

fn assert_only_safe_headers(request: &Request, marked: &[&str]) {
    let text = format!("{:?} {}", request.headers, request.url);
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} crossed origins: {text}");
    }
    for name in names(&request.headers) {
        assert!(
            MAY_CROSS.contains(&name.as_str()) || marked.contains(&name.as_str()),
            "`{name}` crossed origins: {text}"
        );
    }
}

#[tokio::test]
async fn no_header_but_the_allowlist_and_marked_ones_follows_a_redirect_to_another_origin() {
    let elsewhere = echoing().await;
    let origin = redirecting(302, &format!("{}/landing", elsewhere.uri())).await;
    let client = loaded(&origin.uri()).build().unwrap();
    let landed = client.item("1").await.unwrap();
    assert_eq!(landed.url().path(), "/landing");
    client.keyed("1", "partner-key-0003").await.unwrap();
    // A 307 keeps the body: its content headers go along, nothing else.
    let origin = redirecting(307, &format!("{}/landing", elsewhere.uri())).await;
    let client = loaded(&origin.uri()).build().unwrap();
    client.upload(&json!({"n": 1})).await.unwrap();
    let received = elsewhere.received_requests().await.unwrap();
    assert_eq!(received.len(), 3);
    for request in &received {
        assert_only_safe_headers(request, &["traceparent"]);
        assert!(request.headers.contains_key("traceparent"), "marked: kept");
        assert!(request.headers.contains_key("user-agent"));
    }
    let posted = received
        .iter()
        .find(|r| r.method.as_str() == "POST")
        .unwrap();
    assert_eq!(posted.headers["content-type"], "application/json");
    // The origin itself got every one of them.
    let home = origin.received_requests().await.unwrap();
    let text = format!("{:?}", home[0].headers);
    for name in [
        "ocp-apim-subscription-key",
        "x-hook-token",
        "x-signature",
        "x-api-key",
    ] {
        assert!(text.contains(name), "{name} missing at home: {text}");
    }
}

/// A TLS server (the test CA's certificate) that redirects every request
/// to `location`.
async fn tls_redirecting(location: String) -> String {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let certs = CertificateDer::pem_slice_iter(include_bytes!("../../fixtures/server.pem"))
        .collect::<std::result::Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(include_bytes!("../../fixtures/server.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(crate::support::ring_provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    tokio::spawn(async move {
        for _ in 0..8 {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let (acceptor, location) = (acceptor.clone(), location.clone());
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper::service::service_fn(move |_| {
                    let location = location.clone();
                    async move {
                        Ok::<_, Infallible>(
                            hyper::Response::builder()
                                .status(302)
                                .header("location", location)
                                .body(Full::new(Bytes::new()))
                                .unwrap(),
                        )
                    }
                });
                let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    format!("https://127.0.0.1:{}", addr.port())
}

#[tokio::test]
async fn nothing_but_the_allowlist_goes_from_https_to_http() {
    let plain = echoing().await;
    let port = plain.address().port();
    let origin = tls_redirecting(format!("http://127.0.0.1:{port}/landing")).await;
    let client = loaded(&origin)
        .add_root_certificate_pem(crate::transport::CA)
        .build()
        .unwrap();
    let landed = client.item("1").await.unwrap();
    assert_eq!(landed.url().scheme(), "http");
    let received = plain.received_requests().await.unwrap();
    assert_eq!(received.len(), 1);
    assert_only_safe_headers(&received[0], &["traceparent"]);
}

#[tokio::test]
async fn a_next_page_on_another_origin_carries_only_what_may_cross() {
    let elsewhere = MockServer::start().await;
    Mock::given(path("/more"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([2])))
        .mount(&elsewhere)
        .await;
    let home = MockServer::start().await;
    let link = format!("<{}/more>; rel=\"next\"", elsewhere.uri());
    Mock::given(path("/list"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!([1]))
                .insert_header("link", link.as_str()),
        )
        .mount(&home)
        .await;
    let client = loaded(&home.uri()).build().unwrap();
    let items = client.list().allow_other_origins().all().await.unwrap();
    assert_eq!(items, [json!(1), json!(2)]);
    let there = elsewhere.received_requests().await.unwrap();
    assert_eq!(there.len(), 1);
    assert_only_safe_headers(&there[0], &["traceparent"]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    /// Rule 1 over random names and sources: a header set by the builder
    /// or by a hook, whatever its name, reaches another origin only when
    /// it is on the allowlist or marked.
    #[test]
    fn random_headers_from_random_sources_never_cross_unless_allowed(
        from_builder in proptest::collection::vec("x-[a-z0-9-]{1,16}|[a-z]{3,12}", 0..6),
        from_hook in proptest::collection::vec("x-[a-z0-9-]{1,16}|[a-z]{3,12}", 0..6),
        marked in proptest::collection::vec("x-[a-z0-9-]{1,16}", 0..2),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let elsewhere = echoing().await;
            let origin = redirecting(302, &format!("{}/landing", elsewhere.uri())).await;
            let mut client = builder(&origin.uri());
            for name in &from_builder {
                client = client.header(name, "builder-value-1234");
            }
            for name in &marked {
                client = client.header(name, "marked-value-1234").cross_origin_header(name);
            }
            let hook_names = from_hook.clone();
            client = client.on_request(move |request| {
                for name in &hook_names {
                    request.set_header(name, "hook-value-1234");
                }
            });
            let client = client.build().unwrap();
            client.item("1").await.unwrap();
            let received = elsewhere.received_requests().await.unwrap();
            let marked: Vec<&str> = marked.iter().map(String::as_str).collect();
            for name in names(&received[0].headers) {
                let allowed = MAY_CROSS.contains(&name.as_str()) || marked.contains(&name.as_str());
                assert!(allowed, "`{name}` crossed origins");
            }
        });
    }
}

#[tokio::test]
async fn a_location_with_user_info_loses_it_before_it_is_followed_shown_or_sent() {
    // The origin redirects to a URL with user info; through a proxy, the
    // request line (absolute form) would carry it.
    fn answer(head: &str) -> String {
        if head.contains("/items/1 ") {
            let location = "http://u:SECRET-9@127.0.0.2:9/landing";
            format!("HTTP/1.1 302 Found\r\nlocation: {location}\r\ncontent-length: 0\r\n\r\n")
        } else {
            json_response(200, "{\"landed\":true}")
        }
    }
    let (proxy, heads) = raw_server(answer).await;
    let client = super::PartnerClient::builder()
        .base_url("http://127.0.0.1:9")
        .proxy(&proxy)
        .build()
        .unwrap();
    let response = client.item("1").await.unwrap();
    let shown = format!("{} {:?} {:?}", response.url(), response.history(), response);
    assert!(
        !shown.contains("SECRET-9") && !shown.contains("u:"),
        "{shown}"
    );
    let heads = heads.lock().unwrap().join("\n");
    assert!(
        heads.contains("GET http://127.0.0.2:9/landing HTTP/1.1"),
        "{heads}"
    );
    assert!(!heads.contains("SECRET-9"), "{heads}");
    // `Authorization: Basic base64(u:SECRET-9)` is not made of it either.
    assert!(
        !heads.to_ascii_lowercase().contains("authorization"),
        "{heads}"
    );
}

#[tokio::test]
async fn a_signature_covers_each_redirect_it_follows_on_its_origin() {
    let server = MockServer::start().await;
    let elsewhere = echoing().await;
    Mock::given(path("/items/1"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/items/2"))
        .mount(&server)
        .await;
    let far = format!("{}/landing", elsewhere.uri());
    Mock::given(path("/items/2"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", far.as_str()))
        .mount(&server)
        .await;
    // Signs the method and path, as signing schemes do.
    let signer = |request: &mut SignRequest<'_>| -> Result<(), SignError> {
        let signature = format!("{} {}", request.method(), request.url().path());
        request.set_header("x-signature", &signature)
    };
    let client = builder(&server.uri()).signer(signer).build().unwrap();
    client.item("1").await.unwrap();
    let received = server.received_requests().await.unwrap();
    let signatures: Vec<(String, String)> = received
        .iter()
        .map(|r| {
            (
                r.url.path().to_owned(),
                r.headers["x-signature"].to_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        signatures,
        [
            ("/items/1".to_owned(), "GET /items/1".to_owned()),
            ("/items/2".to_owned(), "GET /items/2".to_owned()),
        ]
    );
    // The hop to another origin carries no signature at all.
    let landed = elsewhere.received_requests().await.unwrap();
    assert!(!landed[0].headers.contains_key("x-signature"));

    // A signer that refuses a hop ends the call, naming the redirect.
    let picky = |request: &mut SignRequest<'_>| -> Result<(), SignError> {
        if request.url().path() == "/items/2" {
            return Err("no key for /items/2".into());
        }
        request.set_header("x-signature", "s")
    };
    let client = builder(&server.uri()).signer(picky).build().unwrap();
    let err = client.item("1").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Redirect, "{err}");
    assert!(err.to_string().contains("no key for /items/2"), "{err}");
    let _: Value = json!(null);
}
