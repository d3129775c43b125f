//! Event streams: an endpoint whose answer is a stream of typed events,
//! server-sent events (`text/event-stream`, `sse.rs`) or JSON lines
//! (`application/x-ndjson`, `application/jsonl`, `application/json-seq`,
//! `lines.rs`), each event's data decoded as the declared type
//! (`decode.rs`) and validated, the connection resumed as the standard
//! says when it is cut off (`stream.rs`), and a blocking iterator
//! (`blocking.rs`).
//!
//! The parsers are ours: `eventsource-stream` (what `reqwest-eventsource`
//! builds on) has no bound on a line or an event, so a server that never
//! ends a line grows the client's memory without limit; both here are
//! bounded by [`Events::max_event_size`].

mod blocking;
mod decode;
mod lines;
mod sse;
mod stream;

use std::fmt;
use std::time::Duration;

pub use blocking::BlockingEvents;
pub(crate) use stream::Conn;

use crate::client::Session;
use crate::error::Checks;
use crate::request::call::Call;

/// The largest line or event an event stream reads, by default (4 MiB).
pub const DEFAULT_MAX_EVENT_SIZE: usize = 4 << 20;

/// How an endpoint's event stream is declared (`#[stream(…)]`). Generated
/// code fills it.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, Default)]
pub struct StreamDecl {
    /// The format, when declared; else the response's content type says.
    pub format: Option<StreamFormat>,
    /// The data that ends the stream (`data: [DONE]`).
    pub done: Option<&'static str>,
    /// Resumed when cut off even though its method is not idempotent.
    pub resumable: bool,
}

/// The format of an event stream.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamFormat {
    /// Server-sent events (`text/event-stream`).
    Sse,
    /// JSON lines or JSON text sequences.
    Lines,
}

/// One event: its data, decoded, and what the stream said of it.
#[derive(Clone, Debug, PartialEq)]
pub struct Event<T> {
    data: T,
    name: Option<String>,
    id: Option<String>,
    retry: Option<Duration>,
}

impl<T> Event<T> {
    /// The event's data.
    pub fn data(&self) -> &T {
        &self.data
    }

    /// The event's data, taken.
    pub fn into_data(self) -> T {
        self.data
    }

    /// The `event:` name; `None` for the default (`message`) and for JSON
    /// lines.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// The last event id as of this event (`id:`), which a reconnection
    /// sends back as `Last-Event-ID`.
    pub fn id(&self) -> Option<&str> {
        self.id.as_deref()
    }

    /// The reconnection time this event set (`retry:`).
    pub fn retry(&self) -> Option<Duration> {
        self.retry
    }
}

/// The events of a streaming endpoint, as a lazy [`Stream`] of typed,
/// validated items: declare a plain `fn` returning `Events<T>`. Nothing is
/// sent until the stream is first polled.
///
/// The format is the response's content type's: server-sent events
/// (`text/event-stream`) or JSON lines (`application/x-ndjson`,
/// `application/jsonl`, `application/json-seq`), or what
/// `#[stream(sse)]`/`#[stream(jsonl)]` declares. Each event's data is
/// decoded as `T` (JSON; `Events<String>` gives the data as text; an enum
/// whose variants are named as the `event:` names is picked by the name,
/// `message` when the event has none) and validated as a response is.
///
/// The call's rules apply to each connection (auth, hooks, signing,
/// retries until the first byte, metrics and the span); the body is then
/// bounded by an idle time-out between bytes (the read timeout, or
/// [`idle_timeout`](Events::idle_timeout); comments and heartbeats count),
/// not by the call's deadline. A stream cut off (a broken connection, the
/// idle time-out) is resumed when its method is idempotent (or declared
/// `#[stream(resumable)]`): after the server's `retry:` (capped as a
/// `Retry-After` is) or the retry policy's backoff, with `Last-Event-ID`,
/// as many times in a row as the retry policy's attempts allow, each
/// taking from the retry budget. A stream the server ends is over, as is
/// one whose data is the declared end (`#[stream(done = "[DONE]")]`).
/// Dropping it closes the connection.
///
/// ```no_run
/// use api_client::{api, Events, Result};
///
/// #[derive(Debug, api_client::Deserialize)]
/// pub struct Token { pub text: String }
///
/// #[api(base = "https://chat.example.com")]
/// pub trait Chat {
///     #[post("/complete")]
///     #[stream(done = "[DONE]")]
///     fn complete(&self, #[query] prompt: &str) -> Events<Token>;
/// }
///
/// # async fn run(chat: ChatClient) -> Result<()> {
/// let mut tokens = chat.complete("Hello");
/// while let Some(token) = tokens.next().await {
///     print!("{}", token?.text);
/// }
/// # Ok(()) }
/// ```
///
/// [`Stream`]: futures_core::Stream
pub struct Events<T> {
    conn: Box<Conn<T>>,
}

impl<T> Events<T>
where
    T: serde::de::DeserializeOwned + Send + 'static,
{
    /// The stream of `call`'s events, a call of `session`. Generated code
    /// calls it.
    #[doc(hidden)]
    pub fn __new(session: &Session, call: Call, decl: StreamDecl, checks: Checks<T>) -> Self {
        Events {
            conn: Box::new(Conn::new(session, call, decl, checks)),
        }
    }

    /// The idle time allowed between two reads of the body (heartbeats
    /// and comments count); `None` for none, for long-lived feeds. By
    /// default, the client's read timeout.
    pub fn idle_timeout(mut self, idle: Option<Duration>) -> Self {
        self.conn.idle = Some(idle);
        self
    }

    /// The largest line and event this stream reads (by default
    /// [`DEFAULT_MAX_EVENT_SIZE`]); past it, the stream ends with an
    /// [`ErrorKind::Body`](crate::ErrorKind) error.
    pub fn max_event_size(mut self, bytes: usize) -> Self {
        self.conn.set_max_event_size(bytes);
        self
    }

    /// Resumes after the event with this id: the first request sends it
    /// as `Last-Event-ID`.
    pub fn last_event_id(mut self, id: impl Into<String>) -> Self {
        self.conn.resume_from(id.into());
        self
    }

    /// The next event's data, `None` at the end.
    ///
    /// # Errors
    /// The call failed, an event did not decode or validate (the stream
    /// goes on), or the stream was cut off and could not be resumed (it
    /// ends there).
    // A stream's `next`, as `StreamExt::next`; the blocking iterator is
    // `into_iter`.
    #[allow(clippy::should_implement_trait)]
    pub async fn next(&mut self) -> Option<crate::error::Result<T>> {
        Some(self.next_event().await?.map(Event::into_data))
    }

    /// The next event with its name, id and retry, `None` at the end.
    ///
    /// # Errors
    /// As [`next`](Events::next).
    pub async fn next_event(&mut self) -> Option<crate::error::Result<Event<T>>> {
        std::future::poll_fn(|cx| self.conn.poll_event(cx)).await
    }
}

impl<T> fmt::Debug for Events<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Events")
            .field("endpoint", &self.conn.endpoint_name())
            .finish_non_exhaustive()
    }
}

impl<T> futures_core::Stream for Events<T>
where
    T: serde::de::DeserializeOwned + Send + 'static,
{
    type Item = crate::error::Result<T>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        self.conn
            .poll_event(cx)
            .map(|item| item.map(|event| event.map(Event::into_data)))
    }
}
