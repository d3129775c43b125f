//! How requests go out: every client the builder makes uses our transport
//! ([`Direct`], `direct.rs`); a client given with `with_reqwest_client`
//! (feature `reqwest`) is that client, behind an adapter
//! (`reqwest_adapter.rs`), as a [`Given`] transport: the engine's one edge
//! to another HTTP stack.
//!
//! Both take the same [`Outgoing`] request, give the same [`Incoming`]
//! response and fail with the same [`TransportError`]s, so everything
//! above them (attempts, limits, the one classifier, decoding) is shared.

use crate::engine::direct::Direct;
use crate::engine::incoming::Exchange;
use crate::request::outgoing::Outgoing;

/// How requests go out (chosen when the client is built): every client
/// the builder makes goes through [`Direct`] (headers, cookies, redirects
/// handled here, whichever engine sends each exchange); a client given
/// with `with_reqwest_client` is that client, with its own redirects and
/// cookies.
pub(crate) enum Transport {
    Direct(Box<Direct>),
    Given(Box<dyn Given>),
}

/// A transport of its own (a client given with `with_reqwest_client`):
/// it sends our request and gives our response, following its own
/// redirects and keeping its own cookies.
pub(crate) trait Given: Send + Sync {
    /// Sends `request` (a streamed body is moved out).
    fn send<'a>(&'a self, request: &'a mut Outgoing) -> Exchange<'a>;

    /// What it is, for `Debug`.
    fn name(&self) -> &'static str;
}

impl Transport {
    /// Sends `request`. The future is boxed: a future is copied whole
    /// each time it moves (into its caller's state, into a time limit),
    /// and unboxed, the layers of a call added up to tens of kilobytes
    /// copied per call, more CPU than the HTTP exchange itself.
    pub(crate) fn send<'a>(&'a self, request: &'a mut Outgoing) -> Exchange<'a> {
        match self {
            Transport::Direct(direct) => Box::pin(direct.send(request)),
            Transport::Given(given) => given.send(request),
        }
    }

    /// Whether it keeps connections per thread for blocking calls run on
    /// their caller's thread (ours does; a given reqwest client's pool is
    /// one, its connections driven by whichever runtime opened them).
    pub(crate) fn has_pool_per_thread(&self) -> bool {
        matches!(self, Transport::Direct(_))
    }

    /// Whether redirects are followed (a given reqwest client's policy is
    /// its own: taken as yes).
    pub(crate) fn follows_redirects(&self) -> bool {
        match self {
            Transport::Direct(direct) => direct.max_redirects > 0,
            Transport::Given(_) => true,
        }
    }

    /// Which transport this is, for `Debug`.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Transport::Direct(_) => "hyper",
            Transport::Given(given) => given.name(),
        }
    }
}
