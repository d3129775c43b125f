//! The engine: how bytes reach a server and come back. Connections (TCP,
//! TLS, proxies) for hyper-util's pool (`connect`, `tls`), the redirect
//! rules (`redirect`) and response decompression (`decompress`); the
//! transport (`transport.rs`) runs them with default headers and cookies.

pub(crate) mod connect;
pub(crate) mod decompress;
pub(crate) mod redirect;
pub(crate) mod tls;
