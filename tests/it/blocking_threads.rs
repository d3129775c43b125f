//! Where a blocking call runs: on its caller's thread, with that thread's
//! own connections, when it is a plain thread; on the shared runtime from
//! inside a runtime's context and for a streamed body. Against a small
//! server of our own that counts connections and can close idle ones.

use std::sync::{Arc, Mutex};
use std::thread::{self, ThreadId};
use std::time::Duration;

use api_client::{ByteStream, Result, api};

use crate::counting::CountingServer;

#[api(base = "http://127.0.0.1")]
pub trait Plain {
    #[get("/users/<login>")]
    fn user(&self, login: &str) -> Result<serde_json::Value>;

    #[post("/users")]
    fn create(&self, #[body] user: &serde_json::Value) -> Result<serde_json::Value>;

    #[get("/stream")]
    fn stream(&self) -> Result<ByteStream>;
}

fn client(server: &CountingServer) -> PlainClient {
    PlainClient::builder()
        .base_url(&server.base)
        .build()
        .unwrap()
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
    let client = client(&server);
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
    let client = client(&server);
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
    let client = client(&server);
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
    let client = client(&server);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Blocking inside `block_on` is what an async program must not do,
    // but it must not hang or panic: the shared runtime runs the call.
    let id = runtime.block_on(async { client.user("a").map(|u| u["id"].clone()) });
    assert_eq!(id.unwrap(), 1);
}
