//! # api-client
//!
//! Declare a REST API as a Rust trait; `#[api]` generates a typed, pooled
//! async client for it and checks the declaration at compile time.
//!
//! ```toml
//! [dependencies]
//! api-client = "0.1"
//! serde = { version = "1", features = ["derive"] }
//! tokio = { version = "1", features = ["macros", "rt-multi-thread"] }
//!
//! [dev-dependencies]
//! api-client = { version = "0.1", features = ["mock"] }   # typed mocks
//! ```
//!
//! ```no_run
//! use api_client::{api, Result};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Debug, Deserialize)]
//! pub struct User { pub login: String, pub id: u64 }
//!
//! #[derive(Serialize)]
//! pub struct NewIssue<'a> { pub title: &'a str }
//!
//! #[derive(Debug, Deserialize)]
//! pub struct Issue { pub number: u64 }
//!
//! #[api(base = "https://api.github.com")]
//! #[header("Accept", "application/vnd.github+json")]
//! pub trait GitHub {
//!     #[get("/users/<login>")]
//!     async fn user(&self, login: &str) -> Result<User>;
//!
//!     #[post("/repos/<owner>/<repo>/issues")]
//!     async fn create_issue(&self, owner: &str, repo: &str, #[body] issue: &NewIssue<'_>) -> Result<Issue>;
//! }
//!
//! # async fn run() -> Result<()> {
//! let github = GitHubClient::builder().header("User-Agent", "my-app/1.0").build()?;
//! let user = github.user("octocat").await?;
//! println!("{} has id {}", user.login, user.id);
//! # Ok(()) }
//! ```
//!
//! The client implements the trait, so application code can take
//! `&impl GitHub` and tests can hand it another implementation.
//!
//! Where to read on:
//!
//! | for | see |
//! |---|---|
//! | everything a declaration can say: attributes, argument roles, return types, misuses | [`api`] |
//! | the client's settings: base URL, auth, timeouts, retries, limits, TLS, proxies, hooks | [`ClientBuilder`] |
//! | what a call returns and how it fails | [`Response`], [`Error`], [`ErrorKind`] |
//! | paginated lists | [`Pages`], [`PageStream`] |
//! | streamed bodies | [`ByteStream`], [`Upload`] |
//! | resilience | [`RetryPolicy`], [`RetryBudget`], [`RateLimit`], [`CircuitBreaker`] |
//! | credentials and signing | [`Secret`], [`AuthProvider`], [`ClientCredentials`], [`Signer`] |
//! | observing calls | [`Hook`], [`Session::metrics`], the `api_client.call` tracing span |
//! | tests | `api_client::mock` and the generated `…Mock` (feature `mock`) |
//!
//! The README maps Python requests/httpx idioms to api-client.
#![deny(missing_docs)]

#[doc = include_str!("api.md")]
pub use api_macros::api;
// Everything the runtime makes public, each item with its own docs (and
// `__private`, hidden: the items generated code names).
pub use api_runtime::*;
