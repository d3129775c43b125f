//! The connection of an event stream ([`Conn`]): the call sent through
//! the policies and the engine, its body read as it comes and parsed into
//! events, each decoded and validated; a body cut off resumed with
//! `Last-Event-ID` after the server's `retry:` or the retry policy's
//! backoff, within the policy's attempts and the retry budget.

use std::collections::VecDeque;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures_core::Stream;
use http::{HeaderValue, Method, header};
use url::Url;

use crate::client::Session;
use crate::error::{Checks, Error, ErrorKind, Result, short_type_name};
use crate::events::lines::LineSplitter;
use crate::events::sse::{RawEvent, SseParser, TooLarge};
use crate::events::{DEFAULT_MAX_EVENT_SIZE, Event, StreamDecl, StreamFormat};
use crate::policy::attempts::Reading;
use crate::policy::perform::perform;
use crate::policy::retry::{Reason, may_replay};
use crate::policy::{Overrides, Policies};
use crate::request::call::{Built, Call};
use crate::request::endpoint::Endpoint;
use crate::request::outgoing::Outgoing;
use crate::response::decode::Streamed;
use crate::response::finish;
use crate::response::stream::ByteStream;

/// A connection being made: the response's head, its body to come.
type Connecting = Pin<Box<dyn Future<Output = Result<ByteStream>> + Send>>;

/// Where the stream is.
enum Phase {
    /// Not polled yet.
    Start,
    Connecting(Connecting),
    Reading(Box<ByteStream>),
    /// Waiting to resume.
    Waiting(Pin<Box<tokio::time::Sleep>>),
    Done,
}

/// How the body is read into events, once its format is known.
enum Parser {
    Undecided,
    Sse(SseParser),
    Lines(LineSplitter),
}

/// An event stream's state between polls.
pub(crate) struct Conn<T> {
    policies: Arc<Policies>,
    overrides: Overrides,
    endpoint: &'static Endpoint,
    decl: StreamDecl,
    checks: Checks<T>,
    /// The first request, until it is sent.
    first: Option<std::result::Result<Built, Error>>,
    /// A copy of the request for each reconnection; `None`: the stream
    /// cannot be resumed (its method is not idempotent, or its body goes
    /// once).
    template: Option<Outgoing>,
    method: Method,
    /// The response's URL, as a user may read it.
    url: Option<Url>,
    /// `Some(None)`: no idle time-out; `None`: the client's read timeout.
    pub(super) idle: Option<Option<Duration>>,
    max_event: usize,
    /// The id to resume from before the stream has said one.
    resume_id: Option<String>,
    parser: Parser,
    queue: VecDeque<RawEvent>,
    /// An error found after the events queued before it.
    pending: Option<Error>,
    phase: Phase,
    /// Resumptions in a row without an event in between.
    resumed: u32,
    _data: PhantomData<fn() -> T>,
}

