//! `#[derive(api_client::Deserialize)]` against serde's own derive: twin
//! types, one of each, decode the same documents (valid ones, and every
//! way this test can break them) to the same values and the same errors.

use std::collections::HashMap;

use serde::Serialize;
use serde_json::{Value, json};

mod serde_twins {
    use super::*;

    #[derive(Debug, PartialEq, serde::Deserialize, Serialize)]
    pub struct Repo {
        pub id: u64,
        #[serde(rename = "full_name")]
        pub name: String,
        pub private: Option<bool>,
        #[serde(default)]
        pub topics: Vec<String>,
        pub owner: Owner,
        pub state: State,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub license: Option<Box<Owner>>,
        pub r#type: Option<String>,
    }

    #[derive(Debug, PartialEq, serde::Deserialize, Serialize)]
    pub struct Owner {
        pub login: String,
        pub id: i64,
    }

    #[derive(Debug, PartialEq, serde::Deserialize, Serialize)]
    pub enum State {
        #[serde(rename = "open")]
        Open,
        #[serde(rename = "closed")]
        Closed,
        Draft,
    }

    #[derive(Debug, PartialEq, serde::Deserialize, Serialize)]
    pub struct Loose {
        pub title: String,
        #[serde(flatten)]
        pub extra: HashMap<String, Value>,
    }

    #[derive(Debug, PartialEq, serde::Deserialize, Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Cased {
        pub user_name: String,
        #[serde(alias = "login_name", alias = "nick")]
        pub display_name: Option<String>,
        #[serde(rename = "ID")]
        pub id: u32,
        pub kind: Kind,
    }

    #[derive(Debug, PartialEq, serde::Deserialize, Serialize)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum Kind {
        SiteAdmin,
        #[serde(rename = "plain")]
        Plain,
    }
}

mod our_twins {
    use super::*;

    #[derive(Debug, PartialEq, api_client::Deserialize, Serialize)]
    pub struct Repo {
        pub id: u64,
        #[serde(rename = "full_name")]
        pub name: String,
        pub private: Option<bool>,
        #[serde(default)]
        pub topics: Vec<String>,
        pub owner: Owner,
        pub state: State,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub license: Option<Box<Owner>>,
        pub r#type: Option<String>,
    }

    #[derive(Debug, PartialEq, api_client::Deserialize, Serialize)]
    pub struct Owner {
        pub login: String,
        pub id: i64,
    }

    #[derive(Debug, PartialEq, api_client::Deserialize, Serialize)]
    pub enum State {
        #[serde(rename = "open")]
        Open,
        #[serde(rename = "closed")]
        Closed,
        Draft,
    }

    #[derive(Debug, PartialEq, api_client::Deserialize, Serialize)]
    pub struct Loose {
        pub title: String,
        #[serde(flatten)]
        pub extra: HashMap<String, Value>,
    }

    #[derive(Debug, PartialEq, api_client::Deserialize, Serialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Cased {
        pub user_name: String,
        #[serde(alias = "login_name", alias = "nick")]
        pub display_name: Option<String>,
        #[serde(rename = "ID")]
        pub id: u32,
        pub kind: Kind,
    }

    #[derive(Debug, PartialEq, api_client::Deserialize, Serialize)]
    #[serde(rename_all = "SCREAMING_SNAKE_CASE")]
    pub enum Kind {
        SiteAdmin,
        #[serde(rename = "plain")]
        Plain,
    }
}

/// The value each twin decodes `text` to (as JSON, to compare across the
/// two types), or its error message.
fn both<S, O>(text: &str) -> (Result<Value, String>, Result<Value, String>)
where
    S: serde::de::DeserializeOwned + Serialize,
    O: serde::de::DeserializeOwned + Serialize,
{
    let theirs = serde_json::from_str::<S>(text)
        .map(|v| serde_json::to_value(v).unwrap())
        .map_err(|e| e.to_string());
    let ours = serde_json::from_str::<O>(text)
        .map(|v| serde_json::to_value(v).unwrap())
        .map_err(|e| e.to_string());
    (theirs, ours)
}

/// Every document this test makes from `base`: the base, each prefix (an
/// ending), each value replaced by another type, each member removed or
/// given twice, each key written with an escape.
fn broken(base: &Value) -> Vec<String> {
    let text = base.to_string();
    let mut out: Vec<String> = (0..=text.len())
        .filter(|&i| text.is_char_boundary(i))
        .map(|i| text[..i].to_owned())
        .collect();
    let replacements = [
        json!(null),
        json!(1),
        json!(-2),
        json!(1.5),
        json!("x"),
        json!(true),
        json!({}),
        json!("Draft"),
        json!("open"),
    ];
    for path in paths(base, Vec::new()) {
        for replacement in &replacements {
            let mut changed = base.clone();
            *pointer(&mut changed, &path) = replacement.clone();
            out.push(changed.to_string());
        }
    }
    if let Value::Object(members) = base {
        for (key, value) in members {
            let mut fewer = members.clone();
            fewer.remove(key);
            out.push(Value::Object(fewer).to_string());
            let inner = Value::Object(members.clone()).to_string();
            let member = format!("{}:{}", json!(key), value);
            out.push(format!("{{{member},{}", &inner[1..]));
            let escaped = key.replacen('_', "\\u005f", 1).replacen('i', "\\u0069", 1);
            out.push(inner.replacen(&format!("\"{key}\""), &format!("\"{escaped}\""), 1));
        }
    }
    out
}

