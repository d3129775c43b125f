//! The API the tests declare, and helpers.

use api_client::{Bytes, Response, Result, api};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub login: String,
    pub id: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewIssue {
    pub title: String,
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    pub number: u64,
    pub title: String,
}

#[derive(Debug, Serialize)]
pub struct Filter<'a> {
    pub state: &'a str,
    pub labels: Vec<&'a str>,
    pub page: Option<u32>,
}

#[api(base = "https://api.github.com")]
#[header("Accept", "application/vnd.github+json")]
pub trait GitHub {
    #[get("/users/<login>")]
    async fn user(&self, login: &str) -> Result<User>;

    #[get("/users/<id>/raw")]
    async fn user_by_id(&self, id: u64) -> Result<Response<User>>;

    #[get("/search/repositories?type=repo")]
    async fn search(
        &self,
        #[query] q: &str,
        #[query(rename = "per_page")] per_page: Option<u32>,
        #[query] topic: Vec<String>,
    ) -> Result<serde_json::Value>;

    #[get("/issues")]
    async fn issues(&self, #[query] filter: &Filter<'_>) -> Result<Vec<Issue>>;

    #[post("/repos/<owner>/<repo>/issues")]
    async fn create_issue(
        &self,
        owner: &str,
        repo: &str,
        #[body] issue: &NewIssue,
    ) -> Result<Issue>;

    #[put("/repos/<owner>/<repo>/topics")]
    async fn put_topics(&self, owner: &str, repo: &str, #[body] names: &[&str]) -> Result<()>;

    #[patch("/repos/<owner>/<repo>")]
    #[header("Content-Type", "application/merge-patch+json")]
    async fn patch_repo(
        &self,
        owner: &str,
        repo: &str,
        #[body] patch: &serde_json::Value,
    ) -> Result<()>;

    #[delete("/repos/<owner>/<repo>/labels/<name>")]
    #[header("Accept", "application/vnd.github.v3+json")]
    async fn delete_label(
        &self,
        owner: &str,
        repo: &str,
        name: &str,
        #[header("X-Request-Id")] rid: &str,
        #[header("X-Trace")] trace: Option<&str>,
    ) -> Result<()>;

    #[head("/ping")]
    async fn ping(&self) -> Result<Response<()>>;

    #[options("/ping")]
    async fn options(&self) -> Result<Response<()>>;

    #[get("/files/<path..>")]
    async fn file(&self, path: &str) -> Result<String>;

    #[get("/blobs/<name>.bin")]
    async fn blob(&self, name: &str) -> Result<Bytes>;

    #[get("/readme")]
    async fn readme(&self) -> Result<Response<String>>;
}

/// A client of the test API pointed at `server`.
pub fn client(server: &wiremock::MockServer) -> GitHubClient {
    GitHubClient::builder()
        .base_url(server.uri())
        .build()
        .expect("a client for the mock server")
}

/// Installs `subscriber` as this thread's default for a test that captures
/// logs, immune to tracing's process-wide callsite cache: while at most one
/// dispatcher is registered, a callsite's interest is computed once, from
/// the subscriber of whichever thread reaches it first, so a parallel test
/// without a subscriber could cache "never" and the capture would miss its
/// events. A second dispatcher, interested in everything and kept for the
/// whole test binary, makes tracing ask every registered dispatcher; the
/// rebuild covers callsites registered before this one was installed.
pub fn capture_logs(
    subscriber: impl tracing::Subscriber + Send + Sync + 'static,
) -> tracing::subscriber::DefaultGuard {
    static ANCHOR: std::sync::OnceLock<tracing::Dispatch> = std::sync::OnceLock::new();
    ANCHOR.get_or_init(|| tracing::Dispatch::new(Interested));
    let guard = tracing::subscriber::set_default(subscriber);
    tracing::callsite::rebuild_interest_cache();
    guard
}

/// A subscriber that wants every callsite and records nothing.
struct Interested;

impl tracing::Subscriber for Interested {
    fn register_callsite(
        &self,
        _: &'static tracing::Metadata<'static>,
    ) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::always()
    }
    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(1)
    }
    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}
    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}
    fn event(&self, _: &tracing::Event<'_>) {}
    fn enter(&self, _: &tracing::span::Id) {}
    fn exit(&self, _: &tracing::span::Id) {}
}

/// Captures every event at debug level and above, as text, for the
/// lifetime of the guard.
pub fn capture_debug_logs() -> (Captured, tracing::subscriber::DefaultGuard) {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    (logs, capture_logs(subscriber))
}

/// Bytes written by a log subscriber, shared with the test that reads them.
#[derive(Clone, Default)]
pub struct Captured(pub std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl Captured {
    /// Everything written so far, as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The ring crypto provider, for the tests' TLS servers. rustls 0.23.48
/// deprecates it for its lack of post-quantum key exchange, which test
/// servers on loopback do not need.
#[allow(deprecated)]
pub fn ring_provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    std::sync::Arc::new(rustls::crypto::ring::default_provider())
}
