use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct User {
    pub id: u64,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get("/users")]
    async fn users(&self, #[query(renam = "per_page")] per_page: u32) -> Result<User>;
}

fn main() {}
