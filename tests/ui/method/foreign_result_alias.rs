// Another crate's `Result` imported under the same name.
use api_client::api;
use std::io::Result;

#[derive(serde::Deserialize)]
pub struct User {
    pub id: u64,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get("/users/<id>")]
    async fn user(&self, id: u64) -> Result<User>;
}

fn main() {}
