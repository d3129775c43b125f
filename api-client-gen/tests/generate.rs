//! The generator against documents: snapshots of the code for each schema
//! construct, the modules the root crate's tests compile and call, and
//! clear errors for documents it cannot read.

use std::path::{Path, PathBuf};

use api_client_gen::{Options, generate};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn report(name: &str, options: &Options) -> String {
    let out = generate(&fixture(name), options).unwrap();
    let warnings: Vec<String> = out.warnings.iter().map(ToString::to_string).collect();
    format!(
        "// warnings:\n// {}\n// needs: {}\n\n{}",
        warnings.join("\n// "),
        out.dependencies.join(", "),
        out.code
    )
}

#[test]
fn constructs_with_format_crates() {
    let options = Options {
        uuid: true,
        chrono: true,
        url: true,
        all_schemas: true,
        ..Options::default()
    };
    insta::assert_snapshot!(report("constructs.yaml", &options));
}

#[test]
fn constructs_per_tag_lean_without_validation() {
    let options = Options {
        per_tag: true,
        no_validate: true,
        lean: true,
        operations: vec!["login".into(), "upload".into()],
        ..Options::default()
    };
    insta::assert_snapshot!(report("constructs.yaml", &options));
}

/// A tag is often a model's name (`pet` and `Pet`): the tag's trait is
/// `PetApi`, and no model takes a trait's, client's or mock's name.
#[test]
fn traits_per_tag_do_not_take_model_names() {
    let options = Options {
        per_tag: true,
        ..Options::default()
    };
    let code = generate(&fixture("petstore-3.0.yaml"), &options)
        .unwrap()
        .code;
    for item in [
        "pub trait PetApi",
        "pub trait StoreApi",
        "pub trait UserApi",
        "pub struct Pet {",
        "pub struct User {",
    ] {
        assert!(code.contains(item), "no `{item}` in:\n{code}");
    }
    let doc = "openapi: 3.0.3\ninfo: {title: Shop, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    Shop: {type: object, properties: {a: {type: string}}}\n    ShopClient: {type: object, properties: {b: {type: string}}}\n    Serialize: {type: object, properties: {c: {type: string}}}\n";
    let code = generate(
        doc,
        &Options {
            all_schemas: true,
            ..Options::default()
        },
    )
    .unwrap()
    .code;
    for item in [
        "pub struct Shop2 {",
        "pub struct ShopClient2 {",
        "pub struct Serialize_ {",
    ] {
        assert!(code.contains(item), "no `{item}` in:\n{code}");
    }
}

#[test]
fn petstore_3_0() {
    insta::assert_snapshot!(report("petstore-3.0.yaml", &Options::default()));
}

#[test]
fn petstore_3_1_as_json_and_yaml_agree() {
    let yaml = generate(&fixture("petstore-3.1.yaml"), &Options::default()).unwrap();
    let json = generate(
        &yaml_to_json(&fixture("petstore-3.1.yaml")),
        &Options::default(),
    )
    .unwrap();
    assert_eq!(yaml.code, json.code);
    insta::assert_snapshot!(yaml.code);
}

/// The modules `tests/it/generated.rs` and the `openapi` example compile
/// and call are what the generator writes today: regenerate them with
/// `UPDATE_GENERATED=1`.
#[test]
fn checked_in_modules_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for (fixture_name, module) in [
        ("petstore-3.0.yaml", "examples/openapi/petstore.rs"),
        ("petstore-3.1.yaml", "tests/it/generated/petstore31.rs"),
        ("constructs.yaml", "tests/it/generated/constructs.rs"),
    ] {
        let options = Options {
            all_schemas: true,
            ..Options::default()
        };
        let fresh = generate(&fixture(fixture_name), &options).unwrap().code;
        let path: PathBuf = root.join(module);
        if std::env::var_os("UPDATE_GENERATED").is_some() {
            std::fs::write(&path, &fresh).unwrap();
        }
        let current = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            current == fresh,
            "{} is stale: run `UPDATE_GENERATED=1 cargo test -p api-client-gen`",
            path.display()
        );
    }
}

#[test]
fn unreadable_documents_are_clear_errors() {
    let cases = [
        ("{not json", "invalid JSON"),
        (
            "swagger: '2.0'\ninfo: {title: x}\n",
            "Swagger 2.0 is not supported",
        ),
        (
            "openapi: 4.0.0\n",
            "OpenAPI version `4.0.0` is not supported",
        ),
        ("just text\n", "not an OpenAPI document"),
        ("a: [unclosed\n", "invalid YAML"),
        ("", "empty"),
    ];
    for (text, expected) in cases {
        let err = generate(text, &Options::default())
            .err()
            .unwrap_or_else(|| panic!("{text:?} was accepted"));
        assert!(err.to_string().contains(expected), "{text:?}: {err}");
    }
}

