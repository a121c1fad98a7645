//! `$ref`, `allOf`, cycles, and keywords the checker cannot decide.

use super::assert_breaks;
use crate::compat::backward_breaks;
use serde_json::{json, Value};

fn with_port(port: Value) -> Value {
    json!({
        "type": "object",
        "properties": {"web": {"$ref": "#/$defs/port"}, "admin": {"$ref": "#/$defs/port"}},
        "$defs": {"port": port}
    })
}

#[test]
fn refs_resolve_into_defs_and_report_at_every_use() {
    assert_breaks(
        &with_port(json!({"type": "integer", "maximum": 65535})),
        &with_port(json!({"type": "integer", "maximum": 1024})),
        &[
            ("/admin", "maximum-decreased"),
            ("/web", "maximum-decreased"),
        ],
    );
    assert_breaks(
        &with_port(json!({"type": "integer", "maximum": 1024})),
        &with_port(json!({"type": "integer", "maximum": 65535})),
        &[],
    );
}

#[test]
fn draft7_definitions_resolve_too() {
    let schema = |max: u64| {
        json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "properties": {"name": {"$ref": "#/definitions/name"}},
            "definitions": {"name": {"type": "string", "maxLength": max}}
        })
    };
    assert_breaks(
        &schema(10),
        &schema(5),
        &[("/name", "max-length-decreased")],
    );
    assert_breaks(&schema(5), &schema(10), &[]);
}

#[test]
fn a_renamed_definition_with_the_same_content_is_compatible() {
    let old =
        json!({"properties": {"a": {"$ref": "#/$defs/x"}}, "$defs": {"x": {"type": "string"}}});
    let new =
        json!({"properties": {"a": {"$ref": "#/$defs/y"}}, "$defs": {"y": {"type": "string"}}});
    assert_breaks(&old, &new, &[]);
}

#[test]
fn ref_moved_inline_is_compared_by_content() {
    let old =
        json!({"properties": {"a": {"$ref": "#/$defs/x"}}, "$defs": {"x": {"type": "number"}}});
    assert_breaks(&old, &json!({"properties": {"a": {"type": "number"}}}), &[]);
    assert_breaks(
        &old,
        &json!({"properties": {"a": {"type": "integer"}}}),
        &[("/a", "type-narrowed")],
    );
}

#[test]
fn escaped_pointer_tokens_resolve() {
    let schema = |t: &str| json!({"properties": {"a": {"$ref": "#/$defs/a~1b%20c"}}, "$defs": {"a/b c": {"type": t}}});
    assert_breaks(
        &schema("number"),
        &schema("integer"),
        &[("/a", "type-narrowed")],
    );
}

#[test]
fn keywords_beside_a_ref_add_constraints_from_2019_09_on() {
    let schema = |max: u64| json!({"properties": {"a": {"$ref": "#/$defs/s", "maxLength": max}}, "$defs": {"s": {"type": "string"}}});
    assert_breaks(&schema(5), &schema(5), &[]);
    assert_breaks(&schema(5), &schema(3), &[("/a", "max-length-decreased")]);
    assert_breaks(&schema(3), &schema(5), &[]);
}

#[test]
fn keywords_beside_a_ref_are_ignored_before_2019_09() {
    let schema = |max: u64| {
        json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "properties": {"a": {"$ref": "#/definitions/s", "maxLength": max}},
            "definitions": {"s": {"type": "string"}}
        })
    };
    assert_breaks(&schema(5), &schema(3), &[]);
}

#[test]
fn all_of_is_a_conjunction() {
    let base = json!({"type": "object", "properties": {"name": {"type": "string"}}});
    let old = json!({"allOf": [{"$ref": "#/$defs/base"}, {"properties": {"size": {"maximum": 10}}}], "$defs": {"base": base}});
    let new = json!({
        "allOf": [{"$ref": "#/$defs/base"}, {"properties": {"size": {"maximum": 5}}}],
        "$defs": {"base": {"type": "object", "properties": {"name": {"type": "string", "minLength": 1}}}}
    });
    assert_breaks(
        &old,
        &new,
        &[
            ("/name", "min-length-increased"),
            ("/size", "maximum-decreased"),
        ],
    );
    // Splitting one schema into allOf parts, or merging them, changes nothing.
    let merged = json!({"type": "object", "properties": {"name": {"type": "string"}, "size": {"maximum": 10}}});
    assert_breaks(&old, &merged, &[]);
    assert_breaks(&merged, &old, &[]);
}

