//! Builder methods whose cargo feature is off are compile errors that
//! name the feature (as `#[rate_limit(…)]` is), not failures of `build()`
//! at run time: each such method is bounded by a marker trait that only
//! a build with the feature implements.

/// What `.cookie_store(…)` needs: api-client's `cookies` feature.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`.cookie_store(…)` needs api-client's `cookies` feature",
    label = "the cookie store is compiled only with the `cookies` feature",
    note = "turn it on: `api-client = {{ version = \"0.1\", features = [\"cookies\"] }}` (off by default, as in reqwest: it compiles a public-suffix list and a date library)"
)]
pub trait CookiesFeature {}

#[cfg(feature = "cookies")]
impl<C> CookiesFeature for C {}

/// What `.rate_limit(…)` needs: api-client's `rate-limit` feature.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`.rate_limit(…)` needs api-client's `rate-limit` feature",
    label = "the client-side rate limiter is compiled only with the `rate-limit` feature",
    note = "turn it on: `api-client = {{ version = \"0.1\", features = [\"rate-limit\"] }}` (the `governor` crate); concurrency limits, circuit breakers and the server's announced limits need no feature"
)]
pub trait RateLimitFeature {}

#[cfg(feature = "rate-limit")]
impl<C> RateLimitFeature for C {}
