//! Path arguments are percent-encoded so they can never change the path or
//! the query of the request: the exact raw path is asserted.

use api_client::ErrorKind;
use serde_json::json;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::{GitHub, client};

async fn raw_paths_of(server: &MockServer) -> Vec<String> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| match r.url.query() {
            Some(q) => format!("{}?{q}", r.url.path()),
            None => r.url.path().to_owned(),
        })
        .collect()
}

#[tokio::test]
async fn one_segment_arguments_encode_every_reserved_byte() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"login": "x", "id": 1})))
        .mount(&server)
        .await;
    let gh = client(&server);
    let cases = [
        ("a/b", "/users/a%2Fb"),
        ("../x", "/users/..%2Fx"),
        ("100%", "/users/100%25"),
        ("é", "/users/%C3%A9"),
        ("a b", "/users/a%20b"),
        ("?#&=", "/users/%3F%23%26%3D"),
        ("a/b?x=1", "/users/a%2Fb%3Fx%3D1"),
        ("~user-name_1.0", "/users/~user-name_1.0"),
    ];
    for (login, _) in cases {
        gh.user(login).await.unwrap();
    }
    let expected: Vec<String> = cases.iter().map(|(_, p)| p.to_string()).collect();
    assert_eq!(raw_paths_of(&server).await, expected);
}

#[tokio::test]
async fn display_arguments_and_partial_segments() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"login": "x", "id": 1})))
        .mount(&server)
        .await;
    let gh = client(&server);
    gh.user_by_id(18_446_744_073_709_551_615).await.unwrap();
    gh.blob("a b").await.unwrap();
    assert_eq!(
        raw_paths_of(&server).await,
        ["/users/18446744073709551615/raw", "/blobs/a%20b.bin"]
    );
}

#[tokio::test]
async fn multi_segment_arguments_keep_slashes_only() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("ok"))
        .mount(&server)
        .await;
    let gh = client(&server);
    gh.file("docs/a b/ü?.md").await.unwrap();
    assert_eq!(
        raw_paths_of(&server).await,
        ["/files/docs/a%20b/%C3%BC%3F.md"]
    );
}

#[tokio::test]
async fn dot_segments_and_empty_segments_are_refused_before_sending() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200))
        .expect(0)
        .mount(&server)
        .await;
    let gh = client(&server);
    for login in ["..", ".", ""] {
        let err = gh.user(login).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{login:?}");
        assert!(err.to_string().contains("path argument `login`"), "{err}");
        assert_eq!(err.attempts(), 0);
    }
    for path in ["../etc/passwd", "a/./b", "a/..", ""] {
        let err = gh.file(path).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidRequest, "{path:?}");
    }
}
