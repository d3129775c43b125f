//! A scripted HTTP/1.1 server for event streams: each connection reads the
//! request head (kept for the test), then plays its script: chunks of the
//! body (chunked encoding), pauses, and a clean end or a cut.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One step of a connection's script.
#[derive(Clone)]
pub enum Step {
    /// The response head with this status and content type.
    Head(u16, &'static str),
    /// A chunk of the body.
    Send(Vec<u8>),
    /// Each byte of the text as a chunk of its own.
    Bytewise(&'static str),
    Pause(Duration),
    /// Heartbeat comments (`:\n`) every `every`, `count` times.
    Heartbeats {
        every: Duration,
        count: usize,
    },
    /// The body ends cleanly.
    End,
    /// The connection is dropped mid-body.
    Cut,
    /// Writes `chunk` until the client goes away (at most `limit` times),
    /// then records that it saw the connection closed.
    UntilClosed {
        chunk: &'static str,
        limit: usize,
    },
}

pub fn send(text: &str) -> Step {
    Step::Send(text.as_bytes().to_vec())
}

/// What the server saw.
#[derive(Default)]
pub struct Seen {
    /// Each request's head, in order.
    pub requests: Vec<String>,
    /// The client closed a connection that `UntilClosed` was writing to.
    pub closed: bool,
}

pub struct Server {
    pub base: String,
    pub seen: Arc<Mutex<Seen>>,
}

impl Server {
    /// The head of request `i`, lowercase.
    pub fn request(&self, i: usize) -> String {
        self.seen.lock().unwrap().requests[i].to_ascii_lowercase()
    }

    pub fn requests(&self) -> usize {
        self.seen.lock().unwrap().requests.len()
    }
}

/// A server whose connection `i` plays `scripts[i]` (the last script for
/// any later one). At most 16 connections are served.
pub async fn start(scripts: Vec<Vec<Step>>) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Seen::default()));
    let shared = seen.clone();
    tokio::spawn(async move {
        for i in 0..16 {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let script = scripts[i.min(scripts.len() - 1)].clone();
            let seen = shared.clone();
            tokio::spawn(async move { serve(socket, script, seen).await });
        }
    });
    Server { base, seen }
}

async fn serve(mut socket: TcpStream, script: Vec<Step>, seen: Arc<Mutex<Seen>>) {
    // The request head, at most 16 KiB.
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        match socket.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    seen.lock()
        .unwrap()
        .requests
        .push(String::from_utf8_lossy(&head).into_owned());
    for step in script {
        let ok = match step {
            Step::Head(status, content_type) => {
                let head = format!(
                    "HTTP/1.1 {status} OK\r\ncontent-type: {content_type}\r\ntransfer-encoding: chunked\r\ncache-control: no-cache\r\n\r\n"
                );
                socket.write_all(head.as_bytes()).await.is_ok()
            }
            Step::Send(bytes) => chunk(&mut socket, &bytes).await,
            Step::Bytewise(text) => {
                let mut ok = true;
                for b in text.as_bytes() {
                    ok &= chunk(&mut socket, &[*b]).await;
                }
                ok
            }
            Step::Pause(d) => {
                tokio::time::sleep(d).await;
                true
            }
            Step::Heartbeats { every, count } => {
                let mut ok = true;
                for _ in 0..count {
                    tokio::time::sleep(every).await;
                    ok &= chunk(&mut socket, b":\n").await;
                }
                ok
            }
            Step::End => socket.write_all(b"0\r\n\r\n").await.is_ok(),
            Step::Cut => return,
            Step::UntilClosed { chunk: text, limit } => {
                for _ in 0..limit {
                    if !chunk(&mut socket, text.as_bytes()).await {
                        seen.lock().unwrap().closed = true;
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                true
            }
        };
        if !ok {
            return;
        }
    }
    // Keep the connection open briefly so that the client reads it all.
    let _ = socket.flush().await;
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// One chunk of a chunked body; false when the client went away.
async fn chunk(socket: &mut TcpStream, bytes: &[u8]) -> bool {
    let framed = [format!("{:x}\r\n", bytes.len()).as_bytes(), bytes, b"\r\n"].concat();
    socket.write_all(&framed).await.is_ok() && socket.flush().await.is_ok()
}
