//! Query and header arguments through serde: a small `Serializer` that turns
//! a scalar, an `Option`, a sequence or (for queries) a flat struct into
//! `key = value` pairs, with no intermediate `String` for numbers.
//!
//! | argument                  | pairs                                  |
//! |---------------------------|----------------------------------------|
//! | `q: &str` = `"rust"`      | `q=rust`                               |
//! | `page: Option<u32>`       | `page=2`, or nothing when `None`       |
//! | `tag: Vec<&str>`          | `tag=a&tag=b`                          |
//! | `filter: &Filter` (struct)| one pair per field, named by serde     |

use std::fmt::{self, Display, Write as _};

use serde::ser::{self, Impossible, Serialize};

/// One value as the serializer hands it over.
pub(crate) enum Scalar<'a> {
    Str(&'a str),
    Display(&'a dyn Display),
}

/// Where pairs go.
pub(crate) trait Sink {
    /// A value of the argument itself (or an element of it).
    fn pair(&mut self, key: &str, value: Scalar<'_>);

    /// A value of a field of a flattened struct or map, under the field's
    /// key (a query style may write it differently: `filter[key]=value`).
    fn field_pair(&mut self, key: &str, value: Scalar<'_>) {
        self.pair(key, value);
    }
}

/// How deep in the argument the serializer is: what may appear there.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    /// The argument itself: a scalar, a sequence, or (if allowed) a struct.
    Top { structs: bool },
    /// A field of a flattened struct: a scalar or a sequence.
    Field,
    /// An element of a sequence: a scalar.
    Item,
}

/// Why an argument cannot be sent as a query or header value.
#[derive(Debug)]
pub(crate) struct ParamError(String);

impl Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ParamError {}

impl ser::Error for ParamError {
    fn custom<T: Display>(msg: T) -> Self {
        ParamError(msg.to_string())
    }
}

/// Serializes `value` under `key` into `sink`. Structs and maps are
/// flattened (their field names become keys) only when `structs` is true.
pub(crate) fn serialize_pairs<T: Serialize + ?Sized>(
    sink: &mut dyn Sink,
    key: &str,
    value: &T,
    structs: bool,
) -> Result<(), ParamError> {
    value.serialize(PairSerializer {
        sink,
        key,
        level: Level::Top { structs },
        field: false,
    })
}

struct PairSerializer<'s, 'k> {
    sink: &'s mut dyn Sink,
    key: &'k str,
    level: Level,
    /// Inside a struct's field (the field itself or an element of it).
    field: bool,
}

impl PairSerializer<'_, '_> {
    fn emit(self, value: Scalar<'_>) -> Result<(), ParamError> {
        if self.field {
            self.sink.field_pair(self.key, value);
        } else {
            self.sink.pair(self.key, value);
        }
        Ok(())
    }

    fn unsupported(&self, what: &str) -> ParamError {
        let place = match self.level {
            Level::Top { .. } => "as a value",
            Level::Field => "as a struct field",
            Level::Item => "inside a sequence",
        };
        ParamError(format!("`{}`: {what} is not supported {place}", self.key))
    }
}

macro_rules! display_scalars {
    ($($method:ident: $ty:ty),* $(,)?) => {
        $(fn $method(self, v: $ty) -> Result<(), ParamError> {
            self.emit(Scalar::Display(&v))
        })*
    };
}

impl<'s, 'k> ser::Serializer for PairSerializer<'s, 'k> {
    type Ok = ();
    type Error = ParamError;
    type SerializeSeq = SeqPairs<'s, 'k>;
    type SerializeTuple = SeqPairs<'s, 'k>;
    type SerializeTupleStruct = SeqPairs<'s, 'k>;
    type SerializeTupleVariant = Impossible<(), ParamError>;
    type SerializeMap = StructPairs<'s>;
    type SerializeStruct = StructPairs<'s>;
    type SerializeStructVariant = Impossible<(), ParamError>;

    display_scalars!(
        serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_i128: i128, serialize_u8: u8, serialize_u16: u16,
        serialize_u32: u32, serialize_u64: u64, serialize_u128: u128, serialize_f32: f32,
        serialize_f64: f64, serialize_char: char,
    );

    fn serialize_str(self, v: &str) -> Result<(), ParamError> {
        self.emit(Scalar::Str(v))
    }

    fn serialize_bytes(self, _: &[u8]) -> Result<(), ParamError> {
        Err(self.unsupported("a byte array"))
    }

    fn serialize_none(self) -> Result<(), ParamError> {
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), ParamError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), ParamError> {
        Ok(())
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), ParamError> {
        Ok(())
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), ParamError> {
        self.emit(Scalar::Str(variant))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), ParamError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), ParamError> {
        Err(self.unsupported("an enum variant with data"))
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<SeqPairs<'s, 'k>, ParamError> {
        if self.level == Level::Item {
            return Err(self.unsupported("a nested sequence"));
        }
        Ok(SeqPairs {
            sink: self.sink,
            key: self.key,
            field: self.field,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<SeqPairs<'s, 'k>, ParamError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<SeqPairs<'s, 'k>, ParamError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, ParamError> {
        Err(self.unsupported("an enum variant with data"))
    }

    fn serialize_map(self, _: Option<usize>) -> Result<StructPairs<'s>, ParamError> {
        match self.level {
            Level::Top { structs: true } => Ok(StructPairs {
                sink: self.sink,
                key: None,
            }),
            _ => Err(self.unsupported("a struct or map")),
        }
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<StructPairs<'s>, ParamError> {
        self.serialize_map(None)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, ParamError> {
        Err(self.unsupported("an enum variant with data"))
    }
}

/// The elements of a sequence: each a pair under the same key.
pub(crate) struct SeqPairs<'s, 'k> {
    sink: &'s mut dyn Sink,
    key: &'k str,
    field: bool,
}

impl SeqPairs<'_, '_> {
    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ParamError> {
        value.serialize(PairSerializer {
            sink: &mut *self.sink,
            key: self.key,
            level: Level::Item,
            field: self.field,
        })
    }
}

macro_rules! seq_like {
    ($($trait:ident :: $method:ident),*) => {
        $(impl ser::$trait for SeqPairs<'_, '_> {
            type Ok = ();
            type Error = ParamError;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ParamError> {
                self.item(value)
            }
            fn end(self) -> Result<(), ParamError> {
                Ok(())
            }
        })*
    };
}

seq_like!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field
);

/// The fields of a flattened struct or map: each a pair named by its key.
pub(crate) struct StructPairs<'s> {
    sink: &'s mut dyn Sink,
    key: Option<String>,
}

impl StructPairs<'_> {
    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), ParamError> {
        value.serialize(PairSerializer {
            sink: &mut *self.sink,
            key,
            level: Level::Field,
            field: true,
        })
    }
}

