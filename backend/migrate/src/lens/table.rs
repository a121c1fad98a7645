//! `convert` tables as written in lens files: scalar keys (matched by their text) to any
//! values, and the backward table derived from a one-to-one forward table.

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

/// A `convert` table as written: scalar keys (their text is what matches) to any values. The
/// keys keep their YAML type so that a derived backward table gives `true` back, not "true".
pub(crate) struct Table(Vec<(Key, Value)>);

struct Key {
    text: String,
    value: Value,
}

impl Table {
    pub(crate) fn into_entries(self) -> Vec<(String, Value)> {
        self.0
            .into_iter()
            .map(|(key, value)| (key.text, value))
            .collect()
    }

    /// The table's values, in the order written.
    pub(crate) fn values(&self) -> impl Iterator<Item = &Value> {
        self.0.iter().map(|(_, value)| value)
    }

    /// The backward table of a one-to-one forward table with scalar values. `produce` turns
    /// each forward key (as typed in the file) into the value down gives back.
    pub(crate) fn derive_backward(
        &self,
        produce: impl Fn(&Value) -> Result<Value, String>,
    ) -> Result<Table, String> {
        let mut entries: Vec<(Key, Value)> = Vec::with_capacity(self.0.len());
        for (key, value) in &self.0 {
            let Some(text) = scalar_text(value) else {
                return Err(format!(
                    "cannot derive the backward table: `{}` maps to {}; give the backward table as the second entry of `mapping`",
                    key.text,
                    super::apply::kind(value)
                ));
            };
            if let Some((other, _)) = entries.iter().find(|(k, _)| k.text == text) {
                return Err(format!(
                    "cannot derive the backward table: {} and {} both map to {value}; give the backward table as the second entry of `mapping`",
                    other.value, key.value
                ));
            }
            entries.push((
                Key {
                    text,
                    value: key.value.clone(),
                },
                produce(&key.value)?,
            ));
        }
        Ok(Table(entries))
    }
}

/// The text a scalar is matched by: a string's content, other scalars' JSON text.
fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Array(_) | Value::Object(_) => None,
        scalar => Some(scalar.to_string()),
    }
}

impl<'de> Deserialize<'de> for Table {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TableVisitor;
        impl<'de> Visitor<'de> for TableVisitor {
            type Value = Table;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a table: a mapping from values to values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Table, A::Error> {
                let mut entries = Vec::new();
                while let Some((key, value)) = map.next_entry::<Key, Value>()? {
                    entries.push((key, value));
                }
                Ok(Table(entries))
            }
        }
        deserializer.deserialize_map(TableVisitor)
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl KeyVisitor {
            fn key<E: de::Error>(value: Value) -> Result<Key, E> {
                let text = scalar_text(&value).ok_or_else(|| {
                    E::custom("a table key must be a string, number, boolean or null")
                })?;
                Ok(Key { text, value })
            }
        }
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, number, boolean or null")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Self::key(Value::String(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Key, E> {
                Self::key(Value::String(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Key, E> {
                Self::key(Value::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Key, E> {
                Self::key(Value::from(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Key, E> {
                Self::key(Value::from(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Key, E> {
                match serde_json::Number::from_f64(v) {
                    Some(number) => Self::key(Value::Number(number)),
                    None => Err(E::custom("a table key cannot be NaN or infinite")),
                }
            }
            fn visit_unit<E: de::Error>(self) -> Result<Key, E> {
                Self::key(Value::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Key, E> {
                Self::key(Value::Null)
            }
        }
        deserializer.deserialize_any(KeyVisitor)
    }
}
