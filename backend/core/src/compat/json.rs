//! Small helpers over `serde_json` values: JSON equality, numbers, pointers, display.

use serde_json::{Map, Number, Value};

/// Equality as JSON Schema sees it: `1` and `1.0` are the same number.
pub(super) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => num_eq(x, y),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| json_eq(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

fn num_eq(x: &Number, y: &Number) -> bool {
    if let (Some(p), Some(q)) = (x.as_i64(), y.as_i64()) {
        return p == q;
    }
    if let (Some(p), Some(q)) = (x.as_u64(), y.as_u64()) {
        return p == q;
    }
    matches!((x.as_f64(), y.as_f64()), (Some(p), Some(q)) if p == q)
}

pub(super) fn is_integer(n: &Number) -> bool {
    n.is_i64()
        || n.is_u64()
        || n.as_f64()
            .is_some_and(|f| f.is_finite() && f.fract() == 0.0)
}

pub(super) fn number(m: &Map<String, Value>, key: &str) -> Option<f64> {
    m.get(key)?.as_f64().filter(|f| f.is_finite())
}

/// A non-negative whole number, as the length and count keywords take.
pub(super) fn count(m: &Map<String, Value>, key: &str) -> Option<u64> {
    let v = m.get(key)?;
    v.as_u64().or_else(|| {
        v.as_f64()
            .filter(|f| f.is_finite() && *f >= 0.0 && f.fract() == 0.0)
            .map(|f| f as u64)
    })
}

/// Whether `x` is a whole multiple of `step`, with room for floating-point noise.
pub(super) fn is_multiple(x: f64, step: f64) -> bool {
    if step <= 0.0 || !step.is_finite() || !x.is_finite() {
        return false;
    }
    let ratio = x / step;
    (ratio - ratio.round()).abs() <= 1e-9 * ratio.abs().max(1.0)
}

/// The pointer of a property or array position below `parent` (RFC 6901 escaping).
pub(super) fn child(parent: &str, token: &str) -> String {
    format!("{parent}/{}", token.replace('~', "~0").replace('/', "~1"))
}

pub(super) fn any_member(parent: &str) -> String {
    format!("{parent}/*")
}

/// Compact JSON, shortened so one huge enum value cannot swamp a message.
pub(super) fn show(v: &Value) -> String {
    const LIMIT: usize = 80;
    let text = v.to_string();
    if text.chars().count() <= LIMIT {
        return text;
    }
    let cut: String = text.chars().take(LIMIT).collect();
    format!("{cut}…")
}

pub(super) fn show_num(x: f64) -> String {
    format!("{x}")
}

pub(super) fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
