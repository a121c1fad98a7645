//! Whether a concrete value already fails one schema object's own simple keywords. It shrinks
//! the finite set of values an `enum`/`const` allows; "not refuted" is the safe answer
//! whenever a keyword needs more than this (subschemas, regexes, formats).

use super::json::{count, is_multiple, json_eq, number};
use super::types::{Lean, Types};
use serde_json::{Map, Value};

pub(super) fn refuted(m: &Map<String, Value>, v: &Value) -> bool {
    if !Types::declared(m, Lean::Wide).admits(v) {
        return true;
    }
    if let Some(Value::Array(options)) = m.get("enum") {
        if !options.iter().any(|o| json_eq(o, v)) {
            return true;
        }
    }
    if m.get("const").is_some_and(|c| !json_eq(c, v)) {
        return true;
    }
    match v {
        Value::Number(n) => n.as_f64().is_some_and(|x| number_refuted(m, x)),
        Value::String(s) => outside(m, "minLength", "maxLength", s.chars().count()),
        Value::Array(items) => {
            let repeated = m.get("uniqueItems") == Some(&Value::Bool(true))
                && items
                    .iter()
                    .enumerate()
                    .any(|(i, a)| items.iter().skip(i + 1).any(|b| json_eq(a, b)));
            repeated || outside(m, "minItems", "maxItems", items.len())
        }
        Value::Object(o) => {
            let missing = m
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .any(|name| !o.contains_key(name));
            missing || outside(m, "minProperties", "maxProperties", o.len())
        }
        Value::Null | Value::Bool(_) => false,
    }
}

fn outside(m: &Map<String, Value>, min: &str, max: &str, size: usize) -> bool {
    let size = size as u64;
    count(m, min).is_some_and(|lo| size < lo) || count(m, max).is_some_and(|hi| size > hi)
}

fn number_refuted(m: &Map<String, Value>, x: f64) -> bool {
    let draft4 = |key: &str| m.get(key) == Some(&Value::Bool(true));
    let over = number(m, "maximum")
        .is_some_and(|hi| x > hi || (draft4("exclusiveMaximum") && x >= hi))
        || number(m, "exclusiveMaximum").is_some_and(|hi| x >= hi);
    let under = number(m, "minimum")
        .is_some_and(|lo| x < lo || (draft4("exclusiveMinimum") && x <= lo))
        || number(m, "exclusiveMinimum").is_some_and(|lo| x <= lo);
    let off_step = number(m, "multipleOf").is_some_and(|step| step > 0.0 && !is_multiple(x, step));
    over || under || off_step
}
