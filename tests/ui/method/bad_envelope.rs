use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct User {
    pub id: u64,
}

#[api(base = "https://api.example.com")]
#[envelope(dta = "data")]
pub trait Api {
    #[get("/a")]
    #[envelope]
    async fn a(&self) -> Result<User>;

    #[get("/b")]
    #[envelope(data = "")]
    async fn b(&self) -> Result<User>;

    #[get("/c")]
    #[error]
    async fn c(&self) -> Result<User>;
}

fn main() {}
