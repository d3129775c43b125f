use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct User {
    pub id: u64,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get("users/<id>")]
    async fn user(&self, id: u64) -> Result<User>;
}

fn main() {}
