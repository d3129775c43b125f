use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct User {
    pub id: u64,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get]
    async fn users(&self) -> Result<User>;
    #[post(42)]
    async fn create(&self) -> Result<User>;
}

fn main() {}
