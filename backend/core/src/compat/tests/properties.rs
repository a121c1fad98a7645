//! Property tests: a schema is compatible with itself and with any loosening of itself, number
//! limits agree with brute force, and nothing panics on arbitrary JSON. Soundness against the
//! real validator is in `soundness.rs`.

use crate::compat::{backward_breaks, check, CompatLevel};
use proptest::prelude::*;
use serde_json::{json, Map, Value};

const NAMES: [&str; 4] = ["a", "b", "c", "d"];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(null)),
        any::<bool>().prop_map(Value::from),
        (-5i64..5).prop_map(Value::from),
        prop::sample::select(vec!["x", "y", "z"]).prop_map(Value::from),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        9 => plain_leaf(),
        1 => prop::sample::select(vec!["#", "#/$defs/d0", "#/$defs/d1"]).prop_map(|r| json!({ "$ref": r })),
    ]
}

fn plain_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!(true)),
        Just(json!({})),
        prop::sample::select(vec![
            "null", "boolean", "integer", "number", "string", "object", "array"
        ])
        .prop_map(|t| json!({ "type": t })),
        (-20i64..20, 0i64..20)
            .prop_map(|(lo, span)| json!({"type": "integer", "minimum": lo, "maximum": lo + span})),
        (-20i64..20).prop_map(|x| json!({"type": "number", "exclusiveMaximum": x})),
        (1u64..6).prop_map(|m| json!({"type": "number", "multipleOf": m})),
        (0u64..5, 0u64..10).prop_map(
            |(lo, span)| json!({"type": "string", "minLength": lo, "maxLength": lo + span})
        ),
        prop::sample::select(vec!["^a", "^[a-z]+$"])
            .prop_map(|p| json!({"type": "string", "pattern": p})),
        Just(json!({"type": "string", "format": "email"})),
        prop::collection::vec(scalar(), 1..4).prop_map(|e| json!({ "enum": e })),
        scalar().prop_map(|c| json!({ "const": c })),
    ]
}

/// Subschemas for undecidable keywords: free of `$ref`s, so that changing what a reference
/// points at elsewhere cannot change them (which would rightly be reported).
fn plain() -> impl Strategy<Value = Value> {
    plain_leaf().prop_recursive(2, 8, 3, |inner| {
        prop_oneof![
            prop::collection::btree_map(prop::sample::select(NAMES.to_vec()), inner.clone(), 0..3)
                .prop_map(|props| json!({"type": "object", "properties": props})),
            inner.prop_map(|items| json!({"type": "array", "items": items})),
        ]
    })
}

fn schema() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 40, 4, |inner| {
        prop_oneof![
            (
                prop::collection::btree_map(
                    prop::sample::select(NAMES.to_vec()),
                    inner.clone(),
                    0..4
                ),
                prop::collection::vec(prop::sample::select(NAMES.to_vec()), 0..3),
                prop_oneof![
                    Just(None),
                    Just(Some(("additionalProperties", json!(false)))),
                    Just(Some(("unevaluatedProperties", json!(false)))),
                    inner
                        .clone()
                        .prop_map(|s| Some(("additionalProperties", s))),
                ],
                0u64..4,
            )
                .prop_map(|(props, required, closed, max)| {
                    let mut m = Map::new();
                    m.insert("type".into(), json!("object"));
                    m.insert("properties".into(), json!(props));
                    m.insert("required".into(), json!(required));
                    m.insert("maxProperties".into(), json!(max + 2));
                    if let Some((key, value)) = closed {
                        m.insert(key.into(), value);
                    }
                    Value::Object(m)
                }),
            (inner.clone(), 0u64..5, any::<bool>()).prop_map(|(items, max, unique)| {
                json!({"type": "array", "items": items, "maxItems": max, "uniqueItems": unique})
            }),
            (
                prop::collection::vec(inner.clone(), 1..3),
                prop_oneof![Just(json!(false)), inner.clone()]
            )
                .prop_map(|(prefix, rest)| json!({"prefixItems": prefix, "items": rest})),
            prop::collection::vec(inner.clone(), 1..3).prop_map(|parts| json!({ "allOf": parts })),
            prop::collection::vec(inner.clone(), 1..3).prop_map(|parts| json!({ "anyOf": parts })),
            prop::collection::vec(plain(), 1..3)
                .prop_map(|parts| json!({ "oneOf": parts, "type": "object" })),
            plain().prop_map(|s| json!({ "not": s })),
            // `maxContains` turns a wider `contains` schema into a stricter rule, so its
            // subschema stays out of reach of loosening (no `$ref`s), like `not`'s.
            (plain(), 0u64..3, 0u64..3).prop_map(|(c, min, extra)| {
                json!({"type": "array", "contains": c, "minContains": min, "maxContains": min + extra})
            }),
            (prop::sample::select(NAMES.to_vec()), prop::collection::vec(prop::sample::select(NAMES.to_vec()), 0..3), inner.clone())
                .prop_map(|(name, needs, s)| json!({"dependentRequired": { name: needs }, "dependentSchemas": { name: s }})),
            (inner.clone(), inner.clone())
                .prop_map(|(first, rest)| json!({"prefixItems": [first], "unevaluatedItems": rest})),
            (prop::sample::select(vec!["^a", "^[bc]$"]), inner.clone())
                .prop_map(|(pattern, s)| json!({"type": "object", "patternProperties": { pattern: s }})),
        ]
    })
}

