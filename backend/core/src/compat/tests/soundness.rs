//! Soundness against the real validator: whenever the checker calls a pair of schemas
//! compatible, no generated config that the old schema accepts may fail the new one. Pairs are
//! a schema and a copy with one number, name or type changed, so that they differ in one
//! place and both outcomes are common; schemas lean on the keywords whose rules are subtle
//! (`not`, `contains`, dependencies, `unevaluated*`, discriminated unions).

use crate::compat::backward_breaks;
use crate::schema::CompiledSchema;
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{json, Map, Value};

const NAMES: [&str; 4] = ["a", "b", "c", "k"];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!({})),
        Just(json!(true)),
        Just(json!(false)),
        prop::sample::select(vec![
            "null", "boolean", "integer", "number", "string", "object", "array"
        ])
        .prop_map(|t| json!({ "type": t })),
        (-1i64..3).prop_map(|c| json!({ "const": c })),
        (-1i64..3).prop_map(|x| json!({"type": "integer", "minimum": x})),
        Just(json!({"enum": [1, "a", null]})),
        Just(json!({"type": "string", "maxLength": 1})),
    ]
}

fn names() -> impl Strategy<Value = Value> {
    prop::collection::btree_set(prop::sample::select(NAMES.to_vec()), 0..3)
        .prop_map(|s| json!(s.into_iter().collect::<Vec<_>>()))
}

fn name() -> impl Strategy<Value = &'static str> {
    prop::sample::select(NAMES.to_vec())
}

/// Names configs use: the schemas' own and one more each pattern matches.
fn key() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["a", "b", "c", "k", "ab", "ka"])
}

/// Schemas built around the keywords this test is for, nested once.
fn schema() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(2, 16, 3, |inner| {
        prop_oneof![
            inner.clone().prop_map(|s| json!({ "not": s })),
            (prop::sample::select(vec!["integer", "string", "array"]), inner.clone())
                .prop_map(|(t, s)| json!({ "type": t, "not": s })),
            (inner.clone(), 0u64..3, prop::option::of(0u64..3), prop::option::of(0u64..4), prop::option::of(inner.clone()))
                .prop_map(|(c, min, max, items, each)| {
                    let mut m = Map::new();
                    m.insert("type".into(), json!("array"));
                    m.insert("contains".into(), c);
                    m.insert("minContains".into(), json!(min));
                    if let Some(max) = max {
                        m.insert("maxContains".into(), json!(max));
                    }
                    if let Some(items) = items {
                        m.insert("maxItems".into(), json!(items));
                    }
                    if let Some(each) = each {
                        m.insert("items".into(), each);
                    }
                    Value::Object(m)
                }),
            (name(), names(), names())
                .prop_map(|(n, needs, required)| json!({"type": "object", "dependentRequired": { n: needs }, "required": required})),
            (name(), name(), inner.clone(), any::<bool>()).prop_map(|(n, m, s, legacy)| {
                let mut schema = json!({"type": "object", "dependentSchemas": { n: {"properties": { m: s }} }});
                if legacy {
                    schema = json!({"$schema": "http://json-schema.org/draft-07/schema#", "dependencies": { n: {"properties": { m: s }} }});
                }
                schema
            }),
            (name(), names()).prop_map(|(n, needs)| json!({"dependencies": { n: needs }})),
            (inner.clone(), prop_oneof![Just(json!(false)), inner.clone()], any::<bool>())
                .prop_map(|(first, rest, nested)| {
                    let mut m = json!({"prefixItems": [first], "unevaluatedItems": rest});
                    if nested {
                        m["allOf"] = json!([{"prefixItems": [{}, {}]}]);
                    }
                    m
                }),
            (inner.clone(), inner.clone(), prop_oneof![Just(json!(false)), inner.clone()], any::<bool>())
                .prop_map(|(a, b, rest, one)| {
                    let keyword = if one { "oneOf" } else { "anyOf" };
                    json!({
                        "properties": {"a": a},
                        keyword: [{"properties": {"b": b}, "required": ["b"]}, {"required": ["c"]}],
                        "unevaluatedProperties": rest
                    })
                }),
            (inner.clone(), inner.clone()).prop_map(|(x, y)| json!({"type": "object", "oneOf": [
                {"properties": {"k": {"const": 0}, "a": x}, "required": ["k"]},
                {"properties": {"k": {"enum": [1, 2]}, "a": y}, "required": ["k"]},
            ]})),
            prop::collection::vec(inner.clone(), 1..3).prop_map(|parts| json!({ "anyOf": parts })),
            (inner.clone(), inner).prop_map(|(a, b)| json!({"type": "object", "properties": {"a": a, "b": b}})),
        ]
    })
}

/// Visits every value in a document, depth first, with its position in that order.
fn visit(v: &mut Value, f: &mut impl FnMut(&mut Value)) {
    f(v);
    match v {
        Value::Array(items) => items.iter_mut().for_each(|x| visit(x, f)),
        Value::Object(m) => m.values_mut().for_each(|x| visit(x, f)),
        _ => {}
    }
}

