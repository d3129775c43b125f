//! The response: decoding into the declared return type (`decode`),
//! validation (`validate`), the error type (`error`), the steps of
//! `#[derive(api_client::Deserialize)]` (`model_de`), and what keeps
//! secrets out of what a user reads (`redact`, `scrub`).

pub(crate) mod decode;
pub(crate) mod error;
pub(crate) mod json;
pub(crate) mod json_path;
pub(crate) mod meta;
#[doc(hidden)]
pub mod model_de;
pub(crate) mod redact;
pub(crate) mod scrub;
pub(crate) mod stream;
pub(crate) mod validate;
