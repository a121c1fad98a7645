//! Keywords once reported as `undecidable` that the checker now decides: for each, a change
//! proven compatible and a breaking one with its exact breaks.

use super::assert_breaks;
use serde_json::json;

#[test]
fn not_excluding_less_is_compatible_and_excluding_more_is_not_proven() {
    let old = json!({"not": {"type": "number"}});
    assert_breaks(&old, &json!({"not": {"type": "integer"}}), &[]);
    assert_breaks(&old, &json!({"not": {"type": "number", "minimum": 0}}), &[]);
    assert_breaks(&old, &json!({"not": false}), &[]);
    assert_breaks(
        &json!({"not": {"type": "integer"}}),
        &old,
        &[("", "undecidable")],
    );
    assert_breaks(&json!({}), &old, &[("", "undecidable")]);
}

#[test]
fn not_of_types_the_accepting_side_never_has_is_compatible() {
    assert_breaks(
        &json!({"type": "string"}),
        &json!({"not": {"type": "number"}}),
        &[],
    );
    assert_breaks(
        &json!({"type": ["string", "null"]}),
        &json!({"type": "string", "not": {"type": "number"}}),
        &[("", "type-narrowed")],
    );
    assert_breaks(
        &json!({"enum": ["a", "b"]}),
        &json!({"not": {"const": "c"}}),
        &[],
    );
    assert_breaks(
        &json!({"enum": ["a", "c"]}),
        &json!({"not": {"const": "c"}}),
        &[("", "undecidable")],
    );
}

#[test]
fn nested_not_flips_the_direction_twice() {
    let old = json!({"not": {"not": {"type": "integer"}}});
    assert_breaks(&old, &json!({"not": {"not": {"type": "number"}}}), &[]);
    assert_breaks(
        &json!({"not": {"not": {"type": "number"}}}),
        &old,
        &[("", "undecidable")],
    );
}

#[test]
fn contains_with_counts() {
    let old = json!({"type": "array", "contains": {"type": "integer"}, "minContains": 2});
    // Fewer matches needed, or a wider matching schema: compatible.
    assert_breaks(
        &old,
        &json!({"type": "array", "contains": {"type": "number"}, "minContains": 1}),
        &[],
    );
    assert_breaks(
        &old,
        &json!({"type": "array", "contains": {"type": "integer"}, "minContains": 3}),
        &[("", "contains-narrowed")],
    );
    assert_breaks(
        &old,
        &json!({"type": "array", "contains": {"type": "string"}}),
        &[("", "contains-narrowed")],
    );
    assert_breaks(
        &json!({"type": "array"}),
        &json!({"type": "array", "contains": {"type": "string"}}),
        &[("", "contains-added")],
    );
    // `minContains: 0` asks for nothing.
    assert_breaks(
        &json!({"type": "array"}),
        &json!({"type": "array", "contains": {"type": "string"}, "minContains": 0}),
        &[],
    );
}

#[test]
fn contains_is_met_by_arrays_whose_every_item_matches() {
    let old = json!({"type": "array", "items": {"type": "integer"}, "minItems": 1});
    assert_breaks(
        &old,
        &json!({"type": "array", "contains": {"type": "number"}}),
        &[],
    );
    assert_breaks(
        &json!({"type": "array", "items": {"type": "integer"}}),
        &json!({"type": "array", "contains": {"type": "number"}}),
        &[("", "contains-added")],
    );
}

#[test]
fn max_contains() {
    let new = json!({"contains": {"type": "integer"}, "minContains": 0, "maxContains": 2});
    assert_breaks(&json!({"type": "array", "maxItems": 2}), &new, &[]);
    assert_breaks(
        &json!({"contains": {"type": "number"}, "maxContains": 1}),
        &new,
        &[],
    );
    assert_breaks(
        &json!({"contains": {"type": "number"}, "maxContains": 3}),
        &new,
        &[("", "max-contains-decreased")],
    );
    assert_breaks(
        &json!({"type": "array"}),
        &new,
        &[("", "max-contains-decreased")],
    );
}

#[test]
fn min_and_max_contains_are_ignored_before_2019_09() {
    let draft7 = |min: u64| json!({"$schema": "http://json-schema.org/draft-07/schema#", "contains": {"type": "string"}, "minContains": min});
    // Draft 7 reads both as "at least one string", whatever `minContains` says.
    assert_breaks(&draft7(1), &draft7(5), &[]);
    assert_breaks(&draft7(0), &draft7(1), &[]);
}

