//! `crate = path` for users who renamed the dependency.
extern crate api_client as http_api;

#[derive(serde::Deserialize)]
pub struct Pong;

#[http_api::api(base = "http://localhost:8080", crate = http_api)]
pub trait Ping {
    #[get("/ping")]
    async fn ping(&self) -> http_api::Result<()>;
}

#[http_api::api(crate = "::http_api")]
pub trait NoBase {
    #[get("/ping")]
    async fn ping(&self) -> http_api::Result<()>;
}

fn main() {
    let _ = PingClient::new();
    // Without a declared base, the builder needs one.
    assert!(NoBaseClient::new().is_err());
    assert!(NoBaseClient::builder().base_url("http://127.0.0.1:1").build().is_ok());
}
