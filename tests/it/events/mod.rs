//! Event streams over the wire: every field and line-ending rule of
//! server-sent events, chunks split at every byte, resumption with
//! `Last-Event-ID` and `retry:`, the idle time-out, drop-to-close, the
//! size bounds, a POST stream that is not replayed, JSON lines, the end
//! sentinel, dispatch on the event's name, typed mocks and a blocking
//! client.

mod server;

use std::time::Duration;

use api_client::{Deserialize, ErrorKind, Events, Result, api};
use futures_util::StreamExt;
use server::{Step, send};

#[derive(Debug, PartialEq, Deserialize, serde::Serialize)]
pub struct Tick {
    pub n: u32,
}

#[derive(Debug, PartialEq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Chat {
    Delta { text: String },
    Usage { tokens: u32 },
    Ping,
}

#[api]
pub trait Feeds {
    #[get("/ticks")]
    fn ticks(&self) -> Events<Tick>;

    #[get("/lines")]
    fn lines(&self) -> Events<String>;

    #[post("/complete")]
    #[stream(done = "[DONE]")]
    fn complete(&self, #[query] prompt: &str) -> Events<Tick>;

    #[get("/chat")]
    fn chat(&self) -> Events<Chat>;

    #[get("/records")]
    #[stream(jsonl)]
    fn records(&self) -> Events<Tick>;
}

fn client(server: &server::Server) -> FeedsClient {
    FeedsClient::builder()
        .base_url(&server.base)
        .retry(
            api_client::RetryPolicy::default()
                .backoff(Duration::from_millis(10), Duration::from_millis(50)),
        )
        .build()
        .unwrap()
}

const SSE: &str = "text/event-stream";

async fn all<T>(mut events: Events<T>) -> Vec<Result<api_client::Event<T>>>
where
    T: serde::de::DeserializeOwned + Send + 'static,
{
    let mut out = Vec::new();
    // Bounded: no test stream has more than 100 events.
    for _ in 0..100 {
        match events.next_event().await {
            Some(event) => out.push(event),
            None => break,
        }
    }
    out
}

#[tokio::test]
async fn every_field_and_line_ending_over_the_wire() {
    let body = "\u{feff}: a comment\r\nretry: 2500\r\nid: 1\r\nevent: tick\r\ndata: {\"n\":\r\ndata: 1}\r\n\r\nid: 2\rdata: {\"n\": 2}\r\rdata: {\"n\": 3}\n\nid\ndata: {\"n\": 4}\n\n";
    let server = server::start(vec![vec![Step::Head(200, SSE), send(body), Step::End]]).await;
    let events = all(client(&server).ticks()).await;
    let events: Vec<_> = events.into_iter().map(|e| e.unwrap()).collect();
    let ns: Vec<u32> = events.iter().map(|e| e.data().n).collect();
    assert_eq!(ns, [1, 2, 3, 4]);
    assert_eq!(events[0].name(), Some("tick"));
    assert_eq!(events[0].retry(), Some(Duration::from_millis(2500)));
    assert_eq!(events[1].name(), None);
    let ids: Vec<Option<&str>> = events.iter().map(|e| e.id()).collect();
    assert_eq!(ids, [Some("1"), Some("2"), Some("2"), None]);
    assert!(
        server
            .request(0)
            .contains("\r\naccept: text/event-stream, application/x-ndjson"),
        "{}",
        server.request(0)
    );
}

#[tokio::test]
async fn a_stream_sent_one_byte_at_a_time() {
    let body = "event: tick\r\ndata: {\"n\": 1}\r\n\r\ndata: {\"n\"\ndata: : 2}\r\r:ping\ndata: {\"n\": 3}\n\n";
    let server = server::start(vec![vec![
        Step::Head(200, SSE),
        Step::Bytewise(body),
        Step::End,
    ]])
    .await;
    let ns: Vec<u32> = all(client(&server).ticks())
        .await
        .into_iter()
        .map(|e| e.unwrap().into_data().n)
        .collect();
    assert_eq!(ns, [1, 2, 3]);
}

#[tokio::test]
async fn a_cut_stream_resumes_with_last_event_id_after_the_servers_retry() {
    let server = server::start(vec![
        vec![
            Step::Head(200, SSE),
            send("retry: 30\nid: 7\ndata: {\"n\": 1}\n\n"),
            Step::Cut,
        ],
        vec![
            Step::Head(200, SSE),
            send("id: 8\ndata: {\"n\": 2}\n\n"),
            Step::End,
        ],
    ])
    .await;
    let ns: Vec<u32> = all(client(&server).ticks())
        .await
        .into_iter()
        .map(|e| e.unwrap().into_data().n)
        .collect();
    assert_eq!(ns, [1, 2]);
    assert_eq!(server.requests(), 2);
    assert!(!server.request(0).contains("last-event-id"));
    assert!(
        server.request(1).contains("last-event-id: 7"),
        "{}",
        server.request(1)
    );
}

#[tokio::test]
async fn resumption_is_bounded_by_the_retry_policy() {
    // Every connection is cut before its first event: three attempts in a
    // row, then the error.
    let server = server::start(vec![vec![Step::Head(200, SSE), send(": hi\n"), Step::Cut]]).await;
    let client = FeedsClient::builder()
        .base_url(&server.base)
        .retry(
            api_client::RetryPolicy::default()
                .attempts(3)
                .backoff(Duration::from_millis(5), Duration::from_millis(5)),
        )
        .build()
        .unwrap();
    let events = all(client.ticks()).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].as_ref().unwrap_err().kind(), ErrorKind::Body);
    assert_eq!(server.requests(), 3);

    // `no_retry()`: no resumption at all.
    let server = server::start(vec![vec![
        Step::Head(200, SSE),
        send("data: {\"n\": 1}\n\n"),
        Step::Cut,
    ]])
    .await;
    let no_retry = FeedsClient::builder()
        .base_url(&server.base)
        .no_retry()
        .build()
        .unwrap();
    let events = all(no_retry.ticks()).await;
    assert_eq!(events.len(), 2);
    assert!(events[0].is_ok());
    assert_eq!(events[1].as_ref().unwrap_err().kind(), ErrorKind::Body);
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn a_post_stream_cut_off_is_not_replayed() {
    let server = server::start(vec![vec![
        Step::Head(200, SSE),
        send("data: {\"n\": 1}\n\n"),
        Step::Cut,
    ]])
    .await;
    let events = all(client(&server).complete("hi")).await;
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].as_ref().unwrap().data().n, 1);
    let error = events[1].as_ref().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Body, "{error}");
    assert!(error.to_string().contains("POST"), "{error}");
    assert_eq!(server.requests(), 1);
}

