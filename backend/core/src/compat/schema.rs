//! Reading one schema document: local `$ref`s, conjunctions, and what keywords mean together.

use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashSet};

/// One schema document; `$ref`s resolve within it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Doc<'a> {
    root: &'a Value,
    /// Drafts 4 to 7 ignore every keyword beside a `$ref`; 2019-09 on, they add constraints.
    legacy_ref: bool,
}

/// Keywords that can change which configs are valid (any draft). Everything else is an
/// annotation or an unknown extension, which validators ignore, and so does the checker.
pub(super) const VALIDATION: &[&str] = &[
    "type",
    "enum",
    "const",
    "multipleOf",
    "maximum",
    "exclusiveMaximum",
    "minimum",
    "exclusiveMinimum",
    "maxLength",
    "minLength",
    "pattern",
    "format",
    "maxItems",
    "minItems",
    "uniqueItems",
    "maxContains",
    "minContains",
    "contains",
    "items",
    "prefixItems",
    "additionalItems",
    "unevaluatedItems",
    "maxProperties",
    "minProperties",
    "required",
    "dependentRequired",
    "dependentSchemas",
    "dependencies",
    "properties",
    "patternProperties",
    "additionalProperties",
    "unevaluatedProperties",
    "propertyNames",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "$ref",
    "$dynamicRef",
    "$recursiveRef",
    // These steer how references resolve, so a change to them is a change.
    "$id",
    "$anchor",
    "$dynamicAnchor",
    "$recursiveAnchor",
];

/// Keywords that only say where other schemas are, which [`Doc::flatten`] follows.
const REFERENCING: &[&str] = &[
    "$ref",
    "allOf",
    "$id",
    "$anchor",
    "$dynamicAnchor",
    "$recursiveAnchor",
];

/// Applicators that evaluate properties only for some configs, so `unevaluatedProperties`
/// next to them depends on the config itself.
const CONDITIONAL: &[&str] = &[
    "anyOf",
    "oneOf",
    "if",
    "dependentSchemas",
    "dependencies",
    "$dynamicRef",
    "$recursiveRef",
];

impl<'a> Doc<'a> {
    pub fn new(root: &'a Value) -> Self {
        let legacy_ref = root
            .get("$schema")
            .and_then(Value::as_str)
            .is_some_and(|s| {
                ["draft-03", "draft-04", "draft-06", "draft-07"]
                    .iter()
                    .any(|d| s.contains(d))
            });
        Doc { root, legacy_ref }
    }

    pub fn legacy_ref(&self) -> bool {
        self.legacy_ref
    }

