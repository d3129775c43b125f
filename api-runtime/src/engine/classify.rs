//! The one classifier: a [`TransportError`] (from either transport) as an
//! [`Error`] of our kinds. Time-outs are found at every stage, TLS
//! refusals by their type (`rustls::Error`, anywhere in the cause chain),
//! never by the words of a message.

use std::error::Error as StdError;
use std::time::Duration;

use tokio::time::Instant;

use crate::engine::failure::TransportError;
use crate::error::{Error, ErrorKind, TimeoutPhase};

/// Where in an exchange a failure happened.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Sending the request and waiting for the response head.
    Head,
    /// Reading the response body.
    Body,
}

/// Maps a transport failure to our kinds. Our own limits never reach here
/// (see `AttemptLimits::expired`): a transport's time-outs are its
/// connect timeout, and those of a client given with `with_reqwest_client`
/// (whose values we do not know).
pub(crate) fn classify(
    error: TransportError,
    connect_limit: Option<Duration>,
    sent_at: Instant,
    stage: Stage,
) -> Error {
    let (source, connect) = match error {
        TransportError::Redirect(why) => {
            return Error::with_message(ErrorKind::Redirect, why).permanent();
        }
        TransportError::InvalidUrl(e) => {
            return Error::with_message(ErrorKind::InvalidRequest, "the URL cannot be sent")
                .with_source(e);
        }
        TransportError::Connect(source) => (source, true),
        TransportError::Exchange(source) => (source, false),
    };
    if is_timeout(&*source) {
        let (phase, limit) = match (connect, stage) {
            (true, _) => (TimeoutPhase::Connect, connect_limit),
            (false, Stage::Head) => (TimeoutPhase::ResponseHeaders, None),
            (false, Stage::Body) => (TimeoutPhase::Body, None),
        };
        return Error::timeout(phase, limit, sent_at.elapsed()).with_source(source);
    }
    let why = permanence(&*source);
    // A TLS handshake the server refused is a connect error at any stage:
    // with TLS 1.3 the client's side of the handshake is done before the
    // server checks its certificate, and the server's alert arrives
    // where the response head was awaited; the request was never read.
    let refused_handshake = find_tls_cause(&*source).is_some_and(is_handshake_refusal);
    let kind = match (connect || refused_handshake, stage) {
        (true, _) => ErrorKind::Connect,
        (false, Stage::Head) => ErrorKind::Transport,
        (false, Stage::Body) => ErrorKind::Body,
    };
    let error = Error::new(kind).with_source(source);
    match why {
        Some(why) => error.permanent_because(why),
        None => error,
    }
}

/// Why a failure would happen again on another attempt, if it would: a
/// certificate refused (by us, or by the server, which may ask for a
/// client certificate after the handshake seemed done), a proxy that
/// refused its credentials, or a response head larger than the client
/// accepts.
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
    None
}

/// The first rustls error in `error`'s cause chain.
fn find_tls_cause<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut cause = Some(error);
    while let Some(e) = cause {
        if let Some(tls) = find_tls_error(e) {
            return Some(tls);
        }
        cause = e.source();
    }
    None
}

/// Whether the server refused the handshake: a certificate it wanted and
/// did not get (or did not accept), or no protocol or cipher in common.
fn is_handshake_refusal(error: &rustls::Error) -> bool {
    matches!(error, rustls::Error::AlertReceived(_)) && tls_permanence(error).is_some()
}

/// The rustls error `error` is, or wraps as an I/O error (at any depth:
/// `io::Error::source` skips the error an I/O error wraps, and TLS
/// connectors wrap it twice).
fn find_tls_error<'a>(error: &'a (dyn StdError + 'static)) -> Option<&'a rustls::Error> {
    let mut current: &(dyn StdError + 'static) = error;
    loop {
        if let Some(tls) = current.downcast_ref::<rustls::Error>() {
            return Some(tls);
        }
        current = current.downcast_ref::<std::io::Error>()?.get_ref()?;
    }
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

    fn wrapped(e: std::io::Error) -> TransportError {
        TransportError::Exchange(Box::new(Wrapper(e)))
    }

    #[test]
    fn time_outs_are_found_at_every_stage() {
        let now = Instant::now();
        let timed_out = || wrapped(std::io::Error::from(std::io::ErrorKind::TimedOut));
        let head = classify(timed_out(), None, now, Stage::Head);
        assert_eq!(head.timeout_phase(), Some(TimeoutPhase::ResponseHeaders));
        let body = classify(timed_out(), None, now, Stage::Body);
        assert_eq!(body.timeout_phase(), Some(TimeoutPhase::Body));
        let refused = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        let connect = classify(
            TransportError::Connect(Box::new(Wrapper(refused))),
            None,
            now,
            Stage::Head,
        );
        assert_eq!(connect.kind(), ErrorKind::Connect);
        assert!(!connect.is_permanent());
    }

    #[test]
    fn certificate_failures_are_found_by_type_not_by_words() {
        let now = Instant::now();
        let words = wrapped(std::io::Error::other(
            "invalid peer certificate: UnknownIssuer",
        ));
        assert!(!classify(words, None, now, Stage::Head).is_permanent());
        let tls = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        // As hyper-rustls reports it: an I/O error in an I/O error.
        let inner = std::io::Error::new(std::io::ErrorKind::InvalidData, tls);
        let typed = wrapped(std::io::Error::other(inner));
        let error = classify(typed, None, now, Stage::Head);
        assert!(error.is_permanent());
        assert_eq!(error.kind(), ErrorKind::Transport);
    }
}
