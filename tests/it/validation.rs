//! Decoding and validation, pydantic style: exact messages with JSON paths,
//! every violation at once, request bodies checked before sending.

use std::collections::HashMap;

use api_client::{ErrorKind, Response, Result, api};
use garde::Validate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use wiremock::matchers::path;
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Debug, Deserialize, Validate)]
pub struct Tag {
    #[garde(length(min = 1))]
    pub name: String,
}

#[derive(Debug, Deserialize, Validate)]
pub struct Profile {
    #[garde(length(min = 3))]
    pub name: String,
    #[garde(range(min = 18))]
    pub age: u32,
    #[garde(email)]
    pub email: String,
    #[garde(dive)]
    pub tags: Vec<Tag>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct Plain {
    pub id: u64,
    pub kind: Kind,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    User,
    Bot,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct Items {
    pub items: Vec<Plain>,
}

#[derive(Debug, Serialize, Validate)]
pub struct NewProfile {
    #[garde(length(min = 3))]
    pub name: String,
    #[garde(range(min = 18))]
    pub age: u32,
}

#[api]
pub trait Profiles {
    #[get("/profile")]
    async fn profile(&self) -> Result<Profile>;

    #[get("/profiles")]
    async fn profiles(&self) -> Result<Vec<Profile>>;

    #[get("/by-name")]
    async fn by_name(&self) -> Result<HashMap<String, Profile>>;

    #[get("/profile")]
    async fn maybe(&self) -> Result<Option<Profile>>;

    #[get("/profile")]
    async fn with_meta(&self) -> Result<Response<Profile>>;

    #[get("/items")]
    async fn items(&self) -> Result<Items>;

    #[get("/plain")]
    async fn plain(&self) -> Result<Plain>;

    #[get("/plain")]
    async fn maybe_plain(&self) -> Result<Option<Plain>>;

    #[post("/profiles")]
    async fn create(&self, #[body] profile: &NewProfile) -> Result<()>;
}

async fn serve(route: &str, response: ResponseTemplate) -> (MockServer, ProfilesClient) {
    let server = MockServer::start().await;
    Mock::given(path(route))
        .respond_with(response)
        .mount(&server)
        .await;
    let client = ProfilesClient::builder()
        .base_url(server.uri())
        .build()
        .unwrap();
    (server, client)
}

fn ok(body: serde_json::Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

/// The message after `GET <url>: could not decode the response body: `.
fn message(err: &api_client::Error) -> String {
    let text = err.to_string();
    let message = text
        .split_once(": ")
        .map(|(_, m)| m.to_owned())
        .unwrap_or(text);
    match message.strip_prefix("could not decode the response body: ") {
        Some(rest) if rest.starts_with('$') => rest.to_owned(),
        _ => message,
    }
}

#[tokio::test]
async fn wrong_type_deep_in_an_array() {
    let body = json!({"items": [{"id": 1, "kind": "user"}, {"id": 2, "kind": "bot"}, {"id": 3, "kind": "user"}, {"id": "x", "kind": "user"}]});
    let (_s, c) = serve("/items", ok(body)).await;
    let err = c.items().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert_eq!(
        message(&err),
        r#"$.items[3].id: invalid type: string "x", expected u64"#
    );
    assert_eq!(err.decode_path(), Some("$.items[3].id"));
    assert!(
        err.decode_position()
            .is_some_and(|(line, col)| line == 1 && col > 0)
    );
}

#[tokio::test]
async fn missing_field_names_its_parent() {
    let (_s, c) = serve(
        "/items",
        ok(json!({"items": [{"id": 1, "kind": "bot"}, {"kind": "user"}]})),
    )
    .await;
    assert_eq!(
        message(&c.items().await.unwrap_err()),
        "$.items[1]: missing field `id`"
    );
}

#[tokio::test]
async fn unknown_enum_variant() {
    let (_s, c) = serve("/plain", ok(json!({"id": 1, "kind": "robot"}))).await;
    assert_eq!(
        message(&c.plain().await.unwrap_err()),
        "$.kind: unknown variant `robot`, expected `user` or `bot`"
    );
}

#[tokio::test]
async fn truncated_json() {
    let (_s, c) = serve(
        "/items",
        ResponseTemplate::new(200).set_body_raw(r#"{"items": [{"id": 1"#, "application/json"),
    )
    .await;
    assert_eq!(
        message(&c.items().await.unwrap_err()),
        "$.items[0]: EOF while parsing an object"
    );
}

#[tokio::test]
async fn wrong_content_type_keeps_the_body() {
    let (_s, c) = serve(
        "/plain",
        ResponseTemplate::new(200).set_body_raw("<html>login</html>", "text/html; charset=utf-8"),
    )
    .await;
    let err = c.plain().await.unwrap_err();
    assert_eq!(
        message(&err),
        "could not decode the response body: expected a JSON response, got content type `text/html`"
    );
    assert_eq!(&err.body().unwrap()[..], b"<html>login</html>");
    assert_eq!(err.attempts(), 1);
}

#[tokio::test]
async fn empty_bodies_by_return_type() {
    let (server, c) = serve("/plain", ResponseTemplate::new(204)).await;
    let err = c.plain().await.unwrap_err();
    assert_eq!(
        message(&err),
        "could not decode the response body: expected a JSON body, got an empty body (status 204 No Content)"
    );
    assert_eq!(err.status().map(|s| s.as_u16()), Some(204));
    assert!(c.maybe_plain().await.unwrap().is_none());
    server.reset().await;
    Mock::given(path("/plain"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    assert!(
        c.maybe_plain().await.unwrap().is_none(),
        "empty 200 is None"
    );
    server.reset().await;
    Mock::given(path("/plain"))
        .respond_with(ok(json!(null)))
        .mount(&server)
        .await;
    assert!(c.maybe_plain().await.unwrap().is_none(), "null is None");
    server.reset().await;
    Mock::given(path("/plain"))
        .respond_with(ok(json!({"id": 5, "kind": "bot"})))
        .mount(&server)
        .await;
    assert_eq!(c.maybe_plain().await.unwrap().unwrap().id, 5);
}

fn bad_profile() -> serde_json::Value {
    json!({"name": "Al", "age": 12, "email": "nope", "tags": [{"name": "ok"}, {"name": ""}]})
}

#[tokio::test]
async fn every_violation_is_reported_with_its_path() {
    let (_s, c) = serve("/profile", ok(bad_profile())).await;
    let err = c.profile().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert_eq!(err.attempts(), 1);
    let found: Vec<(&str, &str, &str)> = err
        .violations()
        .iter()
        .map(|v| (v.path(), v.code(), v.message()))
        .collect();
    assert_eq!(
        found,
        [
            ("$.age", "range", "lower than 18"),
            (
                "$.email",
                "email",
                "not a valid email: value is missing `@`"
            ),
            ("$.name", "length", "length is lower than 3"),
            ("$.tags[1].name", "length", "length is lower than 1"),
        ]
    );
    assert_eq!(
        message(&err),
        "4 validation errors for Profile\n\
         $.age\n  lower than 18 [code=range]\n\
         $.email\n  not a valid email: value is missing `@` [code=email]\n\
         $.name\n  length is lower than 3 [code=length]\n\
         $.tags[1].name\n  length is lower than 1 [code=length]"
    );
    // Values are not echoed: "nope" is the bad email.
    assert!(!err.to_string().contains("nope"));
}

#[tokio::test]
async fn containers_and_responses_are_validated_too() {
    let server = MockServer::start().await;
    let good = json!({"name": "Alice", "age": 30, "email": "a@example.com", "tags": []});
    Mock::given(path("/profiles"))
        .respond_with(ok(json!([good, bad_profile()])))
        .mount(&server)
        .await;
    Mock::given(path("/by-name"))
        .respond_with(ok(json!({"alice": good, "al": bad_profile()})))
        .mount(&server)
        .await;
    Mock::given(path("/profile"))
        .respond_with(ok(bad_profile()))
        .mount(&server)
        .await;
    let c = ProfilesClient::builder()
        .base_url(server.uri())
        .build()
        .unwrap();

    let err = c.profiles().await.unwrap_err();
    assert_eq!(err.violations().len(), 4);
    assert_eq!(err.violations()[3].path(), "$[1].tags[1].name");
    assert!(
        err.to_string()
            .contains("4 validation errors for Vec<Profile>"),
        "{err}"
    );

    let err = c.by_name().await.unwrap_err();
    assert_eq!(err.violations()[0].path(), "$.al.age");

    assert_eq!(c.maybe().await.unwrap_err().violations().len(), 4);
    assert_eq!(c.with_meta().await.unwrap_err().violations().len(), 4);
}

#[tokio::test]
async fn an_invalid_request_body_is_never_sent() {
    let server = MockServer::start().await;
    Mock::given(path("/profiles"))
        .respond_with(ResponseTemplate::new(201))
        .expect(1)
        .mount(&server)
        .await;
    let c = ProfilesClient::builder()
        .base_url(server.uri())
        .build()
        .unwrap();
    let err = c
        .create(&NewProfile {
            name: "Al".into(),
            age: 3,
        })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation);
    assert_eq!(err.attempts(), 0);
    assert_eq!(
        err.to_string(),
        "in `create`: the body argument `profile` is invalid, nothing was sent: 2 validation errors for NewProfile\n\
         $.age\n  lower than 18 [code=range]\n\
         $.name\n  length is lower than 3 [code=length]"
    );
    c.create(&NewProfile {
        name: "Alice".into(),
        age: 30,
    })
    .await
    .unwrap();
}

#[derive(Debug, Deserialize, PartialEq)]
pub struct Wrapped {
    pub id: u64,
}

#[derive(Debug, Deserialize, PartialEq)]
pub struct EnvelopeError {
    pub code: String,
}

#[api(error = EnvelopeError)]
#[envelope(data = "data", error = "error", ok = "ok")]
pub trait Enveloped {
    #[get("/thing")]
    async fn thing(&self) -> Result<Wrapped>;

    #[get("/raw")]
    #[envelope(data = "result")]
    async fn raw(&self) -> Result<Vec<u32>>;
}

#[tokio::test]
async fn envelopes_are_unwrapped_and_error_envelopes_are_errors() {
    let server = MockServer::start().await;
    Mock::given(path("/thing"))
        .respond_with(ok(json!({"ok": true, "data": {"id": 9}})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/thing"))
        .respond_with(ok(json!({"ok": false, "error": {"code": "rate_limited"}})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(path("/thing"))
        .respond_with(ok(json!({"ok": true, "data": {"id": "nine"}})))
        .mount(&server)
        .await;
    Mock::given(path("/raw"))
        .respond_with(ok(json!({"result": [1, 2, 3]})))
        .mount(&server)
        .await;
    let c = EnvelopedClient::builder()
        .base_url(server.uri())
        .build()
        .unwrap();

    assert_eq!(c.thing().await.unwrap(), Wrapped { id: 9 });
    let err = c.thing().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Envelope);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(200));
    assert_eq!(
        err.api_error::<EnvelopeError>().map(|e| e.code.as_str()),
        Some("rate_limited")
    );
    assert!(
        err.to_string()
            .ends_with(r#"HTTP 200 OK but the response reports an error: {"code":"rate_limited"}"#),
        "{err}"
    );
    assert_eq!(err.attempts(), 1);
    let err = c.thing().await.unwrap_err();
    assert_eq!(err.decode_path(), Some("$.data.id"));
    assert_eq!(c.raw().await.unwrap(), [1, 2, 3]);
}
