//! The policy: what happens around each attempt of a call. Retries,
//! backoff and the retry budget (`retry`), time limits (`watchdog`),
//! credentials (`auth`, `digest`, `oauth`), the user's hooks (`hooks`) and
//! request signing (`sign`).

pub(crate) mod attempts;
pub(crate) mod auth;
pub(crate) mod auth_http;
pub(crate) mod breaker;
pub(crate) mod call_span;
pub(crate) mod digest;
pub(crate) mod done;
pub(crate) mod exchange;
pub(crate) mod hooks;
pub(crate) mod limits;
pub(crate) mod oauth;
pub(crate) mod provider;
pub(crate) mod quota;
pub(crate) mod rate;
pub(crate) mod retry;
pub(crate) mod send;
pub(crate) mod sign;
pub(crate) mod watchdog;
