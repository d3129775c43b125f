//! The typed mock kit generated beside each client: tests speak in
//! endpoints and Rust values, and the expected request is encoded by the
//! client's own code.

use std::time::Duration;

use api_client::mock::any;
use api_client::{ErrorKind, RetryPolicy};
use serde_json::json;
use wiremock::MockServer;

use crate::support::{Filter, GitHub, GitHubClient, GitHubMock, Issue, NewIssue, User};

fn client(server: &MockServer) -> GitHubClient {
    GitHubClient::builder()
        .base_url(server.uri())
        .retry(RetryPolicy::default().backoff(Duration::from_millis(1), Duration::from_millis(1)))
        .build()
        .unwrap()
}

fn octocat() -> User {
    User {
        login: "octocat".into(),
        id: 583231,
    }
}

#[tokio::test]
async fn a_typed_mock_answers_the_call_it_describes() {
    let server = MockServer::start().await;
    let mock = GitHubMock::new(&server);
    mock.user("octocat")
        .returns(&octocat())
        .expect(1)
        .mount()
        .await;
    assert_eq!(client(&server).user("octocat").await.unwrap(), octocat());
}

#[tokio::test]
async fn arguments_are_encoded_like_the_client_encodes_them() {
    let server = MockServer::start().await;
    let mock = GitHubMock::new(&server);
    // A value that needs encoding, in the path, the query and a header.
    mock.user("a/b ü")
        .returns(&octocat())
        .expect(1)
        .mount()
        .await;
    mock.search("q&a=1", Some(5), vec!["web dev".into()])
        .returns(&json!({"n": 1}))
        .expect(1)
        .mount()
        .await;
    mock.delete_label("o", "r", "bug fix", "req 1", any())
        .responds(204)
        .expect(2)
        .mount()
        .await;
    let filter = Filter {
        state: "open",
        labels: vec!["a", "b"],
        page: None,
    };
    mock.issues(&filter)
        .returns(&vec![])
        .expect(1)
        .mount()
        .await;
    let c = client(&server);
    c.user("a/b ü").await.unwrap();
    c.search("q&a=1", Some(5), vec!["web dev".into()])
        .await
        .unwrap();
    c.delete_label("o", "r", "bug fix", "req 1", None)
        .await
        .unwrap();
    c.delete_label("o", "r", "bug fix", "req 1", Some("trace"))
        .await
        .unwrap();
    assert!(c.issues(&filter).await.unwrap().is_empty());
}

#[tokio::test]
async fn any_matches_whatever_the_client_sends() {
    let server = MockServer::start().await;
    let mock = GitHubMock::new(&server);
    let created = json!({"number": 9, "title": "t"});
    mock.create_issue("o", any(), any())
        .responds(201)
        .body_json(&created)
        .expect(2)
        .mount()
        .await;
    mock.file(any())
        .responds(200)
        .body_raw("text", "text/plain")
        .mount()
        .await;
    let c = client(&server);
    for repo in ["r1", "r2"] {
        let issue = NewIssue {
            title: repo.into(),
            labels: vec![],
        };
        assert_eq!(c.create_issue("o", repo, &issue).await.unwrap().number, 9);
    }
    assert_eq!(c.file("deep/nested/path.txt").await.unwrap(), "text");
}

#[tokio::test]
async fn bodies_are_matched_exactly() {
    let server = MockServer::start().await;
    let mock = GitHubMock::new(&server);
    let wanted = NewIssue {
        title: "Bug".into(),
        labels: vec!["p1".into()],
    };
    let issue = Issue {
        number: 1,
        title: "Bug".into(),
    };
    mock.create_issue("o", "r", &wanted)
        .responds(201)
        .body_json(&json!({"number": 1, "title": "Bug"}))
        .mount()
        .await;
    let c = client(&server);
    assert_eq!(c.create_issue("o", "r", &wanted).await.unwrap(), issue);
    let other = NewIssue {
        title: "Other".into(),
        labels: vec![],
    };
    let err = c.create_issue("o", "r", &other).await.unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    let report = err.to_string();
    assert!(
        report.contains("nearest mocked endpoint: `create_issue` (POST /repos/<owner>/<repo>/issues): JSON body: expected"),
        "{report}"
    );
}

