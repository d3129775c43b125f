//! The request: what generated code fills from a call's arguments,
//! through the one contract with the macro (`build`): the call itself
//! (`call`, of an `endpoint`), query, header and form parameters through a
//! small serde serializer (`params`), bodies (`body`, `multipart`,
//! `stream_body`) and `#[body(omit_none)]` (`omit`); the request it makes
//! (`outgoing`), and what of a request may go to another origin
//! (`origin`).

pub(crate) mod base;
pub(crate) mod body;
pub(crate) mod build;
pub(crate) mod call;
pub(crate) mod cookie;
pub(crate) mod endpoint;
pub(crate) mod key;
pub(crate) mod multipart;
pub(crate) mod omit;
pub(crate) mod origin;
pub(crate) mod outgoing;
pub(crate) mod params;
pub(crate) mod query_style;
pub(crate) mod stream_body;
