//! Canonical JSON and diffs. The same data in any key order or format (JSON or YAML) has one
//! canonical text and so one content hash; that is what makes configs content-addressed.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

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

/// How much a diff may produce: two 256 KiB documents differing everywhere would otherwise
/// give hundreds of thousands of changes, and their pretty-printed text (indentation grows
/// with depth) tens of megabytes.
#[derive(Debug, Clone, Copy)]
pub struct DiffLimits {
    /// Path changes listed, at most.
    pub max_changes: usize,
    /// Bytes of unified text, at most; also caps each side's pretty-printed text at four times
    /// this, beyond which no text diff is made.
    pub max_text: usize,
    /// When the line diff must stop refining (it then reports a coarser, still correct diff).
    pub deadline: Option<Instant>,
}

impl DiffLimits {
    /// What the API answers with.
    pub fn api() -> Self {
        Self {
            max_changes: 1000,
            max_text: 1 << 20,
            deadline: Some(Instant::now() + Duration::from_millis(500)),
        }
    }
}

/// Leaf-level differences as JSON pointers, in pointer order, and whether the list stops at
/// `max_changes`. Arrays compare by position.
pub fn diff_paths(before: &Value, after: &Value, max_changes: usize) -> (Vec<PathChange>, bool) {
    let mut out = Changes {
        list: Vec::new(),
        max: max_changes,
        truncated: false,
    };
    diff_into(before, after, String::new(), &mut out);
    (out.list, out.truncated)
}

struct Changes {
    list: Vec<PathChange>,
    max: usize,
    truncated: bool,
}

impl Changes {
    fn push(&mut self, change: PathChange) {
        if self.list.len() < self.max {
            self.list.push(change);
        } else {
            self.truncated = true;
        }
    }

    fn full(&self) -> bool {
        self.truncated
    }
}

fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn diff_into(before: &Value, after: &Value, at: String, out: &mut Changes) {
    if out.full() {
        return;
    }
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
fn diff_slot(before: Option<&Value>, after: Option<&Value>, path: String, out: &mut Changes) {
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

/// A unified diff of the two values as sorted, pretty-printed JSON, within `limits`, and
/// whether it was cut (the text then ends with a line saying so).
pub fn unified_diff(
    before: &Value,
    after: &Value,
    from_label: &str,
    to_label: &str,
    limits: &DiffLimits,
) -> (String, bool) {
    let side_cap = limits.max_text.saturating_mul(4);
    let (Some(a), Some(b)) = (
        pretty_sorted(before, side_cap),
        pretty_sorted(after, side_cap),
    ) else {
        return (
            format!("--- {from_label}\n+++ {to_label}\n{}", cut_note(limits)),
            true,
        );
    };
    let mut config = similar::TextDiff::configure();
    if let Some(deadline) = limits.deadline {
        config.deadline(deadline);
    }
    let diff = config.diff_lines(&a, &b);
    let mut out = Capped {
        bytes: Vec::new(),
        cap: limits.max_text,
    };
    let cut = diff
        .unified_diff()
        .context_radius(3)
        .header(from_label, to_label)
        .to_writer(&mut out)
        .is_err();
    let mut text = String::from_utf8_lossy(&out.bytes).into_owned();
    if !cut {
        return (text, false);
    }
    text.truncate(text.rfind('\n').map_or(0, |i| i + 1));
    text.push_str(&cut_note(limits));
    (text, true)
}

fn cut_note(limits: &DiffLimits) -> String {
    format!(
        "\\ diff cut at {} KiB: compare the revisions' documents for the rest\n",
        limits.max_text / 1024
    )
}

/// The pretty-printed, key-sorted text, if it fits in `cap` bytes.
fn pretty_sorted(value: &Value, cap: usize) -> Option<String> {
    // Re-parsing the canonical text gives sorted keys (serde_json's map is ordered by key).
    let sorted: Value = serde_json::from_str(&canonical_json(value)).unwrap_or(Value::Null);
    let mut out = Capped {
        bytes: Vec::new(),
        cap,
    };
    serde_json::to_writer_pretty(&mut out, &sorted).ok()?;
    let mut text = String::from_utf8(out.bytes).ok()?;
    text.push('\n');
    Some(text)
}

/// A buffer that refuses to grow past `cap`.
struct Capped {
    bytes: Vec<u8>,
    cap: usize,
}

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > self.cap {
            return Err(std::io::Error::other("over the cap"));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
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
        let (changes, cut) = diff_paths(&a, &b, 100);
        assert!(!cut);
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
        let (text, cut) = unified_diff(&a, &b, "rev 1", "rev 2", &DiffLimits::api());
        assert!(!cut);
        assert!(
            text.contains("-  \"timeout_ms\": 5000") && text.contains("+  \"timeout_ms\": 3000"),
            "{text}"
        );
        assert!(diff_paths(&a, &a, 100).0.is_empty());
    }

    /// Two documents differing everywhere: the list stops at its cap and says so, and the text
    /// stays within its cap, cut at a line, with a note.
    #[test]
    fn large_diffs_are_cut_at_their_limits() {
        let a: Value = (0..5000).map(|i| json!({"k": i})).collect();
        let b: Value = (0..5000).map(|i| json!({"k": -i - 1})).collect();
        let (changes, cut) = diff_paths(&a, &b, 1000);
        assert!(cut);
        assert_eq!(changes.len(), 1000);
        assert_eq!(changes[999].pointer, "/999/k");
        let limits = DiffLimits {
            max_changes: 1000,
            max_text: 16 * 1024,
            deadline: None,
        };
        let (text, cut) = unified_diff(&a, &b, "a", "b", &limits);
        assert!(cut);
        assert!(text.len() <= limits.max_text + 100, "{}", text.len());
        assert!(text.starts_with("--- a\n+++ b\n"), "{}", &text[..40]);
        assert!(text
            .ends_with("\\ diff cut at 16 KiB: compare the revisions' documents for the rest\n"));
        // Deep nesting inflates pretty text past four times the cap: no text diff is tried.
        let wide: Value = (0..3000).collect();
        let deep = (0..60).fold(wide, |v, _| json!([v]));
        let (text, cut) = unified_diff(&deep, &json!({}), "a", "b", &limits);
        assert!(cut);
        assert!(text.len() < 200, "{text}");
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
            prop_assert!(diff_paths(&v, &again, usize::MAX).0.is_empty());
        }
    }
}