#[tokio::test]
async fn sequences_drive_retry_tests() {
    let server = MockServer::start().await;
    let mock = GitHubMock::new(&server);
    mock.user("octocat")
        .responds(503)
        .times(2)
        .then_returns(&octocat())
        .expect(3)
        .mount()
        .await;
    assert_eq!(client(&server).user("octocat").await.unwrap(), octocat());

    let server = MockServer::start().await;
    let mock = GitHubMock::new(&server);
    mock.user("slow")
        .responds(429)
        .header("retry-after", "3600")
        .mount()
        .await;
    let err = client(&server).user("slow").await.unwrap_err();
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
}

#[tokio::test]
async fn delays_and_raw_bodies_test_timeouts_and_decoding() {
    let server = MockServer::start().await;
    let mock = GitHubMock::new(&server);
    mock.user("slow")
        .returns(&octocat())
        .delay(Duration::from_secs(5))
        .mount()
        .await;
    mock.user("broken")
        .responds(200)
        .body_raw(r#"{"login": 1}"#, "application/json")
        .mount()
        .await;
    let c = client(&server);
    let err = c
        .with_timeout(Duration::from_millis(200))
        .user("slow")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    let err = c.user("broken").await.unwrap_err();
    assert_eq!(err.decode_path(), Some("$.login"));
}

#[tokio::test]
async fn unmatched_requests_name_the_nearest_endpoint() {
    let server = MockServer::start().await;
    let mock = GitHubMock::new(&server);
    mock.user("octocat").returns(&octocat()).mount().await;
    let c = client(&server);
    let err = c.user("octocot").await.unwrap_err();
    assert!(
        err.to_string().contains(
            "no mock of `GitHub` matched GET /users/octocot; nearest mocked endpoint: `user` (GET /users/<login>): path: expected /users/octocat, got /users/octocot"
        ),
        "{err}"
    );
    let err = c.readme().await.unwrap_err();
    assert!(
        err.to_string()
            .contains("it is `readme` (GET /readme), which has no mock mounted"),
        "{err}"
    );
}

#[tokio::test]
#[should_panic(expected = "Verifications failed")]
async fn expectations_are_verified_when_the_server_drops() {
    let server = MockServer::start().await;
    let mock = GitHubMock::new(&server);
    mock.user("octocat")
        .returns(&octocat())
        .expect(2)
        .mount()
        .await;
    client(&server).user("octocat").await.unwrap();
    drop(mock);
    drop(server);
}

/// The whole point: application code takes `&impl GitHub`, the test mounts
/// typed mocks and checks the outcome.
async fn open_bug_count(api: &impl GitHub, owner: &str, repo: &str) -> api_client::Result<usize> {
    let issue = NewIssue {
        title: format!("{owner}/{repo} audit"),
        labels: vec!["audit".into()],
    };
    api.create_issue(owner, repo, &issue).await?;
    let filter = Filter {
        state: "open",
        labels: vec!["bug"],
        page: None,
    };
    Ok(api.issues(&filter).await?.len())
}

#[tokio::test]
async fn an_application_test_with_typed_mocks() {
    let server = MockServer::start().await;
    let mock = GitHubMock::new(&server);
    mock.create_issue("acme", "web", any())
        .responds(201)
        .body_json(&json!({"number": 1, "title": "x"}))
        .expect(1)
        .mount()
        .await;
    let bugs = Filter {
        state: "open",
        labels: vec!["bug"],
        page: None,
    };
    let two = vec![
        Issue {
            number: 2,
            title: "a".into(),
        },
        Issue {
            number: 3,
            title: "b".into(),
        },
    ];
    mock.issues(&bugs).returns(&two).expect(1).mount().await;
    assert_eq!(
        open_bug_count(&client(&server), "acme", "web")
            .await
            .unwrap(),
        2
    );
}
