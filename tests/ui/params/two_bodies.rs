use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct User {
    pub id: u64,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    #[post("/users")]
    async fn create(&self, #[body] user: &User, #[body] extra: &User) -> Result<User>;
}

fn main() {}
