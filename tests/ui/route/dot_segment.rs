use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct User {
    pub id: u64,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get("/users/../admin")]
    async fn admin(&self) -> Result<User>;
}

fn main() {}