/// `schema` with its `at`-th number, string or boolean (counting depth first, wrapping
/// round) replaced by one picked from the same kind.
fn mutated(mut schema: Value, at: usize, pick: usize) -> Value {
    let mut spots = 0usize;
    visit(&mut schema, &mut |v| {
        if matches!(v, Value::Number(_) | Value::String(_) | Value::Bool(_)) {
            spots += 1;
        }
    });
    if spots == 0 {
        return schema;
    }
    let target = at % spots;
    let mut seen = 0usize;
    visit(&mut schema, &mut |v| {
        if !matches!(v, Value::Number(_) | Value::String(_) | Value::Bool(_)) {
            return;
        }
        if seen == target {
            *v = match v {
                Value::Number(_) => json!([0, 1, 2, 3, -1][pick % 5]),
                Value::String(s) if s.starts_with("http") => v.clone(),
                Value::String(_) => {
                    let choices = [
                        "a", "b", "c", "k", "integer", "number", "string", "array", "object",
                    ];
                    json!(choices[pick % choices.len()])
                }
                _ => json!(pick.is_multiple_of(2)),
            };
        }
        seen += 1;
    });
    schema
}

fn instance() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        (-1i64..4).prop_map(Value::from),
        Just(json!(1.5)),
        prop::sample::select(vec!["a", "ab", ""]).prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(key(), inner, 0..4).prop_map(|m| Value::Object(
                m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

fn counter_example<'a>(old: &Value, new: &Value, instances: &'a [Value]) -> Option<&'a Value> {
    let (Ok(old_v), Ok(new_v)) = (CompiledSchema::compile(old), CompiledSchema::compile(new))
    else {
        return None;
    };
    instances
        .iter()
        .find(|i| old_v.is_valid(i) && !new_v.is_valid(i))
}

/// Objects whose properties move between `properties` and `patternProperties`.
fn patterned() -> impl Strategy<Value = Value> {
    let small = prop_oneof![
        Just(json!({})),
        Just(json!(false)),
        Just(json!({"type": "integer"})),
        Just(json!({"type": "number"})),
        Just(json!({"type": "string"})),
    ];
    (
        prop::collection::btree_map(name(), small.clone(), 0..3),
        prop::collection::btree_map(
            prop::sample::select(vec!["^a", "^[bc]", "k", "^(a|k)$"]),
            small.clone(),
            0..3,
        ),
        prop_oneof![Just(None), Just(Some(json!(false))), small.prop_map(Some)],
        any::<bool>(),
    )
        .prop_map(|(props, patterns, rest, unevaluated)| {
            let mut m = Map::new();
            m.insert("type".into(), json!("object"));
            m.insert("properties".into(), json!(props));
            m.insert("patternProperties".into(), json!(patterns));
            if let Some(rest) = rest {
                let key = if unevaluated {
                    "unevaluatedProperties"
                } else {
                    "additionalProperties"
                };
                m.insert(key.into(), rest);
            }
            Value::Object(m)
        })
}

proptest! {
    #![proptest_config(Config { cases: 384, ..Config::default() })]

    #[test]
    fn compatible_pattern_pairs_have_no_counter_example(
        old in patterned(),
        new in patterned(),
        instances in prop::collection::vec(instance(), 64),
    ) {
        if backward_breaks(&old, &new).is_empty() {
            let found = counter_example(&old, &new, &instances);
            prop_assert!(found.is_none(), "judged compatible, but {} fails\nold: {}\nnew: {}", found.unwrap_or(&Value::Null), old, new);
        }
    }

    #[test]
    fn compatible_pairs_have_no_counter_example(
        old in schema(),
        at in 0usize..64,
        pick in 0usize..64,
        instances in prop::collection::vec(instance(), 64),
    ) {
        let new = mutated(old.clone(), at, pick);
        for (a, b) in [(&old, &new), (&new, &old)] {
            if backward_breaks(a, b).is_empty() {
                let found = counter_example(a, b, &instances);
                prop_assert!(found.is_none(), "judged compatible, but {} fails\nold: {}\nnew: {}", found.unwrap_or(&Value::Null), a, b);
            }
        }
    }
}

/// Every array of up to four items drawn from a few values.
fn all_short_arrays() -> Vec<Value> {
    let items = [json!(0), json!(1), json!("a"), Value::Null];
    let mut out = vec![json!([])];
    let mut last = vec![Vec::<Value>::new()];
    for _ in 0..4 {
        last = last
            .iter()
            .flat_map(|prefix| {
                items.iter().map(move |i| {
                    let mut next = prefix.clone();
                    next.push(i.clone());
                    next
                })
            })
            .collect();
        out.extend(last.iter().cloned().map(Value::Array));
    }
    out
}

fn counted() -> impl Strategy<Value = Value> {
    let matching = prop::sample::select(vec![
        json!({}),
        json!({"type": "integer"}),
        json!({"const": 0}),
        json!({"type": "string"}),
        json!({"type": ["integer", "null"]}),
    ]);
    (
        matching,
        prop::option::of(0u64..4),
        prop::option::of(0u64..4),
        prop::option::of(0u64..5),
        prop::option::of(0u64..3),
    )
        .prop_map(|(c, min, max, items, min_items)| {
            let mut m = Map::new();
            m.insert("type".into(), json!("array"));
            m.insert("contains".into(), c);
            for (key, value) in [
                ("minContains", min),
                ("maxContains", max),
                ("maxItems", items),
                ("minItems", min_items),
            ] {
                if let Some(v) = value {
                    m.insert(key.into(), json!(v));
                }
            }
            Value::Object(m)
        })
}

proptest! {
    #[test]
    fn contains_counts_agree_with_every_short_array(old in counted(), new in counted()) {
        if backward_breaks(&old, &new).is_empty() {
            let arrays = all_short_arrays();
            let found = counter_example(&old, &new, &arrays);
            prop_assert!(found.is_none(), "judged compatible, but {} fails\nold: {}\nnew: {}", found.unwrap_or(&Value::Null), old, new);
        }
    }
}
