//! The generator against documents: its expected output, kept once and
//! compiled (the modules the root crate's tests and the `openapi` example
//! build and call), and clear errors for documents it cannot read.

use std::path::{Path, PathBuf};

use api_client_gen::{Options, generate};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// What the generator writes for `name`: the module, after its warnings
/// as comments (none: the module alone, as the command line writes it).
fn expected(name: &str, options: &Options) -> String {
    let out = generate(&fixture(name), options).unwrap();
    if out.warnings.is_empty() {
        return out.code;
    }
    let mut text = String::from("// api-client-gen warned:\n");
    for warning in &out.warnings {
        text.push_str(&format!("// - {warning}\n"));
    }
    text.push('\n');
    text.push_str(&out.code);
    text
}

fn all_schemas() -> Options {
    Options {
        all_schemas: true,
        ..Options::default()
    }
}

/// The generator's expected output: one file per document and options,
/// each compiled by the root crate's tests (`tests/it/generated.rs`) or
/// its `openapi` example, so a change that breaks generated code fails
/// there. Rewrite them with `UPDATE_GENERATED=1` and read the diff.
#[test]
fn expected_output_is_current() {
    let formats = Options {
        uuid: true,
        chrono: true,
        url: true,
        ..all_schemas()
    };
    let lean = Options {
        per_tag: true,
        no_validate: true,
        lean: true,
        operations: vec!["login".into(), "upload".into()],
        ..Options::default()
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let cases = [
        (
            "petstore-3.0.yaml",
            all_schemas(),
            "examples/openapi/petstore.rs",
        ),
        (
            "petstore-3.1.yaml",
            all_schemas(),
            "tests/it/generated/petstore31.rs",
        ),
        (
            "constructs.yaml",
            all_schemas(),
            "tests/it/generated/constructs.rs",
        ),
        (
            "constructs.yaml",
            formats,
            "tests/it/generated/constructs_formats.rs",
        ),
        (
            "constructs.yaml",
            lean,
            "tests/it/generated/constructs_lean.rs",
        ),
        (
            "hostile.yaml",
            all_schemas(),
            "tests/it/generated/hostile.rs",
        ),
    ];
    let mut stale = Vec::new();
    for (fixture_name, options, module) in cases {
        let fresh = expected(fixture_name, &options);
        let path: PathBuf = root.join(module);
        if std::env::var_os("UPDATE_GENERATED").is_some() {
            std::fs::write(&path, &fresh).unwrap();
        }
        if std::fs::read_to_string(&path).unwrap_or_default() != fresh {
            stale.push(module);
        }
    }
    assert!(
        stale.is_empty(),
        "stale: {stale:?}: run `UPDATE_GENERATED=1 cargo test -p api-client-gen` and read the diff"
    );
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
fn petstore_3_1_as_json_and_yaml_agree() {
    let yaml = generate(&fixture("petstore-3.1.yaml"), &Options::default()).unwrap();
    let json = generate(
        &yaml_to_json(&fixture("petstore-3.1.yaml")),
        &Options::default(),
    )
    .unwrap();
    assert_eq!(yaml.code, json.code);
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

/// `$ref` graphs are handled in linear time: a cycle of 20,000 schemas
/// (each holding the next), and one of 20,000 bare `$ref`s, generate in
/// well under the time a walk per field took (31.6 s).
#[test]
fn a_cycle_of_twenty_thousand_schemas_generates_in_linear_time() {
    let n = 20_000;
    let mut doc = String::from(
        "{\"openapi\":\"3.0.3\",\"info\":{\"title\":\"Ring\",\"version\":\"1\"},\"paths\":{},\"components\":{\"schemas\":{",
    );
    for i in 0..n {
        let next = (i + 1) % n;
        doc.push_str(&format!(
            "\"S{i}\":{{\"type\":\"object\",\"properties\":{{\"next\":{{\"$ref\":\"#/components/schemas/S{next}\"}}}}}},\"A{i}\":{{\"$ref\":\"#/components/schemas/A{next}\"}},"
        ));
    }
    doc.pop();
    doc.push_str("}}}");
    let started = std::time::Instant::now();
    let options = Options {
        all_schemas: true,
        ..Options::default()
    };
    let out = generate(&doc, &options).unwrap();
    let took = started.elapsed();
    assert!(
        out.code.contains("pub next: Option<Box<S1>>"),
        "the ring is boxed"
    );
    assert_eq!(
        out.warnings
            .iter()
            .filter(|w| w.message.contains("`$ref` cycle"))
            .count(),
        n,
        "every alias of the cycle is any JSON"
    );
    // A generous bound for a debug build on a slow machine.
    assert!(took < std::time::Duration::from_secs(30), "{took:?}");
    eprintln!("{n}-schema cycles generated in {took:?}");
}

/// Document text is data, never code (the security model's rule 10): no
/// code block in a document's descriptions becomes a doc-test, whatever
/// its fence, indentation or nesting. Checked by rustdoc itself: every
/// doc comment of the module generated from `hostile.yaml` goes on a stub
/// item of a file rustdoc tests, and rustdoc finds no test to run.
#[test]
fn no_description_of_a_hostile_document_becomes_a_doc_test() {
    let options = Options {
        all_schemas: true,
        ..Options::default()
    };
    let out = generate(&fixture("hostile.yaml"), &options).unwrap();
    let mut stub = String::from("#![allow(dead_code)]\n");
    let mut block: Vec<&str> = Vec::new();
    let mut items = 0;
    for line in out.code.lines() {
        let line = line.trim_start();
        if line.starts_with("///") {
            block.push(line);
        } else if !block.is_empty() {
            stub.push_str(&block.join("\n"));
            stub.push_str(&format!("\npub struct Item{items};\n"));
            items += 1;
            block.clear();
        }
    }
    assert!(items >= 5, "the module has docs: {items}");
    let dir = std::env::temp_dir().join(format!("api-client-gen-doctest-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("hostile_docs.rs");
    std::fs::write(&file, &stub).unwrap();
    let rustdoc = std::env::var("RUSTDOC").unwrap_or_else(|_| "rustdoc".to_owned());
    let run = std::process::Command::new(rustdoc)
        .args([
            "--test",
            "--edition",
            "2021",
            "--crate-name",
            "hostile_docs",
        ])
        .arg(&file)
        .current_dir(&dir)
        .output()
        .expect("rustdoc runs");
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
    assert!(run.status.success(), "{printed}");
    assert!(printed.contains("running 0 tests"), "{printed}\n{stub}");
    for n in 1..=5 {
        let marker = format!("/tmp/api-client-gen-pwned-{n}");
        assert!(!Path::new(&marker).exists(), "{marker} was written");
    }
}

/// What the generator writes from a hostile document compiles (the root
/// crate's tests build it): a path with characters a route cannot hold,
/// empty and invalid parameter names, a property named like a generated
/// field, control and bidirectional characters, patterns the regex
/// engine refuses. Each is a warning of the generator's own.
#[test]
fn a_hostile_document_gives_warnings_not_a_broken_module() {
    let options = Options {
        all_schemas: true,
        ..Options::default()
    };
    let out = generate(&fixture("hostile.yaml"), &options).unwrap();
    let warnings: Vec<String> = out.warnings.iter().map(ToString::to_string).collect();
    let text = warnings.join("\n");
    for expected in [
        "a query parameter with an empty name: left out",
        "header parameter `X-Bad\\nHeader` is not a valid header name",
        "pattern `(?<=a)b` is not a Rust regex",
        "pattern `\\p{NoSuchClass}` is not a Rust regex",
    ] {
        assert!(text.contains(expected), "no `{expected}` in:\n{text}");
    }
    assert!(
        !text.contains('\u{202e}'),
        "a bidi override reached a warning:\n{text}"
    );
    assert!(text.contains("getFile\\u{202e}"), "{text}");
    for bad in ['\r', '\u{202e}', '\u{2066}'] {
        assert!(!out.code.contains(bad), "{bad:?} in the module");
    }
    assert!(
        out.code
            .contains(r#"#[get("/files/<name>/a%20b%7Cc%3Cd%3E%22e%5E%60<x>")]"#)
    );
    assert!(
        out.code
            .contains("pub extra: std::collections::HashMap<String, String>")
    );
    assert!(
        out.code
            .contains(r#"#[garde(pattern("(?-u:\\b)word(?-u:\\b)"))]"#)
    );
}
