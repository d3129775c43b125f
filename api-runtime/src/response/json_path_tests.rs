//! The walk's paths against a path-tracking deserializer's, over broken
//! documents: every truncation, every value replaced by one of another
//! type, every key removed, and a stray byte at every place.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Value, json};

use super::failure_path;

#[derive(Deserialize)]
#[allow(dead_code)]
struct Doc {
    id: u64,
    name: String,
    tags: Vec<Tag>,
    kind: Kind,
    extra: Option<Inner>,
    map: BTreeMap<String, Inner>,
    flag: bool,
    small: u8,
    shape: Shape,
    grid: Vec<Vec<i32>>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Tag {
    name: String,
    weight: Option<f64>,
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Kind {
    User,
    Bot,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Inner {
    a: Vec<u32>,
    b: Option<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
enum Shape {
    Circle { r: u32 },
    Square(u32),
}

fn document() -> Value {
    json!({
        "id": 7,
        "name": "octo \"cat\"",
        "tags": [{"name": "a", "weight": 1.5}, {"name": "b\u{e9}", "weight": null}],
        "kind": "bot",
        "extra": {"a": [1, 2, 3], "b": "x"},
        "map": {"k 1": {"a": [], "b": null}, "k.2": {"a": [4]}},
        "flag": true,
        "small": 200,
        "shape": {"Circle": {"r": 3}},
        "grid": [[1, 2], [], [3]]
    })
}

/// What a path-tracking deserializer says, written as `$.a[1].b`.
fn tracked(text: &[u8]) -> Option<String> {
    let mut de = serde_json::Deserializer::from_slice(text);
    let err = match serde_path_to_error::deserialize::<_, Doc>(&mut de) {
        Ok(_) => de.end().err().map(|_| ".".to_owned())?,
        Err(err) => err.path().to_string(),
    };
    let path = err
        .strip_suffix(".?")
        .or_else(|| (err == "?").then_some(""))
        .unwrap_or(&err);
    Some(match path {
        "." | "" => "$".to_owned(),
        p if p.starts_with('[') => format!("$${p}"),
        p => format!("$.{p}"),
    })
}

/// Every value of the document replaced by each of a few of other types,
/// and every key removed.
fn mutations(value: &Value, out: &mut Vec<Value>, rebuild: &dyn Fn(Value) -> Value) {
    for other in [
        json!("x"),
        json!(300),
        json!(-1),
        json!(1.5),
        json!([]),
        json!({}),
        json!(null),
        json!(true),
        json!([1]),
        json!({"Square": "x"}),
    ] {
        out.push(rebuild(other));
    }
    match value {
        Value::Object(map) => {
            for key in map.keys() {
                let mut without = map.clone();
                without.remove(key);
                out.push(rebuild(Value::Object(without)));
                let (map, key) = (map.clone(), key.clone());
                let child = map[&key].clone();
                let inner = move |v: Value| {
                    let mut m = map.clone();
                    m.insert(key.clone(), v);
                    Value::Object(m)
                };
                mutations(&child, out, &|v| rebuild(inner(v)));
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let items = items.clone();
                let inner = move |v: Value| {
                    let mut a = items.clone();
                    a[i] = v;
                    Value::Array(a)
                };
                mutations(child, out, &|v| rebuild(inner(v)));
            }
        }
        _ => {}
    }
}

fn texts() -> Vec<Vec<u8>> {
    let doc = document();
    let mut values = Vec::new();
    mutations(&doc, &mut values, &|v| v);
    let mut texts = Vec::new();
    for value in &values {
        texts.push(serde_json::to_vec(value).unwrap());
        texts.push(serde_json::to_vec_pretty(value).unwrap());
    }
    for whole in [
        serde_json::to_vec(&doc).unwrap(),
        serde_json::to_vec_pretty(&doc).unwrap(),
    ] {
        for cut in 0..whole.len() {
            texts.push(whole[..cut].to_vec());
            for stray in [b"x".as_slice(), b"}", b"]", b",", b"\"", b":", b"{", b"1"] {
                let mut t = whole[..cut].to_vec();
                t.extend_from_slice(stray);
                t.extend_from_slice(&whole[cut..]);
                texts.push(t);
            }
        }
    }
    texts
}

#[test]
fn the_walk_names_the_value_a_tracking_deserializer_names() {
    let (mut failures, mut mismatches) = (0, Vec::new());
    for text in texts() {
        let Some(expected) = tracked(&text) else {
            continue;
        };
        failures += 1;
        let err = serde_json::from_slice::<Doc>(&text)
            .err()
            .expect("the tracked decode failed, so the plain one does");
        let got = failure_path(&text, &err, "$");
        // Inside an externally tagged variant's content (`{"Circle": {..}}`)
        // the tracking deserializer stops at the enum; the walk names more.
        let deeper = expected.ends_with(".shape") && got.starts_with("$.shape.Circle");
        if got != expected && !deeper {
            mismatches.push(format!(
                "{}\n  error: {err}\n  walk: {got}\n  tracked: {expected}",
                String::from_utf8_lossy(&text[..text.len().min(90)])
            ));
        }
    }
    assert!(failures > 2000, "{failures}");
    assert!(
        mismatches.is_empty(),
        "{} of {failures}:\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(12)].join("\n")
    );
}

#[test]
fn the_root_and_positions_past_the_text() {
    let err = serde_json::from_slice::<Doc>(b"[]").err().unwrap();
    assert_eq!(failure_path(b"[]", &err, "$.data"), "$.data");
    let err = serde_json::from_slice::<Vec<u8>>(b"[1, 2, 300]").unwrap_err();
    assert_eq!(failure_path(b"[1, 2, 300]", &err, "$"), "$[2]");
    let custom = <serde_json::Error as serde::de::Error>::custom("no position");
    assert_eq!(failure_path(b"{}", &custom, "$"), "$");
}
