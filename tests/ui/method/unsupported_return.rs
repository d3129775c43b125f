use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct User {
    pub id: u64,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get("/a")]
    async fn plain(&self) -> User;
    #[get("/b")]
    async fn borrowed(&self) -> Result<&'static str>;
    #[get("/c")]
    async fn custom_error(&self) -> Result<User, String>;
    #[get("/d")]
    async fn nothing(&self);
}

fn main() {}
