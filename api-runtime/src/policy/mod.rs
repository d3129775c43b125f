//! The policy: what happens around each attempt of a call. Retries,
//! backoff and the retry budget (`retry`), time limits (`watchdog`),
//! credentials (`auth`, `digest`, `oauth`) and the user's hooks (`hooks`).

pub(crate) mod attempts;
pub(crate) mod auth;
pub(crate) mod digest;
pub(crate) mod hooks;
pub(crate) mod oauth;
pub(crate) mod retry;
pub(crate) mod watchdog;
