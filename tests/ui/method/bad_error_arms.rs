use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct Problem {
    pub title: String,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get("/a")]
    #[error(99 => Problem)]
    async fn a(&self) -> Result<()>;

    #[get("/b")]
    #[error(499..=400 => Problem)]
    async fn b(&self) -> Result<()>;

    #[get("/c")]
    #[error(400..=499 => Problem, 404 => Problem)]
    async fn c(&self) -> Result<()>;

    #[get("/d")]
    #[error(_ => Problem, 500 => Problem)]
    async fn d(&self) -> Result<()>;

    #[get("/e")]
    #[error(404u16 => Problem)]
    async fn e(&self) -> Result<()>;

    #[get("/f")]
    #[error(404 Problem)]
    async fn f(&self) -> Result<()>;

    #[get("/h")]
    #[error(400..=499 => Problem, 404 | 410 => Problem)]
    async fn h(&self) -> Result<()>;
}

fn main() {}
