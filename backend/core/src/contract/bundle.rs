//! JSON Schema references to other schema versions: a `$ref` of `Family@version` (or
//! `Family@version#/pointer`) is resolved at registration by bundling the referenced version's
//! document under `$defs/Family@version` and pointing the `$ref` there. The referenced
//! document's own local references are re-rooted to its new place, and its `$id` and `$schema`
//! are dropped (it is no longer a resource of its own), so the stored schema is one document
//! that compiles, validates and is compared for compatibility without anything else.

use super::Referenced;
use crate::names::{FamilyName, SchemaVersionLabel};
use serde_json::{Map, Value};

/// Keywords whose values are data, not schemas: a `$ref` inside them is left alone.
const DATA_KEYWORDS: &[&str] = &["const", "enum", "default", "examples"];

/// `Family@version` when `reference` names another schema version, with the fragment after `#`.
fn external(reference: &str) -> Option<(&str, &str)> {
    if reference.starts_with('#') {
        return None;
    }
    let (label, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    if !(fragment.is_empty() || fragment.starts_with('/')) {
        return None;
    }
    let (family, version) = label.split_once('@')?;
    (FamilyName::parse(family).is_ok() && SchemaVersionLabel::parse(version).is_ok())
        .then_some((label, fragment))
}

fn walk_refs<'a>(value: &'a Value, out: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key == "$ref" {
                    if let Some((label, _)) = child.as_str().and_then(external) {
                        if !out.contains(&label) {
                            out.push(label);
                        }
                    }
                } else if !DATA_KEYWORDS.contains(&key.as_str()) {
                    walk_refs(child, out);
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|i| walk_refs(i, out)),
        _ => {}
    }
}

/// The versions (`Family@version`) a schema's `$ref`s name, in order of first use.
pub fn external_refs(schema: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk_refs(schema, &mut out);
    out.into_iter().map(str::to_owned).collect()
}

/// Why references cannot be bundled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    #[error("`$defs/{label}` is already used by the schema; it is where {label} is bundled")]
    DefsTaken { label: String },
    #[error("the schema is `{found}`, so it cannot hold the references it needs")]
    NotAnObject { found: String },
}

fn rewrite(value: &mut Value, f: &dyn Fn(&str) -> Option<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "$ref" {
                    if let Some(new) = child.as_str().and_then(f) {
                        *child = Value::String(new);
                    }
                } else if !DATA_KEYWORDS.contains(&key.as_str()) {
                    rewrite(child, f);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|i| rewrite(i, f)),
        _ => {}
    }
}

/// `schema` with every version it references (`Family@version` and its stored document, each
/// once) bundled under `$defs`. A schema that references nothing is returned as it is.
pub fn bundle(mut schema: Value, references: &[Referenced<'_>]) -> Result<Value, BundleError> {
    if references.is_empty() {
        return Ok(schema);
    }
    rewrite(&mut schema, &|r| {
        let (label, fragment) = external(r)?;
        references
            .iter()
            .any(|known| known.label == label)
            .then(|| format!("#/$defs/{label}{fragment}"))
    });
    let Value::Object(root) = &mut schema else {
        return Err(BundleError::NotAnObject {
            found: schema.to_string(),
        });
    };
    let defs = root
        .entry("$defs")
        .or_insert_with(|| Value::Object(Map::new()));
    let Value::Object(defs) = defs else {
        return Err(BundleError::NotAnObject {
            found: "$defs".into(),
        });
    };
    for &Referenced { label, document } in references {
        if defs.contains_key(label) {
            return Err(BundleError::DefsTaken {
                label: label.to_owned(),
            });
        }
        let mut embedded = document.clone();
        let base = format!("#/$defs/{label}");
        rewrite(&mut embedded, &|r| {
            r.strip_prefix('#')
                .filter(|rest| rest.is_empty() || rest.starts_with('/'))
                .map(|rest| format!("{base}{rest}"))
        });
        if let Value::Object(map) = &mut embedded {
            map.remove("$id");
            map.remove("$schema");
        }
        defs.insert(label.to_owned(), embedded);
    }
    Ok(schema)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::CompiledSchema;
    use serde_json::json;

    #[test]
    fn refs_to_other_versions_are_found_and_data_is_left_alone() {
        let schema = json!({
            "properties": {
                "db": {"$ref": "Common@1#/$defs/Db"},
                "tls": {"$ref": "Tls@2025-01"},
                "local": {"$ref": "#/$defs/x"},
                "web": {"$ref": "https://example.com/s.json"},
                "c": {"const": {"$ref": "Data@1"}}
            }
        });
        assert_eq!(external_refs(&schema), vec!["Common@1", "Tls@2025-01"]);
    }

    #[test]
    fn a_bundled_schema_validates_through_the_referenced_version() {
        let common = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$defs": {"Port": {"type": "integer", "minimum": 1, "maximum": 65535}},
            "type": "object",
            "properties": {"host": {"type": "string"}, "port": {"$ref": "#/$defs/Port"}},
            "required": ["host"]
        });
        let schema = json!({
            "type": "object",
            "properties": {
                "db": {"$ref": "Common@1"},
                "admin_port": {"$ref": "Common@1#/$defs/Port"}
            },
            "required": ["db"]
        });
        let docs = [Referenced {
            label: "Common@1",
            document: &common,
        }];
        let bundled = bundle(schema, &docs).unwrap();
        assert_eq!(bundled["properties"]["db"]["$ref"], "#/$defs/Common@1");
        assert_eq!(
            bundled["$defs"]["Common@1"]["properties"]["port"]["$ref"],
            "#/$defs/Common@1/$defs/Port"
        );
        assert!(bundled["$defs"]["Common@1"].get("$schema").is_none());
        let compiled = CompiledSchema::compile(&bundled).unwrap();
        assert!(compiled.is_valid(&json!({"db": {"host": "h", "port": 5432}, "admin_port": 8080})));
        let bad = compiled.validate(&json!({"db": {"port": 0}, "admin_port": 70000}));
        let pointers: Vec<&str> = bad.iter().map(|v| v.pointer.as_str()).collect();
        assert!(pointers.contains(&"/db"), "{bad:?}");
        assert!(pointers.contains(&"/db/port"), "{bad:?}");
        assert!(pointers.contains(&"/admin_port"), "{bad:?}");
    }

    #[test]
    fn a_taken_defs_name_is_refused() {
        let schema = json!({"$defs": {"Common@1": {}}, "$ref": "Common@1"});
        let empty = json!({});
        let docs = [Referenced {
            label: "Common@1",
            document: &empty,
        }];
        assert_eq!(
            bundle(schema, &docs),
            Err(BundleError::DefsTaken {
                label: "Common@1".into()
            })
        );
    }
}
