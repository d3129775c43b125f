//! The transport: HTTPS with added roots, HTTP/2 by ALPN and by prior
//! knowledge, redirects that re-send or drop the body, downloads after a
//! redirect. Against a small hyper server these tests start (TLS from
//! `tests/fixtures`, a test CA made for them).

use std::convert::Infallible;
use std::sync::Arc;

use api_client::{ByteStream, ErrorKind, Response, Result, RetryPolicy, api};
use bytes::Bytes;
use futures_util::StreamExt;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::{TokioExecutor, TokioIo};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const CA: &[u8] = include_bytes!("../fixtures/ca.pem");
const CERT: &[u8] = include_bytes!("../fixtures/server.pem");
const KEY: &[u8] = include_bytes!("../fixtures/server.key");

#[api]
pub trait Echo {
    #[get("/who")]
    async fn who(&self) -> Result<Value>;

    #[post("/submit")]
    async fn submit(&self, #[body] body: &Value) -> Result<Value>;

    #[get("/download")]
    async fn download(&self) -> Result<ByteStream>;

    #[get("/who")]
    async fn who_meta(&self) -> Result<Response<Value>>;
}

/// Answers every request with what it saw: HTTP version, method, path,
/// body. Serves HTTP/1.1 and HTTP/2 (by ALPN over TLS, by prior knowledge
/// in clear).
pub async fn echo_server(tls: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let acceptor = tls.then(|| {
        use rustls::pki_types::pem::PemObject as _;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs = CertificateDer::pem_slice_iter(CERT)
            .collect::<std::result::Result<Vec<_>, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_slice(KEY).unwrap();
        let provider = crate::support::ring_provider();
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        tokio_rustls::TlsAcceptor::from(Arc::new(config))
    });
    tokio::spawn(async move {
        // Ends with the test's runtime.
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(answer);
                let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
                let _ = match acceptor {
                    Some(acceptor) => match acceptor.accept(tcp).await {
                        Ok(stream) => {
                            builder
                                .serve_connection(TokioIo::new(stream), service)
                                .await
                        }
                        Err(_) => return,
                    },
                    None => builder.serve_connection(TokioIo::new(tcp), service).await,
                };
            });
        }
    });
    let scheme = if tls { "https" } else { "http" };
    format!("{scheme}://{addr}")
}

async fn answer(
    request: hyper::Request<hyper::body::Incoming>,
) -> std::result::Result<hyper::Response<Full<Bytes>>, Infallible> {
    let version = format!("{:?}", request.version());
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let content_type = request
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap_or("").to_owned());
    let body = request
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let mut response = hyper::Response::builder().header("content-type", "application/json");
    let seen = json!({
        "version": version,
        "method": method,
        "path": path,
        "content_type": content_type,
        "body": String::from_utf8_lossy(&body),
    });
    let status = match path.as_str() {
        "/submit" => {
            response = response.header("location", "/landed");
            307
        }
        "/download" => {
            response = response.header("location", "/files/report.json");
            302
        }
        _ => 200,
    };
    Ok(response
        .status(status)
        .body(Full::new(Bytes::from(seen.to_string())))
        .unwrap())
}

/// A reqwest client of one's own that ignores `*_PROXY` variables.
fn direct_reqwest() -> api_client::reqwest::Client {
    api_client::ensure_tls_provider().unwrap();
    api_client::reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
}

/// The same client on our engine and on reqwest (a client of one's own,
/// feature `reqwest`): both must behave alike. `no_proxy()` keeps a
/// `*_PROXY` variable of the environment from sending the first through a
/// proxy.
fn both_transports(base: &str) -> [EchoClient; 2] {
    api_client::ensure_tls_provider().unwrap();
    let own = direct_reqwest();
    [
        EchoClient::builder()
            .base_url(base)
            .no_proxy()
            .build()
            .unwrap(),
        EchoClient::builder()
            .base_url(base)
            .with_reqwest_client(own)
            .build()
            .unwrap(),
    ]
}

