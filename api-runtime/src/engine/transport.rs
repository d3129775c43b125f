//! How requests go out: every client the builder makes uses our transport
//! ([`Direct`], `direct.rs`); a client given with `with_reqwest_client`
//! (feature `reqwest`) is that client, behind an adapter (`reqwest_adapter.rs`).
//!
//! Both take the same [`Outgoing`] request, give the same [`Incoming`]
//! response and fail with the same [`TransportError`]s, so everything
//! above them (attempts, limits, the one classifier, decoding) is shared.

use std::error::Error as StdError;
use std::fmt;
use std::pin::Pin;

use crate::engine::direct::Direct;
use crate::engine::incoming::Incoming;
use crate::engine::outgoing::Outgoing;

pub(crate) type BoxError = Box<dyn StdError + Send + Sync>;

/// Why a request got no response, or its body could not be read: the
/// same few cases whichever transport sent it, for the one classifier
/// (`engine/classify.rs`). A time limit of the sending client itself is an
/// I/O `TimedOut` in the source's chain.
#[derive(Debug)]
pub(crate) enum TransportError {
    /// No connection could be made: nothing was sent.
    Connect(BoxError),
    /// The exchange failed once connected (sending, the response head or
    /// the body).
    Exchange(BoxError),
    /// A redirect that cannot be followed.
    Redirect(String),
    /// A URL that HTTP cannot carry.
    InvalidUrl(BoxError),
}

impl TransportError {
    /// Whether the connection closed after the request went out and before
    /// any byte of a response came back (hyper's "incomplete message"): on a
    /// reused connection, the server closed it meanwhile.
    pub(super) fn is_closed_before_response(&self) -> bool {
        let TransportError::Exchange(source) = self else {
            return false;
        };
        let mut cause: Option<&(dyn StdError + 'static)> = Some(&**source);
        while let Some(e) = cause {
            if e.downcast_ref::<hyper::Error>()
                .is_some_and(hyper::Error::is_incomplete_message)
            {
                return true;
            }
            cause = e.source();
        }
        false
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::Connect(source) => write!(f, "could not connect: {source}"),
            TransportError::Exchange(source) => fmt::Display::fmt(source, f),
            TransportError::Redirect(why) => f.write_str(why),
            TransportError::InvalidUrl(e) => write!(f, "the URL cannot be sent: {e}"),
        }
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            TransportError::Connect(source) | TransportError::Exchange(source) => source.source(),
            TransportError::Redirect(_) => None,
            TransportError::InvalidUrl(e) => Some(&**e),
        }
    }
}

/// One request on its way: the response head, or why none came.
pub(crate) type Exchange<'a> =
    Pin<Box<dyn std::future::Future<Output = Result<Incoming, TransportError>> + Send + 'a>>;

/// How requests go out (chosen when the client is built): every client
/// the builder makes goes through [`Direct`] (headers, cookies, redirects
/// handled here, whichever engine sends each exchange); a client given
/// with `with_reqwest_client` is that client, with its own redirects and
/// cookies.
pub(crate) enum Transport {
    Direct(Box<Direct>),
    #[cfg(feature = "reqwest")]
    Reqwest(reqwest::Client),
}

impl Transport {
    /// Sends `request`. The future is boxed: a future is copied whole
    /// each time it moves (into its caller's state, into a time limit),
    /// and unboxed, the layers of a call added up to tens of kilobytes
    /// copied per call, more CPU than the HTTP exchange itself.
    pub(crate) fn send<'a>(&'a self, request: &'a mut Outgoing) -> Exchange<'a> {
        match self {
            Transport::Direct(direct) => Box::pin(direct.send(request)),
            #[cfg(feature = "reqwest")]
            Transport::Reqwest(client) => crate::engine::reqwest_adapter::send(client, request),
        }
    }

    /// Which transport this is, for `Debug`.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Transport::Direct(_) => "hyper-util",
            #[cfg(feature = "reqwest")]
            Transport::Reqwest(_) => "reqwest (given)",
        }
    }
}
