//! Where a blocking call runs: on its caller's thread, with that thread's
//! own connections, when it is a plain thread; on the shared runtime from
//! inside a runtime's context and for a streamed body. Against a small
//! server of our own that counts connections and can close idle ones.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::{Duration, Instant};

use api_client::{ByteStream, Result, api};

#[api(base = "http://127.0.0.1")]
pub trait Plain {
    #[get("/users/<login>")]
    fn user(&self, login: &str) -> Result<serde_json::Value>;

    #[post("/users")]
    fn create(&self, #[body] user: &serde_json::Value) -> Result<serde_json::Value>;

    #[get("/stream")]
    fn stream(&self) -> Result<ByteStream>;
}

/// An HTTP/1.1 server on 127.0.0.1 that answers every request with a
/// small JSON body, counts the connections opened and closed, and when
/// `drop_idle`, closes each connection after its response (without
/// saying so, as a server whose keep-alive timeout ran out does).
struct CountingServer {
    base: String,
    opened: Arc<AtomicUsize>,
    closed: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl CountingServer {
    fn start(drop_idle: bool) -> CountingServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let opened = Arc::new(AtomicUsize::new(0));
        let closed = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (o, c, s) = (opened.clone(), closed.clone(), stop.clone());
        thread::spawn(move || {
            for stream in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                o.fetch_add(1, Ordering::SeqCst);
                let c = c.clone();
                thread::spawn(move || {
                    serve(stream, drop_idle);
                    c.fetch_add(1, Ordering::SeqCst);
                });
            }
        });
        CountingServer {
            base,
            opened,
            closed,
            stop,
        }
    }

    fn client(&self) -> PlainClient {
        PlainClient::builder().base_url(&self.base).build().unwrap()
    }

    fn opened(&self) -> usize {
        self.opened.load(Ordering::SeqCst)
    }

    /// Waits (up to 10 s) until `n` connections have closed.
    fn wait_closed(&self, n: usize) -> usize {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.closed.load(Ordering::SeqCst) < n && Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        self.closed.load(Ordering::SeqCst)
    }
}

impl Drop for CountingServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.base.trim_start_matches("http://"));
    }
}

/// Serves one connection until the client closes it (or 10 s of silence).
fn serve(mut stream: TcpStream, drop_idle: bool) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let Some(end) = find(&buffer, b"\r\n\r\n") else {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) if buffer.len() + n > 64 * 1024 => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
            continue;
        };
        let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        if buffer.len() < end + 4 + length {
            match stream.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buffer.extend_from_slice(&chunk[..n]),
            }
            continue;
        }
        buffer.drain(..end + 4 + length);
        let body = br#"{"login":"a","id":1}"#;
        let reply = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        if stream.write_all(reply.as_bytes()).is_err() || stream.write_all(body).is_err() {
            return;
        }
        if drop_idle {
            return;
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn a_plain_threads_call_runs_on_that_thread() {
    let server = CountingServer::start(false);
    let seen: Arc<Mutex<Vec<ThreadId>>> = Arc::default();
    let recorded = seen.clone();
    let client = PlainClient::builder()
        .base_url(&server.base)
        .on_request(move |_| recorded.lock().unwrap().push(thread::current().id()))
        .build()
        .unwrap();
    let threads: Vec<_> = (0..3)
        .map(|_| {
            let client = client.clone();
            thread::spawn(move || {
                for _ in 0..3 {
                    assert_eq!(client.user("a").unwrap()["id"], 1);
                }
                thread::current().id()
            })
        })
        .collect();
    let callers: Vec<ThreadId> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 9);
    for caller in &callers {
        assert_eq!(seen.iter().filter(|t| *t == caller).count(), 3);
    }
    // Each thread keeps its own connection for its calls.
    assert_eq!(server.opened(), 3);
}

#[test]
fn a_connection_the_server_closed_while_idle_is_not_used_again() {
    let server = CountingServer::start(true);
    let client = server.client();
    assert_eq!(client.user("a").unwrap()["id"], 1);
    // The server has closed the connection by now: a POST (which is not
    // sent again after a lost connection) must go out on a new one.
    server.wait_closed(1);
    thread::sleep(Duration::from_millis(50));
    for _ in 0..3 {
        let created = client.create(&serde_json::json!({"login": "b"})).unwrap();
        assert_eq!(created["id"], 1);
        server.wait_closed(server.opened());
        thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(server.opened(), 4);
}

#[test]
fn a_threads_connections_close_when_it_ends() {
    let server = CountingServer::start(false);
    let client = server.client();
    for _ in 0..5 {
        let client = client.clone();
        thread::spawn(move || client.user("a").map(|u| u["id"].clone()))
            .join()
            .unwrap()
            .unwrap();
    }
    assert_eq!(server.opened(), 5);
    // The ended threads' runtimes, and their connections, are gone.
    assert_eq!(server.wait_closed(5), 5);
    // And the client still works, from this thread and from new ones.
    assert_eq!(client.user("a").unwrap()["id"], 1);
    let again = client.clone();
    let id = thread::spawn(move || again.user("a").unwrap()["id"].clone());
    assert_eq!(id.join().unwrap(), 1);
}

#[test]
fn a_streamed_body_can_be_read_on_another_thread() {
    let server = CountingServer::start(false);
    let client = server.client();
    let stream = client.stream().unwrap();
    let body = thread::spawn(move || {
        let mut body = Vec::new();
        for chunk in stream.blocking_iter() {
            body.extend_from_slice(&chunk.unwrap());
        }
        body
    });
    assert_eq!(body.join().unwrap(), br#"{"login":"a","id":1}"#);
    // Meanwhile and after, calls on this thread go on.
    assert_eq!(client.user("a").unwrap()["id"], 1);
}

#[test]
fn inside_a_runtime_a_blocking_call_still_works() {
    let server = CountingServer::start(false);
    let client = server.client();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Blocking inside `block_on` is what an async program must not do,
    // but it must not hang or panic: the shared runtime runs the call.
    let id = runtime.block_on(async { client.user("a").map(|u| u["id"].clone()) });
    assert_eq!(id.unwrap(), 1);
}
