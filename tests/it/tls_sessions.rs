//! TLS over the engine, beyond the handshake: a new connection resumes the
//! session an earlier one made (the server says the handshake was
//! resumed), for the same client and for another one built in the same
//! process (they share the configuration and its session cache), and
//! `http1_only()` keeps HTTP/2 out of ALPN.

use std::sync::{Arc, Mutex};

use api_client::{Result, api};
use rustls::HandshakeKind;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const CA: &[u8] = include_bytes!("../fixtures/ca.pem");
const CERT: &[u8] = include_bytes!("../fixtures/server.pem");
const KEY: &[u8] = include_bytes!("../fixtures/server.key");

/// What the server saw of each connection: its handshake and protocol.
type Seen = Arc<Mutex<Vec<(Option<HandshakeKind>, Option<Vec<u8>>)>>>;

/// A TLS server answering each request with `{}` and closing the
/// connection, so that every call opens a new one. At most 8 connections.
async fn server() -> (String, Seen) {
    use rustls::pki_types::pem::PemObject as _;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs = CertificateDer::pem_slice_iter(CERT)
        .collect::<std::result::Result<Vec<_>, _>>()
        .unwrap();
    let key = PrivateKeyDer::from_pem_slice(KEY).unwrap();
    let mut config = rustls::ServerConfig::builder_with_provider(crate::support::ring_provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("https://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let record = seen.clone();
    tokio::spawn(async move {
        for _ in 0..8 {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let Ok(mut tls) = acceptor.accept(tcp).await else {
                continue;
            };
            let (_, connection) = tls.get_ref();
            let alpn = connection.alpn_protocol().map(<[u8]>::to_vec);
            record
                .lock()
                .unwrap()
                .push((connection.handshake_kind(), alpn));
            let mut buf = vec![0u8; 4096];
            let _ = tls.read(&mut buf).await;
            let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";
            let _ = tls.write_all(answer.as_bytes()).await;
            let _ = tls.shutdown().await;
        }
    });
    (base, seen)
}

#[api]
pub trait Ping {
    #[get("/ping")]
    async fn ping(&self) -> Result<serde_json::Value>;
}

fn client(base: &str) -> PingClient {
    PingClient::builder()
        .base_url(base)
        .add_root_certificate_pem(CA)
        .http1_only()
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_new_connection_resumes_the_session_of_an_earlier_one() {
    let (base, seen) = server().await;
    let first = client(&base);
    first.ping().await.unwrap();
    first.ping().await.unwrap();
    // Another client of the process: it shares the session cache.
    client(&base).ping().await.unwrap();
    let seen = seen.lock().unwrap().clone();
    let kinds: Vec<Option<HandshakeKind>> = seen.iter().map(|(kind, _)| *kind).collect();
    assert_eq!(
        kinds,
        [
            Some(HandshakeKind::Full),
            Some(HandshakeKind::Resumed),
            Some(HandshakeKind::Resumed)
        ]
    );
    // `http1_only()`: only HTTP/1.1 was offered, so it was chosen.
    assert!(
        seen.iter()
            .all(|(_, alpn)| alpn.as_deref() == Some(&b"http/1.1"[..]))
    );
}

#[test]
fn http1_only_and_prior_knowledge_contradict() {
    let error = PingClient::builder()
        .base_url("https://127.0.0.1:1")
        .http1_only()
        .http2_prior_knowledge()
        .build()
        .unwrap_err();
    assert!(error.to_string().contains("contradict"), "{error}");
}
