//! Traps a first-time user fell into (issue 12, items 13 and 14): a
//! partial update that nulled the fields it did not set, and validation
//! that was skipped without a word.

use api_client::{ErrorKind, Result, api};
use serde::{Deserialize, Serialize};
use serde_json::json;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A partial update: `None` is "leave as it is", `Some(None)` is "clear".
#[derive(Debug, Default, Serialize)]
pub struct PostPatch {
    pub title: Option<String>,
    pub body: Option<String>,
    pub due: Option<Option<String>>,
}

#[derive(Debug, Deserialize, garde::Validate)]
pub struct Post {
    #[garde(length(min = 1))]
    pub title: String,
}

#[derive(Debug, Deserialize, garde::Validate)]
pub struct Page {
    #[garde(dive)]
    pub data: Vec<Post>,
}

#[api]
pub trait Posts {
    #[patch("/posts/<id>")]
    async fn update(&self, id: u64, #[body(omit_none)] patch: &PostPatch) -> Result<()>;

    #[patch("/posts/<id>")]
    async fn replace(&self, id: u64, #[body] patch: &PostPatch) -> Result<()>;

    #[get("/posts")]
    #[validate]
    async fn page(&self) -> Result<Page>;
}

#[tokio::test]
async fn a_partial_update_sends_only_what_was_set() {
    let server = MockServer::start().await;
    Mock::given(method("PATCH"))
        .and(path("/posts/1"))
        .and(body_json(json!({"body": "new text", "due": null})))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let client = PostsClient::builder()
        .base_url(server.uri())
        .build()
        .unwrap();
    let patch = PostPatch {
        body: Some("new text".into()),
        due: Some(None),
        ..PostPatch::default()
    };
    client.update(1, &patch).await.unwrap();
    // A plain `#[body]` sends every field, `null` included (serde's way).
    let err = client.replace(1, &patch).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err}");
    let sent: serde_json::Value =
        serde_json::from_slice(&server.received_requests().await.unwrap()[1].body).unwrap();
    assert_eq!(
        sent,
        json!({"title": null, "body": "new text", "due": null})
    );
}

#[tokio::test]
async fn a_typed_mock_matches_the_body_as_it_is_sent() {
    let server = MockServer::start().await;
    let mock = PostsMock::new(&server);
    let patch = PostPatch {
        title: Some("t".into()),
        ..PostPatch::default()
    };
    mock.update(1, &patch).returns(&()).expect(1).mount().await;
    let client = PostsClient::builder()
        .base_url(server.uri())
        .build()
        .unwrap();
    client.update(1, &patch).await.unwrap();
}

#[tokio::test]
async fn a_declared_validation_runs_through_the_page() {
    let server = MockServer::start().await;
    Mock::given(path("/posts"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": [{"title": "ok"}, {"title": ""}]})),
        )
        .mount(&server)
        .await;
    let client = PostsClient::builder()
        .base_url(server.uri())
        .build()
        .unwrap();
    let err = client.page().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Validation, "{err}");
    assert_eq!(err.violations()[0].path(), "$.data[1].title", "{err}");
}
