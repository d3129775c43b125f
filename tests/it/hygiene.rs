//! Generated code names nothing by a bare path: user items called
//! `Result`, `Ok`, `Option`, `String`, `Vec`… and arguments called
//! `client`, `url`, `request` change nothing.
#![allow(dead_code, non_camel_case_types, unused_imports)]

use api_client::api;

type Result<T> = api_client::Result<T>;
struct Ok;
struct Err;
struct Option;
struct Some;
struct None;
struct Vec;
struct Box;
struct Client;
struct Response;
mod reqwest {}
mod core {}
mod std {}
mod serde {}
mod http {}
mod url {}

#[derive(::serde::Deserialize)]
pub struct Thing {
    pub id: u64,
}

#[api(base = "http://127.0.0.1:1")]
pub trait Shadowed {
    #[get("/things/<client>")]
    async fn thing(
        &self,
        client: &str,
        #[query] url: u32,
        #[header("X-Request")] request: &str,
        #[query] __api_like: ::core::option::Option<u8>,
    ) -> Result<Thing>;

    #[post("/things")]
    async fn create(&self, #[body] req: &[::std::string::String]) -> Result<()>;
}

#[test]
fn a_client_with_shadowed_names_builds() {
    let client = ShadowedClient::new();
    assert!(client.is_ok());
}
