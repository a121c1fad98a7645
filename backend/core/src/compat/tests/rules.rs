//! One breaking and one non-breaking schema pair per rule.

use super::assert_breaks;
use serde_json::{json, Value};

struct Case {
    name: &'static str,
    old: Value,
    new: Value,
    expect: &'static [(&'static str, &'static str)],
}

fn case(
    name: &'static str,
    old: Value,
    new: Value,
    expect: &'static [(&'static str, &'static str)],
) -> Case {
    Case {
        name,
        old,
        new,
        expect,
    }
}

fn obj(props: Value) -> Value {
    json!({ "type": "object", "properties": props })
}

fn table() -> Vec<Case> {
    vec![
        // property-removed
        case(
            "property dropped from a closed object",
            json!({"type": "object", "properties": {"a": {}, "b": {}}, "additionalProperties": false}),
            json!({"type": "object", "properties": {"a": {}}, "additionalProperties": false}),
            &[("/b", "property-removed")],
        ),
        case(
            "property dropped from an open object",
            obj(json!({"a": {}, "b": {"type": "string"}})),
            obj(json!({"a": {}})),
            &[],
        ),
        case(
            "property dropped under unevaluatedProperties false",
            json!({"properties": {"a": {}, "b": {}}, "unevaluatedProperties": false}),
            json!({"properties": {"a": {}}, "unevaluatedProperties": false}),
            &[("/b", "property-removed")],
        ),
        case(
            "property declared false",
            obj(json!({"a": {"type": "string"}})),
            obj(json!({"a": false})),
            &[("/a", "property-removed")],
        ),
        case(
            "property declared false where the old schema already forbade it",
            json!({"properties": {"a": false}}),
            json!({"properties": {"a": false}, "required": []}),
            &[],
        ),
        // required-added
        case(
            "new required property",
            obj(json!({"a": {}, "b": {}})),
            json!({"type": "object", "properties": {"a": {}, "b": {}}, "required": ["b"]}),
            &[("/b", "required-added")],
        ),
        case(
            "required property dropped",
            json!({"type": "object", "properties": {"a": {}}, "required": ["a"]}),
            obj(json!({"a": {}})),
            &[],
        ),
        // type-narrowed
        case(
            "number narrowed to integer",
            json!({"type": "number"}),
            json!({"type": "integer"}),
            &[("", "type-narrowed")],
        ),
        case(
            "integer widened to number",
            json!({"type": "integer"}),
            json!({"type": "number"}),
            &[],
        ),
        case(
            "type list shrinks",
            json!({"type": ["string", "null"]}),
            json!({"type": "string"}),
            &[("", "type-narrowed")],
        ),
        case(
            "type list grows",
            json!({"type": "string"}),
            json!({"type": ["string", "null"]}),
            &[],
        ),
        case(
            "missing type becomes a type",
            json!({}),
            json!({"type": "string"}),
            &[("", "type-narrowed")],
        ),
        case(
            "nested property type narrowed",
            obj(json!({"spec": obj(json!({"replicas": {"type": "number"}}))})),
            obj(json!({"spec": obj(json!({"replicas": {"type": "integer"}}))})),
            &[("/spec/replicas", "type-narrowed")],
        ),
        case(
            "true schema narrowed",
            json!(true),
            json!({"type": "object"}),
            &[("", "type-narrowed")],
        ),
        case(
            "false schema",
            json!({"type": "string"}),
            json!(false),
            &[("", "type-narrowed")],
        ),
        case("false stays false", json!(false), json!(false), &[]),
        case(
            "anything is wider than false",
            json!(false),
            json!({"type": "string"}),
            &[],
        ),
        // enum-value-removed, const-changed
        case(
            "enum value removed",
            json!({"enum": ["a", "b", "c"]}),
            json!({"enum": ["a", "b"]}),
            &[("", "enum-value-removed")],
        ),
        case(
            "enum value added",
            json!({"enum": ["a", "b"]}),
            json!({"enum": ["a", "b", "c"]}),
            &[],
        ),
        case(
            "enum added where there was none",
            json!({"type": "string"}),
            json!({"type": "string", "enum": ["a"]}),
            &[("", "enum-value-removed")],
        ),
        case(
            "enum values compared as numbers",
            json!({"enum": [1, 2]}),
            json!({"enum": [1.0, 2.0, 3]}),
            &[],
        ),
        case(
            "enum of a boolean type",
            json!({"type": "boolean"}),
            json!({"enum": [true, false]}),
            &[],
        ),
        case(
            "const changed",
            json!({"const": 1}),
            json!({"const": 2}),
            &[("", "const-changed")],
        ),
        case(
            "const becomes an enum",
            json!({"const": 1}),
            json!({"enum": [1, 2]}),
            &[],
        ),
        case(
            "const added",
            json!({"type": "integer"}),
            json!({"type": "integer", "const": 3}),
            &[("", "const-changed")],
        ),
        // additional-properties-closed
        case(
            "object closed",
            obj(json!({"a": {}})),
            json!({"type": "object", "properties": {"a": {}}, "additionalProperties": false}),
            &[("", "additional-properties-closed")],
        ),
        case(
            "object closed and a property removed",
            obj(json!({"a": {}, "b": {}})),
            json!({"type": "object", "properties": {"a": {}}, "additionalProperties": false}),
            &[
                ("", "additional-properties-closed"),
                ("/b", "property-removed"),
            ],
        ),
        case(
            "closed object gains an optional property",
            json!({"properties": {"a": {}}, "additionalProperties": false}),
            json!({"properties": {"a": {}, "b": {"type": "string"}}, "additionalProperties": false}),
            &[],
        ),
        case(
            "closed object opened",
            json!({"properties": {"a": {}}, "additionalProperties": false}),
            json!({"properties": {"a": {}}}),
            &[],
        ),
        case(
            "additionalProperties schema narrowed",
            json!({"additionalProperties": {"type": ["string", "integer"]}}),
            json!({"additionalProperties": {"type": "string"}}),
            &[("/*", "type-narrowed")],
        ),
        // numbers
        case(
            "maximum decreased",
            json!({"maximum": 10}),
            json!({"maximum": 5}),
            &[("", "maximum-decreased")],
        ),
        case(
            "maximum raised",
            json!({"maximum": 5}),
            json!({"maximum": 10}),
            &[],
        ),
        case(
            "maximum added",
            json!({"type": "number"}),
            json!({"type": "number", "maximum": 10}),
            &[("", "maximum-decreased")],
        ),
        case("maximum dropped", json!({"maximum": 5}), json!({}), &[]),
        case(
            "minimum increased",
            json!({"minimum": 0}),
            json!({"minimum": 1}),
            &[("", "minimum-increased")],
        ),
        case(
            "minimum lowered",
            json!({"minimum": 1}),
            json!({"minimum": 0}),
            &[],
        ),
        case(
            "exclusive maximum decreased",
            json!({"exclusiveMaximum": 10}),
            json!({"exclusiveMaximum": 9.5}),
            &[("", "exclusive-maximum-decreased")],
        ),
        case(
            "inclusive maximum made exclusive at the same value",
            json!({"maximum": 10}),
            json!({"exclusiveMaximum": 10}),
            &[("", "exclusive-maximum-decreased")],
        ),
        case(
            "exclusive maximum replaced by the inclusive limit just below, for integers",
            json!({"type": "integer", "exclusiveMaximum": 10}),
            json!({"type": "integer", "maximum": 9}),
            &[],
        ),
        case(
            "exclusive maximum replaced by the inclusive limit just below, for numbers",
            json!({"type": "number", "exclusiveMaximum": 10}),
            json!({"type": "number", "maximum": 9}),
            &[("", "maximum-decreased")],
        ),
        case(
            "exclusive minimum increased",
            json!({"exclusiveMinimum": 0}),
            json!({"exclusiveMinimum": 1}),
            &[("", "exclusive-minimum-increased")],
        ),
        case(
            "exclusive minimum lowered",
            json!({"exclusiveMinimum": 1}),
            json!({"exclusiveMinimum": 0}),
            &[],
        ),
        case(
            "draft 4 boolean exclusiveMaximum",
            json!({"maximum": 10}),
            json!({"maximum": 10, "exclusiveMaximum": true}),
            &[("", "exclusive-maximum-decreased")],
        ),
        case(
            "maximum on a string-only schema is irrelevant",
            json!({"type": "string"}),
            json!({"type": "string", "maximum": 3}),
            &[],
        ),
        case(
            "bounds of an enum are its values",
            json!({"enum": [1, 2, 3]}),
            json!({"type": "integer", "minimum": 1, "maximum": 3}),
            &[],
        ),
        case(
            "an enum value beyond the new maximum",
            json!({"enum": [1, 2, 30]}),
            json!({"maximum": 3}),
            &[("", "maximum-decreased")],
        ),
        case(
            "multipleOf made coarser",
            json!({"multipleOf": 2}),
            json!({"multipleOf": 4}),
            &[("", "multiple-of-changed")],
        ),
        case(
            "multipleOf made finer",
            json!({"multipleOf": 4}),
            json!({"multipleOf": 2}),
            &[],
        ),
        case(
            "multipleOf of decimals",
            json!({"multipleOf": 0.3}),
            json!({"multipleOf": 0.1}),
            &[],
        ),
        case(
            "multipleOf added",
            json!({"type": "number"}),
            json!({"type": "number", "multipleOf": 0.5}),
            &[("", "multiple-of-changed")],
        ),
        case(
            "integers are multiples of 0.5",
            json!({"type": "integer"}),
            json!({"type": "integer", "multipleOf": 0.5}),
            &[],
        ),
        // strings
        case(
            "maxLength decreased",
            json!({"maxLength": 10}),
            json!({"maxLength": 5}),
            &[("", "max-length-decreased")],
        ),
        case(
            "maxLength raised",
            json!({"maxLength": 5}),
            json!({"maxLength": 10}),
            &[],
        ),
        case(
            "minLength increased",
            json!({"minLength": 1}),
            json!({"minLength": 2}),
            &[("", "min-length-increased")],
        ),
        case("minLength lowered", json!({"minLength": 2}), json!({}), &[]),
        case(
            "pattern changed",
            json!({"type": "string", "pattern": "^a"}),
            json!({"type": "string", "pattern": "^[ab]"}),
            &[("", "pattern-changed")],
        ),
        case(
            "pattern added",
            json!({"type": "string"}),
            json!({"type": "string", "pattern": "^a"}),
            &[("", "pattern-changed")],
        ),
        case(
            "pattern unchanged",
            json!({"type": "string", "pattern": "^a", "maxLength": 3}),
            json!({"type": "string", "pattern": "^a"}),
            &[],
        ),
        case("pattern removed", json!({"pattern": "^a"}), json!({}), &[]),
        case(
            "format added",
            json!({"type": "string"}),
            json!({"type": "string", "format": "email"}),
            &[("", "format-added")],
        ),
        case(
            "format changed",
            json!({"type": "string", "format": "hostname"}),
            json!({"type": "string", "format": "ipv4"}),
            &[("", "format-added")],
        ),
        case(
            "format removed",
            json!({"type": "string", "format": "email"}),
            json!({"type": "string"}),
            &[],
        ),
        // arrays
        case(
            "maxItems decreased",
            json!({"maxItems": 3}),
            json!({"maxItems": 2}),
            &[("", "max-items-decreased")],
        ),
        case(
            "maxItems raised",
            json!({"maxItems": 2}),
            json!({"maxItems": 3}),
            &[],
        ),
        case(
            "minItems increased",
            json!({"minItems": 0}),
            json!({"minItems": 1}),
            &[("", "min-items-increased")],
        ),
        case("minItems lowered", json!({"minItems": 1}), json!({}), &[]),
        case(
            "uniqueItems added",
            json!({"type": "array"}),
            json!({"type": "array", "uniqueItems": true}),
            &[("", "unique-items-added")],
        ),
        case(
            "uniqueItems kept",
            json!({"type": "array", "uniqueItems": true, "maxItems": 4}),
            json!({"type": "array", "uniqueItems": true}),
            &[],
        ),
        case(
            "uniqueItems where arrays hold at most one item",
            json!({"type": "array", "maxItems": 1}),
            json!({"type": "array", "uniqueItems": true}),
            &[],
        ),
        case(
            "item type narrowed",
            obj(
                json!({"spec": obj(json!({"ports": {"type": "array", "items": {"type": "number"}}}))}),
            ),
            obj(
                json!({"spec": obj(json!({"ports": {"type": "array", "items": {"type": "integer"}}}))}),
            ),
            &[("/spec/ports/*", "type-narrowed")],
        ),
        case(
            "item type widened",
            json!({"items": {"type": "integer"}}),
            json!({"items": {"type": ["integer", "string"]}}),
            &[],
        ),
        case(
            "prefixItems position narrowed",
            json!({"prefixItems": [{"type": "string"}, {"type": "number"}]}),
            json!({"prefixItems": [{"type": "string"}, {"type": "integer"}]}),
            &[("/1", "type-narrowed")],
        ),
        case(
            "prefixItems gains a position the old items schema allowed",
            json!({"prefixItems": [{"type": "string"}], "items": {"type": "integer"}}),
            json!({"prefixItems": [{"type": "string"}, {"type": "number"}], "items": {"type": "integer"}}),
            &[],
        ),
        case(
            "items closed after the prefix",
            json!({"prefixItems": [{"type": "string"}]}),
            json!({"prefixItems": [{"type": "string"}], "items": false}),
            &[("", "max-items-decreased")],
        ),
        case(
            "items closed where arrays were already that short",
            json!({"prefixItems": [{"type": "string"}], "maxItems": 1}),
            json!({"prefixItems": [{"type": "string"}], "items": false}),
            &[],
        ),
        case(
            "draft 7 tuple items narrowed",
            json!({"items": [{"type": "number"}], "additionalItems": {"type": "string"}}),
            json!({"items": [{"type": "integer"}], "additionalItems": {"maxLength": 2}}),
            &[("/*", "max-length-decreased"), ("/0", "type-narrowed")],
        ),
        // objects
        case(
            "maxProperties decreased",
            json!({"maxProperties": 3}),
            json!({"maxProperties": 2}),
            &[("", "max-properties-decreased")],
        ),
        case(
            "maxProperties raised",
            json!({"maxProperties": 2}),
            json!({"maxProperties": 3}),
            &[],
        ),
        case(
            "minProperties increased",
            json!({"minProperties": 1}),
            json!({"minProperties": 2}),
            &[("", "min-properties-increased")],
        ),
        case(
            "minProperties implied by required",
            json!({"required": ["a", "b"]}),
            json!({"required": ["a", "b"], "minProperties": 2}),
            &[],
        ),
        // adding a property to an open object narrows it unless the property takes anything
        case(
            "open object gains a typed optional property",
            obj(json!({"a": {}})),
            obj(json!({"a": {}, "b": {"type": "string"}})),
            &[("/b", "type-narrowed")],
        ),
        case(
            "open object gains an unconstrained optional property",
            obj(json!({"a": {}})),
            obj(json!({"a": {}, "b": {"description": "anything goes"}})),
            &[],
        ),
        case(
            "property added matching the old additionalProperties schema",
            json!({"additionalProperties": {"type": "string"}}),
            json!({"properties": {"b": {"type": ["string", "null"]}}, "additionalProperties": {"type": "string"}}),
            &[],
        ),
        // every break is reported, not just the first
        case(
            "many breaks at once",
            json!({
                "type": "object",
                "properties": {
                    "name": {"type": "string", "maxLength": 64},
                    "replicas": {"type": "number", "minimum": 0},
                    "mode": {"enum": ["a", "b"]}
                }
            }),
            json!({
                "type": "object",
                "properties": {
                    "name": {"type": "string", "maxLength": 32, "pattern": "^[a-z]+$"},
                    "replicas": {"type": "integer", "minimum": 1},
                    "mode": {"enum": ["a"]}
                },
                "required": ["name"]
            }),
            &[
                ("/mode", "enum-value-removed"),
                ("/name", "max-length-decreased"),
                ("/name", "pattern-changed"),
                ("/name", "required-added"),
                ("/replicas", "minimum-increased"),
                ("/replicas", "type-narrowed"),
            ],
        ),
        case(
            "loosening everywhere",
            json!({
                "type": "object",
                "properties": {
                    "name": {"type": "string", "maxLength": 32, "minLength": 3},
                    "replicas": {"type": "integer", "minimum": 1, "maximum": 5},
                    "mode": {"enum": ["a"]}
                },
                "required": ["name", "replicas"],
                "additionalProperties": false
            }),
            json!({
                "type": "object",
                "properties": {
                    "name": {"type": "string", "maxLength": 64},
                    "replicas": {"type": "number", "minimum": 0},
                    "mode": {"enum": ["a", "b"]},
                    "extra": {"type": "boolean"}
                },
                "required": ["name"]
            }),
            &[],
        ),
        case(
            "pointer tokens are escaped",
            obj(json!({"a/b": {"type": "number"}, "c~d": {"type": "number"}})),
            obj(json!({"a/b": {"type": "integer"}, "c~d": {"type": "integer"}})),
            &[("/a~1b", "type-narrowed"), ("/c~0d", "type-narrowed")],
        ),
        case(
            "annotations do not matter",
            json!({"type": "string", "title": "Name", "description": "old", "default": "x"}),
            json!({"type": "string", "title": "Full name", "examples": ["y"], "deprecated": true}),
            &[],
        ),
    ]
}

#[test]
fn every_rule_breaks_and_its_twin_does_not() {
    for c in table() {
        eprintln!("case: {}", c.name);
        assert_breaks(&c.old, &c.new, c.expect);
    }
}

#[test]
fn messages_name_old_and_new_values() {
    let breaks = super::backward_breaks(&json!({"maximum": 10}), &json!({"maximum": 5}));
    assert_eq!(breaks.len(), 1);
    let message = &breaks[0].message;
    assert!(message.contains("10") && message.contains('5'), "{message}");
    assert!(message.starts_with("The old schema"), "{message}");
    assert!(message.ends_with('.'), "{message}");
    assert_eq!(breaks[0].against, "");

    let breaks = super::backward_breaks(&json!({"enum": ["a", "b"]}), &json!({"enum": ["a"]}));
    assert!(breaks[0].message.contains("\"b\""), "{}", breaks[0].message);

    let breaks = super::backward_breaks(
        &json!({"properties": {"a": {}, "b": {}}, "additionalProperties": false}),
        &json!({"properties": {"a": {}}, "additionalProperties": false}),
    );
    assert!(breaks[0].message.contains("`b`"), "{}", breaks[0].message);
}
