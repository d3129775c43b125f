//! One exchange of an attempt, within its limits: send a request, read its response within
//! the attempt's limits, and say what came back as an [`Outcome`] (a
//! response of any status, or a failure, classified once).

use bytes::{Bytes, BytesMut};
use http::{HeaderMap, StatusCode};
use tokio::time::Instant;

use crate::engine::classify::{Stage, classify};
use crate::engine::failure::TransportError;
use crate::engine::head::{Buffered, Head, Redirect};
use crate::engine::incoming::{ChunkStream, Incoming};
use crate::engine::limits::AttemptLimits;
use crate::engine::transport::Transport;
use crate::engine::watchdog::{Expired, Watchdog, instant_after};
use crate::error::redact::Visible;
use crate::error::{Error, ErrorKind, Result, TimeoutPhase};
use crate::request::outgoing::Outgoing;

/// How much of a non-2xx body is kept on the error (for `Error::body` and
/// typed error documents); the rest is not read.
pub(crate) const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// What one attempt yielded: every reader of an attempt (hooks, auth
/// renewal, the retry classifier, `Retry-After`, metrics, tracing) reads
/// this value; an [`Error`] is made of it only when the call ends with it.
pub(crate) enum Outcome {
    /// A 2xx response.
    Success(Received),
    /// A response of another status: its head and the start of its body
    /// (at most [`ERROR_BODY_LIMIT`] bytes). Boxed: the rare case.
    Status(Box<Buffered>),
    /// No usable response: the exchange failed or a limit ran out.
    Failure(Error),
}

impl Outcome {
    /// The response's head, if a response came back.
    pub(crate) fn head(&self) -> Option<&Head> {
        match self {
            Outcome::Success(received) => Some(received.head()),
            Outcome::Status(response) => Some(&response.head),
            Outcome::Failure(_) => None,
        }
    }

    /// The response's status, if a response came back.
    pub(crate) fn status(&self) -> Option<StatusCode> {
        match self {
            Outcome::Failure(error) => error.status(),
            _ => self.head().map(|head| head.status),
        }
    }

    /// The response's headers, if a response came back.
    pub(crate) fn headers(&self) -> Option<&HeaderMap> {
        match self {
            Outcome::Failure(error) => error.headers(),
            _ => self.head().map(|head| &head.headers),
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
            Outcome::Status(response) => {
                let Buffered { head, body } = *response;
                Some(Error::status_error(head.status, head.headers, body))
            }
            Outcome::Failure(error) => Some(error),
        }
    }
}

/// A 2xx response as an attempt received it. Boxed: a call's result
/// moves through several futures, 16 bytes each time rather than hundreds.
pub(crate) enum Received {
    /// Read to its end.
    Buffered(Box<Buffered>),
    /// Its body still to be read.
    Streaming(Box<Streaming>),
}

/// A 2xx response whose body is still to be read.
#[doc(hidden)]
pub struct Streaming {
    pub(crate) head: Head,
    pub(crate) chunks: ChunkStream,
    /// The body's length as it will be read, when known.
    pub(crate) content_length: Option<u64>,
}

impl Received {
    pub(crate) fn head(&self) -> &Head {
        match self {
            Received::Buffered(response) => &response.head,
            Received::Streaming(streaming) => &streaming.head,
        }
    }

    pub(crate) fn head_mut(&mut self) -> &mut Head {
        match self {
            Received::Buffered(response) => &mut response.head,
            Received::Streaming(streaming) => &mut streaming.head,
        }
    }
}

/// The engine one exchange runs on: the transport, and what of a URL a
/// user may read.
pub(crate) struct Engine {
    pub(crate) transport: Transport,
    pub(crate) visible: Visible,
}

impl Engine {
    /// Sends `request` and reads the whole response body (only its head
    /// when `buffered` is false: a stream's body is bounded by the read
    /// timeout alone). A non-2xx response is read up to
    /// [`ERROR_BODY_LIMIT`] bytes, for its error document. With
    /// `keep_url`, the head has the final URL, the redirects followed and
    /// the call's time.
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
            let head = Head::new(status, response.take_headers());
            let body = read_error_body(&mut response, &mut watchdog).await;
            return Ok(Outcome::Status(Box::new(Buffered { head, body })));
        }
        if !buffered {
            let head = self.head(&mut response, request, limits, true);
            let content_length = response.content_length();
            let chunks = response.into_stream();
            let streaming = Streaming {
                head,
                chunks,
                content_length,
            };
            return Ok(Outcome::Success(Received::Streaming(Box::new(streaming))));
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
        // Made only now: held across the body's reads, the headers would
        // grow this future (and every call's box) by 184 bytes.
        let head = self.head(&mut response, request, limits, keep_url);
        Ok(Outcome::Success(Received::Buffered(Box::new(Buffered {
            head,
            body,
        }))))
    }

    /// The head of `response`, its headers moved out; with `keep_url`,
    /// the final URL and the redirects followed as a user may read them
    /// (from the one redacting function), and the call's time.
    fn head(
        &self,
        response: &mut Incoming,
        request: &Outgoing,
        limits: &AttemptLimits,
        keep_url: bool,
    ) -> Head {
        let mut head = Head::new(response.status(), response.take_headers());
        if keep_url {
            let url = response.url().unwrap_or(request.url());
            head.url = Some(self.visible.visible_url(url));
            head.elapsed = limits.call_started.elapsed();
            head.history = response
                .take_history()
                .into_iter()
                .map(|(status, url)| Redirect {
                    status,
                    url: self.visible.visible_url(&url),
                })
                .collect();
        }
        head
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
