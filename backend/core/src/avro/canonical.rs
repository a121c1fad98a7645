//! Avro's Parsing Canonical Form, and a fuller form that also keeps what matters to configs.
//!
//! The Parsing Canonical Form (specification, "Transforming into Parsing Canonical Form")
//! keeps only what the binary encoding depends on: full names, `type`, `fields`, `symbols`,
//! `items`, `values`, `size`, in that order, no whitespace, each named type spelled out at its
//! first occurrence and named after. Two schemas that differ only in defaults, aliases, docs or
//! logical types have the same form. The *full* form adds those (aliases, field defaults, enum
//! defaults, logical types with precision and scale) after the canonical attributes, so two
//! versions of a config schema with different defaults do not look equal.

use super::model::{Field, Logical, Named, NamedKind, Node};
use serde_json::Value;

pub(crate) struct View<'a> {
    pub named: &'a [Named],
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Detail {
    Parsing,
    Full,
}

impl View<'_> {
    pub(crate) fn form(&self, root: &Node, detail: Detail) -> String {
        let mut out = String::new();
        let mut seen = vec![false; self.named.len()];
        self.write(root, detail, &mut seen, &mut out);
        out
    }

    /// The full form of one named type, standalone.
    pub(crate) fn named_form(&self, id: usize) -> String {
        self.form(&Node::Named(id), Detail::Full)
    }

    fn write(&self, node: &Node, detail: Detail, seen: &mut [bool], out: &mut String) {
        match node {
            Node::Prim(prim, logical) => match logical {
                Some(logical) if detail == Detail::Full => {
                    out.push_str(&format!("{{\"type\":\"{}\"", prim.name()));
                    write_logical(*logical, out);
                    out.push('}');
                }
                _ => {
                    out.push('"');
                    out.push_str(prim.name());
                    out.push('"');
                }
            },
            Node::Array(items) => {
                out.push_str("{\"type\":\"array\",\"items\":");
                self.write(items, detail, seen, out);
                out.push('}');
            }
            Node::Map(values) => {
                out.push_str("{\"type\":\"map\",\"values\":");
                self.write(values, detail, seen, out);
                out.push('}');
            }
            Node::Union(branches) => {
                out.push('[');
                for (i, branch) in branches.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.write(branch, detail, seen, out);
                }
                out.push(']');
            }
            Node::Named(id) => self.write_named(*id, detail, seen, out),
        }
    }

    fn write_named(&self, id: usize, detail: Detail, seen: &mut [bool], out: &mut String) {
        let Some(named) = self.named.get(id) else {
            return;
        };
        if seen.get(id).copied().unwrap_or(true) {
            out.push_str(&json_string(&named.fullname));
            return;
        }
        seen[id] = true;
        out.push_str("{\"name\":");
        out.push_str(&json_string(&named.fullname));
        out.push_str(",\"type\":\"");
        out.push_str(named.kind.word());
        out.push('"');
        match &named.kind {
            NamedKind::Record(fields) => {
                out.push_str(",\"fields\":[");
                for (i, field) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.write_field(field, detail, seen, out);
                }
                out.push(']');
            }
            NamedKind::Enum { symbols, .. } => {
                out.push_str(",\"symbols\":");
                out.push_str(&json_value(&Value::from(symbols.clone())));
            }
            NamedKind::Fixed { size, .. } => out.push_str(&format!(",\"size\":{size}")),
        }
        if detail == Detail::Full {
            if !named.aliases.is_empty() {
                out.push_str(",\"aliases\":");
                out.push_str(&json_value(&Value::from(named.aliases.clone())));
            }
            match &named.kind {
                NamedKind::Enum {
                    default: Some(default),
                    ..
                } => {
                    out.push_str(",\"default\":");
                    out.push_str(&json_string(default));
                }
                NamedKind::Fixed {
                    logical: Some(logical),
                    ..
                } => write_logical(*logical, out),
                _ => {}
            }
        }
        out.push('}');
    }

    fn write_field(&self, field: &Field, detail: Detail, seen: &mut [bool], out: &mut String) {
        out.push_str("{\"name\":");
        out.push_str(&json_string(&field.name));
        out.push_str(",\"type\":");
        self.write(&field.ty, detail, seen, out);
        if detail == Detail::Full {
            if !field.aliases.is_empty() {
                out.push_str(",\"aliases\":");
                out.push_str(&json_value(&Value::from(field.aliases.clone())));
            }
            if let Some(default) = &field.default {
                out.push_str(",\"default\":");
                out.push_str(&json_value(default));
            }
        }
        out.push('}');
    }
}

fn write_logical(logical: Logical, out: &mut String) {
    out.push_str(&format!(",\"logicalType\":\"{}\"", logical.name()));
    if let Logical::Decimal { precision, scale } = logical {
        out.push_str(&format!(",\"precision\":{precision},\"scale\":{scale}"));
    }
}

fn json_string(text: &str) -> String {
    json_value(&Value::String(text.to_owned()))
}

/// Compact JSON; object keys come out sorted (serde_json's map is ordered by key here).
fn json_value(value: &Value) -> String {
    serde_json::to_string(value).unwrap_or_default()
}
