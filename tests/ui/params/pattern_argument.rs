use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct User {
    pub id: u64,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get("/users")]
    async fn users(&self, #[query] (a, b): (u8, u8)) -> Result<User>;
}

fn main() {}
