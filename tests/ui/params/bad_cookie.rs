use api_client::{api, Result};

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get("/a")]
    async fn a(&self, #[cookie("bad name")] s: &str) -> Result<()>;

    #[get("/b")]
    async fn b(&self, #[cookie] s: &str) -> Result<()>;

    #[get("/c")]
    async fn c(&self, #[cookies("s")] s: &str) -> Result<()>;
}

fn main() {}
