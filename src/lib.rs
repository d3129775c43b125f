//! # api-client
//!
//! Declare a REST API as a Rust trait; `#[api]` generates a typed, pooled
//! async client for it and checks the declaration at compile time.
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
//! See [`api`] for everything a declaration can say, and the README for
//! the mapping from Python requests/httpx idioms.
#![deny(missing_docs)]

#[doc = include_str!("api.md")]
pub use api_macros::api;
/// Everything the runtime makes public (and `__private`, the items
/// generated code names).
pub use api_runtime::*;
