use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct User {
    pub id: u64,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get("/users")]
    #[header("Accept", "text/plain\r\nX-Injected: 1")]
    async fn users(&self, #[header("X Request Id")] rid: &str) -> Result<User>;
}

fn main() {}
