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
