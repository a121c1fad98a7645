//! A schema must be compatible with itself and with a twin that differs only by keywords that
//! reject nothing, whichever of the two plays the old schema.

use super::assert_breaks;
use crate::compat::{check, CompatLevel};
use serde_json::{json, Value};

/// `minProperties: 0` added to every schema object that the property tests' `retagged` reaches.
fn tagged(v: &Value) -> Value {
    let mut v = v.clone();
    fn walk(v: &mut Value) {
        let Value::Object(m) = v else {
            return;
        };
        m.entry("minProperties").or_insert(json!(0));
        for key in ["properties", "$defs"] {
            if let Some(Value::Object(children)) = m.get_mut(key) {
                children.values_mut().for_each(walk);
            }
        }
        for key in ["allOf", "anyOf", "prefixItems"] {
            if let Some(Value::Array(children)) = m.get_mut(key) {
                children.iter_mut().for_each(walk);
            }
        }
        for key in ["items", "additionalProperties"] {
            if let Some(child) = m.get_mut(key) {
                walk(child);
            }
        }
    }
    walk(&mut v);
    v
}

#[track_caller]
fn assert_symmetric(s: &Value) {
    let twin = tagged(s);
    assert_breaks(s, s, &[]);
    assert_breaks(s, &twin, &[]);
    assert_breaks(&twin, s, &[]);
    let report = check(CompatLevel::FullTransitive, &[("v1", s)], &twin);
    assert!(report.compatible, "{:#?}", report.breaks);
}

#[test]
fn a_recursive_tuple_under_any_of_is_compatible_with_its_twin_both_ways() {
    // Found by `a_schema_is_compatible_with_itself`.
    assert_symmetric(&json!({
        "$defs": {"d0": {"anyOf": [{"items": false, "prefixItems": [{"$ref": "#"}]}]}, "d1": true},
        "allOf": [{"anyOf": [{"anyOf": [{"$ref": "#/$defs/d0"}]}, true]}]
    }));
}

#[test]
fn unions_around_recursive_references_are_compared_once_per_location() {
    // Every path into the cycle (each `anyOf` branch, each JSON type tried against the
    // constraining union) reaches the same locations; comparing them again on every path
    // used to exhaust the visit budget and end in `undecidable`.
    let wrap = |inner: Value| json!({"anyOf": [{"anyOf": [inner]}, true]});
    let node = json!({
        "prefixItems": [{"$ref": "#"}, {"$ref": "#/$defs/d1"}],
        "items": false,
        "properties": {"a": {"$ref": "#"}, "b": {"$ref": "#/$defs/d0"}}
    });
    let s = json!({
        "$defs": {"d0": wrap(wrap(node)), "d1": wrap(json!({"items": {"$ref": "#/$defs/d0"}}))},
        "allOf": [wrap(wrap(json!({"$ref": "#/$defs/d0"})))]
    });
    assert_symmetric(&s);
}
