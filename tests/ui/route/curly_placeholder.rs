use api_client::{api, Result};

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get("/users/{id}/repos")]
    async fn repos(&self, id: u64) -> Result<()>;
}

fn main() {}
