use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct User {
    pub id: u64,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get("/a")]
    async fn no_receiver() -> Result<User>;
    #[get("/b")]
    async fn by_value(self) -> Result<User>;
    #[get("/c")]
    async fn mutable(&mut self) -> Result<User>;
}

// The methods still exist, with `&self`: no follow-on error here.
async fn calls(client: ApiClient) {
    let _ = client.no_receiver().await;
    let _ = client.by_value().await;
    let _ = client.mutable().await;
}

fn main() {
    let _ = calls;
}
