//! Generate an [api-client] trait and its validated models from an OpenAPI
//! 3.0 or 3.1 document (JSON or YAML).
//!
//! The output is one formatted Rust module: the `#[api]` trait a person
//! would write (one method per operation, parameters in their roles,
//! typed bodies, responses and error documents), and a model for every
//! schema, with serde renames and garde rules from the schema's
//! constraints, so responses are validated as they are decoded.
//!
//! ```
//! let spec = r##"
//! openapi: 3.0.3
//! info: { title: Petstore, version: "1" }
//! servers: [{ url: "https://petstore.example.com/v1" }]
//! paths:
//!   /pets/{petId}:
//!     get:
//!       operationId: showPetById
//!       parameters:
//!         - { name: petId, in: path, required: true, schema: { type: integer } }
//!       responses:
//!         "200":
//!           description: the pet
//!           content:
//!             application/json:
//!               schema: { $ref: "#/components/schemas/Pet" }
//! components:
//!   schemas:
//!     Pet:
//!       type: object
//!       required: [name]
//!       properties:
//!         name: { type: string, minLength: 1 }
//! "##;
//! let out = api_client_gen::generate(spec, &api_client_gen::Options::default())?;
//! assert!(out.code.contains(r#"#[get("/pets/<pet_id>")]"#));
//! assert!(out.code.contains("async fn show_pet_by_id(&self, pet_id: i64) -> Result<Pet>;"));
//! assert!(out.code.contains("#[garde(length(chars, min = 1))]"));
//! assert!(out.warnings.is_empty());
//! # Ok::<(), api_client_gen::Error>(())
//! ```
//!
//! From a `build.rs`, write the module into `OUT_DIR` and `include!` it:
//!
//! ```no_run
//! // build.rs
//! let out = std::path::PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("petstore.rs");
//! let warnings = api_client_gen::generate_file("petstore.yaml", &out, &api_client_gen::Options::default()).unwrap();
//! for w in warnings {
//!     println!("cargo::warning={w}");
//! }
//! println!("cargo::rerun-if-changed=petstore.yaml");
//! ```
//!
//! [api-client]: https://docs.rs/api-client
#![deny(missing_docs)]

mod auth;
mod contract;
mod derives;
mod doc;
mod emit;
mod emit_api;
mod emit_models;
mod graph;
mod markdown;
mod model;
mod names;
mod node;
mod ops;
mod params;
mod rules;
mod schema;
mod shapes;
mod yaml;

use std::fmt;
use std::path::Path;

pub use contract::{Mismatch, check, export};
pub use emit::generate;

/// What to generate.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The trait's name (default: the document's `info.title` in
    /// PascalCase, or `Api`).
    pub trait_name: Option<String>,
    /// One trait per tag (each operation goes to its first tag) instead of
    /// one for the whole document.
    pub per_tag: bool,
    /// Only operations with one of these tags (all when empty).
    pub tags: Vec<String>,
    /// Only paths that start with one of these (all when empty).
    pub paths: Vec<String>,
    /// Only these `operationId`s (all when empty).
    pub operations: Vec<String>,
    /// `format: date-time`/`date` as `chrono` types (else `String`).
    pub chrono: bool,
    /// `format: uuid` as `uuid::Uuid` (else `String`).
    pub uuid: bool,
    /// `format: uri`/`url` as `url::Url` (else `String`, checked by garde).
    pub url: bool,
    /// Leave out garde: no `Validate` derives, no rules.
    pub no_validate: bool,
    /// Keep the component schemas no generated method uses (webhook
    /// payloads, say); by default only the models the methods reach are
    /// written.
    pub all_schemas: bool,
    /// Derive both `Serialize` and `Deserialize` on every model (by
    /// default a model derives what the calls need: `Serialize` if a
    /// request sends it, `Deserialize` if a response holds it).
    pub all_derives: bool,
    /// Structs and unions derive no `PartialEq`: for very large documents,
    /// where it is a quarter of the build (`BENCHMARKS.md`).
    pub lean: bool,
}

/// The generated module and what it could not express.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The formatted module.
    pub code: String,
    /// What the document says that the module does not express, each
    /// naming the operation or schema.
    pub warnings: Vec<Warning>,
    /// The crates the module's code names, beside `api-client` and `serde`
    /// (`garde`, `serde_json`, `chrono`…), for the user's `Cargo.toml`.
    pub dependencies: Vec<&'static str>,
}

/// Something in the document the generated module does not express.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Warning {
    /// The operation (its `operationId`, or verb and path) or schema.
    pub at: String,
    /// What is not expressed, and what to do.
    pub message: String,
}

impl fmt::Display for Warning {
    /// `at: message`, with the document's control characters and
    /// bidirectional overrides escaped (`\u{202e}`): a warning goes to a
    /// terminal or a build log, where they would reorder or hide text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |text: &str| -> String {
            text.chars()
                .map(|c| match c.is_control() || markdown::is_bidi_control(c) {
                    true => c.escape_unicode().to_string(),
                    false => c.to_string(),
                })
                .collect()
        };
        write!(f, "{}: {}", shown(&self.at), shown(&self.message))
    }
}

/// A document that cannot be generated from: not JSON/YAML, not OpenAPI 3,
/// or unreadable.
#[derive(Debug, Clone)]
pub struct Error {
    message: String,
}

impl Error {
    fn new(message: impl Into<String>) -> Error {
        Error {
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Reads the document at `input`, writes the module to `output` (only when
/// it changed, so a build script does not trigger needless rebuilds), and
/// returns the warnings.
///
/// # Errors
/// The document cannot be read or generated from, or the module cannot be
/// written.
pub fn generate_file(
    input: impl AsRef<Path>,
    output: impl AsRef<Path>,
    options: &Options,
) -> Result<Vec<Warning>, Error> {
    let (input, output) = (input.as_ref(), output.as_ref());
    let text = std::fs::read_to_string(input)
        .map_err(|e| Error::new(format!("cannot read {}: {e}", input.display())))?;
    let generated = generate(&text, options)?;
    if std::fs::read_to_string(output).ok().as_deref() != Some(generated.code.as_str()) {
        std::fs::write(output, &generated.code)
            .map_err(|e| Error::new(format!("cannot write {}: {e}", output.display())))?;
    }
    Ok(generated.warnings)
}
