//! Builder methods of features that are off: each is a compile error
//! naming its feature.

use api_client::{limits::RateLimit, Result, api};

#[api(base = "https://api.example.com")]
pub trait Example {
    #[get("/ping")]
    async fn ping(&self) -> Result<()>;
}

fn main() {
    let _ = ExampleClient::builder().cookie_store(true).build();
    let _ = ExampleClient::builder()
        .rate_limit(RateLimit::per_second(1))
        .build();
}