#[test]
fn dependent_required() {
    let old = json!({"dependentRequired": {"a": ["b", "c"]}});
    assert_breaks(&old, &json!({"dependentRequired": {"a": ["b"]}}), &[]);
    assert_breaks(&old, &json!({}), &[]);
    assert_breaks(
        &old,
        &json!({"dependentRequired": {"a": ["b", "d"], "c": ["b"]}}),
        &[
            ("/a", "dependent-required-added"),
            ("/c", "dependent-required-added"),
        ],
    );
    // Required outright, or never present: nothing more to ask.
    assert_breaks(
        &json!({"required": ["b"]}),
        &json!({"dependentRequired": {"a": ["b"]}}),
        &[],
    );
    assert_breaks(
        &json!({"properties": {"a": false}}),
        &json!({"dependentRequired": {"a": ["b"]}}),
        &[],
    );
    assert_breaks(
        &json!({"enum": [{"a": 1, "b": 2}, {"b": 1}]}),
        &json!({"dependentRequired": {"a": ["b"]}}),
        &[],
    );
    assert_breaks(
        &json!({"enum": [{"a": 1}, {"b": 1}]}),
        &json!({"dependentRequired": {"a": ["b"]}}),
        &[("/a", "dependent-required-added")],
    );
}

#[test]
fn draft_7_dependencies_in_both_forms() {
    let draft7 = |deps: serde_json::Value| json!({"$schema": "http://json-schema.org/draft-07/schema#", "dependencies": deps});
    assert_breaks(
        &draft7(json!({"a": ["b", "c"]})),
        &draft7(json!({"a": ["c"]})),
        &[],
    );
    assert_breaks(
        &draft7(json!({"a": ["c"]})),
        &draft7(json!({"a": ["b", "c"]})),
        &[("/a", "dependent-required-added")],
    );
    assert_breaks(
        &draft7(json!({"a": {"properties": {"b": {"type": "integer"}}}})),
        &draft7(json!({"a": {"properties": {"b": {"type": "number"}}}})),
        &[],
    );
    assert_breaks(
        &draft7(json!({"a": {"properties": {"b": {"type": "number"}}}})),
        &draft7(json!({"a": {"properties": {"b": {"type": "integer"}}}})),
        &[("/b", "type-narrowed")],
    );
    // Draft 7 knows nothing of `dependentRequired`: it constrains nothing there.
    assert_breaks(
        &json!({"$schema": "http://json-schema.org/draft-07/schema#"}),
        &json!({"$schema": "http://json-schema.org/draft-07/schema#", "dependentRequired": {"a": ["b"]}}),
        &[],
    );
}

#[test]
fn dependent_schemas() {
    let old = json!({"dependentSchemas": {"a": {"required": ["b"]}}});
    assert_breaks(&old, &json!({}), &[]);
    assert_breaks(
        &json!({"dependentSchemas": {"a": {"required": ["b"], "properties": {"b": {"type": "integer"}}}}}),
        &json!({"dependentSchemas": {"a": {"properties": {"b": {"type": "number"}}}}}),
        &[],
    );
    assert_breaks(
        &json!({"dependentSchemas": {"a": {"properties": {"b": {"type": "number"}}}}}),
        &json!({"dependentSchemas": {"a": {"properties": {"b": {"type": "integer"}}}}}),
        &[("/b", "type-narrowed")],
    );
    assert_breaks(
        &old,
        &json!({"dependentSchemas": {"a": {"required": ["b", "c"]}}}),
        &[("/c", "required-added")],
    );
    assert_breaks(
        &json!({"type": "object"}),
        &json!({"dependentSchemas": {"a": false}}),
        &[("/a", "property-removed")],
    );
    // Only objects with the property are constrained; other types are untouched.
    assert_breaks(
        &json!({"type": ["string", "object"], "required": ["b"]}),
        &json!({"dependentSchemas": {"a": {"required": ["b"]}}}),
        &[],
    );
}

