use api_client::{api, Result};

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get("/a")]
    async fn a(&self, #[query(style = "pipedelimited")] ids: &[u32]) -> Result<()>;

    #[get("/b")]
    async fn b(&self, #[query(style = "deepObject", explode = false)] ids: &[u32]) -> Result<()>;

    #[get("/c")]
    async fn c(&self, #[query(style = "matrix")] ids: &[u32]) -> Result<()>;

    #[get("/d")]
    async fn d(&self, #[query(explode = "no")] ids: &[u32]) -> Result<()>;

    #[get("/e")]
    async fn e(&self, #[query(exploded = false)] ids: &[u32]) -> Result<()>;
}

fn main() {}
