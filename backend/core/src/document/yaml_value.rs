//! YAML straight into `serde_json::Value`, refusing what JSON cannot hold.
//!
//! `serde_json::Value`'s own `Deserialize` would quietly turn the YAML keys `1`, `true` or
//! `~` into the strings "1", "true" and "~", and `.nan` into null; a config that relies on
//! either means something other than its author thinks, so both are errors here. Building
//! the value in one pass also avoids the detour through `serde_yaml_ng::Value`.

use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;

pub fn from_slice(bytes: &[u8]) -> Result<Value, serde_yaml_ng::Error> {
    JsonValue.deserialize(serde_yaml_ng::Deserializer::from_slice(bytes))
}

struct JsonValue;

impl<'de> DeserializeSeed<'de> for JsonValue {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for JsonValue {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value of the JSON data model")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        match (i64::try_from(v), u64::try_from(v)) {
            (Ok(v), _) => Ok(Value::Number(v.into())),
            (_, Ok(v)) => Ok(Value::Number(v.into())),
            _ => Err(E::custom(format!("integer {v} is out of range"))),
        }
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        u64::try_from(v)
            .map(|v| Value::Number(v.into()))
            .map_err(|_| E::custom(format!("integer {v} is out of range")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom(format!("{v} is not a number JSON can represent")))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element_seed(JsonValue)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key_seed(StringKey)? {
            let value = map.next_value_seed(JsonValue)?;
            object.insert(key, value);
        }
        Ok(Value::Object(object))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, _data: A) -> Result<Value, A::Error> {
        Err(de::Error::custom(
            "YAML tags such as `!name` have no JSON equivalent",
        ))
    }
}

/// A mapping key, which JSON only allows to be a string.
struct StringKey;

impl<'de> DeserializeSeed<'de> for StringKey {
    type Value = String;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<String, D::Error> {
        deserializer.deserialize_any(self)
    }
}

fn not_a_string<E: de::Error>(key: impl fmt::Display) -> E {
    E::custom(format!(
        "mapping key {key} is not a string; quote it to use it as a JSON object key"
    ))
}

impl<'de> Visitor<'de> for StringKey {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_str<E>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_string<E>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Err(not_a_string(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Err(not_a_string(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Err(not_a_string(v))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<String, E> {
        Err(not_a_string(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<String, E> {
        Err(not_a_string(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Err(not_a_string(v))
    }

    fn visit_unit<E: de::Error>(self) -> Result<String, E> {
        Err(not_a_string("null"))
    }

    fn visit_none<E: de::Error>(self) -> Result<String, E> {
        Err(not_a_string("null"))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, _seq: A) -> Result<String, A::Error> {
        Err(not_a_string("(a sequence)"))
    }

    fn visit_map<A: MapAccess<'de>>(self, _map: A) -> Result<String, A::Error> {
        Err(not_a_string("(a mapping)"))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, _data: A) -> Result<String, A::Error> {
        Err(not_a_string("(a tagged value)"))
    }
}
