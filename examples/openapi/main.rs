//! A client generated from an OpenAPI document, used against a local server.
//!
//! `petstore.rs` beside this file was written by the generator from the
//! Swagger Petstore (OpenAPI 3.0), with nothing edited:
//!
//! ```sh
//! cargo run -p api-client-gen -- api-client-gen/tests/fixtures/petstore-3.0.yaml --all-schemas -o examples/openapi/petstore.rs
//! ```
//!
//! It declares the `SwaggerPetstore` trait, so `#[api]` makes
//! `SwaggerPetstoreClient`, and validated models (`Pet`, `Order`, …).
//! Runs offline: a local server answers as the Petstore does. Run it with
//! `cargo run --example openapi`.

use api_client::ErrorKind;
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[allow(dead_code)]
mod petstore {
    include!("petstore.rs");
}

use petstore::{
    FindPetsByStatusStatusItem, Pet, SwaggerPetstore, SwaggerPetstoreAuth, SwaggerPetstoreClient,
};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let server = petstore_server().await;
    // The document's base is `http://petstore.swagger.io/v2`; point the
    // client at the local server instead, and authenticate as its
    // `api_key` security scheme says (`SwaggerPetstoreAuth` knows the
    // header's name).
    let store = SwaggerPetstoreClient::builder()
        .base_url(server.uri())
        .with_api_key("special-key")
        .build()?;

    let pet = store.get_pet_by_id(1).await?;
    println!("pet 1: {} ({:?})", pet.name, pet.status);

    let available = store
        .find_pets_by_status(&[FindPetsByStatusStatusItem::Available])
        .await?;
    println!(
        "available: {:?}",
        available
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>()
    );

    let rex = Pet {
        id: Some(3),
        category: None,
        name: "rex".into(),
        photo_urls: vec![],
        tags: None,
        status: None,
    };
    store.add_pet(&rex).await?;
    println!("added {}", rex.name);

    match store.get_pet_by_id(404).await {
        Err(e) if e.kind() == ErrorKind::Status => println!("pet 404: {e}"),
        other => println!("unexpected: {other:?}"),
    }
    Ok(())
}

async fn petstore_server() -> MockServer {
    let server = MockServer::start().await;
    let pet = |id: i64, name: &str| json!({"id": id, "name": name, "photoUrls": [], "status": "available"});
    // Like the Petstore, the pet is only for a client with the API key.
    Mock::given(method("GET"))
        .and(path("/pet/1"))
        .and(header("api_key", "special-key"))
        .respond_with(ResponseTemplate::new(200).set_body_json(pet(1, "doggie")))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/pet/findByStatus"))
        .and(query_param("status", "available"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([pet(1, "doggie"), pet(2, "kitty")])),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/pet"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/pet/404"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"code": 1, "type": "error", "message": "Pet not found"})),
        )
        .mount(&server)
        .await;
    server
}