impl<T> Conn<T>
where
    T: serde::de::DeserializeOwned + Send + 'static,
{
    pub(crate) fn new(session: &Session, call: Call, decl: StreamDecl, checks: Checks<T>) -> Self {
        let endpoint = call.endpoint;
        let mut built = call.build(&session.shared.call);
        if let Ok(built) = &mut built {
            // What the stream reads, unless the declaration said.
            let headers = built.request.headers_mut();
            if !headers.contains_key(header::ACCEPT) {
                headers.insert(
                    header::ACCEPT,
                    HeaderValue::from_static(accept(decl.format)),
                );
            }
        }
        let template = built.as_ref().ok().and_then(|b| {
            let request = &b.request;
            let replayable = decl.resumable
                || may_replay(request.method(), endpoint.idempotent, request.headers());
            (replayable && b.multipart.is_none())
                .then(|| request.try_clone())
                .flatten()
        });
        Conn {
            policies: session.shared.policies.clone(),
            overrides: session.overrides.clone(),
            endpoint,
            decl,
            checks,
            method: endpoint.method.clone(),
            first: Some(built),
            template,
            url: None,
            idle: None,
            max_event: DEFAULT_MAX_EVENT_SIZE,
            resume_id: None,
            parser: Parser::Undecided,
            queue: VecDeque::new(),
            pending: None,
            phase: Phase::Start,
            resumed: 0,
            _data: PhantomData,
        }
    }

    pub(crate) fn set_max_event_size(&mut self, bytes: usize) {
        self.max_event = bytes.max(1);
    }

    pub(crate) fn resume_from(&mut self, id: String) {
        self.resume_id = Some(id);
    }

    /// The next event, `None` at the end.
    pub(crate) fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Event<T>>>> {
        loop {
            if let Some(raw) = self.queue.pop_front() {
                if self.decl.done.is_some_and(|done| raw.data == done) {
                    self.end();
                    return Poll::Ready(None);
                }
                self.resumed = 0;
                return Poll::Ready(Some(self.decode(raw)));
            }
            if let Some(error) = self.pending.take() {
                return Poll::Ready(Some(Err(error)));
            }
            match std::mem::replace(&mut self.phase, Phase::Done) {
                Phase::Done => return Poll::Ready(None),
                Phase::Start => match self.first.take() {
                    Some(built) => self.phase = Phase::Connecting(self.connect(built)),
                    None => return Poll::Ready(None),
                },
                Phase::Connecting(mut connecting) => match connecting.as_mut().poll(cx) {
                    Poll::Pending => {
                        self.phase = Phase::Connecting(connecting);
                        return Poll::Pending;
                    }
                    Poll::Ready(Ok(stream)) => self.start_reading(stream),
                    Poll::Ready(Err(error)) => return Poll::Ready(Some(Err(error))),
                },
                Phase::Reading(mut stream) => match Pin::new(&mut *stream).poll_next(cx) {
                    Poll::Pending => {
                        self.phase = Phase::Reading(stream);
                        return Poll::Pending;
                    }
                    Poll::Ready(Some(Ok(chunk))) => {
                        self.phase = Phase::Reading(stream);
                        self.feed(&chunk);
                    }
                    Poll::Ready(Some(Err(error))) => self.cut_off(error),
                    Poll::Ready(None) => {
                        if let Parser::Lines(lines) = &mut self.parser {
                            lines.finish(&mut self.queue);
                        }
                    }
                },
                Phase::Waiting(mut wait) => match wait.as_mut().poll(cx) {
                    Poll::Pending => {
                        self.phase = Phase::Waiting(wait);
                        return Poll::Pending;
                    }
                    Poll::Ready(()) => self.reconnect(),
                },
            }
        }
    }

    /// The call, through the policies and the engine, to its response's
    /// head; the body is then read as it comes.
    fn connect(&mut self, mut built: std::result::Result<Built, Error>) -> Connecting {
        if let (Ok(built), Some(id)) = (&mut built, self.last_id()) {
            if let Ok(value) = HeaderValue::from_str(&id) {
                built.request.headers_mut().insert("last-event-id", value);
            }
        }
        let policies = self.policies.clone();
        let overrides = self.overrides.clone();
        let endpoint = self.endpoint;
        Box::pin(async move {
            let reading = Reading {
                buffered: false,
                meta: false,
                page: None,
            };
            let ended = perform(policies, overrides, endpoint, built, reading).await?;
            finish::decode::<Streamed>(ended, Checks::none())
        })
    }

    /// The id a new connection resumes from.
    fn last_id(&self) -> Option<String> {
        match &self.parser {
            Parser::Sse(sse) => sse.last_id().map(str::to_owned),
            _ => None,
        }
        .or_else(|| self.resume_id.clone())
    }

    /// A response arrived: its format picked (declared, or its content
    /// type), its body read as it comes.
    fn start_reading(&mut self, mut stream: ByteStream) {
        self.url = Some(stream.url().clone());
        if stream.status() == http::StatusCode::NO_CONTENT {
            // "Stop reconnecting", in the standard's words.
            self.phase = Phase::Done;
            return;
        }
        let format = self.decl.format.or_else(|| format_of(stream.headers()));
        let Some(format) = format else {
            let found = stream
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map_or_else(|| "none".to_owned(), |v| format!("`{v}`"));
            let message = format!(
                "expected an event stream (`text/event-stream` or JSON lines), got content type {found}: declare the format with `#[stream(sse)]` or `#[stream(jsonl)]`"
            );
            self.pending = Some(self.located(Error::with_message(ErrorKind::Decode, message)));
            return;
        };
        match (&mut self.parser, format) {
            (Parser::Sse(sse), StreamFormat::Sse) => sse.reset(),
            (Parser::Lines(lines), StreamFormat::Lines) => lines.reset(),
            (_, StreamFormat::Sse) => self.parser = Parser::Sse(SseParser::new(self.max_event)),
            (_, StreamFormat::Lines) => {
                self.parser = Parser::Lines(LineSplitter::new(self.max_event));
            }
        }
        if let Some(idle) = self.idle {
            stream.set_idle_timeout(idle);
        }
        self.phase = Phase::Reading(Box::new(stream));
    }

    /// A chunk of the body, parsed into the queue.
    fn feed(&mut self, chunk: &[u8]) {
        let parsed = match &mut self.parser {
            Parser::Sse(sse) => sse.feed(chunk, &mut self.queue),
            Parser::Lines(lines) => lines.feed(chunk, &mut self.queue),
            Parser::Undecided => Ok(()),
        };
        if let Err(TooLarge) = parsed {
            let message = format!(
                "an event or a line over {} bytes: the stream is closed (raise `max_event_size` if it is expected)",
                self.max_event
            );
            let error = Error::with_message(ErrorKind::Body, message).permanent();
            self.pending = Some(self.located(error));
            self.phase = Phase::Done;
        }
    }

    /// The body was cut off: resumed if it may be, else the stream ends
    /// with the error.
    fn cut_off(&mut self, error: Error) {
        match self.resume_delay(&error) {
            Some(wait) => {
                let sleep = tokio::time::sleep(wait);
                self.phase = Phase::Waiting(Box::pin(sleep));
            }
            None => self.pending = Some(self.located(error)),
        }
    }

    /// How long to wait before resuming after `error`; `None` when the
    /// stream cannot be resumed, or may not be again.
    fn resume_delay(&mut self, error: &Error) -> Option<Duration> {
        // A body cut off mid-way (not one over a limit), a broken
        // connection, the idle time-out.
        let reason = match error.kind() {
            ErrorKind::Timeout => Reason::Timeout,
            ErrorKind::Transport => Reason::Transport,
            ErrorKind::Body if !error.is_permanent() => Reason::Transport,
            _ => return None,
        };
        self.template.as_ref()?;
        let policy = self
            .overrides
            .retry
            .as_ref()
            .unwrap_or(&self.policies.retry);
        if self.resumed + 1 >= policy.max_attempts() {
            return None;
        }
        if let Some(bucket) = &self.policies.bucket {
            if !bucket.withdraw(reason) {
                return None;
            }
        }
        self.resumed += 1;
        let server = match &self.parser {
            Parser::Sse(sse) => sse.reconnect_ms().map(Duration::from_millis),
            _ => None,
        };
        Some(match server {
            Some(wait) => wait.min(policy.retry_after_limit()),
            None => policy.backoff_delay(self.resumed),
        })
    }

    fn reconnect(&mut self) {
        match self.template.as_ref().and_then(Outgoing::try_clone) {
            Some(request) => {
                let built = Built {
                    request,
                    multipart: None,
                };
                self.phase = Phase::Connecting(self.connect(Ok(built)));
            }
            None => self.phase = Phase::Done,
        }
    }

    /// One event, decoded and validated.
    fn decode(&self, raw: RawEvent) -> Result<Event<T>> {
        if raw.not_utf8 {
            let error = Error::with_message(ErrorKind::Decode, "an event that is not UTF-8");
            return Err(self.located(error));
        }
        let data: T = match crate::events::decode::decode(&raw) {
            Ok(data) => data,
            Err(e) => return Err(self.undecodable(&raw, &e)),
        };
        if let Err(violations) = self.checks.validate(&data) {
            let name = short_type_name(std::any::type_name::<T>());
            return Err(self.located(Error::validation(&name, violations)));
        }
        Ok(Event {
            data,
            name: raw.name,
            id: raw.id,
            retry: raw.retry.map(Duration::from_millis),
        })
    }

    #[cold]
    fn undecodable(&self, raw: &RawEvent, e: &serde_json::Error) -> Error {
        let path = crate::response::json_path::failure_path(raw.data.as_bytes(), e, "$");
        let message = match &raw.name {
            Some(name) => format!("the data of a `{name}` event: {path}: {e}"),
            None => format!("the data of an event: {path}: {e}"),
        };
        let error = Error::decode(
            message,
            path,
            e.line(),
            e.column(),
            bytes::Bytes::from(raw.data.clone()),
        );
        self.located(error)
    }

    /// `error` with the stream's method and URL, scrubbed.
    fn located(&self, error: Error) -> Error {
        let scrubber = &self.policies.scrubber;
        let error = match &self.url {
            Some(url) => error.at(&self.method, url),
            None => error,
        };
        error.scrubbed_by((!scrubber.is_empty()).then_some(scrubber))
    }

    /// Closes the connection (dropping its body) and ends the stream.
    fn end(&mut self) {
        self.phase = Phase::Done;
        self.queue.clear();
    }
}

impl<T> Conn<T> {
    pub(crate) fn endpoint_name(&self) -> &'static str {
        self.endpoint.name
    }
}

/// The `Accept` header of a stream of `format` (of either, undeclared).
fn accept(format: Option<StreamFormat>) -> &'static str {
    match format {
        Some(StreamFormat::Sse) => "text/event-stream",
        Some(StreamFormat::Lines) => {
            "application/x-ndjson, application/jsonl, application/json-seq, application/json;q=0.5"
        }
        None => "text/event-stream, application/x-ndjson, application/jsonl, application/json-seq",
    }
}

/// The event format a content type names.
fn format_of(headers: &http::HeaderMap) -> Option<StreamFormat> {
    let value = headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    let media = value.split(';').next()?.trim().to_ascii_lowercase();
    match media.as_str() {
        "text/event-stream" => Some(StreamFormat::Sse),
        "application/x-ndjson"
        | "application/jsonl"
        | "application/x-jsonlines"
        | "application/jsonlines"
        | "application/json-seq" => Some(StreamFormat::Lines),
        _ => None,
    }
}
