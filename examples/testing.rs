//! Testing application code with the typed mocks generated from the trait.
//!
//! The code under test takes `&impl GitHub`; the "test" mounts typed mocks
//! (no paths written by hand) and checks the outcome, including a retry
//! after two 503s. Run it with `cargo run --example testing` (the `mock`
//! feature, which tests enable through [dev-dependencies]).

use api_client::mock::any;
use api_client::{Result, RetryPolicy, api};
use serde::{Deserialize, Serialize};
use std::time::Duration;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Issue {
    pub number: u64,
    pub title: String,
    pub labels: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct NewIssue<'a> {
    pub title: &'a str,
}

#[api(base = "https://api.github.com")]
pub trait GitHub {
    #[get("/repos/<owner>/<repo>/issues")]
    async fn issues(&self, owner: &str, repo: &str, #[query] labels: &str) -> Result<Vec<Issue>>;

    #[post("/repos/<owner>/<repo>/issues")]
    #[idempotent]
    async fn create_issue(
        &self,
        owner: &str,
        repo: &str,
        #[body] issue: &NewIssue<'_>,
    ) -> Result<Issue>;
}

/// Application code: files a tracking issue if there are open bugs.
async fn triage(api: &impl GitHub, owner: &str, repo: &str) -> Result<Option<u64>> {
    let bugs = api.issues(owner, repo, "bug").await?;
    if bugs.is_empty() {
        return Ok(None);
    }
    let title = format!("{} open bugs to triage", bugs.len());
    let created = api
        .create_issue(owner, repo, &NewIssue { title: &title })
        .await?;
    Ok(Some(created.number))
}

fn issue(number: u64, title: &str) -> Issue {
    Issue {
        number,
        title: title.into(),
        labels: vec!["bug".into()],
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let server = wiremock::MockServer::start().await;
    let mock = GitHubMock::new(&server);
    mock.issues("acme", "web", "bug")
        .returns(&vec![issue(1, "crash"), issue(2, "typo")])
        .expect(1)
        .mount()
        .await;
    mock.create_issue("acme", "web", any())
        .responds(503)
        .times(2)
        .then_returns(&issue(3, "2 open bugs to triage"))
        .expect(3)
        .mount()
        .await;

    let client = GitHubClient::builder()
        .base_url(server.uri())
        .retry(RetryPolicy::default().backoff(Duration::from_millis(10), Duration::from_millis(50)))
        .build()?;
    let filed = triage(&client, "acme", "web").await?;
    assert_eq!(filed, Some(3));
    println!(
        "triage filed issue #{} after two 503s were retried",
        filed.unwrap_or_default()
    );

    // A call nobody mocked is reported with the nearest endpoint.
    let err = client.issues("acme", "api", "bug").await.unwrap_err();
    println!("unmocked call -> {err}");
    Ok(())
}
