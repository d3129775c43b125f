//! The response: decoding into the declared return type (`decode`),
//! validation (`validate`), the error type (`error`), and what keeps
//! secrets out of what a user reads (`redact`, `scrub`).

pub(crate) mod decode;
pub(crate) mod done;
pub(crate) mod error;
pub(crate) mod redact;
pub(crate) mod scrub;
pub(crate) mod validate;
