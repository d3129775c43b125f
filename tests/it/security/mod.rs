//! The security model (GUIDE, "Security model"), one module per promise,
//! each test written as a hostile server or document would behave:
//! echoing request heads, redirecting across ports and to http, flooding
//! frames.
//!
//! - `origins`: nothing crosses an origin unless it is known safe; URLs a
//!   server supplies lose their user info; a signature covers the request
//!   it is on.
//! - `scrubbing`: every credential the client knows is scrubbed, in every
//!   form it is sent, and so is every header value that may not cross.
//! - `pauses`: a server's pause is scoped to its origin and bounded; two
//!   credentials are both sent or refused.
//! - `wire`: a refused mutual-TLS handshake is a connect error; HTTP/2
//!   control-frame floods are bounded.

mod origins;
mod pauses;
mod scrubbing;
mod wire;

use std::sync::{Arc, Mutex};

use api_client::{HeaderMap, Pages, Response, Result, api};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

#[api]
#[header("X-Static-Secret", "static-secret-0008")]
pub trait Partner {
    #[get("/items/<id>")]
    async fn item(&self, id: &str) -> Result<Response<Value>>;

    #[get("/keyed/<id>")]
    async fn keyed(
        &self,
        id: &str,
        #[header("X-Partner-Key")] key: &str,
    ) -> Result<Response<Value>>;

    #[post("/upload")]
    async fn upload(&self, #[body] body: &Value) -> Result<Response<Value>>;

    #[get("/list")]
    #[paginate(link)]
    fn list(&self) -> Pages<Value>;
}

/// A client of `base` that ignores the environment's proxies.
pub fn builder(base: &str) -> api_client::ClientBuilder<PartnerClient> {
    PartnerClient::builder().base_url(base).no_proxy()
}

/// What a raw server recorded: each request's head, as text.
pub type Heads = Arc<Mutex<Vec<String>>>;

/// A plain-TCP HTTP/1.1 server on 127.0.0.1 that answers every request
/// with what `answer` makes of its head (a whole response, as text), and
/// records each head. Serves a bounded number of connections.
pub async fn raw_server(answer: fn(&str) -> String) -> (String, Heads) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let heads: Heads = Arc::default();
    let seen = heads.clone();
    tokio::spawn(async move {
        for _ in 0..32 {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let seen = seen.clone();
            tokio::spawn(async move {
                // Bounded: a few requests per connection.
                for _ in 0..8 {
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") && head.len() < 64 * 1024 {
                        match stream.read(&mut byte).await {
                            Ok(1) => head.push(byte[0]),
                            _ => return,
                        }
                    }
                    let head = String::from_utf8_lossy(&head).into_owned();
                    let response = answer(&head);
                    seen.lock().unwrap().push(head);
                    if stream.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (base, heads)
}

/// A JSON response with `body`.
pub fn json_response(status: u16, body: &str) -> String {
    format!(
        "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
}

/// The lower-case names of a request's headers.
pub fn names(headers: &HeaderMap) -> Vec<String> {
    let mut names: Vec<String> = headers.keys().map(|k| k.as_str().to_owned()).collect();
    names.sort();
    names.dedup();
    names
}

/// The headers that may reach another origin, by the allowlist (wiremock
/// adds none of its own beyond `host`).
pub const MAY_CROSS: [&str; 9] = [
    "accept",
    "accept-encoding",
    "accept-language",
    "user-agent",
    "range",
    "host",
    "content-type",
    "content-length",
    "content-language",
];