#[test]
fn unevaluated_items_without_conditionals_is_the_rest_of_the_items() {
    let old = json!({"prefixItems": [{"type": "string"}], "unevaluatedItems": {"type": "integer"}});
    assert_breaks(
        &old,
        &json!({"prefixItems": [{"type": "string"}], "unevaluatedItems": {"type": "number"}}),
        &[],
    );
    assert_breaks(
        &old,
        &json!({"prefixItems": [{"type": "string"}], "items": {"type": "number"}}),
        &[],
    );
    assert_breaks(
        &old,
        &json!({"prefixItems": [{"type": "string"}], "unevaluatedItems": false}),
        &[("", "max-items-decreased")],
    );
    assert_breaks(
        &json!({"prefixItems": [{}], "items": {"type": "string"}}),
        &json!({"prefixItems": [{}], "unevaluatedItems": {"type": "integer"}}),
        &[("/*", "type-narrowed")],
    );
}

#[test]
fn unevaluated_items_beside_items_evaluated_elsewhere_are_read_conservatively() {
    // Items the `allOf` evaluates escape `unevaluatedItems`, so the old schema is read as
    // allowing anything after the first item...
    let old = json!({"allOf": [{"prefixItems": [{}, {}]}], "unevaluatedItems": false});
    assert_breaks(
        &old,
        &json!({"allOf": [{"prefixItems": [{}, {}]}], "maxItems": 1}),
        &[("", "max-items-decreased")],
    );
    // ...and identical inputs on both sides still pass.
    assert_breaks(
        &old,
        &json!({"allOf": [{"prefixItems": [{}, {}]}], "unevaluatedItems": false, "minProperties": 0}),
        &[],
    );
}

#[test]
fn unevaluated_properties_beside_any_of() {
    let branches =
        json!([{"properties": {"b": {"type": "string"}}, "required": ["b"]}, {"required": ["c"]}]);
    let old = json!({"properties": {"a": {}}, "anyOf": branches, "unevaluatedProperties": false});
    // Every old config with `b` passes the first branch, which evaluates `b`.
    assert_breaks(
        &json!({"properties": {"a": {}, "b": {"type": "string"}}, "required": ["b"], "additionalProperties": false}),
        &old,
        &[],
    );
    // Here `b` may be a number: the branch that evaluates it might not pass.
    assert_breaks(
        &json!({"properties": {"a": {}, "b": {}}, "required": ["b", "c"], "additionalProperties": false}),
        &old,
        &[("/b", "property-removed")],
    );
    let opened = json!({"properties": {"a": {}}, "anyOf": branches, "unevaluatedProperties": {"type": "integer"}});
    assert_breaks(&old, &opened, &[]);
    assert_breaks(&opened, &old, &[("", "additional-properties-closed")]);
}

#[test]
fn unevaluated_properties_are_ignored_before_2019_09() {
    let draft7 = json!({"$schema": "http://json-schema.org/draft-07/schema#", "unevaluatedProperties": false});
    assert_breaks(
        &json!({"$schema": "http://json-schema.org/draft-07/schema#"}),
        &draft7,
        &[],
    );
}

#[test]
fn discriminated_one_of_is_matched_branch_by_branch() {
    let one_of = |a: &str, b: &str| {
        json!({"type": "object", "oneOf": [
            {"properties": {"kind": {"const": "a"}, "x": {"type": a}}, "required": ["kind"]},
            {"properties": {"kind": {"enum": ["b", "c"]}, "x": {"type": b}}, "required": ["kind"]},
        ]})
    };
    assert_breaks(
        &one_of("integer", "string"),
        &one_of("number", "string"),
        &[],
    );
    assert_breaks(
        &one_of("number", "string"),
        &one_of("integer", "string"),
        &[("", "undecidable")],
    );
    // Without the discriminator being required, a config without it may pass both branches.
    let loose = json!({"type": "object", "oneOf": [
        {"properties": {"kind": {"const": "a"}, "x": {"type": "number"}}},
        {"properties": {"kind": {"const": "b"}, "x": {"type": "string"}}},
    ]});
    let strict = json!({"type": "object", "oneOf": [
        {"properties": {"kind": {"const": "a"}, "x": {"type": "integer"}}},
        {"properties": {"kind": {"const": "b"}, "x": {"type": "string"}}},
    ]});
    assert_breaks(&strict, &loose, &[("", "undecidable")]);
    // Values shared by two branches do not discriminate.
    let overlapping = |a: &str| {
        json!({"type": "object", "oneOf": [
            {"properties": {"kind": {"const": "a"}, "x": {"type": a}}, "required": ["kind"]},
            {"properties": {"kind": {"enum": ["a", "b"]}}, "required": ["kind"]},
        ]})
    };
    assert_breaks(
        &overlapping("integer"),
        &overlapping("number"),
        &[("", "undecidable")],
    );
}

