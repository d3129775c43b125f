//! What a response is, made once by the engine: its head ([`Head`]:
//! status, headers, final URL, redirects followed, time, request id), and a
//! head with its body read to the end ([`Buffered`]). `Response<T>`,
//! `Page<T>` and `ByteStream` each hold the head the engine made.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use url::Url;

/// The head of a response.
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct Head {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    /// The final URL, as a user may read it; kept only when asked for (a
    /// `Response<T>`, a page, a stream): cloning a URL per call costs.
    pub(crate) url: Option<Url>,
    /// The redirects followed, kept with the URL.
    pub(crate) history: Vec<Redirect>,
    /// From the call's start to the end of the body, kept with the URL.
    pub(crate) elapsed: Duration,
    /// The server's request id, from the header the client names.
    pub(crate) request_id: Option<String>,
}

/// The URL a head has when none was kept: never read, since every
/// reader of a URL (`Response`, `Page`, `ByteStream`) asks for it to be
/// kept.
static NO_URL: std::sync::LazyLock<Url> =
    std::sync::LazyLock::new(|| Url::parse("http://url.not.kept/").expect("a valid URL"));

impl Head {
    /// The final URL (kept for every head a user reads).
    pub(crate) fn url(&self) -> &Url {
        self.url.as_ref().unwrap_or(&NO_URL)
    }

    pub(crate) fn new(status: StatusCode, headers: HeaderMap) -> Head {
        Head {
            status,
            headers,
            url: None,
            history: Vec::new(),
            elapsed: Duration::ZERO,
            request_id: None,
        }
    }
}

/// A response whose body was read to its end (a success, or at most
/// 64 KiB of an error document).
#[doc(hidden)]
#[derive(Debug)]
pub struct Buffered {
    pub(crate) head: Head,
    pub(crate) body: Bytes,
}

/// One redirect a call followed: the status that redirected, and the URL
/// that answered with it (query values of the client's API key removed,
/// as in [`Response::url`](crate::Response::url)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    pub(crate) status: StatusCode,
    pub(crate) url: Url,
}

impl Redirect {
    /// The redirecting status (301, 302, 303, 307 or 308).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The URL that answered with the redirect.
    pub fn url(&self) -> &Url {
        &self.url
    }
}
