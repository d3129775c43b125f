//! What a hostile or broken server must not make the client do (issue 12,
//! items 8–12 and 16): retry what cannot succeed, report a time-out with
//! the wrong figure, stream forever, print megabytes, or take an error
//! envelope for a success.

use std::sync::Arc;
use std::time::Duration;

use api_client::{ByteStream, ErrorKind, Result, RetryPolicy, TimeoutPhase, api};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::misbehaving::{Behaviour, start};

#[api]
pub trait Hostile {
    #[get("/items/<id>")]
    async fn item(&self, id: &str) -> Result<Value>;

    #[get("/stream")]
    async fn stream(&self) -> Result<ByteStream>;

    #[get("/status")]
    #[envelope(data = "data", ok = "status")]
    async fn enveloped(&self) -> Result<Value>;
}

fn builder(base: &str) -> api_client::ClientBuilder<HostileClient> {
    HostileClient::builder()
        .base_url(base)
        .no_proxy()
        .retry(RetryPolicy::default().backoff(Duration::from_millis(5), Duration::from_millis(20)))
}

#[tokio::test]
async fn what_cannot_succeed_is_tried_once() {
    let server = MockServer::start().await;
    // A body over the limit: another attempt would download it again.
    Mock::given(path("/items/big"))
        .respond_with(ResponseTemplate::new(200).set_body_string("x".repeat(4096)))
        .expect(1)
        .mount(&server)
        .await;
    // A response head larger than hyper accepts.
    let mut huge_head = ResponseTemplate::new(200);
    for i in 0..200 {
        huge_head = huge_head.append_header(format!("x-h{i}").as_str(), "v");
    }
    Mock::given(path("/items/head"))
        .respond_with(huge_head)
        .expect(1)
        .mount(&server)
        .await;
    // A redirect to a scheme that is not http(s).
    Mock::given(path("/items/ftp"))
        .respond_with(ResponseTemplate::new(302).insert_header("location", "ftp://127.0.0.1/x"))
        .expect(1)
        .mount(&server)
        .await;
    let client = builder(&server.uri()).max_body_size(1024).build().unwrap();
    let err = client.item("big").await.unwrap_err();
    assert_eq!((err.kind(), err.attempts()), (ErrorKind::Body, 1), "{err}");
    let err = client.item("head").await.unwrap_err();
    assert_eq!(err.attempts(), 1, "{err}");
    assert!(err.to_string().contains("response head is larger"), "{err}");
    let err = client.item("ftp").await.unwrap_err();
    assert_eq!(
        (err.kind(), err.attempts()),
        (ErrorKind::Redirect, 1),
        "{err}"
    );
    assert!(err.to_string().contains("not http or https"), "{err}");
}

#[tokio::test]
async fn a_time_out_reports_the_attempts_own_time_and_the_calls_apart() {
    let server = start(Behaviour::Stall).await;
    let client = builder(&server.base)
        .attempt_timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = client.item("1").await.unwrap_err();
    assert_eq!(err.timeout_phase(), Some(TimeoutPhase::ResponseHeaders));
    assert_eq!(err.attempts(), 3, "{err}");
    let text = err.to_string();
    // "… after 301 ms (limit 300 ms); the call took 915 ms (after 3 attempts)"
    let own = text
        .split_once("after ")
        .and_then(|(_, rest)| rest.split_once(" (limit"))
        .map(|(figure, _)| figure.to_owned())
        .unwrap_or_default();
    assert!(own.ends_with(" ms"), "{text}");
    let millis: f64 = own.trim_end_matches(" ms").parse().unwrap_or(f64::MAX);
    assert!(
        (300.0..800.0).contains(&millis),
        "the attempt's time: {text}"
    );
    assert!(text.contains("; the call took "), "{text}");
}

/// A TLS server that requires a client certificate: one signed by the
/// test CA (none is in the fixtures), or the test client certificate.
pub async fn mtls_server() -> String {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let provider = crate::support::ring_provider();
    let mut roots = rustls::RootCertStore::empty();
    for pem in [
        &include_bytes!("../fixtures/ca.pem")[..],
        &include_bytes!("../fixtures/client.pem")[..],
    ] {
        for cert in CertificateDer::pem_slice_iter(pem) {
            roots.add(cert.unwrap()).unwrap();
        }
    }
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        provider.clone(),
    )
    .build()
    .unwrap();
    let certs = CertificateDer::pem_slice_iter(include_bytes!("../fixtures/server.pem"))
        .collect::<std::result::Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(include_bytes!("../fixtures/server.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    tokio::spawn(async move {
        // Bounded: a test makes a few connections at most.
        for _ in 0..16 {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(tcp).await {
                    let service = hyper::service::service_fn(|_| async {
                        Ok::<_, std::convert::Infallible>(hyper::Response::new(
                            http_body_util::Full::new(bytes::Bytes::from_static(
                                b"{\"mtls\":true}",
                            )),
                        ))
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(tls), service)
                        .await;
                }
            });
        }
    });
    format!("https://{addr}")
}

