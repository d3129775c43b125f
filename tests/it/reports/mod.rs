//! Every problem at once, pydantic's way, for models deriving
//! `api_client::Deserialize`: each type error, missing field and broken
//! rule of a body in one error, at its wire path, without the values.

mod property;

use std::collections::HashMap;

use api_client::{Deserialize, ErrorKind, Result, api};
use garde::Validate;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Debug, Deserialize, Validate)]
#[allow(dead_code)]
pub struct Profile {
    #[serde(rename = "userName")]
    #[garde(length(min = 3))]
    pub user_name: String,
    #[serde(rename = "ageYears")]
    #[garde(range(min = 18))]
    pub age_years: u32,
    #[garde(skip)]
    pub score: f64,
    #[garde(skip)]
    pub active: bool,
}

#[derive(Debug, Deserialize, Validate)]
#[allow(dead_code)]
pub struct Item {
    #[garde(skip)]
    pub id: u64,
    #[garde(length(min = 1))]
    pub name: String,
    #[garde(skip)]
    pub status: Status,
    #[garde(skip)]
    pub labels: HashMap<String, u8>,
    #[serde(default)]
    #[garde(skip)]
    pub note: Option<String>,
}

#[derive(Debug, PartialEq, Deserialize)]
pub enum Status {
    #[serde(rename = "open")]
    Open,
    #[serde(rename = "closed")]
    Closed,
}

/// A request body: its broken rules named as it is sent.
#[derive(Debug, serde::Serialize, Deserialize, Validate)]
#[serde(rename_all = "camelCase")]
pub struct NewUser {
    #[garde(length(min = 3))]
    pub user_name: String,
    #[garde(range(min = 18))]
    pub age_years: u32,
}

#[api]
pub trait Reports {
    #[post("/users")]
    async fn create(&self, #[body] user: &NewUser) -> Result<()>;
    #[get("/profile")]
    async fn profile(&self) -> Result<Profile>;
    #[get("/items")]
    async fn items(&self) -> Result<Vec<Item>>;
}

async fn serve(body: serde_json::Value) -> (MockServer, ReportsClient) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let client = ReportsClient::builder()
        .base_url(server.uri())
        .build()
        .unwrap();
    (server, client)
}

