use api_client::{api, Response, Result};

#[derive(serde::Deserialize, garde::Validate)]
pub struct Post {
    #[garde(length(min = 1))]
    pub title: String,
}

/// Holds validated posts but is not validated itself: without
/// `#[validate]`, it would be decoded without a word.
#[derive(serde::Deserialize)]
pub struct Page {
    pub data: Vec<Post>,
}

#[derive(serde::Deserialize)]
pub struct Plain {
    pub n: u32,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get("/posts")]
    #[validate]
    async fn page(&self) -> Result<Page>;
    #[get("/posts")]
    #[validate]
    async fn posts(&self) -> Result<Response<Vec<Post>>>;
    #[get("/plain")]
    #[validate]
    async fn plain(&self) -> Result<Option<Plain>>;
}

fn main() {}