    /// The schema a same-document reference (`#`, `#/$defs/x`, ...) points at.
    pub fn resolve(&self, reference: &str) -> Option<&'a Value> {
        let fragment = percent_decode(reference.strip_prefix('#')?)?;
        if fragment.is_empty() {
            Some(self.root)
        } else if fragment.starts_with('/') {
            self.root.pointer(&fragment)
        } else {
            None
        }
    }

    pub fn ref_target(&self, m: &'a Map<String, Value>) -> Option<&'a Value> {
        self.resolve(m.get("$ref")?.as_str()?)
    }

    /// The schema as a list of conjuncts, following local `$ref`s and `allOf`. A config is
    /// valid iff it is valid under every conjunct. `true` conjuncts are left out; cycles end
    /// where they close.
    pub fn flatten(&self, schema: &'a Value) -> Vec<&'a Value> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut todo = vec![schema];
        while let Some(s) = todo.pop() {
            if !seen.insert(s as *const Value as usize) {
                continue;
            }
            match s {
                Value::Bool(true) => {}
                Value::Object(m) => {
                    if let Some(target) = self.ref_target(m) {
                        todo.push(target);
                        if self.legacy_ref {
                            continue;
                        }
                    }
                    // A bare `{"$ref": ...}` adds nothing once followed; leaving it out keeps
                    // the same location from looking new each time a cycle comes round.
                    if self.constrains(m) {
                        out.push(s);
                    }
                    if let Some(Value::Array(parts)) = m.get("allOf") {
                        todo.extend(parts.iter());
                    }
                }
                _ => out.push(s),
            }
        }
        out
    }

    /// Whether a schema object has anything to check beyond the `$ref`/`allOf` that
    /// [`Doc::flatten`] follows.
    fn constrains(&self, m: &'a Map<String, Value>) -> bool {
        self.has_foreign_ref(m)
            || m.keys()
                .any(|k| VALIDATION.contains(&k.as_str()) && !REFERENCING.contains(&k.as_str()))
    }

    /// Whether a `$ref` here points somewhere this checker cannot follow.
    pub fn has_foreign_ref(&self, m: &'a Map<String, Value>) -> bool {
        m.contains_key("$ref") && self.ref_target(m).is_none()
    }

    /// Conjuncts reached from `schema` by `$ref` and `allOf`, without `schema` itself.
    fn subtree(&self, schema: &'a Value) -> Vec<&'a Map<String, Value>> {
        self.flatten(schema)
            .into_iter()
            .filter(|s| !std::ptr::eq(*s, schema))
            .filter_map(Value::as_object)
            .collect()
    }

    fn is_conditional(&self, m: &'a Map<String, Value>) -> bool {
        CONDITIONAL.iter().any(|k| m.contains_key(*k)) || self.has_foreign_ref(m)
    }

    /// Whether `unevaluatedProperties` in `schema` depends on which conditional subschemas a
    /// config happens to match.
    pub fn unevaluated_is_conditional(&self, schema: &'a Value) -> bool {
        let own = schema.as_object().is_some_and(|m| self.is_conditional(m));
        own || self
            .subtree(schema)
            .into_iter()
            .any(|m| self.is_conditional(m))
    }
}

/// Which side of the comparison a schema is on: the accepting side is read generously, the
/// constraining side strictly, so that approximations can only add breaks, never hide one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Side {
    Accepting,
    Constraining,
}

/// How one conjunct treats property names it does not declare in `properties`.
pub(super) struct Closure<'a> {
    /// `None` leaves such properties unconstrained.
    pub schema: Option<&'a Value>,
    pub keyword: &'static str,
    /// Names that `$ref`/`allOf` subschemas evaluate, which `unevaluatedProperties` lets pass.
    pub evaluated_elsewhere: BTreeSet<&'a str>,
}

pub(super) fn closure<'a>(doc: &Doc<'a>, schema: &'a Value, side: Side) -> Closure<'a> {
    let open = Closure {
        schema: None,
        keyword: "additionalProperties",
        evaluated_elsewhere: BTreeSet::new(),
    };
    let Some(m) = schema.as_object() else {
        return open;
    };
    if let Some(extra) = m.get("additionalProperties") {
        return Closure {
            schema: Some(extra),
            ..open
        };
    }
    let Some(unevaluated) = m.get("unevaluatedProperties") else {
        return open;
    };
    if doc.unevaluated_is_conditional(schema) {
        return open;
    }
    let subtree = doc.subtree(schema);
    // Names matched by a subschema's patterns or additionalProperties are unknown to us; on the
    // accepting side that could let through more than we would check.
    let widened = subtree.iter().any(|s| {
        [
            "patternProperties",
            "additionalProperties",
            "unevaluatedProperties",
        ]
        .iter()
        .any(|k| s.contains_key(*k))
    });
    if side == Side::Accepting && widened {
        return open;
    }
    let evaluated_elsewhere = subtree
        .iter()
        .filter_map(|s| s.get("properties").and_then(Value::as_object))
        .flat_map(|props| props.keys().map(String::as_str))
        .collect();
    Closure {
        schema: Some(unevaluated),
        keyword: "unevaluatedProperties",
        evaluated_elsewhere,
    }
}

/// Array item schemas: fixed positions, then one schema for the rest (`None`: unconstrained).
pub(super) struct Tuple<'a> {
    pub prefix: &'a [Value],
    pub rest: Option<&'a Value>,
}

