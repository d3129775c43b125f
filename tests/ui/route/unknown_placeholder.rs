use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct User {
    pub id: u64,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get("/users/<id>/repos/<repo>")]
    async fn repos(&self, id: u64) -> Result<User>;
}

fn main() {}
