//! Reading one schema document: local `$ref`s, conjunctions, and what keywords mean together.

use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashSet};

/// One schema document; `$ref`s resolve within it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Doc<'a> {
    root: &'a Value,
    /// Drafts 4 to 7 ignore every keyword beside a `$ref`; 2019-09 on, they add constraints.
    /// The same drafts ignore `dependentRequired`, `dependentSchemas`, `minContains`,
    /// `maxContains` and `unevaluated*`.
    legacy_ref: bool,
    /// Drafts 3 and 4 ignore `contains` and `const`.
    before_contains: bool,
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

impl<'a> Doc<'a> {
    pub fn new(root: &'a Value) -> Self {
        let declared = root.get("$schema").and_then(Value::as_str);
        let is_one_of =
            |drafts: &[&str]| declared.is_some_and(|s| drafts.iter().any(|d| s.contains(d)));
        Doc {
            root,
            legacy_ref: is_one_of(&["draft-03", "draft-04", "draft-06", "draft-07"]),
            before_contains: is_one_of(&["draft-03", "draft-04"]),
        }
    }

    pub fn legacy_ref(&self) -> bool {
        self.legacy_ref
    }

    /// Whether the 2019-09 keywords (`dependentRequired`, `dependentSchemas`, `minContains`,
    /// `maxContains`, `unevaluatedItems`, `unevaluatedProperties`) apply in this document.
    pub fn modern(&self) -> bool {
        !self.legacy_ref
    }

    /// Whether `contains` applies in this document.
    pub fn has_contains(&self) -> bool {
        !self.before_contains
    }

    /// Whether `const` applies in this document (it came with `contains`, in draft 6).
    pub fn has_const(&self) -> bool {
        !self.before_contains
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

    /// Every schema object whose annotations `unevaluated*` in `schema` may see, whether or
    /// not a given config makes it apply: what `$ref`, `allOf`, `anyOf`, `oneOf`, `if`,
    /// `then`, `else` and the dependent schemas reach, without `schema` itself. `None` when a
    /// reference cannot be followed (dynamic or to another document), or past `MAX_IN_PLACE`.
    pub fn in_place(&self, schema: &'a Value) -> Option<Vec<&'a Map<String, Value>>> {
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        let mut todo = vec![schema];
        while let Some(s) = todo.pop() {
            let Value::Object(m) = s else {
                continue;
            };
            if !seen.insert(s as *const Value as usize) {
                continue;
            }
            if seen.len() > MAX_IN_PLACE
                || self.has_foreign_ref(m)
                || ["$dynamicRef", "$recursiveRef"]
                    .iter()
                    .any(|k| m.contains_key(*k))
            {
                return None;
            }
            if !std::ptr::eq(s, schema) {
                out.push(m);
            }
            todo.extend(self.ref_target(m));
            for key in ["allOf", "anyOf", "oneOf"] {
                if let Some(Value::Array(parts)) = m.get(key) {
                    todo.extend(parts.iter());
                }
            }
            for key in ["if", "then", "else"] {
                todo.extend(m.get(key));
            }
            for key in ["dependentSchemas", "dependencies"] {
                if let Some(Value::Object(parts)) = m.get(key) {
                    todo.extend(parts.values());
                }
            }
        }
        Some(out)
    }
}

/// Schema objects [`Doc::in_place`] visits before giving up.
const MAX_IN_PLACE: usize = 256;

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
    if !doc.modern() {
        return open;
    }
    let evaluating = |s: &&Map<String, Value>| {
        [
            "patternProperties",
            "additionalProperties",
            "unevaluatedProperties",
        ]
        .iter()
        .any(|k| s.contains_key(*k))
    };
    // The accepting side needs every name that might be evaluated (an upper bound: whatever
    // conditional subschemas may evaluate), the constraining side only the names that surely
    // are (a lower bound: what `$ref`/`allOf` reach, which must all pass anyway). Treating
    // more names as unevaluated on the constraining side only adds constraints.
    let reached = match side {
        Side::Accepting => match doc.in_place(schema) {
            Some(all) if !all.iter().any(evaluating) => all,
            // Names matched by a subschema's patterns or additionalProperties are unknown to
            // us; on the accepting side that could let through more than we would check.
            _ => return open,
        },
        Side::Constraining => doc.subtree(schema),
    };
    let evaluated_elsewhere = reached
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
        name: "propertyNames",
        keys: &["propertyNames"],
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

/// `unevaluatedItems` and what decides which items it sees; the same on both sides means it
/// rejects nothing more in the constraining schema.
pub(super) const UNEVALUATED_ITEMS: Opaque = Opaque {
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

/// `unevaluatedProperties` and what decides which properties it sees.
pub(super) const UNEVALUATED_PROPERTIES: Opaque = Opaque {
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
