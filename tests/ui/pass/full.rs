//! A declaration using every feature compiles, and its futures are `Send`.
use api_client::{api, Bytes, Response, Result};
use serde::{Deserialize, Serialize};

#[derive(Deserialize)]
pub struct User {
    pub id: u64,
}

#[derive(Serialize)]
pub struct Filter {
    pub state: String,
}

#[api(base = "https://api.example.com/v1", client = Users)]
#[header("Accept", "application/json")]
/// Docs and other attributes on the trait are kept.
pub trait UserApi: Send + Sync {
    /// Docs on methods are kept.
    #[get("/users/<id>")]
    async fn user(&self, id: u64) -> Result<User>;

    #[get("/users/<type>/<path..>")]
    async fn nested(&self, r#type: &str, path: String) -> Result<Response<Vec<User>>>;

    #[get("/search?sort=name")]
    async fn search(
        &self,
        #[query] q: &str,
        #[query(rename = "per-page")] per_page: Option<u32>,
        #[query] tags: &[&str],
        #[query] filter: &Filter,
        #[header("X-Request-Id")] rid: Option<uuid_like::Id>,
    ) -> Result<String>;

    #[post("/users")]
    async fn create<'a>(&'a self, #[body] user: &'a Filter) -> Result<()>;

    #[put("/avatars/<id>.png")]
    async fn avatar(&self, id: u32) -> Result<Bytes>;

    #[head("/users")]
    #[allow(clippy::all)]
    async fn probe(&self) -> Result<Response<()>>;
}

mod uuid_like {
    #[derive(serde::Serialize)]
    pub struct Id(pub String);
}

fn assert_send<T: Send>(_: T) {}

fn main() {
    let client: Users = Users::builder().base_url("http://127.0.0.1:1").build().unwrap();
    assert_send(client.user(1));
    assert_send(client.search("q", None, &[], &Filter { state: "open".into() }, None));
    let _ = Users::new();
}
