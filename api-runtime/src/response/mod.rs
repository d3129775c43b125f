//! The response: decoding into the declared return type (`decode`),
//! the report of a body that does not decode (`problems`), validation
//! (`validate`), and the steps of
//! `#[derive(api_client::Deserialize)]` (`model_de`).

pub(crate) mod decode;
pub(crate) mod finish;
pub(crate) mod json;
pub(crate) mod json_path;
pub(crate) mod meta;
#[doc(hidden)]
pub mod model_de;
pub(crate) mod problems;
pub(crate) mod stream;
pub(crate) mod validate;
