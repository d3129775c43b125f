//! The engine: how bytes reach a server and come back. The transport
//! (`transport`) on hyper-util's pool, with connections (TCP, TLS,
//! proxies: `connect`, `tls`), the redirect rules (`redirect`), response
//! decompression (`decompress`) and the cookie jar (`cookies`); one
//! exchange (`exchange`) sends a request and reads its response within
//! the attempt's limits.

pub(crate) mod connect;
pub(crate) mod cookies;
pub(crate) mod decompress;
pub(crate) mod exchange;
pub(crate) mod redirect;
pub(crate) mod tls;
pub(crate) mod transport;
