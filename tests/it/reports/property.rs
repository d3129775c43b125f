//! For a model and any set of corrupted places in a valid document (a
//! value of another JSON type, or a required field taken out), the report
//! names exactly those places.

use std::collections::{BTreeSet, HashMap};

use api_client::__private::{Checks, Described, decode_json_body};
use api_client::Deserialize;
use proptest::prelude::*;
use serde_json::{Value, json};

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct Doc {
    id: u64,
    title: String,
    ratio: f64,
    flag: bool,
    tags: Vec<String>,
    owner: Owner,
    members: Vec<Owner>,
    extra: HashMap<String, i32>,
    state: State,
    maybe: Option<u16>,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub struct Owner {
    login: String,
    #[serde(rename = "siteAdmin")]
    site_admin: bool,
    age: u8,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code)]
pub enum State {
    #[serde(rename = "on")]
    On,
    #[serde(rename = "off")]
    Off,
}

fn valid() -> Value {
    json!({
        "id": 7, "title": "t", "ratio": 0.5, "flag": true, "tags": ["a", "b"],
        "owner": {"login": "o", "siteAdmin": false, "age": 30},
        "members": [{"login": "m", "siteAdmin": true, "age": 1}, {"login": "n", "siteAdmin": false, "age": 2}],
        "extra": {"x": 1, "y": 2}, "state": "on", "maybe": 3
    })
}

/// A scalar of the document: its JSON path, its JSON pointer, and whether
/// taking it out makes a required field missing.
struct Leaf {
    path: String,
    pointer: String,
    required: bool,
}

fn leaves(value: &Value, path: &str, pointer: &str, required: bool, out: &mut Vec<Leaf>) {
    match value {
        Value::Object(map) => {
            // The keys of `extra` are a map's (none required); `maybe` is
            // an `Option`.
            let is_map = path.ends_with(".extra");
            for (key, item) in map {
                let required = !is_map && key != "maybe";
                let (p, q) = (format!("{path}.{key}"), format!("{pointer}/{key}"));
                leaves(item, &p, &q, required, out);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                leaves(
                    item,
                    &format!("{path}[{i}]"),
                    &format!("{pointer}/{i}"),
                    false,
                    out,
                );
            }
        }
        _ => out.push(Leaf {
            path: path.to_owned(),
            pointer: pointer.to_owned(),
            required,
        }),
    }
}

/// The paths the report names for `doc`.
fn reported(doc: &Value) -> BTreeSet<String> {
    let mut headers = api_client::HeaderMap::new();
    headers.insert("content-type", "application/json".parse().unwrap());
    let body = api_client::Bytes::from(serde_json::to_vec(doc).unwrap());
    let checks = Checks::<Doc>::new(None, Some(<Doc as Described>::shape));
    match decode_json_body::<Doc>(&headers, &body, checks) {
        Ok(_) => BTreeSet::new(),
        Err(e) => {
            assert_eq!(e.violations().len(), e.violation_count(), "{e}");
            e.violations().iter().map(|v| v.path().to_owned()).collect()
        }
    }
}

/// Takes the value at `pointer` out of its object.
fn remove(doc: &mut Value, pointer: &str) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    if let Some(Value::Object(map)) = doc.pointer_mut(parent) {
        map.remove(key);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn the_report_names_exactly_the_corrupted_places(
        picks in prop::collection::btree_map(0usize..19, any::<bool>(), 0..8)
    ) {
        let mut doc = valid();
        let mut all = Vec::new();
        leaves(&doc, "$", "", true, &mut all);
        prop_assert_eq!(all.len(), 19);
        let mut expected = BTreeSet::new();
        for (&i, &take_out) in picks.iter().filter(|(i, _)| **i < all.len()) {
            let leaf = &all[i];
            if take_out && leaf.required {
                remove(&mut doc, &leaf.pointer);
            } else {
                let slot = doc.pointer_mut(&leaf.pointer).unwrap();
                // Another JSON type than the one that fits.
                *slot = if slot.is_string() { json!([1]) } else { json!("s") };
            }
            expected.insert(leaf.path.clone());
        }
        prop_assert_eq!(reported(&doc), expected);
    }
}