#[test]
fn hostile_documents_give_warnings_not_panics() {
    let text = r##"{"openapi": "3.0.0", "info": {"title": "x", "version": "1"},
        "paths": {"/a/{id}/{id}": {"get": {"responses": {}}},
                  "/b": {"get": {"operationId": "b", "parameters": [{"$ref": "#/nowhere"}],
                          "responses": {"200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Loop"}}}}}}}},
        "components": {"schemas": {"Loop": {"$ref": "#/components/schemas/Loop"},
                                   "Deep": {"allOf": [{"$ref": "#/components/schemas/Deep"}]}}}}"##;
    let out = generate(
        text,
        &Options {
            all_schemas: true,
            ..Options::default()
        },
    )
    .unwrap();
    let warnings: Vec<String> = out.warnings.iter().map(ToString::to_string).collect();
    assert!(
        warnings.iter().any(|w| w.contains("uses `{id}` twice")),
        "{warnings:#?}"
    );
    assert!(
        warnings.iter().any(|w| w.contains("#/nowhere")),
        "{warnings:#?}"
    );
    assert!(out.code.contains("async fn b(&self)"), "{}", out.code);
    // Self-referencing aliases would not compile: any JSON, said.
    for model in ["Loop", "Deep"] {
        assert!(
            out.code
                .contains(&format!("pub type {model} = serde_json::Value;")),
            "{}",
            out.code
        );
        assert!(
            warnings
                .iter()
                .any(|w| w.starts_with(model) && w.contains("cycle")),
            "{warnings:#?}"
        );
    }
}

/// The same document as JSON, keys in the YAML's order.
fn yaml_to_json(yaml: &str) -> String {
    json_text(&yaml_rust2::YamlLoader::load_from_str(yaml).unwrap()[0])
}

fn json_text(yaml: &yaml_rust2::Yaml) -> String {
    use yaml_rust2::Yaml;
    let string = |s: &str| serde_json::to_string(s).unwrap();
    match yaml {
        Yaml::Real(r) => r.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::String(s) => string(s),
        Yaml::Boolean(b) => b.to_string(),
        Yaml::Array(a) => format!(
            "[{}]",
            a.iter().map(json_text).collect::<Vec<_>>().join(",")
        ),
        Yaml::Hash(h) => {
            let entries: Vec<String> = h
                .iter()
                .map(|(k, v)| format!("{}:{}", string(k.as_str().unwrap()), json_text(v)))
                .collect();
            format!("{{{}}}", entries.join(","))
        }
        _ => "null".to_owned(),
    }
}

/// Error documents that differ by status: an arm per type, statuses before
/// classes before `default`, written as a person would (the module is
/// parsed again here, as rustc will).
#[test]
fn error_documents_by_status() {
    let doc = r##"{"openapi": "3.0.3", "info": {"title": "E", "version": "1"},
      "paths": {"/a": {"get": {"operationId": "getA", "responses": {
        "200": {"description": "ok"},
        "default": {"description": "e", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
        "4XX": {"description": "e", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Client"}}}},
        "404": {"description": "e", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
        "422": {"description": "e", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Invalid"}}}},
        "410": {"description": "e", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}},
        "499": {"description": "e", "content": {"text/plain": {"schema": {"type": "string"}}}},
        "6XX": {"description": "not a status"}}}}},
      "components": {"schemas": {
        "Problem": {"type": "object", "properties": {"title": {"type": "string"}}},
        "Client": {"type": "object", "properties": {"reason": {"type": "string"}}},
        "Invalid": {"type": "object", "properties": {"errors": {"type": "array", "items": {"type": "string"}}}}}}}"##;
    let out = generate(doc, &Options::default()).unwrap();
    assert!(
        out.code.contains(
            "    #[error(404 | 410 => Problem, 422 => Invalid, 400..=499 => Client, _ => Problem)]\n"
        ),
        "{}",
        out.code
    );
    syn::parse_file(&out.code).expect("the module parses");
    let warnings: Vec<String> = out.warnings.iter().map(ToString::to_string).collect();
    assert!(
        warnings.iter().any(|w| w.contains("`6XX` is not a status")),
        "{warnings:?}"
    );
}

/// A success without a body beside one with (`204` and `200`, in either
/// order) returns `Option<T>`; inline error schemas of one shape, repeated
/// per status, are one type, named once.
#[test]
fn empty_successes_and_repeated_inline_errors() {
    let error = r#"{"description": "e", "content": {"application/json": {"schema": {"type": "object", "required": ["message"], "properties": {"message": {"type": "string"}, "code": {"type": "string", "enum": ["a", "b"]}}}}}}"#;
    let doc = format!(
        r##"{{"openapi": "3.0.3", "info": {{"title": "E", "version": "1"}},
      "paths": {{
        "/a": {{"get": {{"operationId": "getA", "responses": {{
          "200": {{"description": "ok", "content": {{"application/json": {{"schema": {{"$ref": "#/components/schemas/Thing"}}}}}}}},
          "204": {{"description": "nothing yet"}},
          "404": {error}, "422": {error}}}}}}},
        "/b": {{"get": {{"operationId": "getB", "responses": {{
          "204": {{"description": "nothing yet"}},
          "200": {{"description": "ok", "content": {{"application/json": {{"schema": {{"$ref": "#/components/schemas/Thing"}}}}}}}}}}}}}}}},
      "components": {{"schemas": {{"Thing": {{"type": "object", "properties": {{"id": {{"type": "integer"}}}}}}}}}}}}"##
    );
    let out = generate(&doc, &Options::default()).unwrap();
    assert!(
        out.code
            .contains("async fn get_a(&self) -> Result<Option<Thing>>;"),
        "{}",
        out.code
    );
    assert!(
        out.code
            .contains("async fn get_b(&self) -> Result<Option<Thing>>;"),
        "{}",
        out.code
    );
    assert!(
        out.code.contains("    #[error(GetAError)]\n"),
        "{}",
        out.code
    );
    assert!(!out.code.contains("pub struct GetAError2"), "{}", out.code);
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
}