/// `(path, code)` of each problem, in order.
fn problems(e: &api_client::Error) -> Vec<(String, String)> {
    e.violations()
        .iter()
        .map(|v| (v.path().to_owned(), v.code().to_owned()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(p, c)| ((*p).to_owned(), (*c).to_owned()))
        .collect()
}

#[tokio::test]
async fn every_type_error_of_a_body_is_reported_without_its_value() {
    let body = json!({"userName": 5, "ageYears": "x-secret", "score": "y", "active": "no"});
    let (_server, client) = serve(body).await;
    let e = client.profile().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert_eq!(
        problems(&e),
        pairs(&[
            ("$.userName", "type"),
            ("$.ageYears", "type"),
            ("$.score", "type"),
            ("$.active", "type"),
        ])
    );
    assert_eq!(
        e.violations()[0].message(),
        "expected a string, found an integer"
    );
    assert_eq!(
        e.violations()[1].message(),
        "expected an integer from 0 to 4294967295, found a string"
    );
    let text = e.to_string();
    assert!(text.contains("4 problems in Profile"), "{text}");
    assert!(
        !text.contains("x-secret") && !format!("{e:?}").contains("x-secret"),
        "{text}"
    );
    // Where serde stopped first in the text (keys are sent sorted).
    assert_eq!(e.decode_path(), Some("$.active"));
}

#[tokio::test]
async fn every_missing_field_is_reported() {
    let (_server, client) = serve(json!({"score": 1.5})).await;
    let e = client.profile().await.unwrap_err();
    assert_eq!(
        problems(&e),
        pairs(&[
            ("$.userName", "missing"),
            ("$.ageYears", "missing"),
            ("$.active", "missing"),
        ])
    );
    assert_eq!(e.violations()[0].message(), "a required field is missing");
}

#[tokio::test]
async fn rule_violations_are_named_as_on_the_wire() {
    let body = json!({"userName": "ab", "ageYears": 3, "score": 1.0, "active": true});
    let (_server, client) = serve(body).await;
    let e = client.profile().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    assert_eq!(
        problems(&e),
        pairs(&[("$.ageYears", "range"), ("$.userName", "length")])
    );
}

#[tokio::test]
async fn a_type_error_and_a_broken_rule_are_reported_together() {
    let body = json!({"userName": "ab", "ageYears": "old", "score": 1.0, "active": true});
    let (_server, client) = serve(body).await;
    let e = client.profile().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    // The placeholder put where "old" was breaks `range(min = 18)`: that
    // is not reported, the body's own `userName` is.
    assert_eq!(
        problems(&e),
        pairs(&[("$.ageYears", "type"), ("$.userName", "length")])
    );
    assert!(e.to_string().contains("2 problems in Profile"), "{e}");
}

fn item(id: u64, name: &str) -> serde_json::Value {
    json!({"id": id, "name": name, "status": "open", "labels": {"a": 1}})
}

#[tokio::test]
async fn problems_in_several_items_of_a_list() {
    let mut items: Vec<serde_json::Value> = (0..6).map(|i| item(i, "n")).collect();
    items[1]["id"] = json!(-1);
    items[2].as_object_mut().unwrap().remove("name");
    items[3]["status"] = json!("merged");
    items[4]["labels"]["b"] = json!(300);
    items[5]["name"] = json!("");
    let (_server, client) = serve(json!(items)).await;
    let e = client.items().await.unwrap_err();
    assert_eq!(
        problems(&e),
        pairs(&[
            ("$[1].id", "type"),
            ("$[2].name", "missing"),
            ("$[3].status", "enum"),
            ("$[4].labels.b", "type"),
            ("$[5].name", "length"),
        ])
    );
    assert_eq!(
        e.violations()[2].message(),
        "expected one of \"open\", \"closed\", found another string"
    );
    assert_eq!(
        e.violations()[3].message(),
        "expected an integer from 0 to 255, found an integer out of range"
    );
}

#[tokio::test]
async fn a_report_over_five_thousand_bad_items_is_bounded() {
    let items: Vec<serde_json::Value> = (0..5_000).map(|i| json!({"id": i, "name": 7})).collect();
    let (_server, client) = serve(json!(items)).await;
    let e = client.items().await.unwrap_err();
    // Per item: `name` of the wrong type, `status` and `labels` missing.
    assert_eq!(e.violation_count(), 15_000);
    assert_eq!(e.violations().len(), 100);
    let text = e.to_string();
    assert!(text.contains("15000 problems in Vec<Item>"), "{text}");
    assert!(text.contains("… and 14980 more"), "{text}");
    assert!(text.len() <= 4096, "{}", text.len());
}

#[tokio::test]
async fn a_valid_payload_decodes_as_before() {
    let items = json!([item(1, "a"), {"id": 2, "name": "b", "status": "closed", "labels": {}, "note": null}]);
    let (_server, client) = serve(items).await;
    let items = client.items().await.unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[1].status, Status::Closed);
    assert_eq!(items[0].labels["a"], 1);
}

#[tokio::test]
async fn a_failure_the_walk_cannot_see_keeps_serdes_error() {
    // A duplicate field: every value fits, serde refuses the object.
    let server = MockServer::start().await;
    Mock::given(path("/profile"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            r#"{"userName": "abc", "userName": "abd", "ageYears": 20, "score": 1, "active": true}"#,
            "application/json",
        ))
        .mount(&server)
        .await;
    let client = ReportsClient::builder()
        .base_url(server.uri())
        .build()
        .unwrap();
    let e = client.profile().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Decode);
    assert!(e.violations().is_empty());
    assert!(e.to_string().contains("duplicate field `userName`"), "{e}");
}

#[tokio::test]
async fn a_request_body_reports_its_wire_names_and_is_not_sent() {
    let (server, client) = serve(json!({})).await;
    let user = NewUser {
        user_name: "ab".into(),
        age_years: 3,
    };
    let e = client.create(&user).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    assert_eq!(
        problems(&e),
        pairs(&[("$.ageYears", "range"), ("$.userName", "length")])
    );
    assert!(server.received_requests().await.unwrap().is_empty());
}