impl ser::SerializeStruct for StructPairs<'_> {
    type Ok = ();
    type Error = ParamError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), ParamError> {
        self.field(key, value)
    }

    fn end(self) -> Result<(), ParamError> {
        Ok(())
    }
}

impl ser::SerializeMap for StructPairs<'_> {
    type Ok = ();
    type Error = ParamError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), ParamError> {
        let mut text = KeyText(None);
        serialize_pairs(&mut text, "map key", key, false)?;
        self.key = Some(
            text.0
                .ok_or_else(|| ParamError("a map key must be a string or a number".into()))?,
        );
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ParamError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| ParamError("a map value came without its key".into()))?;
        self.field(&key, value)
    }

    fn end(self) -> Result<(), ParamError> {
        Ok(())
    }
}

/// Collects the text of single values, e.g. a map key or a header value.
pub(crate) struct KeyText(pub(crate) Option<String>);

impl Sink for KeyText {
    fn pair(&mut self, _: &str, value: Scalar<'_>) {
        self.0 = Some(match value {
            Scalar::Str(s) => s.to_owned(),
            Scalar::Display(d) => d.to_string(),
        });
    }
}

/// Appends `key=value` pairs, form-urlencoded, to a URL being built.
pub(crate) struct QuerySink<'a> {
    pub(crate) url: &'a mut String,
    pub(crate) has_query: bool,
}

impl QuerySink<'_> {
    fn separator(&mut self) {
        self.url.push(if self.has_query { '&' } else { '?' });
        self.has_query = true;
    }

    /// `key=value` with `value` already encoded.
    pub(crate) fn encoded_pair(&mut self, key: &str, value: &str) {
        self.separator();
        self.url
            .extend(form_urlencoded::byte_serialize(key.as_bytes()));
        self.url.push('=');
        self.url.push_str(value);
    }
}

