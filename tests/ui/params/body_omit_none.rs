use api_client::{api, Result, Upload};

#[derive(serde::Serialize)]
pub struct Patch {
    pub title: Option<String>,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    #[patch("/a")]
    async fn fine(&self, #[body(omit_none)] patch: &Patch) -> Result<()>;
    #[patch("/b")]
    async fn skip(&self, #[body(skip_none)] patch: &Patch) -> Result<()>;
    #[put("/c")]
    async fn stream(&self, #[body(omit_none)] data: Upload) -> Result<()>;
}

fn main() {}
