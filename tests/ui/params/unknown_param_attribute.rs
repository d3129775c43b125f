use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct User {
    pub id: u64,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get("/users")]
    async fn users(&self, #[quer] page: u32) -> Result<User>;
}

fn main() {}
