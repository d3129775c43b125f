use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct Problem {
    pub title: String,
}

pub struct NotDocument;

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get("/a")]
    #[error(404 => Problem, 500..=599 => NotDocument)]
    async fn a(&self) -> Result<()>;
}

fn main() {}
