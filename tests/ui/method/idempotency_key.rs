use api_client::{api, Result};

#[api(base = "https://api.example.com")]
pub trait Api {
    // Not a header name.
    #[post("/a")]
    #[idempotency_key("Idempotency Key")]
    async fn a(&self) -> Result<()>;

    // Not how it is written.
    #[post("/b")]
    #[idempotency_key = "X-Key"]
    async fn b(&self) -> Result<()>;

    // Misspelled.
    #[post("/c")]
    #[idempotency_kye]
    async fn c(&self) -> Result<()>;
}

fn main() {}
