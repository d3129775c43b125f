//! The engine: how bytes reach a server. Connections (TCP, TLS, proxies)
//! for hyper-util's pool; the transport above it (`transport.rs`) adds
//! default headers, cookies, redirects and decompression.

pub(crate) mod connect;
pub(crate) mod tls;
