//! Property tests of the decode + validate path: whatever bytes or JSON a
//! server sends, decoding a nested validated type never panics and returns
//! a value, a decode error or a validation error.

use std::collections::HashMap;

use api_client::__private::{Checks, Probe, ValidateViaGarde as _, decode_json_body};
use api_client::Bytes;
use api_client::ErrorKind;
use api_client::HeaderMap;
use garde::Validate;
use proptest::prelude::*;
use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Deserialize, Validate)]
pub struct Order {
    #[garde(range(min = 1))]
    pub id: u64,
    #[garde(length(min = 1, max = 8))]
    pub code: String,
    #[garde(dive)]
    pub lines: Vec<Line>,
    #[garde(dive)]
    pub meta: Option<HashMap<String, Line>>,
}

#[derive(Debug, Deserialize, Validate)]
pub struct Line {
    #[garde(range(min = -5, max = 5))]
    pub qty: i32,
    #[garde(skip)]
    #[allow(dead_code)]
    pub note: Option<String>,
}

fn decode(body: Vec<u8>) -> api_client::Result<Order> {
    // The borrow is the autoref-specialization probe, as in generated code.
    #[allow(clippy::needless_borrow)]
    let validator = (&Probe::<Order>::new()).validator();
    assert!(validator.is_some(), "Order derives Validate");
    let checks = Checks::new(validator, None);
    decode_json_body::<Order>(&HeaderMap::new(), &Bytes::from(body), checks)
}

fn check(body: Vec<u8>) {
    match decode(body) {
        Ok(order) => assert!(order.validate().is_ok()),
        Err(e) => {
            assert!(
                matches!(e.kind(), ErrorKind::Decode | ErrorKind::Validation),
                "{e:?}"
            );
            if e.kind() == ErrorKind::Validation {
                assert!(!e.violations().is_empty());
                assert!(e.violations().iter().all(|v| v.path().starts_with('$')));
            } else if let Some(path) = e.decode_path() {
                assert!(path.starts_with('$'), "{e:?}");
            } else {
                // Only the body-level checks come without a path.
                assert!(e.to_string().contains("empty body"), "{e:?}");
            }
        }
    }
}

/// JSON values biased towards the shape of `Order`, so that decoding goes
/// deep before it fails (or succeeds).
fn json() -> impl Strategy<Value = Value> {
    let key = prop_oneof![
        Just("id".to_owned()),
        Just("code".to_owned()),
        Just("lines".to_owned()),
        Just("meta".to_owned()),
        Just("qty".to_owned()),
        Just("note".to_owned()),
        "[a-z]{1,3}",
    ];
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,10}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::hash_map(key.clone(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_bytes_never_panic(body in prop::collection::vec(any::<u8>(), 0..256)) {
        check(body);
    }

    #[test]
    fn arbitrary_json_never_panics(value in json()) {
        check(serde_json::to_vec(&value).unwrap());
    }

    #[test]
    fn well_shaped_orders_decode_or_name_the_broken_rule(
        id in 0u64..3,
        code in ".{0,10}",
        qtys in prop::collection::vec(-10i32..10, 0..5),
    ) {
        let lines: Vec<Value> = qtys.iter().map(|q| serde_json::json!({"qty": q})).collect();
        let body = serde_json::json!({"id": id, "code": code, "lines": lines});
        let result = decode(serde_json::to_vec(&body).unwrap());
        let expect_valid = id >= 1
            // garde's `length` counts bytes by default.
            && (1..=8).contains(&code.len())
            && qtys.iter().all(|q| (-5..=5).contains(q));
        prop_assert_eq!(result.is_ok(), expect_valid, "{:?}", result.err());
    }
}
