//! Small servers that misbehave on purpose, for what wiremock cannot do:
//! stall, stall after the headers, close before or during the response.
//! Each listens on 127.0.0.1:0, serves a bounded number of connections and
//! counts them.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with each connection.
#[derive(Clone, Copy)]
pub enum Behaviour {
    /// Reads the request and never answers.
    Stall,
    /// Accepts the connection and never reads nor writes (a TLS handshake
    /// against it never completes).
    Silent,
    /// Sends the head of a 100-byte body, then stalls.
    HeadersThenStall,
    /// Sends a 503 with the head of a 100-byte body and 12 bytes of it,
    /// then stalls.
    ErrorThenStall,
    /// Sends the head of a 100-byte body and 7 bytes, then closes.
    TruncatedBody,
    /// Reads the request and closes without answering.
    CloseBeforeResponse,
    /// Sends a 16-byte JSON number one byte every 100 ms (1.6 s in all).
    Trickle,
    /// Answers the n-th request (on any connection, kept alive) with the
    /// n-th status of the script, the last one repeating; 429 and 503
    /// carry `Retry-After: 20`.
    Script(&'static [u16]),
}

pub struct Server {
    pub base: String,
    connections: Arc<AtomicUsize>,
}

impl Server {
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

pub async fn start(behaviour: Behaviour) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let connections = Arc::new(AtomicUsize::new(0));
    let counter = connections.clone();
    let requests = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        // Bounded: no test makes more than a few dozen connections.
        for _ in 0..64 {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            counter.fetch_add(1, Ordering::SeqCst);
            match behaviour {
                Behaviour::Script(script) => {
                    tokio::spawn(serve_script(stream, script, requests.clone()))
                }
                other => tokio::spawn(serve(stream, other)),
            };
        }
    });
    Server { base, connections }
}

async fn serve_script(mut stream: TcpStream, script: &'static [u16], requests: Arc<AtomicUsize>) {
    // Bounded: a test sends at most a handful of requests.
    for _ in 0..32 {
        if !read_head(&mut stream).await {
            return;
        }
        let n = requests.fetch_add(1, Ordering::SeqCst);
        let status = script[n.min(script.len() - 1)];
        let retry_after = if matches!(status, 429 | 503) {
            "retry-after: 20\r\n"
        } else {
            ""
        };
        let response = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: 2\r\n{retry_after}\r\n{{}}"
        );
        if stream.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// Reads one request head; false at the end of the connection.
async fn read_head(stream: &mut TcpStream) -> bool {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return false,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    true
}

async fn serve(mut stream: TcpStream, behaviour: Behaviour) {
    let hold = Duration::from_secs(30);
    match behaviour {
        Behaviour::Silent => tokio::time::sleep(hold).await,
        Behaviour::Stall => {
            let _ = read_head(&mut stream).await;
            tokio::time::sleep(hold).await;
        }
        Behaviour::HeadersThenStall => {
            let _ = read_head(&mut stream).await;
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n")
                .await;
            tokio::time::sleep(hold).await;
        }
        Behaviour::ErrorThenStall => {
            let _ = read_head(&mut stream).await;
            let _ = stream
                .write_all(b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"error\":\"b")
                .await;
            tokio::time::sleep(hold).await;
        }
        Behaviour::TruncatedBody => {
            let _ = read_head(&mut stream).await;
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"id\":1")
                .await;
        }
        Behaviour::CloseBeforeResponse => {
            let _ = read_head(&mut stream).await;
        }
        Behaviour::Script(_) => {}
        Behaviour::Trickle => {
            let _ = read_head(&mut stream).await;
            let body = b"1234567890123456";
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            for byte in body {
                tokio::time::sleep(Duration::from_millis(100)).await;
                if stream.write_all(&[*byte]).await.is_err() {
                    return;
                }
            }
        }
    }
}