/// A whole document: two definitions the leaves may refer to, and a body.
fn document() -> impl Strategy<Value = Value> {
    (schema(), schema(), schema())
        .prop_map(|(d0, d1, body)| json!({ "$defs": {"d0": d0, "d1": d1}, "allOf": [body] }))
}

/// Walks the subschemas whose loosening loosens the whole schema: not those under `oneOf` or
/// `not`, where it need not (and the checker rightly objects).
fn for_each_schema(v: &mut Value, f: &mut impl FnMut(&mut Map<String, Value>)) {
    let Value::Object(m) = v else {
        return;
    };
    f(m);
    for key in ["properties", "$defs"] {
        if let Some(Value::Object(children)) = m.get_mut(key) {
            children.values_mut().for_each(|c| for_each_schema(c, f));
        }
    }
    for key in ["allOf", "anyOf", "prefixItems"] {
        if let Some(Value::Array(children)) = m.get_mut(key) {
            children.iter_mut().for_each(|c| for_each_schema(c, f));
        }
    }
    for key in ["items", "additionalProperties"] {
        if let Some(child) = m.get_mut(key) {
            for_each_schema(child, f);
        }
    }
}

/// The same schema with a keyword that never rejects anything added everywhere, so that no part
/// of it is trivially identical and every rule gets exercised.
fn retagged(mut v: Value) -> Value {
    for_each_schema(&mut v, &mut |m| {
        m.entry("minProperties").or_insert(json!(0));
    });
    v
}

/// Every change here admits more configs, never fewer.
fn loosened(mut v: Value) -> Value {
    for_each_schema(&mut v, &mut |m| {
        let bump = |m: &mut Map<String, Value>, key: &str, by: i64| {
            if let Some(x) = m.get(key).and_then(Value::as_i64) {
                m.insert(key.into(), json!((x + by).max(0)));
            }
        };
        for key in ["maxLength", "maxItems", "maxProperties"] {
            bump(m, key, 1);
        }
        bump(m, "minLength", -1);
        for (key, by) in [("maximum", 1), ("exclusiveMaximum", 1), ("minimum", -1)] {
            if let Some(x) = m.get(key).and_then(Value::as_i64) {
                m.insert(key.into(), json!(x + by));
            }
        }
        m.remove("pattern");
        m.remove("format");
        m.remove("uniqueItems");
        if let Some(Value::Array(required)) = m.get_mut("required") {
            required.pop();
        }
        if let Some(Value::Array(values)) = m.get_mut("enum") {
            values.push(json!("zz"));
        }
        if let Some(c) = m.remove("const") {
            m.insert("enum".into(), json!([c, "zz"]));
        }
        if let Some(Value::String(t)) = m.get("type").cloned() {
            m.insert("type".into(), json!([t, "null"]));
        }
        if m.get("additionalProperties") == Some(&json!(false)) {
            m.remove("additionalProperties");
        }
        if let Some(step) = m.get("multipleOf").and_then(Value::as_u64) {
            if step % 2 == 0 {
                m.insert("multipleOf".into(), json!(step / 2));
            }
        }
    });
    v
}

fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        prop::sample::select(vec![
            "",
            "#",
            "#/",
            "#/$defs/a",
            "#/properties",
            "#%",
            "#%zz",
            "#/a~2",
            "http://x",
            "string",
            "integer",
            "object",
            "^a",
            "email",
        ])
        .prop_map(Value::from),
    ];
    let keys = prop::sample::select(vec![
        "type",
        "properties",
        "items",
        "prefixItems",
        "additionalProperties",
        "unevaluatedProperties",
        "required",
        "enum",
        "const",
        "maximum",
        "exclusiveMaximum",
        "minimum",
        "exclusiveMinimum",
        "multipleOf",
        "maxLength",
        "minLength",
        "pattern",
        "format",
        "maxItems",
        "minItems",
        "uniqueItems",
        "maxProperties",
        "minProperties",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "$ref",
        "$defs",
        "a",
        "patternProperties",
        "if",
        "then",
        "unevaluatedItems",
        "additionalItems",
        "$schema",
        "contains",
        "minContains",
        "maxContains",
        "dependentRequired",
        "dependentSchemas",
        "dependencies",
    ]);
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map(keys.clone(), inner, 0..6).prop_map(|m| Value::Object(
                m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

proptest! {
    #[test]
    fn a_schema_is_compatible_with_itself(s in document()) {
        prop_assert_eq!(backward_breaks(&s, &s), vec![]);
        let tagged = retagged(s.clone());
        prop_assert_eq!(backward_breaks(&s, &tagged), vec![], "retagged: {}", tagged);
        prop_assert!(check(CompatLevel::FullTransitive, &[("v1", &s)], &tagged).compatible);
    }

    #[test]
    fn loosening_is_never_a_break(s in document()) {
        let looser = loosened(s.clone());
        prop_assert_eq!(backward_breaks(&s, &looser), vec![], "looser: {}", looser);
    }

    #[test]
    fn arbitrary_json_never_panics(old in any_json(), new in any_json(), pick in 0usize..7) {
        let _ = backward_breaks(&old, &new);
        let _ = backward_breaks(&new, &old);
        let _ = check(CompatLevel::ALL[pick], &[("v1", &old), ("v2", &new)], &old);
    }

    #[test]
    fn arbitrary_json_is_compatible_with_itself_or_says_why(s in any_json()) {
        // Identical documents can only differ through constructs the checker refuses to judge.
        for b in backward_breaks(&s, &s) {
            prop_assert_eq!(b.rule.as_str(), "undecidable", "{:?}", b);
        }
    }

    #[test]
    fn number_limits_agree_with_brute_force(
        old_limit in -30i64..30, new_limit in -30i64..30,
        old_half in any::<bool>(), new_half in any::<bool>(),
        old_key in prop::sample::select(vec!["maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum"]),
        new_key in prop::sample::select(vec!["maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum"]),
    ) {
        let limit = |x: i64, half: bool| x as f64 + if half { 0.5 } else { 0.0 };
        let (a, b) = (limit(old_limit, old_half), limit(new_limit, new_half));
        let old = json!({"type": "integer", old_key: a});
        let new = json!({"type": "integer", new_key: b});
        let accepts = |key: &str, bound: f64, n: f64| match key {
            "maximum" => n <= bound,
            "exclusiveMaximum" => n < bound,
            "minimum" => n >= bound,
            _ => n > bound,
        };
        let lost = (-100..100).map(|n| n as f64).any(|n| accepts(old_key, a, n) && !accepts(new_key, b, n));
        let breaks = backward_breaks(&old, &new);
        prop_assert_eq!(!breaks.is_empty(), lost, "old {} new {}: {:?}", old, new, breaks);
    }

    #[test]
    fn real_number_limits_agree_with_interval_reasoning(
        a in -30i64..30, b in -30i64..30, old_exclusive in any::<bool>(), new_exclusive in any::<bool>(),
    ) {
        let key = |exclusive: bool| if exclusive { "exclusiveMaximum" } else { "maximum" };
        let old = json!({"type": "number", key(old_exclusive): a});
        let new = json!({"type": "number", key(new_exclusive): b});
        let compatible = a < b || (a == b && (old_exclusive || !new_exclusive));
        prop_assert_eq!(backward_breaks(&old, &new).is_empty(), compatible);
    }

    #[test]
    fn multiple_of_agrees_with_divisibility(a in 1u64..13, b in 1u64..13) {
        let old = json!({"type": "integer", "multipleOf": a});
        let new = json!({"type": "integer", "multipleOf": b});
        prop_assert_eq!(backward_breaks(&old, &new).is_empty(), a % b == 0);
    }

    #[test]
    fn enums_agree_with_set_inclusion(
        old in prop::collection::btree_set(0u8..6, 1..5), new in prop::collection::btree_set(0u8..6, 1..5),
    ) {
        let breaks = backward_breaks(&json!({"enum": old}), &json!({"enum": new}));
        prop_assert_eq!(breaks.len(), old.difference(&new).count());
    }
}