#[test]
fn a_session_says_which_transport_sends_its_requests() {
    let [ours, given] = both_transports("http://127.0.0.1:9");
    let debug = |c: &EchoClient| format!("{:?}", c.session());
    assert!(
        debug(&ours).contains(r#"transport: "hyper""#),
        "{}",
        debug(&ours)
    );
    assert!(debug(&given).contains(r#"transport: "reqwest (given)""#));
    let proxied = EchoClient::builder()
        .base_url("http://127.0.0.1:9")
        .proxy("http://127.0.0.1:3128")
        .build()
        .unwrap();
    // A proxy does not change the engine (issue 13).
    assert!(debug(&proxied).contains(r#"transport: "hyper""#));
}

#[tokio::test]
async fn https_with_an_added_root_speaks_http2_when_the_server_offers_it() {
    let base = echo_server(true).await;
    let c = EchoClient::builder()
        .base_url(&base)
        .no_proxy()
        .add_root_certificate_pem(CA)
        .build()
        .unwrap();
    let seen = c.who().await.unwrap();
    assert_eq!(seen["version"], "HTTP/2.0", "{seen}");
    assert_eq!(seen["path"], "/who");
}

#[tokio::test]
async fn an_unknown_certificate_authority_is_refused_once_not_retried() {
    let base = echo_server(true).await;
    let c = EchoClient::builder()
        .base_url(&base)
        .no_proxy()
        .retry(RetryPolicy::default().attempts(3))
        .build()
        .unwrap();
    let err = c.who().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect, "{err:?}");
    assert_eq!(err.attempts(), 1, "a refused certificate is not retried");
    let chain = std::iter::successors(Some(&err as &(dyn std::error::Error + 'static)), |e| {
        e.source()
    })
    .map(|e| e.to_string())
    .collect::<Vec<_>>()
    .join(" / ");
    assert!(chain.contains("certificate"), "{chain}");
}

#[tokio::test]
async fn http2_prior_knowledge_speaks_http2_in_clear() {
    let base = echo_server(false).await;
    let plain = EchoClient::builder()
        .base_url(&base)
        .no_proxy()
        .build()
        .unwrap();
    assert_eq!(plain.who().await.unwrap()["version"], "HTTP/1.1");
    let h2c = EchoClient::builder()
        .base_url(&base)
        .no_proxy()
        .http2_prior_knowledge()
        .build()
        .unwrap();
    assert_eq!(h2c.who().await.unwrap()["version"], "HTTP/2.0");
}

#[tokio::test]
async fn a_307_sends_the_same_method_and_body_again() {
    let base = echo_server(false).await;
    for c in both_transports(&base) {
        let seen = c.submit(&json!({"n": 1})).await.unwrap();
        assert_eq!(seen["method"], "POST", "{c:?}");
        assert_eq!(seen["path"], "/landed");
        assert_eq!(seen["body"], r#"{"n":1}"#);
        assert_eq!(seen["content_type"], "application/json");
    }
}

#[tokio::test]
async fn a_download_reports_where_redirects_led() {
    let base = echo_server(false).await;
    for c in both_transports(&base) {
        let stream = c.download().await.unwrap();
        assert_eq!(stream.url().path(), "/files/report.json", "{c:?}");
        let chunks: Vec<_> = stream.collect().await;
        let body: Vec<u8> = chunks
            .into_iter()
            .flat_map(|c| c.unwrap().to_vec())
            .collect();
        let seen: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(seen["path"], "/files/report.json");
        // Without a redirect, the URL is the request's.
        let meta = c.who_meta().await.unwrap();
        assert_eq!(meta.url().as_str(), format!("{base}/who"));
    }
}

#[tokio::test]
async fn a_303_makes_a_post_a_get_without_body_and_a_later_307_keeps_it_so() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/submit"))
        .respond_with(ResponseTemplate::new(303).insert_header("location", "/moved"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/moved"))
        .respond_with(ResponseTemplate::new(307).insert_header("location", "/result"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/result"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"done": true})))
        .mount(&server)
        .await;
    for c in both_transports(&server.uri()) {
        let done = c.submit(&json!({"n": 2})).await.unwrap();
        assert_eq!(done, json!({"done": true}), "{c:?}");
        let requests = server.received_requests().await.unwrap();
        for followed in &requests[requests.len() - 2..] {
            let at = (followed.method.as_str(), followed.url.path());
            assert_eq!(at.0, "GET", "{c:?} {at:?}");
            assert!(followed.body.is_empty(), "{c:?} {at:?}");
            assert!(followed.headers.get("content-type").is_none(), "{at:?}");
            let length = followed.headers.get("content-length");
            assert!(length.is_none_or(|v| v == "0"), "{at:?}");
        }
    }
}

#[tokio::test]
async fn a_cookie_set_by_a_redirect_goes_where_it_leads_and_credentials_stay() {
    let server = MockServer::start().await;
    Mock::given(path("/who"))
        .respond_with(
            ResponseTemplate::new(302)
                .insert_header("location", "/landed")
                .insert_header("set-cookie", "session=s1; Path=/"),
        )
        .mount(&server)
        .await;
    Mock::given(path("/landed"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"landed": true})))
        .mount(&server)
        .await;
    let c = EchoClient::builder()
        .base_url(server.uri())
        .no_proxy()
        .cookie_store(true)
        .bearer_auth("tok-same-origin")
        .build()
        .unwrap();
    assert_eq!(c.who().await.unwrap(), json!({"landed": true}));
    let requests = server.received_requests().await.unwrap();
    let landed = requests.last().unwrap();
    assert_eq!(landed.url.path(), "/landed");
    assert_eq!(landed.headers["cookie"], "session=s1");
    // Same origin: the credentials follow.
    assert_eq!(landed.headers["authorization"], "Bearer tok-same-origin");
}

#[api]
pub trait Coded {
    #[get("/coded/<coding>")]
    async fn json(&self, coding: &str) -> Result<Value>;

    #[get("/coded/<coding>")]
    async fn stream(&self, coding: &str) -> Result<ByteStream>;

    #[get("/coded/<coding>")]
    async fn range(&self, coding: &str, #[header("Range")] range: &str) -> Result<Bytes>;
}

async fn encode(coding: &str, data: &[u8]) -> Vec<u8> {
    use async_compression::tokio::bufread::{BrotliEncoder, GzipEncoder, ZlibEncoder, ZstdEncoder};
    use tokio::io::AsyncReadExt;
    let mut out = Vec::new();
    match coding {
        "gzip" => GzipEncoder::new(data).read_to_end(&mut out).await,
        "br" => BrotliEncoder::new(data).read_to_end(&mut out).await,
        "zstd" => ZstdEncoder::new(data).read_to_end(&mut out).await,
        "deflate" => ZlibEncoder::new(data).read_to_end(&mut out).await,
        other => panic!("no encoder for {other}"),
    }
    .unwrap();
    out
}

const DOCUMENT: &[u8] = br#"{"compressed": true, "padding": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}"#;

async fn coded_server() -> MockServer {
    let server = MockServer::start().await;
    for coding in ["gzip", "br", "zstd", "deflate"] {
        Mock::given(path(format!("/coded/{coding}")))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-encoding", coding)
                    .insert_header("content-type", "application/json")
                    .set_body_bytes(encode(coding, DOCUMENT).await),
            )
            .mount(&server)
            .await;
    }
    Mock::given(path("/coded/corrupt"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-encoding", "gzip")
                .insert_header("content-type", "application/json")
                .set_body_bytes(b"this is not gzip".to_vec()),
        )
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn every_coding_is_decompressed_buffered_or_streamed_on_both_transports() {
    let server = coded_server().await;
    api_client::ensure_tls_provider().unwrap();
    let clients = [
        CodedClient::builder()
            .base_url(server.uri())
            .no_proxy()
            .build()
            .unwrap(),
        CodedClient::builder()
            .base_url(server.uri())
            .with_reqwest_client(direct_reqwest())
            .build()
            .unwrap(),
    ];
    let expected: Value = serde_json::from_slice(DOCUMENT).unwrap();
    for c in &clients {
        for coding in ["gzip", "br", "zstd", "deflate"] {
            assert_eq!(c.json(coding).await.unwrap(), expected, "{coding} {c:?}");
            let stream = c.stream(coding).await.unwrap();
            assert_eq!(
                stream.content_length(),
                None,
                "the decoded length is unknown"
            );
            let chunks: Vec<_> = stream.collect().await;
            let body: Vec<u8> = chunks
                .into_iter()
                .flat_map(|c| c.unwrap().to_vec())
                .collect();
            assert_eq!(body, DOCUMENT, "{coding}");
        }
        let err = c.json("corrupt").await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Body, "{err:?}");
    }
}

#[tokio::test]
async fn a_range_is_read_as_it_is_sent_and_not_asked_compressed() {
    let server = coded_server().await;
    let c = CodedClient::builder()
        .base_url(server.uri())
        .no_proxy()
        .build()
        .unwrap();
    let raw = c.range("gzip", "bytes=0-").await.unwrap();
    assert_eq!(raw, encode("gzip", DOCUMENT).await);
    let sent = server.received_requests().await.unwrap();
    assert!(
        sent[0].headers.get("accept-encoding").is_none(),
        "{:?}",
        sent[0].headers
    );
}