#[tokio::test]
async fn a_server_that_requires_a_client_certificate_is_asked_once() {
    let base = mtls_server().await;
    let client = builder(&base)
        .add_root_certificate_pem(include_bytes!("../fixtures/ca.pem"))
        .build()
        .unwrap();
    let err = client.item("1").await.unwrap_err();
    assert_eq!(err.attempts(), 1, "{err}");
    assert!(err.to_string().contains("client certificate"), "{err}");
}

#[tokio::test]
async fn a_stream_that_drips_is_ended_by_the_stream_limit() {
    let server = start(Behaviour::Trickle).await;
    let client = builder(&server.base)
        .stream_timeout(Duration::from_millis(450))
        .build()
        .unwrap();
    let mut stream = client.stream().await.unwrap();
    let mut got = 0;
    let err = loop {
        match stream.next().await {
            Some(Ok(chunk)) => got += chunk.len(),
            Some(Err(e)) => break e,
            None => panic!("the stream ended after {got} bytes without its limit"),
        }
    };
    assert_eq!(err.timeout_phase(), Some(TimeoutPhase::Body), "{err}");
    assert_eq!(err.timeout_limit(), Some(Duration::from_millis(450)));
    assert!((1..16).contains(&got), "{got} bytes before the limit");
    assert!(stream.next().await.is_none(), "a failed stream ends");
    // Without it, the same stream reads to its end (the read timeout holds).
    let client = builder(&server.base).build().unwrap();
    let mut stream = client.stream().await.unwrap();
    let mut all = 0;
    while let Some(chunk) = stream.next().await {
        all += chunk.unwrap().len();
    }
    assert_eq!(all, 16);
}

#[tokio::test]
async fn every_message_is_bounded() {
    let server = MockServer::start().await;
    let client = builder(&server.uri()).build().unwrap();
    let huge = "a".repeat(1 << 20);
    let err = client.item(&huge).await.unwrap_err();
    assert_eq!(
        err.kind(),
        ErrorKind::InvalidRequest,
        "{}",
        &err.to_string()[..200]
    );
    let shown = err.to_string();
    assert!(
        shown.len() <= 4 * 1024 + 64,
        "a {} byte message",
        shown.len()
    );
    assert!(format!("{err:?}").len() <= 16 * 1024 + 64);
    // An error body that is one long line.
    Mock::given(path("/items/1"))
        .respond_with(ResponseTemplate::new(500).set_body_string("e".repeat(60_000)))
        .mount(&server)
        .await;
    let err = client.item("1").await.unwrap_err();
    assert!(err.to_string().len() <= 4 * 1024 + 64);
}

#[tokio::test]
async fn an_ok_field_in_its_string_and_number_forms_is_understood() {
    let server = MockServer::start().await;
    let client = builder(&server.uri()).build().unwrap();
    for (ok, succeeds) in [
        (json!("success"), true),
        (json!("OK"), true),
        (json!(true), true),
        (json!(1), true),
        (json!("error"), false),
        (json!("fail"), false),
        (json!(0), false),
        (json!(false), false),
        (json!("something else"), false),
    ] {
        server.reset().await;
        Mock::given(path("/status"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(json!({"status": ok, "data": {"n": 1}})),
            )
            .mount(&server)
            .await;
        let result = client.enveloped().await;
        match result {
            Ok(data) => assert!(succeeds && data == json!({"n": 1}), "{ok} passed"),
            Err(err) => assert!(
                !succeeds && err.kind() == ErrorKind::Envelope,
                "{ok}: {err}"
            ),
        }
    }
}

/// Answers the first request of each connection (kept alive, without
/// `Connection: close`), then reads the next one and closes without an
/// answer, as tinyproxy does to a connection it will not reuse.
async fn closes_after_one_answer() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        // Bounded: the test makes a handful of connections.
        for _ in 0..16 {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                if stream.read(&mut buf).await.unwrap_or(0) == 0 {
                    return;
                }
                let body = "{\"n\":1}";
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.read(&mut buf).await;
            });
        }
    });
    base
}

#[tokio::test]
async fn a_connection_closed_while_pooled_is_not_a_failure() {
    let base = closes_after_one_answer().await;
    let client = HostileClient::builder()
        .base_url(&base)
        .no_proxy()
        .no_retry()
        .build()
        .unwrap();
    for _ in 0..3 {
        // The second and third reuse a connection the server closed.
        assert_eq!(client.item("1").await.unwrap(), json!({"n": 1}));
    }
}
