//! One exchange of an attempt, within its limits: send a request, read its response within
//! the attempt's limits, and say what came back as an [`Outcome`] (a
//! response of any status, or a failure, classified once).

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, StatusCode};
use tokio::time::Instant;

use crate::engine::classify::{Stage, classify};
use crate::engine::failure::TransportError;
use crate::engine::incoming::Incoming;
use crate::engine::outgoing::Outgoing;
use crate::engine::transport::Transport;
use crate::error::redact::Visible;
use crate::error::{Error, ErrorKind, Result, TimeoutPhase};
use crate::policy::limits::AttemptLimits;
use crate::policy::watchdog::{Expired, Watchdog, instant_after};
use crate::response::meta::{RawResponse, Redirect};

/// How much of a non-2xx body is kept on the error (for `Error::body` and
/// typed error documents); the rest is not read.
pub(crate) const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// What one attempt yielded: every reader of an attempt (hooks, auth
/// renewal, the retry classifier, `Retry-After`, metrics, tracing) reads
/// this value; an [`Error`] is made of it only when the call ends with it.
// Success is the common case: kept inline, no allocation.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Outcome {
    /// A 2xx response.
    Success(Received),
    /// A response of another status: its head and the start of its body
    /// (at most [`ERROR_BODY_LIMIT`] bytes).
    Status(StatusResponse),
    /// No usable response: the exchange failed or a limit ran out.
    Failure(Error),
}

/// A non-2xx response, read for its error document.
pub(crate) struct StatusResponse {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
}

impl StatusResponse {
    fn new(status: StatusCode, headers: HeaderMap, body: Bytes) -> Self {
        StatusResponse {
            status,
            headers,
            body,
        }
    }
}

impl Outcome {
    /// The response's status, if a response came back.
    pub(crate) fn status(&self) -> Option<StatusCode> {
        match self {
            Outcome::Success(received) => Some(received.status()),
            Outcome::Status(response) => Some(response.status),
            Outcome::Failure(error) => error.status(),
        }
    }

    /// The response's headers, if a response came back.
    pub(crate) fn headers(&self) -> Option<&HeaderMap> {
        match self {
            Outcome::Success(received) => Some(received.headers()),
            Outcome::Status(response) => Some(&response.headers),
            Outcome::Failure(error) => error.headers(),
        }
    }

    /// The kind of error this outcome is, if it is not a success.
    pub(crate) fn error_kind(&self) -> Option<ErrorKind> {
        match self {
            Outcome::Success(_) => None,
            Outcome::Status(_) => Some(ErrorKind::Status),
            Outcome::Failure(error) => Some(error.kind()),
        }
    }

    /// The error a call that ends with this outcome returns, made here
    /// (and only here) for a status; `None` for a success.
    pub(crate) fn into_error(self) -> Option<Error> {
        match self {
            Outcome::Success(_) => None,
            Outcome::Status(r) => Some(Error::status_error(r.status, r.headers, r.body)),
            Outcome::Failure(error) => Some(error),
        }
    }
}

/// A 2xx response as an attempt received it.
pub(crate) enum Received {
    /// A 2xx response read to its end. Boxed: a call's result moves
    /// through several futures, 16 bytes rather than 264 each time.
    Buffered(Box<RawResponse>),
    /// A 2xx response whose body is still to be read, and its URL.
    Streaming(Box<(Incoming, url::Url)>),
}

impl Received {
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Received::Buffered(raw) => raw.status,
            Received::Streaming(streaming) => streaming.0.status(),
        }
    }

    pub(crate) fn headers(&self) -> &HeaderMap {
        match self {
            Received::Buffered(raw) => &raw.headers,
            Received::Streaming(streaming) => streaming.0.headers(),
        }
    }
}

/// The engine one exchange runs on: the transport, and what of a URL a
/// user may read.
#[derive(Clone, Copy)]
pub(crate) struct Engine<'a> {
    pub(crate) transport: &'a Transport,
    pub(crate) visible: &'a Visible,
}

