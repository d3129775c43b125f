use api_client::{api, Result};

#[derive(serde::Deserialize)]
pub struct User {
    pub id: u64,
}

// A client is async or blocking, not both.
#[api(base = "https://api.example.com")]
pub trait Mixed {
    #[get("/users")]
    async fn users(&self) -> Result<User>;

    #[get("/user")]
    fn user(&self) -> Result<User>;
}

#[api(base = "https://api.example.com", blocking)]
pub trait Declared {
    #[get("/users")]
    async fn users(&self) -> Result<User>;
}

fn main() {}
