//! Canonical JSON and diffs. The same data in any key order or format (JSON or YAML) has one
//! canonical text and so one content hash; that is what makes configs content-addressed.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// Compact JSON with object keys sorted (by UTF-8 bytes) at every level.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// SHA-256 of the canonical JSON, in hex.
pub fn content_hash(value: &Value) -> String {
    hex::encode(Sha256::digest(canonical_json(value).as_bytes()))
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeOp {
    Added,
    Removed,
    Changed,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PathChange {
    pub pointer: String,
    pub op: ChangeOp,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub before: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub after: Option<Value>,
}

/// Leaf-level differences as JSON pointers, in pointer order. Arrays compare by position.
pub fn diff_paths(before: &Value, after: &Value) -> Vec<PathChange> {
    let mut out = Vec::new();
    diff_into(before, after, String::new(), &mut out);
    out
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn diff_into(before: &Value, after: &Value, at: String, out: &mut Vec<PathChange>) {
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for key in keys {
                diff_slot(a.get(key), b.get(key), format!("{at}/{}", escape(key)), out);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for i in 0..a.len().max(b.len()) {
                diff_slot(a.get(i), b.get(i), format!("{at}/{i}"), out);
            }
        }
        (x, y) if x != y => out.push(PathChange {
            pointer: at,
            op: ChangeOp::Changed,
            before: Some(x.clone()),
            after: Some(y.clone()),
        }),
        _ => {}
    }
}

/// One member or element that may exist on either side.
fn diff_slot(
    before: Option<&Value>,
    after: Option<&Value>,
    path: String,
    out: &mut Vec<PathChange>,
) {
    match (before, after) {
        (Some(x), Some(y)) => diff_into(x, y, path, out),
        (Some(x), None) => out.push(PathChange {
            pointer: path,
            op: ChangeOp::Removed,
            before: Some(x.clone()),
            after: None,
        }),
        (None, Some(y)) => out.push(PathChange {
            pointer: path,
            op: ChangeOp::Added,
            before: None,
            after: Some(y.clone()),
        }),
        (None, None) => {}
    }
}

/// A unified diff of the two values as sorted, pretty-printed JSON.
pub fn unified_diff(before: &Value, after: &Value, from_label: &str, to_label: &str) -> String {
    let a = pretty_sorted(before);
    let b = pretty_sorted(after);
    similar::TextDiff::from_lines(&a, &b)
        .unified_diff()
        .context_radius(3)
        .header(from_label, to_label)
        .to_string()
}

fn pretty_sorted(value: &Value) -> String {
    // Re-parsing the canonical text gives sorted keys (serde_json's map is ordered by key).
    let sorted: Value = serde_json::from_str(&canonical_json(value)).unwrap_or(Value::Null);
    let mut text = serde_json::to_string_pretty(&sorted).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn key_order_does_not_matter() {
        let a: Value = serde_json::from_str(r#"{"b": 1, "a": {"y": [1, 2], "x": null}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a": {"x": null, "y": [1, 2]}, "b": 1}"#).unwrap();
        assert_eq!(canonical_json(&a), r#"{"a":{"x":null,"y":[1,2]},"b":1}"#);
        assert_eq!(content_hash(&a), content_hash(&b));
        assert_ne!(content_hash(&a), content_hash(&json!({"b": 2})));
    }

    #[test]
    fn diffs_name_each_changed_path() {
        let a =
            json!({"timeout_ms": 5000, "features": {"max_rules": 32, "old": true}, "list": [1, 2]});
        let b =
            json!({"timeout_ms": 3000, "features": {"max_rules": 32, "new/flag": 1}, "list": [1]});
        let changes = diff_paths(&a, &b);
        let summary: Vec<(String, ChangeOp)> = changes
            .iter()
            .map(|c| (c.pointer.clone(), c.op.clone()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("/features/new~1flag".into(), ChangeOp::Added),
                ("/features/old".into(), ChangeOp::Removed),
                ("/list/1".into(), ChangeOp::Removed),
                ("/timeout_ms".into(), ChangeOp::Changed),
            ]
        );
        let text = unified_diff(&a, &b, "rev 1", "rev 2");
        assert!(
            text.contains("-  \"timeout_ms\": 5000") && text.contains("+  \"timeout_ms\": 3000"),
            "{text}"
        );
        assert!(diff_paths(&a, &a).is_empty());
    }

    fn arb_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            "[a-z ]{0,8}".prop_map(Value::String),
            // Strings a YAML reader could take for something else.
            prop::sample::select(vec![
                "true",
                "no",
                "null",
                "~",
                "1.5",
                "0x1f",
                "2025-07-03",
                "- x",
                "a: b"
            ])
            .prop_map(|s| Value::String(s.to_owned())),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z]{1,5}", inner, 0..5)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// JSON text with every object's keys in reverse order.
    fn reversed_json(value: &Value) -> String {
        match value {
            Value::Object(map) => {
                let fields: Vec<String> = map
                    .iter()
                    .rev()
                    .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), reversed_json(v)))
                    .collect();
                format!("{{{}}}", fields.join(","))
            }
            Value::Array(items) => {
                let items: Vec<String> = items.iter().map(reversed_json).collect();
                format!("[{}]", items.join(","))
            }
            scalar => scalar.to_string(),
        }
    }

    proptest! {
        /// The property that makes configs content-addressed: the same data as JSON or YAML, in
        /// any key order, parses to one canonical form and one hash.
        #[test]
        fn json_and_yaml_of_the_same_data_hash_the_same(v in arb_json()) {
            let doc = json!({ "config": v });
            let yaml = serde_yaml_ng::to_string(&doc).unwrap();
            let (from_yaml, _) = crate::document::parse_document(yaml.as_bytes(), None).unwrap();
            let (from_json, _) =
                crate::document::parse_document(reversed_json(&doc).as_bytes(), None).unwrap();
            prop_assert_eq!(content_hash(&from_yaml), content_hash(&doc));
            prop_assert_eq!(content_hash(&from_json), content_hash(&doc));
            prop_assert_eq!(canonical_json(&from_yaml), canonical_json(&from_json));
        }

        #[test]
        fn canonicalisation_is_idempotent(v in arb_json()) {
            let once = canonical_json(&v);
            let again: Value = serde_json::from_str(&once).unwrap();
            prop_assert_eq!(canonical_json(&again), once);
            prop_assert!(diff_paths(&v, &again).is_empty());
        }
    }
}
