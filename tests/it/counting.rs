//! A small HTTP/1.1 server of our own that counts connections: the
//! pool's and the blocking flavour's tests read how many were opened and
//! closed.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// An HTTP/1.1 server on 127.0.0.1 that answers every request with a
/// small JSON body (1 MiB of `a` for `GET /big…`), counts the
/// connections opened and closed, and when `drop_idle`, closes each
/// connection 100 ms after its response (without saying so, as a server
/// whose keep-alive timeout ran out does).
pub struct CountingServer {
    pub base: String,
    opened: Arc<AtomicUsize>,
    closed: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl CountingServer {
    pub fn start(drop_idle: bool) -> CountingServer {
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

    pub fn opened(&self) -> usize {
        self.opened.load(Ordering::SeqCst)
    }

    /// How many connections have closed so far.
    pub fn closed(&self) -> usize {
        self.closed.load(Ordering::SeqCst)
    }

    /// Waits (up to 10 s) until `n` connections have closed.
    pub fn wait_closed(&self, n: usize) -> usize {
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
    let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
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
        let big = head.starts_with("get /big");
        buffer.drain(..end + 4 + length);
        let body: &[u8] = if big {
            &[b'a'; 1 << 20]
        } else {
            br#"{"login":"a","id":1}"#
        };
        let reply = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            body.len()
        );
        if stream.write_all(reply.as_bytes()).is_err() || stream.write_all(body).is_err() {
            return;
        }
        if drop_idle {
            // Later, while the client holds it idle.
            thread::sleep(Duration::from_millis(100));
            return;
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