impl<'a> Tuple<'a> {
    pub fn of(m: &'a Map<String, Value>) -> Self {
        if let Some(Value::Array(prefix)) = m.get("prefixItems") {
            let rest = m.get("items").filter(|v| !v.is_array());
            return Tuple { prefix, rest };
        }
        if let Some(Value::Array(prefix)) = m.get("items") {
            return Tuple {
                prefix,
                rest: m.get("additionalItems"),
            };
        }
        Tuple {
            prefix: &[],
            rest: m.get("items"),
        }
    }

    pub fn at(&self, index: usize) -> Option<&'a Value> {
        self.prefix.get(index).or(self.rest)
    }
}

/// Keywords the checker cannot reason about, each with the keywords it depends on. A group
/// passes only when the accepting side has every one of those keywords the same.
pub(super) struct Opaque {
    pub name: &'static str,
    pub keys: &'static [&'static str],
}

const GROUPS: &[Opaque] = &[
    Opaque {
        name: "oneOf",
        keys: &["oneOf"],
    },
    Opaque {
        name: "anyOf",
        keys: &["anyOf"],
    },
    Opaque {
        name: "not",
        keys: &["not"],
    },
    Opaque {
        name: "if",
        keys: &["if", "then", "else"],
    },
    Opaque {
        name: "dependentRequired",
        keys: &["dependentRequired"],
    },
    Opaque {
        name: "dependentSchemas",
        keys: &["dependentSchemas"],
    },
    Opaque {
        name: "dependencies",
        keys: &["dependencies"],
    },
    Opaque {
        name: "propertyNames",
        keys: &["propertyNames"],
    },
    Opaque {
        name: "contains",
        keys: &["contains", "minContains", "maxContains"],
    },
    Opaque {
        name: "patternProperties",
        keys: &["patternProperties"],
    },
    Opaque {
        name: "$dynamicRef",
        keys: &["$dynamicRef"],
    },
    Opaque {
        name: "$recursiveRef",
        keys: &["$recursiveRef"],
    },
];

const FOREIGN_REF: Opaque = Opaque {
    name: "$ref",
    keys: &["$ref"],
};

const UNEVALUATED_ITEMS: Opaque = Opaque {
    name: "unevaluatedItems",
    keys: &[
        "unevaluatedItems",
        "prefixItems",
        "items",
        "additionalItems",
        "contains",
        "allOf",
        "anyOf",
        "oneOf",
        "if",
        "then",
        "else",
        "$ref",
        "$dynamicRef",
        "$recursiveRef",
        "dependentSchemas",
        "dependencies",
    ],
};

const UNEVALUATED_PROPERTIES: Opaque = Opaque {
    name: "unevaluatedProperties",
    keys: &[
        "unevaluatedProperties",
        "properties",
        "patternProperties",
        "additionalProperties",
        "allOf",
        "anyOf",
        "oneOf",
        "if",
        "then",
        "else",
        "$ref",
        "$dynamicRef",
        "$recursiveRef",
        "dependentSchemas",
        "dependencies",
    ],
};

pub(super) fn opaque_groups<'a>(doc: &Doc<'a>, schema: &'a Value) -> Vec<&'static Opaque> {
    let Some(m) = schema.as_object() else {
        return Vec::new();
    };
    let mut groups: Vec<&'static Opaque> =
        GROUPS.iter().filter(|g| m.contains_key(g.name)).collect();
    if doc.has_foreign_ref(m) {
        groups.push(&FOREIGN_REF);
    }
    if m.contains_key("unevaluatedItems") {
        groups.push(&UNEVALUATED_ITEMS);
    }
    if m.contains_key("unevaluatedProperties")
        && !m.contains_key("additionalProperties")
        && doc.unevaluated_is_conditional(schema)
    {
        groups.push(&UNEVALUATED_PROPERTIES);
    }
    groups
}

fn percent_decode(text: &str) -> Option<String> {
    let hex = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(text.len());
    let mut bytes = text.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let high = hex(bytes.next()?)?;
            let low = hex(bytes.next()?)?;
            out.push(u8::try_from(high * 16 + low).ok()?);
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).ok()
}
