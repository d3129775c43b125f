use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct User {
    pub id: u64,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    #[post("/payments")]
    #[retry(attempts = 3)]
    async fn pay(&self) -> Result<User>;

    #[patch("/users/<id>")]
    #[retry(attempts = 2)]
    async fn rename(&self, id: u64) -> Result<User>;

    // Declared idempotent: accepted.
    #[post("/charges")]
    #[idempotent]
    #[retry(attempts = 5)]
    async fn charge(&self) -> Result<User>;
}

fn main() {}
