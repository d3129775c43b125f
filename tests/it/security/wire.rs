//! Rule 8: a refused mutual-TLS handshake is a connect error, with TLS
//! 1.3 too (the server's alert arrives after the client's side of the
//! handshake is done). Rule 9: a server that floods HTTP/2 control frames
//! (SETTINGS, PING) loses its connection after a bounded number of them.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use api_client::ErrorKind;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use super::{Partner, builder};

#[tokio::test]
async fn a_refused_client_certificate_is_a_connect_error_with_tls_1_3() {
    let base = crate::hostile::mtls_server().await;
    let client = builder(&base)
        .add_root_certificate_pem(include_bytes!("../../fixtures/ca.pem"))
        .build()
        .unwrap();
    let err = client.item("1").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Connect, "{err}");
    assert!(err.is_connect());
    assert_eq!(err.attempts(), 1, "not retried: {err}");
    assert!(err.to_string().contains("client certificate"), "{err}");
}

/// An HTTP/2 (prior knowledge) server that answers the client's preface
/// with its SETTINGS, then sends `frame` without pause, reading and
/// dropping whatever the client sends. Counts the frames it wrote.
async fn flooding(frame: &'static [u8]) -> (String, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let written = Arc::new(AtomicU64::new(0));
    let count = written.clone();
    tokio::spawn(async move {
        for _ in 0..4 {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (mut read, mut write) = stream.into_split();
            tokio::spawn(async move {
                let mut sink = [0u8; 16 * 1024];
                while matches!(read.read(&mut sink).await, Ok(n) if n > 0) {}
            });
            let count = count.clone();
            tokio::spawn(async move {
                // The server's preface: an empty SETTINGS frame.
                if write.write_all(&[0, 0, 0, 4, 0, 0, 0, 0, 0]).await.is_err() {
                    return;
                }
                let burst: Vec<u8> = frame.repeat(64);
                let started = Instant::now();
                // Bounded: at most 20 s, or until the client hangs up.
                while started.elapsed() < Duration::from_secs(20) {
                    if write.write_all(&burst).await.is_err() {
                        return;
                    }
                    count.fetch_add(64, Ordering::Relaxed);
                }
            });
        }
    });
    (base, written)
}

const PING: &[u8] = &[0, 0, 8, 6, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8];
const SETTINGS: &[u8] = &[0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 100];

#[tokio::test]
async fn a_flood_of_http2_control_frames_ends_the_connection() {
    for (name, frame) in [("PING", PING), ("SETTINGS", SETTINGS)] {
        let (base, written) = flooding(frame).await;
        let client = builder(&base)
            .http2_prior_knowledge()
            .no_retry()
            .build()
            .unwrap();
        let started = Instant::now();
        let err = client.item("1").await.unwrap_err();
        let took = started.elapsed();
        assert_eq!(err.kind(), ErrorKind::Transport, "{name}: {err}");
        assert!(err.to_string().contains("control frames"), "{name}: {err}");
        // Generous bounds: the guard trips after about a thousand frames.
        assert!(took < Duration::from_secs(10), "{name}: {took:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
        let sent = written.load(Ordering::Relaxed);
        assert!(sent < 2_000_000, "{name}: the server wrote {sent} frames");
    }
}
