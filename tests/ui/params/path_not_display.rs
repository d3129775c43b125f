use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct User {
    pub id: u64,
}

pub struct Opaque;

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get("/users/<id>")]
    async fn user(&self, id: Opaque) -> Result<User>;
}

fn main() {}