#[test]
fn a_property_moving_from_properties_to_patterns_is_matched_by_name() {
    let declared =
        json!({"properties": {"x-a": {"type": "string"}}, "additionalProperties": false});
    let patterned =
        json!({"patternProperties": {"^x-": {"type": "string"}}, "additionalProperties": false});
    // Every name `^x-` matches now passes, `x-a` among them.
    assert_breaks(&declared, &patterned, &[]);
    // Back: `x-b` matched the pattern and is now left to `additionalProperties: false`.
    assert_breaks(
        &patterned,
        &declared,
        &[("", "additional-properties-closed")],
    );
    // A name the pattern does not match is not governed by it.
    let elsewhere =
        json!({"properties": {"y-a": {"type": "string"}}, "additionalProperties": false});
    assert_breaks(&elsewhere, &patterned, &[("/y-a", "property-removed")]);
}

#[test]
fn declared_properties_that_match_a_pattern_meet_both_schemas() {
    let old = json!({"properties": {"x-a": {"type": "number"}}, "patternProperties": {"^x-": {"type": "integer"}}});
    // `x-a` was an integer all along: number and integer together.
    assert_breaks(
        &old,
        &json!({"properties": {"x-a": {"type": "integer"}}}),
        &[],
    );
    assert_breaks(
        &json!({"properties": {"x-a": {"type": "number"}}}),
        &json!({"properties": {"x-a": {"type": "number"}}, "patternProperties": {"^x-": {"type": "integer"}}}),
        &[("/*", "type-narrowed"), ("/x-a", "type-narrowed")],
    );
}

#[test]
fn patterns_are_compared_by_text_for_undeclared_names() {
    let old = json!({"patternProperties": {"^x-": {"type": "integer"}}});
    assert_breaks(
        &old,
        &json!({"patternProperties": {"^x-": {"type": "number"}}}),
        &[],
    );
    assert_breaks(
        &json!({"patternProperties": {"^x-": {"type": "number"}}}),
        &json!({"patternProperties": {"^x-": {"type": "integer"}}}),
        &[("/*", "type-narrowed")],
    );
    // A narrower regex is not proven to cover fewer names: conservative.
    assert_breaks(
        &old,
        &json!({"patternProperties": {"^x-a": {"type": "integer"}}}),
        &[("/*", "type-narrowed")],
    );
    assert_breaks(
        &json!({"type": "object"}),
        &json!({"patternProperties": {"^x-": false}}),
        &[("/*", "property-removed")],
    );
}

#[test]
fn dependent_schemas_reaching_back_to_the_root_end() {
    let schema = |t: &str| {
        json!({
            "dependentSchemas": {"a": {"$ref": "#"}, "b": {"$ref": "#"}},
            "anyOf": [{"required": ["a"]}, {"required": ["b"]}, {"properties": {"c": {"type": t}}}],
            "properties": {"d": {"dependentSchemas": {"e": {"$ref": "#"}}}}
        })
    };
    let started = std::time::Instant::now();
    assert_breaks(&schema("number"), &schema("number"), &[]);
    let narrowed = super::found(&schema("number"), &schema("integer"));
    assert!(!narrowed.is_empty());
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn draft_4_ignores_const_so_it_neither_excludes_nor_discriminates() {
    let draft4 = |body: serde_json::Value| {
        let mut schema = body;
        schema["$schema"] = json!("http://json-schema.org/draft-04/schema#");
        schema
    };
    // In draft 4 `{"not": {"const": "c"}}` is `{"not": {}}`, which rejects everything.
    assert_breaks(
        &draft4(json!({"enum": ["a", "b"]})),
        &draft4(json!({"not": {"const": "c"}})),
        &[("", "undecidable")],
    );
    let one_of = |t: &str| {
        draft4(json!({"type": "object", "oneOf": [
            {"properties": {"kind": {"const": "a"}, "x": {"type": t}}, "required": ["kind"]},
            {"properties": {"kind": {"const": "b"}}, "required": ["kind"]},
        ]}))
    };
    assert_breaks(
        &one_of("integer"),
        &one_of("number"),
        &[("", "undecidable")],
    );
}
