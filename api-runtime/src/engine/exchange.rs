//! Sending a request and reading its response: one attempt, its failures
//! classified into [`ErrorKind`]s.

use std::error::Error as StdError;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::time::Instant;

use crate::client::Session;
use crate::engine::transport::{Incoming, Outgoing, TransportError};
use crate::policy::watchdog::{Expired, Watchdog, instant_after};
use crate::response::decode::RawResponse;
use crate::response::error::{Error, ErrorKind, Result, TimeoutPhase};

/// How much of a non-2xx body is kept on the error (for `Error::body` and
/// typed error documents); the rest is not read.
pub(crate) const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// The time limits in force for one attempt.
pub(crate) struct AttemptLimits {
    pub(crate) connect: Duration,
    pub(crate) read: Duration,
    /// The limit of the whole attempt: the attempt limit, or what is left
    /// of the deadline when that is shorter.
    pub(crate) request: Duration,
    pub(crate) total: Duration,
    /// When the call's deadline (`total` after `call_started`) runs out.
    pub(crate) deadline: Instant,
    pub(crate) call_started: Instant,
    /// The largest success body read (`max_body_size`, or a token's cap).
    pub(crate) max_body: usize,
}

/// What one attempt received.
// Buffered is the common case: kept inline, no allocation.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Received {
    /// A 2xx response read to its end.
    Buffered(RawResponse),
    /// A 2xx response whose body is still to be read, and its URL.
    Streaming(Box<(Incoming, url::Url)>),
}

impl Session {
    /// Sends `request` and reads the whole response body (only its head
    /// when `buffered` is false: a stream's body is bounded by the read
    /// timeout alone). A non-2xx status is an [`ErrorKind::Status`] error
    /// carrying the head and the start of the body.
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
    ) -> Result<Received> {
        // The limits run from sending (credentials may have taken time
        // since the attempt started), and never past the deadline.
        let sent_at = Instant::now();
        let mut watchdog = Watchdog::new(
            sent_at,
            Some(instant_after(sent_at, limits.request).min(limits.deadline)),
            limits.read,
        );
        let response = match watchdog.run(self.shared.transport.send(request)).await {
            Ok(result) => result.map_err(|e| classify(e, limits, sent_at, false))?,
            Err(expired) => {
                return Err(limits.expired(expired, TimeoutPhase::ResponseHeaders, sent_at));
            }
        };
        watchdog.progress();
        let mut response = response;
        let status = response.status();
        if !status.is_success() {
            let headers = response.take_headers();
            let body = read_error_body(&mut response, &mut watchdog).await;
            return Err(Error::status_error(status, headers, body));
        }
        // The one place a response's URL is made: what a user can read
        // (`Response::url`, `ByteStream::url`) holds no credential.
        let final_url =
            |response: &Incoming| self.visible_url(response.url().unwrap_or(request.url()));
        if !buffered {
            let url = final_url(&response);
            return Ok(Received::Streaming(Box::new((response, url))));
        }
        // Moved, not cloned: the body is read without them.
        let headers = response.take_headers();
        let url = keep_url.then(|| final_url(&response));
        // Borrowed, not moved: a future holds its arguments twice.
        let body = read_body(
            &mut response,
            limits.max_body,
            &mut watchdog,
            |e| classify(e, limits, sent_at, true),
            |expired| limits.expired(expired, TimeoutPhase::Body, sent_at),
        )
        .await?;
        // Only `Response<T>` reports the elapsed time.
        let elapsed = if keep_url {
            limits.call_started.elapsed()
        } else {
            Duration::ZERO
        };
        Ok(Received::Buffered(RawResponse {
            status,
            headers,
            url,
            body,
            elapsed,
        }))
    }
}

impl Session {
    /// `url` as a user may read it: without the client's query API key
    /// (the rest of the query is the user's own).
    pub(crate) fn visible_url(&self, url: &url::Url) -> url::Url {
        match &self.shared.auth {
            Some(crate::policy::auth::Auth::Query { name, .. }) => {
                crate::response::redact::without_query_param(url, name)
            }
            _ => url.clone(),
        }
    }
}

