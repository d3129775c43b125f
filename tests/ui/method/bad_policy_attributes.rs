use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct User {
    pub id: u64,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get("/a")]
    #[timeout(total = "5 seconds")]
    async fn a(&self) -> Result<User>;

    #[get("/b")]
    #[timeout(totl = "5s")]
    async fn b(&self) -> Result<User>;

    #[get("/c")]
    #[retry(attemps = 3)]
    async fn c(&self) -> Result<User>;

    #[get("/d")]
    #[retry(attempts = 0)]
    async fn d(&self) -> Result<User>;

    #[get("/e")]
    #[idempotent(true)]
    async fn e(&self) -> Result<User>;
}

fn main() {}
