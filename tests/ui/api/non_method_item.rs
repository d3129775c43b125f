use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct User {
    pub id: u64,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    const VERSION: u32;
    type Item;
    #[get("/users")]
    async fn users(&self) -> Result<User>;
}

fn main() {}
