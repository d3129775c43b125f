//! Query and header arguments: scalars, options, sequences, structs.

use api_client::ErrorKind;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{Filter, GitHub, client};

#[tokio::test]
async fn options_are_omitted_and_vectors_repeat_the_key() {
    let server = MockServer::start().await;
    Mock::given(path("/search/repositories"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({})))
        .mount(&server)
        .await;
    let gh = client(&server);
    gh.search("q&a=1", None, vec!["web dev".into(), "rust".into()])
        .await
        .unwrap();
    let request = &server.received_requests().await.unwrap()[0];
    assert_eq!(
        request.url.query(),
        Some("type=repo&q=q%26a%3D1&topic=web+dev&topic=rust")
    );
}

#[tokio::test]
async fn a_struct_argument_is_flattened_into_the_query() {
    let server = MockServer::start().await;
    Mock::given(path("/issues"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!([{"number": 1, "title": "t"}])),
        )
        .mount(&server)
        .await;
    let filter = Filter {
        state: "open",
        labels: vec!["bug", "p1"],
        page: None,
    };
    let issues = client(&server).issues(&filter).await.unwrap();
    assert_eq!(issues.len(), 1);
    let request = &server.received_requests().await.unwrap()[0];
    assert_eq!(request.url.query(), Some("state=open&labels=bug&labels=p1"));
}

#[tokio::test]
async fn header_values_with_cr_or_lf_are_invalid_requests() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(204))
        .expect(0)
        .mount(&server)
        .await;
    let gh = client(&server);
    for bad in ["a\r\nX-Injected: 1", "a\nb", "a\rb", "nul\0"] {
        let err = gh.delete_label("o", "r", "n", bad, None).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest);
        let text = err.to_string();
        assert!(text.contains("x-request-id"), "{text}");
        assert!(
            !text.contains("Injected"),
            "the value must not be echoed: {text}"
        );
    }
}
