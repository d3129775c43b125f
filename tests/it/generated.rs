//! Clients written by `api-client-gen` from OpenAPI documents (the
//! Petstore and a document with every construct): the generator's expected
//! output, kept once, compiled as it is generated and called against
//! servers that answer as the documents say. `api-client-gen`'s own tests
//! keep these modules current (`UPDATE_GENERATED=1`).

use api_client::ErrorKind;
use serde_json::json;
use wiremock::matchers::{body_json, body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[allow(dead_code, clippy::all)]
pub mod petstore {
    include!("../../examples/openapi/petstore.rs");
}

#[allow(dead_code, clippy::all)]
pub mod petstore31 {
    include!("generated/petstore31.rs");
}

#[allow(dead_code, clippy::all)]
pub mod constructs {
    include!("generated/constructs.rs");
}

/// The same document with `--uuid --chrono --url`: its formats as those
/// crates' types.
#[allow(dead_code, clippy::all)]
pub mod constructs_formats {
    include!("generated/constructs_formats.rs");
}

/// Two operations of it, a trait per tag, `--lean --no-validate`.
#[allow(dead_code, clippy::all)]
pub mod constructs_lean {
    include!("generated/constructs_lean.rs");
}

/// Generated from a document written to break the generator (the
/// security model's rule 10): it compiles.
#[allow(dead_code, clippy::all)]
pub mod hostile {
    include!("generated/hostile.rs");
}

use constructs::{
    Circle, Constructs, ConstructsClient, GetWidgetFieldsItem, GetWidgetFilter,
    GetWidgetFilterColor, LoginForm, Shape, Widget,
};
use petstore::{
    FindPetsByStatusStatusItem, Pet, PetStatus, SwaggerPetstore, SwaggerPetstoreClient,
};

fn pet_json(id: i64) -> serde_json::Value {
    json!({"id": id, "name": "doggie", "photoUrls": ["a.png"], "status": "available", "tags": [{"id": 1, "name": "t"}]})
}

async fn petstore(server: &MockServer) -> SwaggerPetstoreClient {
    SwaggerPetstoreClient::builder()
        .base_url(server.uri())
        .no_retry()
        .build()
        .unwrap()
}

#[tokio::test]
async fn petstore_path_query_header_and_body() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/pet/7"))
        .respond_with(ResponseTemplate::new(200).set_body_json(pet_json(7)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/pet/findByStatus"))
        .and(query_param("status", "sold"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([pet_json(1), pet_json(2)])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/pet/7"))
        .and(header("api_key", "k-123"))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/pet"))
        .and(body_json(json!({"name": "rex", "photoUrls": []})))
        .respond_with(ResponseTemplate::new(200))
        .expect(1)
        .mount(&server)
        .await;
    let client = petstore(&server).await;

    let pet: Pet = client.get_pet_by_id(7).await.unwrap();
    assert_eq!(
        (pet.id, pet.name.as_str(), pet.status),
        (Some(7), "doggie", Some(PetStatus::Available))
    );
    let sold = client
        .find_pets_by_status(&[FindPetsByStatusStatusItem::Sold])
        .await
        .unwrap();
    assert_eq!(sold.len(), 2);
    client.delete_pet(7, Some("k-123")).await.unwrap();
    let rex = Pet {
        id: None,
        category: None,
        name: "rex".into(),
        photo_urls: vec![],
        tags: None,
        status: None,
    };
    client.add_pet(&rex).await.unwrap();
}

#[tokio::test]
async fn petstore_errors_and_bad_documents() {
    let server = MockServer::start().await;
    Mock::given(path("/pet/404"))
        .respond_with(ResponseTemplate::new(404).set_body_string("Pet not found"))
        .mount(&server)
        .await;
    Mock::given(path("/pet/5"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": 5})))
        .mount(&server)
        .await;
    let client = petstore(&server).await;

    let err = client.get_pet_by_id(404).await.unwrap_err();
    assert_eq!(
        (err.kind(), err.status().map(|s| s.as_u16())),
        (ErrorKind::Status, Some(404))
    );
    let err = client.get_pet_by_id(5).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "{err}");
    // Every missing field at once, by its wire name.
    let missing: Vec<&str> = err.violations().iter().map(|v| v.path()).collect();
    assert_eq!(missing, ["$.name", "$.photoUrls"], "{err}");
    assert!(err.to_string().contains("2 problems in Pet"), "{err}");
}

fn widget_json() -> serde_json::Value {
    json!({
        "id": "b1f1", "name": "Main gear", "kind": "gear",
        "shape": {"type": "circle", "radius": 2.5},
        "count": 3, "labels": {"a": "b"}, "created-at": "2026-12-02T10:00:00Z",
        "parent": {"id": "p0", "name": "Root", "kind": "sprocket", "shape": {"type": "square", "side": 1.0, "label": "sq"}}
    })
}

async fn constructs(server: &MockServer) -> ConstructsClient {
    ConstructsClient::builder()
        .base_url(server.uri())
        .bearer_auth("t0ken-abc")
        .no_retry()
        .build()
        .unwrap()
}

#[tokio::test]
async fn constructs_unions_recursion_headers_and_validation() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/widgets/b1f1"))
        .and(header("X-Request-Id", "r-1"))
        .and(query_param("expand", "parent"))
        .and(query_param("fields", "id,name"))
        .and(query_param("filter[color]", "red"))
        .and(header("cookie", "session=s%201"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(widget_json())
                .insert_header("ETag", "\"v1\""),
        )
        .expect(1)
        .mount(&server)
        .await;
    let mut invalid = widget_json();
    invalid["name"] = json!("");
    invalid["count"] = json!(0);
    Mock::given(path("/widgets/bad"))
        .respond_with(ResponseTemplate::new(200).set_body_json(invalid))
        .mount(&server)
        .await;
    Mock::given(path("/widgets/none"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"title": "no such widget", "status": 404, "trace": "x1"}))
                .insert_header("content-type", "application/problem+json"),
        )
        .mount(&server)
        .await;
    let client = constructs(&server).await;

    let response = client
        .get_widget(
            "b1f1",
            Some("r-1"),
            Some(&["parent"]),
            Some(&[GetWidgetFieldsItem::Id, GetWidgetFieldsItem::Name]),
            Some(&GetWidgetFilter {
                color: Some(GetWidgetFilterColor::Red),
                size: None,
            }),
            Some("s 1"),
        )
        .await
        .unwrap();
    assert_eq!(response.headers()["etag"], "\"v1\"");
    let widget = response.into_body();
    assert_eq!(
        widget.shape,
        Shape::Circle(Circle {
            type_: None,
            radius: 2.5
        })
    );
    let parent = widget.parent.expect("the recursive field is decoded");
    assert!(
        matches!(&parent.shape, Shape::Square(s) if s.side == 1.0 && s.label.as_deref() == Some("sq"))
    );

    let err = client
        .get_widget("bad", None, None, None, None, None)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation, "{err}");
    let paths: Vec<&str> = err.violations().iter().map(|v| v.path()).collect();
    assert_eq!(
        paths,
        ["$.count", "$.name", "$.name"],
        "length and pattern: {err}"
    );

    let err = client
        .get_widget("none", None, None, None, None, None)
        .await
        .unwrap_err();
    let problem = err
        .api_error::<constructs::Problem>()
        .expect("the error document is typed");
    assert_eq!(
        (problem.title.as_str(), problem.status),
        ("no such widget", Some(404))
    );
    assert_eq!(problem.extra["trace"], "x1");
}

#[tokio::test]
async fn constructs_bodies_forms_multipart_and_auth() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/widgets"))
        .and(header("authorization", "Bearer t0ken-abc"))
        .respond_with(ResponseTemplate::new(201).set_body_json(widget_json()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/login"))
        .and(body_string_contains("user=ann"))
        .respond_with(ResponseTemplate::new(200).set_body_string("tok"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/files"))
        .and(body_string_contains("name=\"note\""))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(b"ok".to_vec()))
        .expect(1)
        .mount(&server)
        .await;
    let client = constructs(&server).await;

    let widget: Widget = serde_json::from_value(widget_json()).unwrap();
    assert_eq!(client.create_widget(&widget).await.unwrap(), widget);
    let mut bad = widget.clone();
    bad.name = String::new();
    let err = client.create_widget(&bad).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation, "{err}");
    assert!(err.to_string().contains("nothing was sent"), "{err}");

    let token = client
        .login(&LoginForm {
            user: "ann".into(),
            password: None,
        })
        .await
        .unwrap();
    assert_eq!(token, "tok");
    let login = &server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.url.path() == "/login")
        .unwrap();
    assert!(
        !login.headers.contains_key("authorization"),
        "`security: []` is sent without credentials"
    );

    let stored = client
        .upload(
            api_client::Part::bytes(&b"data"[..]).file_name("a.bin"),
            Some("hello"),
        )
        .await
        .unwrap();
    assert_eq!(&stored[..], b"ok");
}

/// `createWidget` declares a `Conflict` for 409 and a `Problem` for 5XX:
/// each status decodes into its own type.
#[tokio::test]
async fn constructs_error_documents_by_status() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/widgets"))
        .respond_with(ResponseTemplate::new(409).set_body_json(json!({"existing": "w1"})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/widgets"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"title": "down"})))
        .mount(&server)
        .await;
    let client = constructs(&server).await;
    let widget: Widget = serde_json::from_value(widget_json()).unwrap();
    let err = client.create_widget(&widget).await.unwrap_err();
    let conflict = err
        .api_error::<constructs::Conflict>()
        .expect("409 is a Conflict");
    assert_eq!(conflict.existing, "w1");
    assert!(err.api_error::<constructs::Problem>().is_none());
    let err = client.create_widget(&widget).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    let problem = err
        .api_error::<constructs::Problem>()
        .expect("5XX is a Problem");
    assert_eq!(problem.title, "down");
}

/// The generated `…Auth` trait sends each security scheme where the
/// document says, without the user naming the header.
#[tokio::test]
async fn security_schemes_on_the_builder() {
    use constructs::ConstructsAuth;
    use petstore::SwaggerPetstoreAuth;
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/widgets/w1"))
        .and(header("x-api-key", "k-123"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/pet/7"))
        .and(header("api_key", "special-key"))
        .respond_with(ResponseTemplate::new(200).set_body_json(pet_json(7)))
        .expect(1)
        .mount(&server)
        .await;
    let widgets = ConstructsClient::builder()
        .base_url(server.uri())
        .with_key("k-123")
        .build()
        .unwrap();
    #[allow(deprecated)]
    widgets.delete_widget("w1").await.unwrap();
    let pets = SwaggerPetstoreClient::builder()
        .base_url(server.uri())
        .with_api_key("special-key")
        .build()
        .unwrap();
    assert_eq!(pets.get_pet_by_id(7).await.unwrap().id, Some(7));
    // The key is a secret: never in the builder's or client's `Debug`.
    let builder = SwaggerPetstoreClient::builder().with_api_key("special-key");
    assert!(!format!("{builder:?}").contains("special-key"));
}

/// The other schemes of the document: a key in the query, Basic, and OAuth
/// 2 client credentials (its token URL is the document's, remote: here only
/// its secret is checked, never shown).
#[tokio::test]
async fn query_key_basic_and_client_credentials_schemes() {
    use constructs::ConstructsAuth;
    let server = MockServer::start().await;
    Mock::given(path("/widgets/q"))
        .and(query_param("api_key", "qk-1"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(path("/widgets/b"))
        .and(header("authorization", "Basic YW5uOnB3LTk5"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let build = |b: api_client::ClientBuilder<ConstructsClient>| {
        b.base_url(server.uri()).no_retry().build().unwrap()
    };
    #[allow(deprecated)]
    {
        let by_query = build(ConstructsClient::builder().with_query_key("qk-1"));
        by_query.delete_widget("q").await.unwrap();
        let by_basic = build(ConstructsClient::builder().with_basic("ann", "pw-99"));
        by_basic.delete_widget("b").await.unwrap();
    }
    let machine = ConstructsClient::builder().with_machine("id-1", "s3cret-value");
    let shown = format!("{machine:?}");
    assert!(!shown.contains("s3cret-value"), "{shown}");
}

#[tokio::test]
async fn a_hostile_document_s_path_is_sent_percent_encoded() {
    use hostile::Hostile as _;
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/files/a.txt/a%20b%7Cc%3Cd%3E%22e%5E%60y"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"extra": "x", "k": "v"})))
        .expect(1)
        .mount(&server)
        .await;
    let client = hostile::HostileClient::builder()
        .base_url(server.uri())
        .build()
        .unwrap();
    let file = client.get_file("a.txt", "y", None).await.unwrap();
    assert_eq!(file.extra_3, "x");
    assert_eq!(file.extra.get("k").map(String::as_str), Some("v"));
}

/// The document's streams, as the generator wrote them: server-sent events
/// of widgets, JSON lines, text events.
#[tokio::test]
async fn constructs_event_streams() {
    let server = MockServer::start().await;
    let sse = format!("id: 1\ndata: {}\n\n", widget_json());
    Mock::given(path("/widgets/changes"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(sse, "text/event-stream"))
        .mount(&server)
        .await;
    let lines = format!("{}\n{}\n", widget_json(), widget_json());
    Mock::given(path("/widgets/export"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(lines, "application/x-ndjson"))
        .mount(&server)
        .await;
    Mock::given(path("/log"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw("data: started\n\n", "text/event-stream"),
        )
        .mount(&server)
        .await;
    let client = constructs(&server).await;
    let mut changes = client.watch_widgets();
    let change = changes.next_event().await.unwrap().unwrap();
    assert_eq!(
        (change.id(), change.data().name.as_str()),
        (Some("1"), "Main gear")
    );
    assert!(changes.next().await.is_none());
    let mut export = client.export_widgets();
    let mut count = 0;
    while let Some(widget) = export.next().await {
        widget.unwrap();
        count += 1;
    }
    assert_eq!(count, 2);
    assert_eq!(client.tail_log().next().await.unwrap().unwrap(), "started");
}
