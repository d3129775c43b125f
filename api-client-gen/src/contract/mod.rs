//! Contract tests: a declared trait exported back to OpenAPI, and compared
//! with a server's published document.
//!
//! The declarations are read from the Rust source (the trait and the
//! structs and enums beside it), so no build of the client is needed and a
//! CI step can run `api-client-gen check src/api.rs --against openapi.json`.

mod check;
mod export;
mod read;

pub use check::Mismatch;

use crate::Error;
use crate::doc::{Document, parse};

/// The OpenAPI 3.1 description (JSON) of the `#[api]` traits in a Rust
/// source file: paths, parameters, bodies, responses, and schemas from the
/// structs and enums the file defines (other types are referenced by name).
///
/// # Errors
/// The source does not parse or has no `#[api]` trait.
pub fn export(source: &str, title: &str) -> Result<String, Error> {
    let source = read::read(source)?;
    serde_json::to_string_pretty(&export::document(&source, title))
        .map_err(|e| Error::new(e.to_string()))
}

/// Every mismatch between the `#[api]` traits of a Rust source file and a
/// published OpenAPI document: unknown paths and operations, parameters
/// missing, unknown or in the wrong place, bodies, and response types that
/// do not match the document's schema.
///
/// ```
/// let doc = r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {
///   "/pets/{id}": {"get": {"parameters": [{"name": "id", "in": "path", "required": true}],
///                          "responses": {"200": {"description": "ok"}}}}}}"#;
/// let source = r#"
///     #[api]
///     pub trait Pets {
///         #[get("/pets/<id>")]
///         async fn pet(&self, id: u64, #[query] verbose: bool) -> Result<()>;
///     }
/// "#;
/// let mismatches = api_client_gen::check(source, doc)?;
/// assert_eq!(mismatches.len(), 1);
/// assert_eq!(mismatches[0].to_string(), "pet: parameter `verbose` (query) is not in the document");
/// # Ok::<(), api_client_gen::Error>(())
/// ```
///
/// # Errors
/// The source or the document cannot be read.
pub fn check(source: &str, document: &str) -> Result<Vec<Mismatch>, Error> {
    let source = read::read(source)?;
    let doc = Document::new(parse(document)?)?;
    Ok(check::check(&source, &doc))
}
