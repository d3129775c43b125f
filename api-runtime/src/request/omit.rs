//! `#[body(omit_none)]`: a JSON body whose `None` fields are left out, for
//! partial updates (PATCH). A field that is `None` is not sent at all; an
//! `Option<Option<T>>` field that is `Some(None)` is sent as `null`, and
//! `Some(Some(v))` as `v`: three states, as a partial update needs.
//!
//! `OmitNone(&value)` serializes `value` through a serializer that asks each
//! struct field and map value, before writing it, whether it is `None` (a
//! probe serializer that stops at the first call), and skips it if so. Every
//! other call is passed on unchanged, at any depth.

use std::fmt;

use serde::ser::{
    self, Impossible, Serialize, SerializeMap, SerializeSeq, SerializeStruct,
    SerializeStructVariant, SerializeTuple, SerializeTupleStruct, SerializeTupleVariant,
    Serializer,
};

/// `value`, serialized with its `None` fields left out.
pub(crate) struct OmitNone<'a, T: ?Sized>(pub(crate) &'a T);

impl<T: Serialize + ?Sized> Serialize for OmitNone<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(Omitting(serializer))
    }
}

/// Whether `value` serializes as `None` (and nothing else).
fn is_none<T: Serialize + ?Sized>(value: &T) -> bool {
    value.serialize(NoneProbe).is_ok()
}

/// Answers `Ok` to `serialize_none` and stops at any other call.
struct NoneProbe;

#[derive(Debug)]
struct NotNone;

impl fmt::Display for NotNone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not None")
    }
}

impl std::error::Error for NotNone {}

impl ser::Error for NotNone {
    fn custom<M: fmt::Display>(_: M) -> Self {
        NotNone
    }
}

/// Every method of `NoneProbe` but `serialize_none`: not `None`.
macro_rules! not_none {
    ($($name:ident($($arg:ty),*) -> $ret:ty;)*) => {
        $(fn $name(self, $(_: $arg),*) -> Result<$ret, NotNone> { Err(NotNone) })*
    };
}

impl Serializer for NoneProbe {
    type Ok = ();
    type Error = NotNone;
    type SerializeSeq = Impossible<(), NotNone>;
    type SerializeTuple = Impossible<(), NotNone>;
    type SerializeTupleStruct = Impossible<(), NotNone>;
    type SerializeTupleVariant = Impossible<(), NotNone>;
    type SerializeMap = Impossible<(), NotNone>;
    type SerializeStruct = Impossible<(), NotNone>;
    type SerializeStructVariant = Impossible<(), NotNone>;

    fn serialize_none(self) -> Result<(), NotNone> {
        Ok(())
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), NotNone> {
        Err(NotNone)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: &T,
    ) -> Result<(), NotNone> {
        Err(NotNone)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), NotNone> {
        Err(NotNone)
    }

    not_none! {
        serialize_bool(bool) -> ();
        serialize_i8(i8) -> ();
        serialize_i16(i16) -> ();
        serialize_i32(i32) -> ();
        serialize_i64(i64) -> ();
        serialize_i128(i128) -> ();
        serialize_u8(u8) -> ();
        serialize_u16(u16) -> ();
        serialize_u32(u32) -> ();
        serialize_u64(u64) -> ();
        serialize_u128(u128) -> ();
        serialize_f32(f32) -> ();
        serialize_f64(f64) -> ();
        serialize_char(char) -> ();
        serialize_str(&str) -> ();
        serialize_bytes(&[u8]) -> ();
        serialize_unit() -> ();
        serialize_unit_struct(&'static str) -> ();
        serialize_unit_variant(&'static str, u32, &'static str) -> ();
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }
}

/// A serializer that passes every call on to `S`, wrapping what it
/// serializes next in [`OmitNone`] and skipping `None` fields.
struct Omitting<S>(S);

/// A compound serializer of `S`, wrapped the same way.
struct Compound<C>(C);

/// Scalar methods passed on as they are.
macro_rules! forward {
    ($($name:ident($($arg:ident: $ty:ty),*);)*) => {
        $(fn $name(self, $($arg: $ty),*) -> Result<S::Ok, S::Error> { self.0.$name($($arg),*) })*
    };
}

impl<S: Serializer> Serializer for Omitting<S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Compound<S::SerializeSeq>;
    type SerializeTuple = Compound<S::SerializeTuple>;
    type SerializeTupleStruct = Compound<S::SerializeTupleStruct>;
    type SerializeTupleVariant = Compound<S::SerializeTupleVariant>;
    type SerializeMap = Compound<S::SerializeMap>;
    type SerializeStruct = Compound<S::SerializeStruct>;
    type SerializeStructVariant = Compound<S::SerializeStructVariant>;

