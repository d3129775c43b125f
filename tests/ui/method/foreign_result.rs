use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct User {
    pub id: u64,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get("/a")]
    async fn io(&self) -> std::io::Result<User>;
    #[get("/b")]
    async fn reqwest(&self) -> api_client::reqwest::Result<User>;
    #[get("/c")]
    async fn ours(&self) -> api_client::Result<User>;
    #[get("/d")]
    async fn imported(&self) -> Result<User>;
}

fn main() {}
