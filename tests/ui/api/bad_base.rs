use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct User {
    pub id: u64,
}

#[api(base = "api.example.com/v1")]
pub trait Api {
    #[get("/users")]
    async fn users(&self) -> Result<User>;
}

#[api(base = "https://api.example.com?key=1")]
pub trait Other {
    #[get("/users")]
    async fn users(&self) -> Result<User>;
}

fn main() {}
