//! OpenAPI's query styles beyond the default (`form`, exploded: one pair per
//! value): values joined into one pair (`form` not exploded,
//! `spaceDelimited`, `pipeDelimited`) and `deepObject` (`filter[key]=v`).
//!
//! | `#[query(…)]`                     | `ids: &[1, 2]`   | `filter: &{a: 1, b: 2}` |
//! |-----------------------------------|------------------|-------------------------|
//! | (none)                            | `ids=1&ids=2`    | `a=1&b=2`               |
//! | `explode = false`                 | `ids=1,2`        | `filter=a,1,b,2`        |
//! | `style = "spaceDelimited"`        | `ids=1%202`      | `filter=a%201%20b%202`  |
//! | `style = "pipeDelimited"`         | `ids=1%7C2`      | `filter=a%7C1%7Cb%7C2`  |
//! | `style = "deepObject"`            | `ids=1&ids=2`    | `filter[a]=1&filter[b]=2` (brackets encoded) |
//!
//! Each value is form-encoded on its own, so a `,` inside one is `%2C`
//! and never taken for the delimiter.

use serde::Serialize;

use crate::request::params::{ParamError, QuerySink, Scalar, Sink, encode_into, serialize_pairs};

/// How a `#[query]` argument is written. Generated code names it.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueryStyle {
    /// One pair per value; a struct's fields as pairs of their own.
    Form,
    /// One pair: the values (a struct's keys and values in turn) joined by
    /// this text, written as is (`,`, `%20`, `%7C`).
    Joined(&'static str),
    /// A struct's fields as `name[field]=value`.
    DeepObject,
}

/// Serializes a query argument under `key` in `style`.
pub(crate) fn serialize_query<T: Serialize + ?Sized>(
    sink: &mut QuerySink<'_>,
    key: &str,
    value: &T,
    style: QueryStyle,
) -> Result<(), ParamError> {
    match style {
        QueryStyle::Form => serialize_pairs(sink, key, value, true),
        QueryStyle::Joined(delimiter) => {
            let mut joined = Joined {
                text: String::new(),
                any: false,
                delimiter,
            };
            serialize_pairs(&mut joined, key, value, true)?;
            if joined.any {
                sink.encoded_pair(key, &joined.text);
            }
            Ok(())
        }
        QueryStyle::DeepObject => serialize_pairs(&mut Deep { sink, name: key }, key, value, true),
    }
}

/// Collects values into one encoded text.
struct Joined {
    text: String,
    any: bool,
    delimiter: &'static str,
}

impl Joined {
    fn push(&mut self, value: Scalar<'_>) {
        if self.any {
            self.text.push_str(self.delimiter);
        }
        self.any = true;
        encode_into(&mut self.text, value);
    }
}

impl Sink for Joined {
    fn pair(&mut self, _: &str, value: Scalar<'_>) {
        self.push(value);
    }

    fn field_pair(&mut self, key: &str, value: Scalar<'_>) {
        self.push(Scalar::Str(key));
        self.push(value);
    }
}

/// Writes a struct's fields as `name[field]=value`.
struct Deep<'a, 'u> {
    sink: &'a mut QuerySink<'u>,
    name: &'a str,
}

impl Sink for Deep<'_, '_> {
    fn pair(&mut self, key: &str, value: Scalar<'_>) {
        self.sink.pair(key, value);
    }

    fn field_pair(&mut self, key: &str, value: Scalar<'_>) {
        let key = format!("{}[{key}]", self.name);
        self.sink.pair(&key, value);
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;

    fn query<T: Serialize + ?Sized>(key: &str, value: &T, style: QueryStyle) -> String {
        let mut url = String::new();
        let mut sink = QuerySink {
            url: &mut url,
            has_query: false,
        };
        serialize_query(&mut sink, key, value, style).unwrap();
        url
    }

    #[derive(Serialize)]
    struct Filter<'a> {
        color: &'a str,
        size: Option<u8>,
        tags: Vec<&'a str>,
    }

    #[test]
    fn sequences_joined_with_each_value_encoded() {
        let ids = [1, 2, 3];
        assert_eq!(query("ids", &ids, QueryStyle::Joined(",")), "?ids=1,2,3");
        assert_eq!(
            query("ids", &ids, QueryStyle::Joined("%20")),
            "?ids=1%202%203"
        );
        assert_eq!(
            query("ids", &ids, QueryStyle::Joined("%7C")),
            "?ids=1%7C2%7C3"
        );
        // A delimiter inside a value is encoded, so it stays one value.
        assert_eq!(
            query("q", &["a,b", "c d"], QueryStyle::Joined(",")),
            "?q=a%2Cb,c+d"
        );
        // Nothing to send, nothing sent; one value is just the value.
        assert_eq!(query("ids", &Vec::<u8>::new(), QueryStyle::Joined(",")), "");
        assert_eq!(query("ids", &None::<Vec<u8>>, QueryStyle::Joined(",")), "");
        assert_eq!(query("id", &7, QueryStyle::Joined(",")), "?id=7");
    }

    #[test]
    fn structs_joined_as_keys_and_values() {
        let map = BTreeMap::from([("a", 1), ("b", 2)]);
        assert_eq!(query("m", &map, QueryStyle::Joined(",")), "?m=a,1,b,2");
        let f = Filter {
            color: "red",
            size: None,
            tags: vec!["x", "y"],
        };
        assert_eq!(
            query("filter", &f, QueryStyle::Joined(",")),
            "?filter=color,red,tags,x,tags,y"
        );
    }

    #[test]
    fn deep_objects_name_each_field() {
        let f = Filter {
            color: "red",
            size: Some(3),
            tags: vec!["x"],
        };
        assert_eq!(
            query("filter", &f, QueryStyle::DeepObject),
            "?filter%5Bcolor%5D=red&filter%5Bsize%5D=3&filter%5Btags%5D=x"
        );
        // A scalar has no fields: it is sent as itself.
        assert_eq!(query("q", &"v", QueryStyle::DeepObject), "?q=v");
        let nested = BTreeMap::from([("a", BTreeMap::from([("b", 1)]))]);
        let mut url = String::new();
        let mut sink = QuerySink {
            url: &mut url,
            has_query: false,
        };
        let err = serialize_query(&mut sink, "n", &nested, QueryStyle::DeepObject);
        assert!(err.unwrap_err().to_string().contains("struct or map"));
    }
}
