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
//! | the client's settings: base URL, auth, timeouts, retries, limits, TLS, proxies, hooks | [`ClientBuilder`], [`defaults`] |
//! | what a call returns and how it fails | [`Response`], [`Error`], [`ErrorKind`] |
//! | paginated lists | [`Pages`], [`pages`] |
//! | streamed bodies | [`ByteStream`], [`Upload`], [`body`] |
//! | resilience | [`RetryPolicy`], [`retry`], [`limits`] |
//! | credentials and signing | [`Secret`], [`auth`] |
//! | observing calls | [`hooks`], [`metrics`], the `api_client.call` tracing span |
//! | tests | `mock` and the generated `…Mock` (feature `mock`) |
//!
//! The everyday names are at the root; the rest is grouped in modules, as
//! reqwest groups its own.
//!
//! The README maps Python requests/httpx idioms to api-client.
#![deny(missing_docs)]

/// `serde::Deserialize` for the models of a JSON API, with a fraction of
/// the code serde's derive writes: one visitor that matches keys, the
/// generic steps shared in the runtime. On a client the size of GitHub's
/// (1,500 models) the models' decoders were half of what the compiler
/// read; `api-client-gen` derives this one.
///
/// It reads the `#[serde(…)]` attributes an API's models use: `rename` (on
/// fields and variants), `default`, `flatten` (on one map field, which
/// collects the keys the struct does not declare) and
/// `skip_serializing_if` (for `Serialize`). It decodes structs with named
/// fields from JSON objects and enums of unit variants from strings, with
/// serde's errors (`missing field`, `duplicate field`, `unknown variant`);
/// a missing `Option` field is `None`, as with serde. Anything else (a
/// tuple struct, an enum with data, `#[serde(untagged)]`) is a compile
/// error that says to derive `serde::Deserialize` instead.
///
/// ```
/// use std::collections::HashMap;
///
/// #[derive(Debug, PartialEq, api_client::Deserialize)]
/// struct Issue {
///     number: u64,
///     #[serde(rename = "state")]
///     status: State,
///     #[serde(default)]
///     labels: Vec<String>,
///     assignee: Option<String>,
///     #[serde(flatten)]
///     other: HashMap<String, serde_json::Value>,
/// }
///
/// #[derive(Debug, PartialEq, api_client::Deserialize)]
/// enum State {
///     #[serde(rename = "open")]
///     Open,
///     #[serde(rename = "closed")]
///     Closed,
/// }
///
/// let issue: Issue = serde_json::from_str(r#"{"number": 7, "state": "open", "locked": true}"#)?;
/// assert_eq!(issue.status, State::Open);
/// assert_eq!((issue.labels.len(), issue.assignee), (0, None));
/// assert_eq!(issue.other["locked"], true);
/// let err = serde_json::from_str::<Issue>(r#"{"state": "merged"}"#).unwrap_err();
/// assert!(err.to_string().starts_with("unknown variant `merged`, expected `open` or `closed`"));
/// # Ok::<(), serde_json::Error>(())
/// ```
pub use api_macros::Deserialize;
#[doc = include_str!("api.md")]
pub use api_macros::api;

// The everyday names, at the root; the rest in modules, each item with
// its own docs.
#[cfg(feature = "validate")]
pub use api_runtime::garde;
#[cfg(feature = "mock")]
pub use api_runtime::mock;
#[cfg(feature = "reqwest")]
pub use api_runtime::reqwest;
pub use api_runtime::{
    ByteStream, Bytes, ClientBuilder, Error, ErrorKind, Event, Events, HeaderMap, Method, Pages,
    Part, Redirect, Response, Result, RetryPolicy, Secret, Session, StatusCode, TimeoutPhase,
    Upload, Url, Violation, auth, body, defaults, ensure_tls_provider, events, hooks, limits,
    metrics, pages, retry,
};

/// Items that generated code names. Not part of the public API: they may
/// change in any release.
#[doc(hidden)]
pub use api_runtime::__private;
