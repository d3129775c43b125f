//! Every mistake of a declaration is reported in one build, and the client
//! is still generated, so code using it shows no follow-on errors.
use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct User {
    pub id: u64,
}

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get("/users/<id>")]
    async fn user(&self, login: &str) -> Result<User>;

    #[post("/users")]
    async fn create(&self, #[body] a: &User, #[body] b: &User) -> Result<User>;

    #[get("/ok")]
    async fn fine(&self) -> Result<User>;
}

async fn uses_the_client() -> Result<u64> {
    let client = ApiClient::new()?;
    Ok(client.fine().await?.id)
}

fn main() {
    let _ = uses_the_client();
}
