//! The JSON types a schema admits, with integers split from other numbers so that
//! `integer` is a subset of `number`.

use super::json::is_integer;
use serde_json::{Map, Value};
use std::ops::{BitAnd, BitOr};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct Types(u8);

/// Which way to lean when `type` is malformed: the accepting schema widens, the
/// constraining one narrows, so neither hides a break.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Lean {
    Wide,
    Narrow,
}

impl Types {
    pub const NONE: Types = Types(0);
    pub const NULL: Types = Types(1);
    pub const BOOLEAN: Types = Types(2);
    pub const OBJECT: Types = Types(4);
    pub const ARRAY: Types = Types(8);
    pub const STRING: Types = Types(16);
    pub const INTEGER: Types = Types(32);
    /// Numbers that are not whole.
    pub const FRACTION: Types = Types(64);
    pub const NUMBER: Types = Types(32 | 64);
    pub const ALL: Types = Types(127);

    fn named(name: &str) -> Option<Types> {
        Some(match name {
            "null" => Types::NULL,
            "boolean" => Types::BOOLEAN,
            "object" => Types::OBJECT,
            "array" => Types::ARRAY,
            "string" => Types::STRING,
            "integer" => Types::INTEGER,
            "number" => Types::NUMBER,
            _ => return None,
        })
    }

    /// The types a schema object's `type` keyword admits; no keyword admits all.
    pub fn declared(schema: &Map<String, Value>, lean: Lean) -> Types {
        let unknown = match lean {
            Lean::Wide => Types::ALL,
            Lean::Narrow => Types::NONE,
        };
        let one = |v: &Value| v.as_str().and_then(Types::named).unwrap_or(unknown);
        match schema.get("type") {
            None => Types::ALL,
            Some(Value::Array(names)) => names.iter().fold(Types::NONE, |acc, v| acc | one(v)),
            Some(v) => one(v),
        }
    }

    pub fn of(v: &Value) -> Types {
        match v {
            Value::Null => Types::NULL,
            Value::Bool(_) => Types::BOOLEAN,
            Value::Object(_) => Types::OBJECT,
            Value::Array(_) => Types::ARRAY,
            Value::String(_) => Types::STRING,
            Value::Number(n) if is_integer(n) => Types::INTEGER,
            Value::Number(_) => Types::FRACTION,
        }
    }

    /// The single types this set is made of, with integers and other numbers apart.
    pub fn atoms(self) -> impl Iterator<Item = Types> {
        (0..7)
            .map(|bit| Types(1 << bit))
            .filter(move |atom| self.contains(*atom))
    }

    pub fn admits(self, v: &Value) -> bool {
        self.intersects(Types::of(v))
    }

    pub fn contains(self, other: Types) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn intersects(self, other: Types) -> bool {
        self.0 & other.0 != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// "any type", "string", "integer or null", ...
    pub fn describe(self) -> String {
        if self == Types::ALL {
            return "any type".to_owned();
        }
        let mut names = Vec::new();
        for (t, name) in [
            (Types::NULL, "null"),
            (Types::BOOLEAN, "boolean"),
            (Types::OBJECT, "object"),
            (Types::ARRAY, "array"),
            (Types::STRING, "string"),
        ] {
            if self.contains(t) {
                names.push(name);
            }
        }
        if self.contains(Types::NUMBER) {
            names.push("number");
        } else if self.contains(Types::INTEGER) {
            names.push("integer");
        } else if self.contains(Types::FRACTION) {
            names.push("non-integer number");
        }
        match names.split_last() {
            None => "no type at all".to_owned(),
            Some((last, [])) => (*last).to_owned(),
            Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        }
    }
}

impl BitAnd for Types {
    type Output = Types;
    fn bitand(self, rhs: Types) -> Types {
        Types(self.0 & rhs.0)
    }
}

impl BitOr for Types {
    type Output = Types;
    fn bitor(self, rhs: Types) -> Types {
        Types(self.0 | rhs.0)
    }
}
