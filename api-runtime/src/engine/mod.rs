//! The engine: how bytes reach a server and come back. The transport
//! (`transport`) on hyper-util's pool, with connections (TCP, TLS,
//! proxies: `connect`, `tls`), the redirect rules (`redirect`), response
//! decompression (`decompress`) and the cookie jar (`cookies`); one
//! exchange (`exchange`) sends a request and reads its response within
//! the attempt's limits.

pub(crate) mod classify;
pub(crate) mod connect;
pub(crate) mod cookies;
pub(crate) mod decompress;
pub(crate) mod direct;
pub(crate) mod exchange;
pub(crate) mod incoming;
pub(crate) mod outgoing;
pub(crate) mod redirect;
#[cfg(feature = "reqwest")]
pub(crate) mod reqwest_adapter;
pub(crate) mod tls;
pub(crate) mod transport;
