//! The request: what generated code fills from a call's arguments,
//! through the one contract with the macro (`build`): the call itself
//! (`call`, of an `endpoint`), query, header and form parameters through a
//! small serde serializer (`params`), bodies (`body`, `multipart`) and
//! `#[body(omit_none)]` (`omit`).

pub(crate) mod body;
pub(crate) mod build;
pub(crate) mod call;
pub(crate) mod cookie;
pub(crate) mod endpoint;
pub(crate) mod multipart;
pub(crate) mod omit;
pub(crate) mod params;
pub(crate) mod query_style;
