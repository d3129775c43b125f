use api_client::{api, Result};

#[derive(serde::Deserialize, garde::Validate)]
pub struct Post {
    #[garde(length(min = 1))]
    pub title: String,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get("/text")]
    #[validate]
    async fn text(&self) -> Result<String>;
    #[get("/more")]
    #[validate(strict)]
    async fn strict(&self) -> Result<Vec<Post>>;
}

fn main() {}
