//! The request: what generated code fills from a call's arguments. The
//! call itself (`call`), percent-encoding of path segments (`encode`),
//! query, header and form parameters through a small serde serializer
//! (`params`), bodies (`body`, `multipart`) and `#[body(omit_none)]`
//! (`omit`).

pub(crate) mod body;
pub(crate) mod build;
pub(crate) mod call;
pub(crate) mod encode;
pub(crate) mod multipart;
pub(crate) mod omit;
pub(crate) mod params;
