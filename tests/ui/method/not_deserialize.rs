use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct User {
    pub id: u64,
}

pub struct NotSerde;

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get("/users")]
    async fn users(&self) -> Result<NotSerde>;
}

fn main() {}
