use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct User {
    pub id: u64,
}

pub struct Opaque;

#[api(base = "https://api.example.com")]
pub trait Api {
    #[get("/users")]
    async fn search(&self, #[query] filter: Opaque) -> Result<Vec<User>>;

    #[get("/me")]
    async fn me(&self, #[header("X-Trace")] trace: Opaque) -> Result<User>;

    #[post("/users")]
    async fn create(&self, #[body] user: &Opaque) -> Result<User>;

    #[post("/login")]
    async fn login(&self, #[form] form: Opaque) -> Result<User>;
}

fn main() {}
