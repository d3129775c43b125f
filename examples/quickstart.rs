//! Quickstart: declare an API as a trait, point the generated client at a
//! local server, and call it.
//!
//! Runs offline: it starts a local mock of a small GitHub-like API on
//! 127.0.0.1 first. Run it with `cargo run --example quickstart`.

use api_client::{ErrorKind, Response, Result, api};
use serde::{Deserialize, Serialize};
use serde_json::json;
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Debug, Deserialize)]
pub struct User {
    pub login: String,
    pub id: u64,
}

#[derive(Debug, Deserialize)]
pub struct Page {
    pub total_count: u64,
    pub items: Vec<Repo>,
}

#[derive(Debug, Deserialize)]
pub struct Repo {
    pub full_name: String,
}

#[derive(Serialize)]
pub struct NewIssue<'a> {
    pub title: &'a str,
}

#[derive(Debug, Deserialize)]
pub struct Issue {
    pub number: u64,
}

/// The API, declared once. `#[api]` generates `GitHubClient`.
#[api(base = "https://api.github.com")]
#[header("Accept", "application/vnd.github+json")]
pub trait GitHub {
    #[get("/users/<login>")]
    async fn user(&self, login: &str) -> Result<User>;

    #[get("/search/repositories")]
    async fn search(
        &self,
        #[query] q: &str,
        #[query(rename = "per_page")] per_page: Option<u32>,
    ) -> Result<Response<Page>>;

    #[post("/repos/<owner>/<repo>/issues")]
    async fn create_issue(
        &self,
        owner: &str,
        repo: &str,
        #[body] issue: &NewIssue<'_>,
    ) -> Result<Issue>;

    #[delete("/repos/<owner>/<repo>/labels/<name>")]
    async fn delete_label(
        &self,
        owner: &str,
        repo: &str,
        name: &str,
        #[header("X-Request-Id")] rid: &str,
    ) -> Result<()>;
}

#[tokio::main]
async fn main() -> Result<()> {
    let server = start_local_api().await;
    println!("local API listening on {}", server.uri());

    // Point the client at the local server instead of the declared base.
    let github = GitHubClient::builder()
        .base_url(server.uri())
        .header("User-Agent", "quickstart/1.0")
        .build()?;

    let user = github.user("octocat").await?;
    println!(
        "GET  /users/octocat            -> {} (id {})",
        user.login, user.id
    );

    let page = github.search("language:rust", Some(2)).await?;
    println!(
        "GET  /search/repositories     -> {} {} in {:?}: {:?}",
        page.status(),
        page.body().total_count,
        page.elapsed(),
        page.body()
            .items
            .iter()
            .map(|r| &r.full_name)
            .collect::<Vec<_>>()
    );

    let issue = github
        .create_issue(
            "octocat",
            "hello",
            &NewIssue {
                title: "Found a bug",
            },
        )
        .await?;
    println!(
        "POST /repos/octocat/hello/issues -> issue #{}",
        issue.number
    );

    github
        .delete_label("octocat", "hello", "wontfix", "req-42")
        .await?;
    println!("DELETE /repos/octocat/hello/labels/wontfix -> done");

    // Path arguments are percent-encoded: this cannot escape `/users/`.
    match github.user("../admin").await {
        Err(e) if e.kind() == ErrorKind::Status => {
            println!("GET  /users/..%2Fadmin          -> {e}")
        }
        other => println!("unexpected: {other:?}"),
    }
    Ok(())
}

/// A local stand-in for the API, so the example runs offline.
async fn start_local_api() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/users/octocat"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"login": "octocat", "id": 583231})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/search/repositories"))
        .and(query_param("q", "language:rust"))
        .and(query_param("per_page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "total_count": 2,
            "items": [{"full_name": "rust-lang/rust"}, {"full_name": "tokio-rs/tokio"}]
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/repos/octocat/hello/issues"))
        .and(body_json(json!({"title": "Found a bug"})))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"number": 1347})))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/repos/octocat/hello/labels/wontfix"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/users/..%2Fadmin"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
        .mount(&server)
        .await;
    server
}