impl Engine<'_> {
    /// Sends `request` and reads the whole response body (only its head
    /// when `buffered` is false: a stream's body is bounded by the read
    /// timeout alone). A non-2xx response is read up to
    /// [`ERROR_BODY_LIMIT`] bytes, for its error document.
    ///
    /// The attempt's limit and the read timeout are enforced here, with
    /// one timer (see [`Watchdog`]), not by the transport: reqwest's
    /// per-request and per-read timers cost more than the rest of our
    /// per-call work.
    pub(crate) async fn execute(
        &self,
        request: &mut Outgoing,
        limits: &AttemptLimits,
        buffered: bool,
        keep_url: bool,
    ) -> Outcome {
        match self.exchange(request, limits, buffered, keep_url).await {
            Ok(outcome) => outcome,
            Err(error) => Outcome::Failure(error),
        }
    }

    async fn exchange(
        &self,
        request: &mut Outgoing,
        limits: &AttemptLimits,
        buffered: bool,
        keep_url: bool,
    ) -> Result<Outcome> {
        let (sent_at, mut watchdog) = limits.start();
        let mut response = match watchdog.run(self.transport.send(request)).await {
            Ok(result) => {
                result.map_err(|e| classify(e, Some(limits.connect), sent_at, Stage::Head))?
            }
            Err(expired) => {
                return Err(limits.expired(expired, TimeoutPhase::ResponseHeaders, sent_at));
            }
        };
        watchdog.progress();
        let status = response.status();
        // With redirects off, a 3xx is what a `Response<()>` asks for.
        let wanted_redirect = status.is_redirection()
            && request.reads_redirect()
            && !self.transport.follows_redirects();
        if !status.is_success() && !wanted_redirect {
            let headers = response.take_headers();
            let body = read_error_body(&mut response, &mut watchdog).await;
            let response = StatusResponse::new(status, headers, body);
            return Ok(Outcome::Status(response));
        }
        // What a user can read (`Response::url`, `ByteStream::url`) comes
        // from the one redacting function.
        let final_url = |response: &Incoming| {
            self.visible
                .visible_url(response.url().unwrap_or(request.url()))
        };
        if !buffered {
            let url = final_url(&response);
            return Ok(Outcome::Success(Received::Streaming(Box::new((
                response, url,
            )))));
        }
        // Borrowed, not moved: a future holds its arguments twice.
        let body = read_body(
            &mut response,
            limits.max_body,
            &mut watchdog,
            |e| classify(e, Some(limits.connect), sent_at, Stage::Body),
            |expired| limits.expired(expired, TimeoutPhase::Body, sent_at),
        )
        .await?;
        // Moved, not cloned, and only now: held across the body's reads,
        // they would grow this future (and every call's box) by 184 bytes.
        let headers = response.take_headers();
        let url = keep_url.then(|| final_url(&response));
        // Only `Response<T>` reports the elapsed time.
        let elapsed = url
            .as_ref()
            .map_or(Duration::ZERO, |_| limits.call_started.elapsed());
        let history = match url {
            Some(_) => response
                .take_history()
                .into_iter()
                .map(|(status, url)| Redirect {
                    status,
                    url: self.visible.visible_url(&url),
                })
                .collect(),
            None => Vec::new(),
        };
        let raw = RawResponse::new(status, headers, url, body, elapsed).with_history(history);
        Ok(Outcome::Success(Received::Buffered(Box::new(raw))))
    }
}

impl AttemptLimits {
    /// The attempt's timer, started now: the limits run from sending
    /// (credentials may have taken time since the attempt started), and
    /// never past the deadline.
    fn start(&self) -> (Instant, Watchdog) {
        let sent_at = Instant::now();
        let hard = instant_after(sent_at, self.request).min(self.deadline);
        (sent_at, Watchdog::new(sent_at, Some(hard), self.read))
    }
}

/// Reads a success body to its end, refusing one larger than `limit`.
async fn read_body(
    response: &mut Incoming,
    limit: usize,
    watchdog: &mut Watchdog,
    classify: impl Fn(TransportError) -> Error,
    expired: impl Fn(Expired) -> Error,
) -> Result<Bytes> {
    // Another attempt would download (and decompress) it all again.
    let too_large = |len: u64| {
        Error::with_message(
            ErrorKind::Body,
            format!("the response body ({len} bytes or more) exceeds the limit of {limit} bytes"),
        )
        .permanent()
    };
    let announced = response.content_length();
    if let Some(len) = announced {
        if len > limit as u64 {
            return Err(too_large(len));
        }
    }
    let mut first: Option<Bytes> = None;
    let mut rest = BytesMut::new();
    loop {
        let chunk = match watchdog.run(response.chunk()).await {
            Ok(Ok(Some(chunk))) => chunk,
            Ok(Ok(None)) => break,
            Ok(Err(e)) => return Err(classify(e)),
            Err(e) => return Err(expired(e)),
        };
        watchdog.progress();
        let so_far = first.as_ref().map_or(0, Bytes::len) + rest.len();
        if so_far + chunk.len() > limit {
            return Err(too_large((so_far + chunk.len()) as u64));
        }
        // The common one-chunk body is kept without a copy.
        match &first {
            None => first = Some(chunk),
            Some(head) => {
                if rest.is_empty() {
                    // Once, at the announced length (checked against the
                    // limit above): no regrowth, no copy per chunk.
                    let at_least = head.len() + chunk.len();
                    rest.reserve(announced.map_or(at_least, |n| at_least.max(n as usize)));
                    rest.extend_from_slice(head);
                }
                rest.extend_from_slice(&chunk);
            }
        }
    }
    Ok(if rest.is_empty() {
        first.unwrap_or_default()
    } else {
        rest.freeze()
    })
}

/// Reads at most [`ERROR_BODY_LIMIT`] bytes of an error body, within the
/// attempt's limits; a failure or time-out while reading keeps what
/// arrived.
async fn read_error_body(response: &mut Incoming, watchdog: &mut Watchdog) -> Bytes {
    let mut body = BytesMut::new();
    while let Ok(Ok(Some(chunk))) = watchdog.run(response.chunk()).await {
        watchdog.progress();
        let room = ERROR_BODY_LIMIT - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= ERROR_BODY_LIMIT {
            break;
        }
    }
    body.freeze()
}