    forward! {
        serialize_bool(v: bool);
        serialize_i8(v: i8);
        serialize_i16(v: i16);
        serialize_i32(v: i32);
        serialize_i64(v: i64);
        serialize_i128(v: i128);
        serialize_u8(v: u8);
        serialize_u16(v: u16);
        serialize_u32(v: u32);
        serialize_u64(v: u64);
        serialize_u128(v: u128);
        serialize_f32(v: f32);
        serialize_f64(v: f64);
        serialize_char(v: char);
        serialize_str(v: &str);
        serialize_bytes(v: &[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(name: &'static str);
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str);
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.0.serialize_some(&OmitNone(value))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0.serialize_newtype_struct(name, &OmitNone(value))
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.0
            .serialize_newtype_variant(name, index, variant, &OmitNone(value))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        self.0.serialize_seq(len).map(Compound)
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        self.0.serialize_tuple(len).map(Compound)
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        self.0.serialize_tuple_struct(name, len).map(Compound)
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        self.0
            .serialize_tuple_variant(name, index, variant, len)
            .map(Compound)
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        // The length may shrink: announce none.
        let _ = len;
        self.0.serialize_map(None).map(Compound)
    }

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        self.0.serialize_struct(name, len).map(Compound)
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        self.0
            .serialize_struct_variant(name, index, variant, len)
            .map(Compound)
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// The element methods of sequence-like compounds: each element wrapped.
macro_rules! elements {
    ($($trait:ident::$method:ident;)*) => {$(
        impl<C: $trait> $trait for Compound<C> {
            type Ok = C::Ok;
            type Error = C::Error;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
                self.0.$method(&OmitNone(value))
            }

            fn end(self) -> Result<C::Ok, C::Error> {
                self.0.end()
            }
        }
    )*};
}

elements! {
    SerializeSeq::serialize_element;
    SerializeTuple::serialize_element;
    SerializeTupleStruct::serialize_field;
    SerializeTupleVariant::serialize_field;
}

impl<C: SerializeMap> SerializeMap for Compound<C> {
    type Ok = C::Ok;
    type Error = C::Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), C::Error> {
        self.0.serialize_key(key)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        self.0.serialize_value(&OmitNone(value))
    }

    fn serialize_entry<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<(), C::Error> {
        if is_none(value) {
            return Ok(());
        }
        self.0.serialize_entry(key, &OmitNone(value))
    }

    fn end(self) -> Result<C::Ok, C::Error> {
        self.0.end()
    }
}

/// The field methods of struct-like compounds: `None` fields skipped.
macro_rules! fields {
    ($($trait:ident;)*) => {$(
        impl<C: $trait> $trait for Compound<C> {
            type Ok = C::Ok;
            type Error = C::Error;

            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), C::Error> {
                if is_none(value) {
                    return self.0.skip_field(key);
                }
                self.0.serialize_field(key, &OmitNone(value))
            }

            fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
                self.0.skip_field(key)
            }

            fn end(self) -> Result<C::Ok, C::Error> {
                self.0.end()
            }
        }
    )*};
}

fields! {
    SerializeStruct;
    SerializeStructVariant;
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::Serialize;
    use serde_json::json;

    use super::OmitNone;

    #[derive(Serialize)]
    struct Patch {
        title: Option<String>,
        body: Option<Option<String>>,
        labels: Option<Vec<String>>,
        milestone: Option<Option<u32>>,
        nested: Option<Inner>,
        kept: u8,
    }

    #[derive(Serialize)]
    struct Inner {
        a: Option<u8>,
        b: Option<u8>,
    }

    fn json<T: Serialize>(value: &T) -> serde_json::Value {
        serde_json::to_value(OmitNone(value)).unwrap()
    }

    #[test]
    fn none_is_left_out_and_some_none_is_null() {
        let patch = Patch {
            title: None,
            body: Some(None),
            labels: Some(vec![]),
            milestone: Some(Some(3)),
            nested: Some(Inner {
                a: None,
                b: Some(1),
            }),
            kept: 0,
        };
        assert_eq!(
            json(&patch),
            json!({"body": null, "labels": [], "milestone": 3, "nested": {"b": 1}, "kept": 0})
        );
        // Written as text too (serde_json's own struct serializer).
        let text = serde_json::to_string(&OmitNone(&patch)).unwrap();
        assert!(!text.contains("title"), "{text}");
    }

    #[test]
    fn maps_sequences_and_enums_pass_through() {
        let mut map = BTreeMap::new();
        map.insert("x", None);
        map.insert("y", Some(2));
        assert_eq!(json(&map), json!({"y": 2}));
        assert_eq!(json(&vec![Some(1), None]), json!([1, null]));
        #[derive(Serialize)]
        enum E {
            V { a: Option<u8>, b: u8 },
        }
        assert_eq!(json(&E::V { a: None, b: 1 }), json!({"V": {"b": 1}}));
        assert_eq!(json(&Option::<u8>::None), json!(null));
    }
}