#[tokio::test]
async fn the_idle_timeout_and_heartbeats() {
    // Heartbeats every 40 ms keep a 300 ms idle time-out from firing.
    let server = server::start(vec![vec![
        Step::Head(200, SSE),
        Step::Heartbeats {
            every: Duration::from_millis(40),
            count: 15,
        },
        send("data: {\"n\": 1}\n\n"),
        Step::Pause(Duration::from_secs(5)),
        Step::End,
    ]])
    .await;
    let client = FeedsClient::builder()
        .base_url(&server.base)
        .no_retry()
        .build()
        .unwrap();
    let mut events = client
        .ticks()
        .idle_timeout(Some(Duration::from_millis(300)));
    assert_eq!(events.next().await.unwrap().unwrap().n, 1);
    // Then 5 s of silence: the idle time-out ends the stream.
    let error = events.next().await.unwrap().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error}");
    assert!(events.next().await.is_none());
}

#[tokio::test]
async fn dropping_the_stream_closes_the_connection() {
    let server = server::start(vec![vec![
        Step::Head(200, SSE),
        send("data: {\"n\": 1}\n\n"),
        Step::UntilClosed {
            chunk: ": keep-alive\n",
            limit: 2_000,
        },
    ]])
    .await;
    let client = client(&server);
    let mut events = client.ticks();
    assert_eq!(events.next().await.unwrap().unwrap().n, 1);
    drop(events);
    for _ in 0..200 {
        if server.seen.lock().unwrap().closed {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the server never saw the connection closed");
}

#[tokio::test]
async fn an_endless_line_and_a_huge_event_are_refused() {
    let endless = "x".repeat(64 * 1024);
    let mut script = vec![Step::Head(200, SSE), send("data: ")];
    script.extend((0..64).map(|_| Step::Send(endless.clone().into_bytes())));
    script.push(Step::End);
    let server = server::start(vec![script]).await;
    let mut events = client(&server).ticks().max_event_size(256 * 1024);
    let error = events.next().await.unwrap().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Body, "{error}");
    assert!(error.to_string().contains("over 262144 bytes"), "{error}");
    assert!(events.next().await.is_none());

    // Many data lines that add up to one huge event.
    let line = format!("data: {}\n", "y".repeat(1000));
    let mut script = vec![Step::Head(200, SSE)];
    script.extend((0..300).map(|_| Step::Send(line.clone().into_bytes())));
    let server = server::start(vec![script]).await;
    let mut events = client(&server).ticks().max_event_size(100 * 1024);
    assert_eq!(
        events.next().await.unwrap().unwrap_err().kind(),
        ErrorKind::Body
    );
}

#[tokio::test]
async fn json_lines_and_the_content_type() {
    let server = server::start(vec![vec![
        Step::Head(200, "application/x-ndjson"),
        send("{\"n\": 1}\r\n\n{\"n\": 2}\n{\"n\""),
        send(": 3}"),
        Step::End,
    ]])
    .await;
    let client = client(&server);
    let ns: Vec<u32> = all(client.ticks())
        .await
        .into_iter()
        .map(|e| e.unwrap().into_data().n)
        .collect();
    assert_eq!(ns, [1, 2, 3]);

    // Declared `#[stream(jsonl)]`: read as JSON lines whatever the type.
    let server = server::start(vec![vec![
        Step::Head(200, "application/json"),
        send("{\"n\": 5}\n{\"n\": \"x\"}\n{\"n\": 6}\n"),
        Step::End,
    ]])
    .await;
    let events = all(self::client(&server).records()).await;
    assert_eq!(events.len(), 3);
    // A bad item is an error of its own; the stream goes on.
    let error = events[1].as_ref().unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode, "{error}");
    assert_eq!(events[2].as_ref().unwrap().data().n, 6);

    // Undeclared and not an event stream: a clear error.
    let server = server::start(vec![vec![
        Step::Head(200, "text/html"),
        send("<html>"),
        Step::End,
    ]])
    .await;
    let error = all(self::client(&server).ticks())
        .await
        .remove(0)
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode);
    assert!(
        error.to_string().contains("got content type `text/html`"),
        "{error}"
    );
}

