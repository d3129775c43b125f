use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct User {
    pub id: u64,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get("/a")]
    async fn no_receiver() -> Result<User>;
    #[get("/b")]
    async fn by_value(self) -> Result<User>;
    #[get("/c")]
    async fn mutable(&mut self) -> Result<User>;
}

fn main() {}