fn paths(value: &Value, at: Vec<String>) -> Vec<Vec<String>> {
    let mut out = vec![at.clone()];
    if let Value::Object(members) = value {
        for (key, inner) in members {
            let mut next = at.clone();
            next.push(key.clone());
            out.extend(paths(inner, next));
        }
    }
    out
}

fn pointer<'v>(value: &'v mut Value, path: &[String]) -> &'v mut Value {
    path.iter().fold(value, |v, key| &mut v[key.as_str()])
}

fn differences<S, O>(bases: &[Value]) -> (usize, Vec<String>)
where
    S: serde::de::DeserializeOwned + Serialize,
    O: serde::de::DeserializeOwned + Serialize,
{
    let mut count = 0;
    let mut out = Vec::new();
    for base in bases {
        for text in broken(base) {
            count += 1;
            let (theirs, ours) = both::<S, O>(&text);
            if theirs != ours {
                out.push(format!("{text}\n  serde: {theirs:?}\n  ours:  {ours:?}"));
            }
        }
    }
    (count, out)
}

#[test]
fn the_same_values_and_errors_as_serde() {
    let repo = json!({"id": 7, "full_name": "o/r", "private": false, "topics": ["a", "b"],
        "owner": {"login": "o", "id": 1}, "state": "open", "license": {"login": "mit", "id": 2},
        "type": "repo", "unknown": {"deep": [1, 2]}});
    let minimal =
        json!({"id": 1, "full_name": "x", "owner": {"login": "y", "id": -3}, "state": "Draft"});
    let (count, diffs) = differences::<serde_twins::Repo, our_twins::Repo>(&[repo, minimal]);
    assert!(count > 400, "{count} documents");
    assert!(
        diffs.is_empty(),
        "{} of {count} differ:\n{}",
        diffs.len(),
        diffs.join("\n")
    );

    let cased = json!({"userName": "u", "nick": "n", "ID": 3, "kind": "SITE_ADMIN"});
    let named = json!({"userName": "u", "displayName": "d", "ID": 3, "kind": "plain"});
    let (count, diffs) = differences::<serde_twins::Cased, our_twins::Cased>(&[cased, named]);
    assert!(count > 40, "{count} documents");
    assert!(
        diffs.is_empty(),
        "{} of {count} differ:\n{}",
        diffs.len(),
        diffs.join("\n")
    );

    let loose = json!({"title": "t", "a": 1, "b": {"c": [true]}, "title2": null});
    let (count, diffs) = differences::<serde_twins::Loose, our_twins::Loose>(&[loose]);
    assert!(
        diffs.is_empty(),
        "{} of {count} differ:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

/// The one difference, on purpose: serde's derive also reads a struct from
/// a JSON array (its fields in order), which no API sends; ours says what
/// it expected.
#[test]
fn a_struct_is_an_object_not_an_array() {
    let text = r#"{"id": 1, "full_name": "x", "owner": ["y", 3], "state": "open"}"#;
    let (theirs, ours) = both::<serde_twins::Repo, our_twins::Repo>(text);
    assert!(theirs.is_ok(), "{theirs:?}");
    let ours = ours.unwrap_err();
    assert!(
        ours.starts_with("invalid type: sequence, expected struct Owner"),
        "{ours}"
    );
}

extern crate api_client as renamed_client;

/// The derive names the runtime through `#[api_client(crate = path)]`
/// when the dependency is renamed, and calls a `default = "path"`.
#[test]
fn a_renamed_crate_and_a_default_function() {
    fn seven() -> u32 {
        7
    }
    #[derive(Debug, PartialEq, renamed_client::Deserialize)]
    #[api_client(crate = renamed_client)]
    struct Settings {
        #[serde(default = "seven")]
        retries: u32,
        #[serde(default)]
        name: String,
    }
    let defaults: Settings = serde_json::from_str("{}").unwrap();
    assert_eq!(
        defaults,
        Settings {
            retries: 7,
            name: String::new()
        }
    );
    let given: Settings = serde_json::from_str(r#"{"retries": 2, "name": "x"}"#).unwrap();
    assert_eq!((given.retries, given.name.as_str()), (2, "x"));
}