#[tokio::test]
async fn the_done_sentinel_ends_the_stream() {
    let server = server::start(vec![vec![
        Step::Head(200, SSE),
        send("data: {\"n\": 1}\n\ndata: {\"n\": 2}\n\ndata: [DONE]\n\ndata: {\"n\": 3}\n\n"),
        Step::End,
    ]])
    .await;
    let ns: Vec<u32> = all(client(&server).complete("hi"))
        .await
        .into_iter()
        .map(|e| e.unwrap().into_data().n)
        .collect();
    assert_eq!(ns, [1, 2]);
    assert!(server.request(0).starts_with("post /complete?prompt=hi"));
}

#[tokio::test]
async fn dispatch_on_the_event_name_and_text_data() {
    let server = server::start(vec![vec![
        Step::Head(200, SSE),
        send("event: delta\ndata: {\"text\": \"Hel\"}\n\nevent: ping\ndata: \n\nevent: usage\ndata: {\"tokens\": 9}\n\nevent: other\ndata: {}\n\n"),
        Step::End,
    ]])
    .await;
    let events = all(client(&server).chat()).await;
    assert_eq!(
        events[0].as_ref().unwrap().data(),
        &Chat::Delta { text: "Hel".into() }
    );
    assert_eq!(events[1].as_ref().unwrap().data(), &Chat::Ping);
    assert_eq!(
        events[2].as_ref().unwrap().data(),
        &Chat::Usage { tokens: 9 }
    );
    let error = events[3].as_ref().unwrap_err();
    assert!(
        error.to_string().contains("unknown variant `other`"),
        "{error}"
    );

    let server = server::start(vec![vec![
        Step::Head(200, SSE),
        send("data: plain text\ndata: second line\n\n"),
        Step::End,
    ]])
    .await;
    let mut lines = client(&server).lines();
    assert_eq!(
        lines.next().await.unwrap().unwrap(),
        "plain text\nsecond line"
    );
}

#[tokio::test]
async fn a_refused_call_is_the_first_item() {
    let server = server::start(vec![vec![
        Step::Head(503, "text/plain"),
        send("down"),
        Step::End,
    ]])
    .await;
    let client = FeedsClient::builder()
        .base_url(&server.base)
        .no_retry()
        .build()
        .unwrap();
    let mut events = client.ticks();
    let error = events.next().await.unwrap().unwrap_err();
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert!(events.next().await.is_none());
}

#[tokio::test]
async fn typed_mocks_serve_event_streams() {
    let server = wiremock::MockServer::start().await;
    let mock = FeedsMock::new(&server);
    mock.ticks()
        .events([Tick { n: 1 }, Tick { n: 2 }])
        .mount()
        .await;
    mock.records().json_lines([Tick { n: 3 }]).mount().await;
    mock.chat()
        .named_events([("usage", serde_json::json!({"tokens": 4}))])
        .mount()
        .await;
    let client = FeedsClient::builder()
        .base_url(server.uri())
        .build()
        .unwrap();
    let ns: Vec<u32> = client.ticks().map(|t| t.unwrap().n).collect().await;
    assert_eq!(ns, [1, 2]);
    assert_eq!(client.records().next().await.unwrap().unwrap().n, 3);
    assert_eq!(
        client.chat().next().await.unwrap().unwrap(),
        Chat::Usage { tokens: 4 }
    );
}

#[api(blocking)]
pub trait BlockingFeeds {
    #[get("/ticks")]
    fn ticks(&self) -> Events<Tick>;
}

#[test]
fn a_blocking_client_iterates_its_events() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(server::start(vec![vec![
        Step::Head(200, SSE),
        send("data: {\"n\": 1}\n\ndata: {\"n\": 2}\n\n"),
        Step::End,
    ]]));
    let base = server.base.clone();
    let ns = std::thread::spawn(move || {
        let client = BlockingFeedsClient::builder()
            .base_url(&base)
            .build()
            .unwrap();
        let mut ns = Vec::new();
        for tick in client.ticks() {
            ns.push(tick.unwrap().n);
        }
        ns
    })
    .join()
    .unwrap();
    assert_eq!(ns, [1, 2]);
}

/// `Events` can be moved into a task.
#[test]
fn events_are_send() {
    fn send<T: Send>() {}
    send::<Events<Tick>>();
    send::<api_client::events::BlockingEvents<Tick>>();
}
