use api_client::{api, Result};

#[api(base = "https://api.example.com")]
#[rate_limit(10 per fortnight)]
pub trait Api {
    #[get("/a")]
    #[rate_limit(0 per second)]
    async fn a(&self) -> Result<()>;

    #[get("/b")]
    #[rate_limit(10 per secnd)]
    async fn b(&self) -> Result<()>;

    #[get("/c")]
    #[rate_limit(10 every second)]
    async fn c(&self) -> Result<()>;

    #[get("/d")]
    #[rate_limit(10 per second, brust = 5)]
    async fn d(&self) -> Result<()>;

    #[get("/e")]
    #[rate_limit(10 per second, burst = 0)]
    async fn e(&self) -> Result<()>;

    #[get("/f")]
    #[rate_limit]
    async fn f(&self) -> Result<()>;

    #[get("/g")]
    #[rate_limit(1 per hour)]
    #[rate_limit(2 per hour)]
    async fn g(&self) -> Result<()>;

    #[get("/h")]
    #[rate_limt(1 per hour)]
    async fn h(&self) -> Result<()>;
}

fn main() {}
