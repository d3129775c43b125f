//! The round trip: generate a module from a document, export it back to
//! OpenAPI, and check it against the document: no mismatch; then edit one
//! declaration by hand and the check reports exactly that one.

use std::path::Path;

use api_client_gen::{Options, check, export, generate};

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

fn messages(source: &str, document: &str) -> Vec<String> {
    check(source, document)
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn generated_modules_match_their_documents() {
    for name in ["petstore-3.0.yaml", "petstore-3.1.yaml", "constructs.yaml"] {
        let document = fixture(name);
        let module = generate(&document, &Options::default()).unwrap().code;
        assert_eq!(messages(&module, &document), Vec::<String>::new(), "{name}");
    }
}

#[test]
fn the_export_of_a_generated_module_matches_the_document_too() {
    let document = fixture("petstore-3.0.yaml");
    let module = generate(&document, &Options::default()).unwrap().code;
    let exported = export(&module, "Swagger Petstore").unwrap();
    // The export is a document of its own: generating from it gives the
    // same operations, which check clean against the original.
    let again = generate(&exported, &Options::default()).unwrap().code;
    assert_eq!(messages(&again, &document), Vec::<String>::new());
    let value: serde_json::Value = serde_json::from_str(&exported).unwrap();
    let params = &value["paths"]["/pet/findByStatus"]["get"]["parameters"][0];
    assert_eq!(
        (
            params["name"].as_str(),
            params["in"].as_str(),
            params["required"].as_bool()
        ),
        (Some("status"), Some("query"), Some(true))
    );
    assert_eq!(
        value["paths"]["/pet/{pet_id}"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
            ["$ref"],
        "#/components/schemas/Pet"
    );
    assert_eq!(
        value["components"]["schemas"]["Pet"]["required"],
        serde_json::json!(["name", "photoUrls"])
    );
}

#[test]
fn one_hand_edit_is_one_mismatch() {
    let document = fixture("petstore-3.0.yaml");
    let module = generate(&document, &Options::default()).unwrap().code;
    let edits = [
        // A query parameter moved to a header.
        (
            "#[query]\n        username: &str,",
            "#[header(\"username\")]\n        username: &str,",
            "login_user: parameter `username` is sent in the header; the document has it in the query",
        ),
        // A required parameter removed.
        (
            "        #[query]\n        password: &str,\n",
            "",
            "login_user: required parameter `password` (query) is not declared",
        ),
        // A path that the document does not have.
        (
            "#[get(\"/store/inventory\")]",
            "#[get(\"/store/inventories\")]",
            "get_inventory: `GET /store/inventories`: the document has no such path",
        ),
        // A response type that does not match the schema.
        (
            "async fn get_order_by_id(&self, order_id: i64) -> Result<Order>;",
            "async fn get_order_by_id(&self, order_id: i64) -> Result<Vec<Order>>;",
            "get_order_by_id: the 200 response: `$` is an object",
        ),
        // A field of a model typed wrongly.
        (
            "pub quantity: Option<i32>,",
            "pub quantity: Option<String>,",
            "the 200 response: `$.quantity` is an integer in the document; declared `String`",
        ),
    ];
    for (from, to, expected) in edits {
        assert!(module.contains(from), "the module has no {from:?}");
        let edited = module.replacen(from, to, 1);
        let found = messages(&edited, &document);
        // A model's field is reported once per operation that returns it.
        assert!(
            !found.is_empty() && found.iter().all(|m| m.contains(expected)),
            "{from:?}: expected {expected:?}, got {found:#?}"
        );
        if !from.contains("quantity") {
            assert_eq!(found.len(), 1, "{from:?} → {found:#?}");
        }
    }
}

#[test]
fn unreadable_sources_are_clear_errors() {
    let document = fixture("petstore-3.0.yaml");
    assert!(
        check("fn (", &document)
            .unwrap_err()
            .to_string()
            .contains("does not parse")
    );
    assert!(
        check("pub struct X;", &document)
            .unwrap_err()
            .to_string()
            .contains("no `#[api]` trait")
    );
}

#[test]
fn event_streams_go_there_and_back() {
    let document = fixture("constructs.yaml");
    let module = generate(&document, &Options::default()).unwrap().code;
    let exported = export(&module, "Constructs API").unwrap();
    let value: serde_json::Value = serde_json::from_str(&exported).unwrap();
    let content = &value["paths"]["/widgets/changes"]["get"]["responses"]["200"]["content"];
    assert_eq!(
        content["text/event-stream"]["itemSchema"]["$ref"],
        "#/components/schemas/Widget"
    );
    let again = generate(&exported, &Options::default()).unwrap().code;
    assert!(
        again.contains("fn watch_widgets(&self) -> api_client::Events<Widget>;"),
        "{again}"
    );
    // A stream declared with another item type is a mismatch.
    let edited = module.replace(
        "fn watch_widgets(&self) -> api_client::Events<Widget>;",
        "fn watch_widgets(&self) -> api_client::Events<u32>;",
    );
    assert_eq!(
        messages(&edited, &document).len(),
        1,
        "{:?}",
        messages(&edited, &document)
    );
}
