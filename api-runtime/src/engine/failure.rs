//! Why an exchange failed, in the same few cases whichever transport
//! sent it ([`TransportError`]): the one classifier (`classify.rs`) reads
//! them.

use std::error::Error as StdError;
use std::fmt;

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
