use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct User {
    pub id: u64,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get("/search?q=<q>")]
    async fn search(&self, q: &str) -> Result<User>;
}

fn main() {}