/// Appends `value`, form-urlencoded, to `out`.
pub(crate) fn encode_into(out: &mut String, value: Scalar<'_>) {
    match value {
        Scalar::Str(s) => out.extend(form_urlencoded::byte_serialize(s.as_bytes())),
        Scalar::Display(d) => {
            let _ = write!(FormEncoder(out), "{d}");
        }
    }
}

impl Sink for QuerySink<'_> {
    fn pair(&mut self, key: &str, value: Scalar<'_>) {
        self.separator();
        self.url
            .extend(form_urlencoded::byte_serialize(key.as_bytes()));
        self.url.push('=');
        // Numbers, booleans and chars are encoded as they are written: no
        // intermediate String.
        encode_into(self.url, value);
    }
}

/// A `fmt::Write` that form-urlencodes what is written into it.
struct FormEncoder<'a>(&'a mut String);

impl fmt::Write for FormEncoder<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend(form_urlencoded::byte_serialize(s.as_bytes()));
        Ok(())
    }
}

/// Collects every value of a header argument (a sequence gives several).
pub(crate) struct HeaderValues(pub(crate) Vec<String>);

impl Sink for HeaderValues {
    fn pair(&mut self, _: &str, value: Scalar<'_>) {
        self.0.push(match value {
            Scalar::Str(s) => s.to_owned(),
            Scalar::Display(d) => d.to_string(),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Serialize;
    use std::collections::BTreeMap;

    fn query<T: Serialize + ?Sized>(key: &str, value: &T) -> Result<String, String> {
        let mut url = String::from("http://h/p");
        let mut sink = QuerySink {
            url: &mut url,
            has_query: false,
        };
        serialize_pairs(&mut sink, key, value, true).map_err(|e| e.to_string())?;
        Ok(url["http://h/p".len()..].to_owned())
    }

    #[derive(Serialize)]
    struct Filter<'a> {
        state: &'a str,
        #[serde(rename = "per_page")]
        per: Option<u8>,
        labels: Vec<&'a str>,
        page: Option<u32>,
    }

    #[derive(Serialize)]
    enum Sort {
        #[serde(rename = "created")]
        Created,
    }

    #[test]
    fn scalars_options_and_sequences() {
        assert_eq!(query("q", "a b&c=d").unwrap(), "?q=a+b%26c%3Dd");
        assert_eq!(query("n", &-7i32).unwrap(), "?n=-7");
        assert_eq!(query("f", &1.5f64).unwrap(), "?f=1.5");
        assert_eq!(query("b", &true).unwrap(), "?b=true");
        assert_eq!(query("o", &None::<u8>).unwrap(), "");
        assert_eq!(query("o", &Some(3u8)).unwrap(), "?o=3");
        assert_eq!(query("t", &["x", "y"]).unwrap(), "?t=x&t=y");
        assert_eq!(query("s", &Sort::Created).unwrap(), "?s=created");
        assert_eq!(query("c", &'é').unwrap(), "?c=%C3%A9");
    }

    #[test]
    fn structs_and_maps_are_flattened() {
        let f = Filter {
            state: "open",
            per: Some(50),
            labels: vec!["bug", "ui"],
            page: None,
        };
        assert_eq!(
            query("ignored", &f).unwrap(),
            "?state=open&per_page=50&labels=bug&labels=ui"
        );
        let map = BTreeMap::from([("a", 1), ("b", 2)]);
        assert_eq!(query("m", &map).unwrap(), "?a=1&b=2");
    }

    #[test]
    fn unsupported_shapes_are_errors() {
        assert!(
            query("n", &vec![vec![1]])
                .unwrap_err()
                .contains("nested sequence")
        );
        let nested = BTreeMap::from([("inner", BTreeMap::from([("a", 1)]))]);
        assert!(query("n", &nested).unwrap_err().contains("struct or map"));
        let mut values = HeaderValues(Vec::new());
        let err = serialize_pairs(&mut values, "X-A", &BTreeMap::from([("a", 1)]), false);
        assert!(err.unwrap_err().to_string().contains("`X-A`"));
    }
}