impl AttemptLimits {
    /// The time-out error for a limit that ran out in `phase` of the
    /// attempt sent at `sent_at`. Its time is the attempt's own, or the
    /// call's when the deadline ran out.
    fn expired(&self, expired: Expired, phase: TimeoutPhase, sent_at: Instant) -> Error {
        let (phase, limit) = match expired {
            Expired::Idle => (phase, self.read),
            // The hard limit is the earlier of the attempt limit and the
            // deadline: it was the deadline if that has passed.
            Expired::Hard if Instant::now() >= self.deadline => {
                (TimeoutPhase::Deadline, self.total)
            }
            Expired::Hard => (phase, self.request),
        };
        let elapsed = if phase == TimeoutPhase::Deadline {
            self.call_started.elapsed()
        } else {
            sent_at.elapsed()
        };
        Error::timeout(phase, Some(limit), elapsed)
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

/// Maps a transport failure to our kinds. Our own limits never reach here
/// (see [`AttemptLimits::expired`]): a transport's time-outs are its
/// connect timeout, and those of a client given with `with_reqwest_client`.
pub(crate) fn classify(
    error: TransportError,
    limits: &AttemptLimits,
    sent_at: Instant,
    in_body: bool,
) -> Error {
    let error = match error {
        #[cfg(feature = "reqwest")]
        TransportError::Reqwest(error) => classify_reqwest(error, limits, sent_at, in_body),
        TransportError::Redirect(why) => {
            return Error::with_message(ErrorKind::Redirect, why).permanent();
        }
        TransportError::InvalidUrl(e) => {
            Error::with_message(ErrorKind::InvalidRequest, "the URL cannot be sent").with_source(e)
        }
        TransportError::Direct { source, connect } => {
            let kind = if connect {
                if is_timeout(&*source) {
                    let elapsed = sent_at.elapsed();
                    return Error::timeout(TimeoutPhase::Connect, Some(limits.connect), elapsed)
                        .with_source(source);
                }
                ErrorKind::Connect
            } else if in_body {
                ErrorKind::Body
            } else {
                ErrorKind::Transport
            };
            Error::new(kind).with_source(source)
        }
    };
    match error.source().map(permanence) {
        Some(Some(why)) => error.permanent_because(why),
        _ => error,
    }
}

/// Why a failure would happen again on another attempt, if it would: a
/// certificate refused (by us, or by the server, which may ask for a
/// client certificate after the handshake seemed done), or a response
/// head larger than the client accepts.
fn permanence(error: &(dyn StdError + 'static)) -> Option<&'static str> {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(tls) = find_tls_error(e) {
            return tls_permanence(tls);
        }
        // `is_parse_too_large` exists for servers only: hyper's message
        // for it ("message head is too large") is what a client can see.
        let head_too_large = e
            .downcast_ref::<hyper::Error>()
            .is_some_and(|h| h.is_parse() && h.to_string().contains("too large"));
        let proxy_refused = e
            .downcast_ref::<crate::engine::connect::ProxyError>()
            .is_some_and(|p| p.refused_credentials);
        if proxy_refused {
            return Some("the proxy refused its credentials");
        }
        if head_too_large {
            return Some("the response head is larger than the client accepts");
        }
        cause = e.source();
    }
    // A given reqwest client's TLS stack may say it only in words.
    is_certificate_failure(error).then_some("the TLS certificate was refused")
}

/// The rustls error `error` is, or wraps as an I/O error.
fn find_tls_error<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    if let Some(tls) = error.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    error
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
}

fn tls_permanence(error: &rustls::Error) -> Option<&'static str> {
    use rustls::AlertDescription as Alert;
    match error {
        rustls::Error::InvalidCertificate(_) => Some("the server's TLS certificate was refused"),
        rustls::Error::NoCertificatesPresented => Some("the server presented no TLS certificate"),
        rustls::Error::AlertReceived(
            Alert::CertificateRequired
            | Alert::BadCertificate
            | Alert::UnknownCA
            | Alert::CertificateUnknown
            | Alert::CertificateRevoked
            | Alert::CertificateExpired
            | Alert::UnsupportedCertificate
            | Alert::AccessDenied,
        ) => Some("the server refused the TLS handshake: it requires a (valid) client certificate"),
        rustls::Error::AlertReceived(Alert::HandshakeFailure | Alert::ProtocolVersion) => {
            Some("the server refused the TLS handshake (no common protocol version or cipher)")
        }
        _ => None,
    }
}

/// Maps a reqwest error to our kinds. reqwest reports a body that times out
/// as a *decode* error, so time-outs are recognised first.
#[cfg(feature = "reqwest")]
fn classify_reqwest(
    error: reqwest::Error,
    limits: &AttemptLimits,
    sent_at: Instant,
    in_body: bool,
) -> Error {
    let error = error.without_url();
    let elapsed = sent_at.elapsed();
    let kind = if error.is_timeout() || has_timeout_cause(&error) {
        let stage = if in_body || error.is_body() || error.is_decode() {
            TimeoutPhase::Body
        } else {
            TimeoutPhase::ResponseHeaders
        };
        // Besides connecting, this is a limit of a client given with
        // `with_reqwest_client`, whose value we do not know.
        let (phase, limit) = if error.is_connect() {
            (TimeoutPhase::Connect, Some(limits.connect))
        } else {
            (stage, None)
        };
        return Error::timeout(phase, limit, elapsed).with_source(error);
    } else if error.is_connect() {
        ErrorKind::Connect
    } else if in_body || error.is_body() || error.is_decode() {
        ErrorKind::Body
    } else if error.is_builder() {
        ErrorKind::InvalidRequest
    } else {
        ErrorKind::Transport
    };
    Error::new(kind).with_source(error)
}

/// Whether a TLS certificate was refused somewhere in the cause chain: a
/// connect failure that another attempt would only repeat.
pub(crate) fn is_certificate_failure(error: &(dyn StdError + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if e.to_string().to_ascii_lowercase().contains("certificate") {
            return true;
        }
        cause = e.source();
    }
    false
}

/// Whether an I/O time-out is somewhere in the cause chain.
#[cfg(feature = "reqwest")]
fn has_timeout_cause(error: &(dyn StdError + 'static)) -> bool {
    error.source().is_some_and(is_timeout)
}

/// Whether `error` or one of its causes is an I/O time-out.
fn is_timeout(error: &(dyn StdError + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::TimedOut {
                return true;
            }
        }
        cause = e.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Wrapper(std::io::Error);

    impl std::fmt::Display for Wrapper {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("client error (Connect)")
        }
    }

    impl StdError for Wrapper {
        fn source(&self) -> Option<&(dyn StdError + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn certificate_failures_are_found_in_the_chain() {
        let cert = Wrapper(std::io::Error::other(
            "invalid peer certificate: UnknownIssuer",
        ));
        assert!(is_certificate_failure(&cert));
        let refused = Wrapper(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(!is_certificate_failure(&refused));
        let timed_out = Wrapper(std::io::Error::from(std::io::ErrorKind::TimedOut));
        assert!(is_timeout(&timed_out) && !is_timeout(&refused));
    }
}
