//! The engine: how bytes reach a server and come back. The transport
//! (`transport`) on our pool of hyper connections (`pool`), with connections (TCP, TLS,
//! proxies: `connect`, `tls`), the redirect rules (`redirect`), response
//! decompression (`decompress`) and the cookie jar (`cookies`); its
//! failures (`failure`) are classified in one place (`classify`).

pub(crate) mod classify;
pub(crate) mod connect;
#[cfg(feature = "cookies")]
pub(crate) mod cookies;
#[cfg(not(feature = "cookies"))]
#[path = "no_cookies.rs"]
pub(crate) mod cookies;
pub(crate) mod decompress;
pub(crate) mod direct;
pub(crate) mod exchange;
pub(crate) mod failure;
pub(crate) mod h2_guard;
pub(crate) mod head;
pub(crate) mod incoming;
pub(crate) mod limits;
pub(crate) mod pool;
pub(crate) mod proxies;
pub(crate) mod redirect;
#[cfg(feature = "reqwest")]
pub(crate) mod reqwest_adapter;
pub(crate) mod target;
pub(crate) mod tls;
pub(crate) mod transport;
pub(crate) mod uri;
pub(crate) mod watchdog;