#[test]
fn a_ref_to_itself_does_not_hang() {
    let selfish = json!({"$ref": "#"});
    assert_breaks(&selfish, &selfish, &[]);
    assert_breaks(&json!({"type": "string"}), &selfish, &[]);
    let looping = json!({"$ref": "#/$defs/a", "$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}});
    assert_breaks(&looping, &looping, &[]);
    assert_breaks(&json!({"enum": [1]}), &looping, &[]);
}

#[test]
fn recursive_schemas_are_compared_finitely() {
    let tree = |max: u64| {
        json!({
            "type": "object",
            "properties": {
                "name": {"type": "string", "maxLength": max},
                "children": {"type": "array", "items": {"$ref": "#"}}
            }
        })
    };
    assert_breaks(&tree(10), &tree(10), &[]);
    assert_breaks(&tree(5), &tree(10), &[]);
    assert_breaks(&tree(10), &tree(5), &[("/name", "max-length-decreased")]);
    // `minProperties: 0` changes nothing but defeats the shortcut for identical schemas.
    let mut retagged = tree(10);
    retagged["minProperties"] = json!(0);
    assert_breaks(&tree(10), &retagged, &[]);
}

#[test]
fn mutually_recursive_definitions_terminate() {
    let schema = |t: &str| {
        json!({
            "$ref": "#/$defs/a",
            "$defs": {
                "a": {"type": "object", "properties": {"b": {"$ref": "#/$defs/b"}, "v": {"type": t}}},
                "b": {"type": "object", "properties": {"a": {"$ref": "#/$defs/a"}}}
            }
        })
    };
    assert_breaks(&schema("number"), &schema("number"), &[]);
    assert_breaks(
        &schema("number"),
        &schema("integer"),
        &[("/v", "type-narrowed")],
    );
}

#[test]
fn changed_one_of_is_undecidable_but_identical_one_of_is_not() {
    let branches = json!([{"type": "string"}, {"type": "integer"}]);
    let old = json!({"properties": {"v": {"oneOf": branches}, "n": {"maximum": 10}}});
    let same = json!({"properties": {"v": {"oneOf": branches}, "n": {"maximum": 20}}});
    assert_breaks(&old, &same, &[]);
    // Integers now match two branches, which `oneOf` forbids; the checker cannot rule that out.
    let overlapping = json!({"properties": {"v": {"oneOf": [{"type": "string"}, {"type": "number"}, {"type": "integer"}]}}});
    assert_breaks(&old, &overlapping, &[("/v", "undecidable")]);
    let breaks = backward_breaks(&old, &overlapping);
    assert!(
        breaks[0].message.contains("`oneOf`"),
        "{}",
        breaks[0].message
    );
}

#[test]
fn unions_whose_branches_differ_by_type_are_decided() {
    let old = json!({"oneOf": [{"type": "string"}, {"type": "integer"}]});
    assert_breaks(
        &old,
        &json!({"oneOf": [{"type": "string"}, {"type": "number"}]}),
        &[],
    );
    assert_breaks(&old, &json!({"type": ["string", "integer"]}), &[]);
    assert_breaks(&json!({"type": ["string", "integer"]}), &old, &[]);
    assert_breaks(
        &old,
        &json!({"anyOf": [{"type": "string", "maxLength": 3}, {"type": "integer"}]}),
        &[("", "max-length-decreased")],
    );
    assert_breaks(
        &json!({"type": ["string", "boolean"]}),
        &old,
        &[("", "type-narrowed")],
    );
}

#[test]
fn optional_fields_written_as_any_of_null_are_decided() {
    // The shape pydantic and similar generators emit for optional fields.
    let schema = |max: u64| {
        json!({
            "type": "object",
            "properties": {"db": {"anyOf": [{"$ref": "#/$defs/Db"}, {"type": "null"}], "default": null}},
            "$defs": {"Db": {"type": "object", "properties": {"pool": {"type": "integer", "maximum": max}}}}
        })
    };
    assert_breaks(&schema(10), &schema(20), &[]);
    assert_breaks(
        &schema(20),
        &schema(10),
        &[("/db/pool", "maximum-decreased")],
    );
    let required = json!({"type": "object", "properties": {"db": {"$ref": "#/$defs/Db"}}, "$defs": schema(10)["$defs"].clone()});
    assert_breaks(&required, &schema(10), &[]);
    assert_breaks(&schema(10), &required, &[("/db", "type-narrowed")]);
}

#[test]
fn overlapping_any_of_passes_when_one_branch_covers_everything() {
    let old = json!({"type": "integer", "minimum": 0});
    let new =
        json!({"anyOf": [{"type": "integer", "minimum": -5}, {"type": "number", "maximum": 3}]});
    assert_breaks(&old, &new, &[]);
    // Together these cover every integer, but no branch does alone.
    let split =
        json!({"anyOf": [{"type": "integer", "minimum": 0}, {"type": "integer", "maximum": 0}]});
    assert_breaks(&json!({"type": "integer"}), &split, &[("", "undecidable")]);
}

#[test]
fn one_of_with_identical_text_but_a_changed_ref_target_is_compared_by_target() {
    let schema = |t: &str| json!({"oneOf": [{"$ref": "#/$defs/a"}, {"type": "null"}], "$defs": {"a": {"type": t}}});
    assert_breaks(&schema("number"), &schema("number"), &[]);
    assert_breaks(
        &schema("number"),
        &schema("integer"),
        &[("", "type-narrowed")],
    );
    let not = |t: &str| json!({"not": {"$ref": "#/$defs/a"}, "$defs": {"a": {"type": t}}});
    // Fewer values excluded: compatible; more excluded: the checker cannot tell.
    assert_breaks(&not("number"), &not("integer"), &[]);
    assert_breaks(&not("integer"), &not("number"), &[("", "undecidable")]);
}

#[test]
fn annotations_and_unknown_keywords_inside_one_of_are_ignored() {
    let old = json!({"oneOf": [{"type": "string", "title": "A", "x-order": 1}, {"type": "null"}]});
    let new = json!({"oneOf": [{"type": "string", "title": "B", "x-order": 2}, {"type": "null", "description": "none"}]});
    assert_breaks(&old, &new, &[]);
}

#[test]
fn identical_one_of_with_changed_siblings_checks_only_the_siblings() {
    let old = json!({"oneOf": [{"required": ["a"]}, {"required": ["b"]}], "properties": {"a": {"type": "number"}}});
    let new = json!({"oneOf": [{"required": ["a"]}, {"required": ["b"]}], "properties": {"a": {"type": "integer"}}});
    assert_breaks(&old, &new, &[("/a", "type-narrowed")]);
}

#[test]
fn dropping_an_undecidable_keyword_only_loosens() {
    let old = json!({"type": "object", "anyOf": [{"required": ["a"]}, {"required": ["b"]}], "not": {"required": ["c"]}});
    assert_breaks(&old, &json!({"type": "object"}), &[]);
}

#[test]
fn every_undecidable_keyword_is_reported_when_it_changes() {
    let pairs: Vec<(&str, Value, Value)> = vec![
        (
            "oneOf",
            json!([{"type": "number"}]),
            json!([{"type": "number"}, {"type": "integer"}]),
        ),
        (
            "anyOf",
            json!([{"type": "integer"}]),
            json!([{"type": "integer", "minimum": 0}, {"type": "integer", "maximum": 0}]),
        ),
        ("not", json!({"type": "string"}), json!({"type": "number"})),
        ("if", json!({"required": ["a"]}), json!({"required": ["b"]})),
        (
            "propertyNames",
            json!({"maxLength": 5}),
            json!({"maxLength": 4}),
        ),
        ("$dynamicRef", json!("#meta"), json!("#other")),
        (
            "$ref",
            json!("https://example.com/a.json"),
            json!("https://example.com/b.json"),
        ),
    ];
    for (keyword, before, after) in pairs {
        let old = json!({ keyword: before.clone() });
        let identical = json!({ keyword: before, "minProperties": 0 });
        let new = json!({ keyword: after });
        assert_breaks(&old, &identical, &[]);
        let breaks = backward_breaks(&old, &new);
        assert!(
            breaks
                .iter()
                .any(|b| b.rule == "undecidable" && b.message.contains(&format!("`{keyword}`"))),
            "{keyword}: {breaks:#?}"
        );
        let added = backward_breaks(&json!({}), &new);
        assert!(
            added.iter().any(|b| b.rule == "undecidable"),
            "{keyword} added: {added:#?}"
        );
    }
}

#[test]
fn if_then_else_is_compared_as_one_group() {
    let old = json!({"if": {"required": ["a"]}, "then": {"required": ["b"]}});
    let new = json!({"if": {"required": ["a"]}, "then": {"required": ["c"]}});
    assert_breaks(&old, &new, &[("", "undecidable")]);
}

#[test]
fn removed_pattern_properties_are_checked_against_what_replaces_them() {
    let old =
        json!({"patternProperties": {"^x-": {"type": "string"}}, "additionalProperties": false});
    assert_breaks(&old, &json!({}), &[]);
    assert_breaks(
        &old,
        &json!({"additionalProperties": false}),
        &[("", "additional-properties-closed")],
    );
    assert_breaks(
        &old,
        &json!({"additionalProperties": {"type": "string"}}),
        &[],
    );
}

#[test]
fn regexes_are_run_on_property_names() {
    // "x-a" matches `^x-` and so was already a string.
    let old = json!({"patternProperties": {"^x-": {"type": "string"}}});
    let new = json!({"patternProperties": {"^x-": {"type": "string"}}, "properties": {"x-a": {"type": "string"}}});
    assert_breaks(&old, &new, &[]);
    // "y-a" does not: the old schema allowed anything there.
    let new = json!({"patternProperties": {"^x-": {"type": "string"}}, "properties": {"y-a": {"type": "string"}}});
    assert_breaks(&old, &new, &[("/y-a", "type-narrowed")]);
}

#[test]
fn unresolvable_local_refs_are_undecidable() {
    let old = json!({"properties": {"a": {"$ref": "#/$defs/missing"}}});
    assert_breaks(&old, &old, &[]);
    assert_breaks(
        &json!({"properties": {"a": {}}}),
        &old,
        &[("/a", "undecidable")],
    );
}

#[test]
fn unevaluated_properties_see_properties_declared_through_refs() {
    let old = json!({
        "allOf": [{"$ref": "#/$defs/base"}],
        "properties": {"b": {}},
        "unevaluatedProperties": false,
        "$defs": {"base": {"properties": {"a": {"type": "string"}}}}
    });
    let new = json!({
        "allOf": [{"$ref": "#/$defs/base"}],
        "unevaluatedProperties": false,
        "$defs": {"base": {"properties": {"a": {"type": "string"}}}}
    });
    assert_breaks(&old, &new, &[("/b", "property-removed")]);
    assert_breaks(&new, &old, &[]);
}

#[test]
fn unevaluated_properties_beside_one_of_are_decided_through_the_branches() {
    let one_of = json!([{"properties": {"a": {}}}, {"properties": {"b": {}}}]);
    let old = json!({"oneOf": one_of, "unevaluatedProperties": false});
    let capped = json!({"oneOf": one_of, "unevaluatedProperties": false, "maxProperties": 3});
    assert_breaks(&old, &old, &[]);
    assert_breaks(&old, &capped, &[("", "max-properties-decreased")]);
    // `c` is now evaluated too: more configs pass.
    let more = json!({"oneOf": one_of, "unevaluatedProperties": false, "properties": {"c": {}}});
    assert_breaks(&old, &more, &[]);
    assert_breaks(&more, &old, &[("/c", "property-removed")]);
}

#[test]
fn non_schema_values_are_undecidable_not_panics() {
    assert_breaks(
        &json!({}),
        &json!({"properties": {"a": 5}}),
        &[("/a", "undecidable")],
    );
    assert_breaks(
        &json!({"properties": {"a": 5}}),
        &json!({"properties": {"a": 5}}),
        &[],
    );
}

#[test]
fn very_deep_schemas_end_in_undecidable_instead_of_overflowing() {
    let nest = |leaf: Value| (0..300).fold(leaf, |inner, _| json!({"properties": {"a": inner}}));
    let old = nest(json!({"maxLength": 5}));
    let new = nest(json!({"maxLength": 3}));
    let breaks = backward_breaks(&old, &new);
    assert_eq!(breaks.len(), 1, "{breaks:?}");
    assert_eq!(breaks[0].rule, "undecidable");
    assert!(backward_breaks(&old, &old).is_empty());
}

#[test]
fn exponentially_shared_definitions_stay_within_budget() {
    let schema = |leaf: &str| {
        let mut defs = serde_json::Map::new();
        for i in 0..30 {
            let next = format!("#/$defs/d{}", i + 1);
            defs.insert(
                format!("d{i}"),
                json!({"properties": {"a": {"$ref": next}, "b": {"$ref": next}}}),
            );
        }
        defs.insert("d30".into(), json!({"type": leaf}));
        json!({"$ref": "#/$defs/d0", "$defs": defs})
    };
    let started = std::time::Instant::now();
    let breaks = backward_breaks(&schema("number"), &schema("integer"));
    assert!(breaks.iter().any(|b| b.rule == "undecidable"));
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    assert!(backward_breaks(&schema("number"), &schema("number")).is_empty());
}
