//! An event's data as the declared type: JSON, except that a `String` is
//! the data as it came (`Events<String>`), and an enum with a variant
//! named as the event (`event: delta`) is that variant, its data the
//! variant's content. An event with no name is `message`; a string enum
//! sent as data (`"open"`) is read from the data when no variant is named
//! `message`.

use serde::de::{self, DeserializeSeed, Deserializer, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;

use crate::events::sse::RawEvent;

/// Decodes `event` as `T`.
pub(crate) fn decode<T: serde::de::DeserializeOwned>(
    event: &RawEvent,
) -> Result<T, serde_json::Error> {
    T::deserialize(EventDe {
        name: Some(event.name.as_deref().unwrap_or("message")),
        named: event.name.is_some(),
        data: &event.data,
    })
}

/// The data of one event; `name` only at the top (a variant's content is
/// its data, never dispatched again).
struct EventDe<'a> {
    name: Option<&'a str>,
    /// The stream named the event (not the default `message`).
    named: bool,
    data: &'a str,
}

impl<'a> EventDe<'a> {
    /// The data as JSON, read whole.
    fn json<V, F>(&self, read: F) -> Result<V, serde_json::Error>
    where
        F: FnOnce(
            &mut serde_json::Deserializer<serde_json::de::StrRead<'a>>,
        ) -> Result<V, serde_json::Error>,
    {
        let mut json = serde_json::Deserializer::from_str(self.data);
        let value = read(&mut json)?;
        json.end()?;
        Ok(value)
    }
}

impl<'de> Deserializer<'de> for EventDe<'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.json(|json| json.deserialize_any(visitor))
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_borrowed_str(self.data)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        visitor.visit_borrowed_str(self.data)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        if self.data.trim() == "null" {
            visitor.visit_none()
        } else {
            visitor.visit_some(EventDe { name: None, ..self })
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.name {
            Some(event) if variants.contains(&event) => visitor.visit_enum(Variant {
                name: event,
                data: self.data,
            }),
            Some(event) if self.named => Err(de::Error::unknown_variant(event, variants)),
            _ => self.json(|json| json.deserialize_enum(name, variants, visitor)),
        }
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

/// A variant named by the event, its content the event's data.
struct Variant<'a> {
    name: &'a str,
    data: &'a str,
}

impl<'de> de::EnumAccess<'de> for Variant<'de> {
    type Error = serde_json::Error;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self), Self::Error> {
        let name: de::value::StrDeserializer<'_, serde_json::Error> = self.name.into_deserializer();
        Ok((seed.deserialize(name)?, self))
    }
}

impl<'de> de::VariantAccess<'de> for Variant<'de> {
    type Error = serde_json::Error;

    fn unit_variant(self) -> Result<(), Self::Error> {
        Ok(())
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<S::Value, Self::Error> {
        seed.deserialize(EventDe {
            name: None,
            named: false,
            data: self.data,
        })
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        let data = EventDe {
            name: None,
            named: false,
            data: self.data,
        };
        data.json(|json| json.deserialize_tuple(len, visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        let data = EventDe {
            name: None,
            named: false,
            data: self.data,
        };
        data.json(|json| json.deserialize_struct("", fields, visitor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(name: Option<&str>, data: &str) -> RawEvent {
        RawEvent {
            name: name.map(str::to_owned),
            data: data.to_owned(),
            id: None,
            retry: None,
            not_utf8: false,
        }
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    struct Delta {
        text: String,
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Chat {
        Delta(Delta),
        Usage { tokens: u32 },
        Ping,
        Message(String),
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum State {
        Open,
        Closed,
    }

    #[test]
    fn the_event_name_picks_the_variant() {
        let chat = |name, data| decode::<Chat>(&event(name, data));
        assert_eq!(
            chat(Some("delta"), r#"{"text": "Hi"}"#).unwrap(),
            Chat::Delta(Delta { text: "Hi".into() })
        );
        assert_eq!(
            chat(Some("usage"), r#"{"tokens": 3}"#).unwrap(),
            Chat::Usage { tokens: 3 }
        );
        assert_eq!(chat(Some("ping"), "").unwrap(), Chat::Ping);
        // No name: `message`, whose content is the data as text.
        assert_eq!(
            chat(None, "plain words").unwrap(),
            Chat::Message("plain words".into())
        );
        let unknown = chat(Some("other"), "{}").unwrap_err().to_string();
        assert!(unknown.contains("unknown variant `other`"), "{unknown}");
    }

    #[test]
    fn strings_are_the_data_and_string_enums_come_from_json() {
        assert_eq!(
            decode::<String>(&event(None, "a \"b\"")).unwrap(),
            "a \"b\""
        );
        assert_eq!(
            decode::<State>(&event(None, "\"open\"")).unwrap(),
            State::Open
        );
        assert_eq!(decode::<Option<Delta>>(&event(None, "null")).unwrap(), None);
        assert_eq!(
            decode::<Delta>(&event(Some("any"), r#"{"text": "x"}"#)).unwrap(),
            Delta { text: "x".into() }
        );
        assert!(decode::<Delta>(&event(None, r#"{"text": "x"} trailing"#)).is_err());
    }
}
