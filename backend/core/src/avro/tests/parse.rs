use super::{parse, parse_err, with_refs};
use crate::avro::{reference_order, AvroSchema, AvroSchemaError, Reference, MAX_TEXT_BYTES};
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::BTreeMap;

fn apache_canonical(text: &str) -> String {
    apache_avro::Schema::parse_str(text)
        .expect("apache-avro parses it")
        .canonical_form()
}

#[test]
fn canonical_form_follows_the_specification() {
    let text = r#"{
        "type": "record", "name": "Service", "namespace": "com.acme", "doc": "a service",
        "aliases": ["Svc"],
        "fields": [
            {"name": "name", "type": {"type": "string"}, "doc": "its name"},
            {"name": "port", "type": "int", "default": 8080},
            {"name": "tier", "type": {"type": "enum", "name": "Tier", "symbols": ["GOLD", "SILVER"], "default": "SILVER"}},
            {"name": "backup", "type": ["null", "Tier"], "default": null},
            {"name": "id", "type": {"type": "fixed", "name": "Id", "namespace": "org.ids", "size": 16}},
            {"name": "tags", "type": {"type": "map", "values": {"type": "array", "items": "string"}}},
            {"name": "since", "type": {"type": "int", "logicalType": "date"}}
        ]
    }"#;
    let ours = AvroSchema::parse(text, &[]).unwrap();
    let expected = concat!(
        r#"{"name":"com.acme.Service","type":"record","fields":["#,
        r#"{"name":"name","type":"string"},{"name":"port","type":"int"},"#,
        r#"{"name":"tier","type":{"name":"com.acme.Tier","type":"enum","symbols":["GOLD","SILVER"]}},"#,
        r#"{"name":"backup","type":["null","com.acme.Tier"]},"#,
        r#"{"name":"id","type":{"name":"org.ids.Id","type":"fixed","size":16}},"#,
        r#"{"name":"tags","type":{"type":"map","values":{"type":"array","items":"string"}}},"#,
        r#"{"name":"since","type":"int"}]}"#
    );
    assert_eq!(ours.canonical_form(), expected);
    // apache-avro 0.22 writes a primitive with a logical type as {"type":"int"}, against the
    // specification's [PRIMITIVES] rule; otherwise the forms agree.
    assert_eq!(
        ours.canonical_form(),
        apache_canonical(text).replace(r#"{"type":"int"}"#, r#""int""#)
    );
}

#[test]
fn canonical_form_of_a_recursive_type_names_it_the_second_time() {
    let text = r#"{"type":"record","name":"Node","fields":[
        {"name":"value","type":"long"},
        {"name":"next","type":["null","Node"],"default":null}]}"#;
    let ours = AvroSchema::parse(text, &[]).unwrap();
    assert_eq!(
        ours.canonical_form(),
        r#"{"name":"Node","type":"record","fields":[{"name":"value","type":"long"},{"name":"next","type":["null","Node"]}]}"#
    );
    assert_eq!(ours.canonical_form(), apache_canonical(text));
    assert!(ours
        .validate(&json!({"value": 1, "next": {"value": 2}}))
        .is_empty());
}

#[test]
fn fingerprints_ignore_layout_and_docs_but_the_full_one_sees_defaults() {
    let a =
        parse(json!({"type":"record","name":"R","fields":[{"name":"a","type":"int","default":1}]}));
    let b = AvroSchema::parse(
        "{ \"fields\": [ {\"type\": {\"type\":\"int\"}, \"name\": \"a\", \"doc\": \"x\", \"default\": 1} ],\n \"name\": \"R\", \"type\": \"record\" }",
        &[],
    )
    .unwrap();
    let c =
        parse(json!({"type":"record","name":"R","fields":[{"name":"a","type":"int","default":2}]}));
    assert_eq!(a.fingerprint(), b.fingerprint());
    assert_eq!(a.full_fingerprint(), b.full_fingerprint());
    assert_eq!(a.fingerprint(), c.fingerprint());
    assert_ne!(a.full_fingerprint(), c.full_fingerprint());
    assert_eq!(a.fingerprint().len(), 64);
    let d = parse(
        json!({"type":"record","name":"R","fields":[{"name":"a","type":"long","default":1}]}),
    );
    assert_ne!(a.fingerprint(), d.fingerprint());
}

#[test]
fn full_form_keeps_logical_types_aliases_and_defaults() {
    let s = parse(
        json!({"type":"record","name":"R","aliases":["Old"],"fields":[
        {"name":"at","type":{"type":"long","logicalType":"timestamp-millis"},"aliases":["when"]},
        {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B"],"default":"A"}},
        {"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2},"default":"1.50"}]}),
    );
    assert_eq!(
        s.full_form(),
        concat!(
            r#"{"name":"R","type":"record","fields":["#,
            r#"{"name":"at","type":{"type":"long","logicalType":"timestamp-millis"},"aliases":["when"]},"#,
            r#"{"name":"e","type":{"name":"E","type":"enum","symbols":["A","B"],"default":"A"}},"#,
            r#"{"name":"amount","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2},"default":"1.50"}"#,
            r#"],"aliases":["Old"]}"#
        )
    );
}

fn address() -> AvroSchema {
    parse(
        json!({"type":"record","name":"Address","namespace":"com.acme.common","fields":[
        {"name":"street","type":"string"},
        {"name":"country","type":{"type":"enum","name":"Country","symbols":["FR","DE"]}}]}),
    )
}

#[test]
fn a_record_uses_a_named_type_of_a_referenced_schema() {
    let common = address();
    let refs = [Reference {
        label: "common@1",
        schema: &common,
    }];
    let service = with_refs(
        json!({"type":"record","name":"Service","namespace":"com.acme","fields":[
            {"name":"home","type":"com.acme.common.Address"},
            {"name":"origin","type":"com.acme.common.Country"}]}),
        &refs,
    )
    .unwrap();
    assert_eq!(
        service
            .imported_names()
            .get("com.acme.common.Address")
            .map(String::as_str),
        Some("common@1")
    );
    assert!(service
        .imported_names()
        .contains_key("com.acme.common.Country"));
    assert!(service
        .canonical_form()
        .contains(r#"{"name":"com.acme.common.Address","type":"record""#));
    assert!(service
        .canonical_form()
        .contains(r#"{"name":"origin","type":"com.acme.common.Country"}"#));
    assert!(service
        .validate(&json!({"home": {"street": "rue", "country": "FR"}, "origin": "DE"}))
        .is_empty());
    let bad =
        service.validate(&json!({"home": {"street": "rue", "country": "US"}, "origin": "DE"}));
    assert_eq!(bad.len(), 1);
    assert_eq!(
        (bad[0].pointer.as_str(), bad[0].keyword.as_str()),
        ("/home/country", "enum")
    );
    // A schema referencing the service gets Address through it, labelled where it was defined.
    let refs2 = [Reference {
        label: "svc@2",
        schema: &service,
    }];
    let outer = with_refs(
        json!({"type":"array","items":"com.acme.common.Address"}),
        &refs2,
    )
    .unwrap();
    assert_eq!(
        outer
            .imported_names()
            .get("com.acme.common.Address")
            .map(String::as_str),
        Some("common@1")
    );
}

#[test]
fn a_recursive_type_from_a_reference_is_copied_once() {
    let list = parse(
        json!({"type":"record","name":"Node","namespace":"lib","fields":[
        {"name":"value","type":"int"},
        {"name":"next","type":["null","Node"],"default":null}]}),
    );
    let refs = [Reference {
        label: "lib@1",
        schema: &list,
    }];
    let user = with_refs(
        json!({"type":"record","name":"Uses","fields":[{"name":"head","type":"lib.Node"},{"name":"tail","type":"lib.Node"}]}),
        &refs,
    )
    .unwrap();
    assert_eq!(
        user.canonical_form(),
        r#"{"name":"Uses","type":"record","fields":[{"name":"head","type":{"name":"lib.Node","type":"record","fields":[{"name":"value","type":"int"},{"name":"next","type":["null","lib.Node"]}]}},{"name":"tail","type":"lib.Node"}]}"#
    );
    assert!(user
        .validate(&json!({"head":{"value":1,"next":{"value":2}},"tail":{"value":3}}))
        .is_empty());
    assert_eq!(
        user.validate(&json!({"head":{"value":1,"next":{"value":"x"}},"tail":{"value":3}}))[0]
            .pointer,
        "/head/next/value"
    );
}

#[test]
fn a_missing_reference_names_the_type_and_the_schemas_searched() {
    let common = address();
    let refs = [Reference {
        label: "common@1",
        schema: &common,
    }];
    let err = with_refs(
        json!({"type":"record","name":"S","fields":[{"name":"a","type":"com.acme.common.Phone"}]}),
        &refs,
    )
    .unwrap_err();
    assert_eq!(
        err,
        AvroSchemaError::UnknownName {
            pointer: "/fields/0/type".to_owned(),
            name: "com.acme.common.Phone".to_owned(),
            searched: vec!["common@1".to_owned()],
        }
    );
    assert!(err.to_string().contains("common@1"));
    assert!(!err.to_string().contains('\n'));
}

#[test]
fn references_defining_a_name_differently_conflict_and_alike_do_not() {
    let one = address();
    let same = address();
    let other = parse(
        json!({"type":"record","name":"Address","namespace":"com.acme.common","fields":[{"name":"zip","type":"string"}]}),
    );
    let schema = json!({"type":"array","items":"com.acme.common.Address"});
    let alike = [
        Reference {
            label: "a@1",
            schema: &one,
        },
        Reference {
            label: "b@1",
            schema: &same,
        },
    ];
    assert!(with_refs(schema.clone(), &alike).is_ok());
    let clash = [
        Reference {
            label: "a@1",
            schema: &one,
        },
        Reference {
            label: "c@1",
            schema: &other,
        },
    ];
    assert!(matches!(
        with_refs(schema, &clash),
        Err(AvroSchemaError::ConflictingReferences { first, second, .. }) if first == "a@1" && second == "c@1"
    ));
    // A local definition may not shadow a referenced one it also uses.
    let local = json!({"type":"record","name":"S","namespace":"com.acme.common","fields":[
        {"name":"a","type":"Country"},
        {"name":"b","type":{"type":"enum","name":"Country","symbols":["X"]}}]});
    let refs = [Reference {
        label: "a@1",
        schema: &one,
    }];
    assert!(matches!(
        with_refs(local, &refs),
        Err(AvroSchemaError::DuplicateName { .. })
    ));
}

#[test]
fn reference_order_puts_dependencies_first_and_refuses_cycles_with_the_path() {
    let mut graph: BTreeMap<String, Vec<String>> = BTreeMap::new();
    graph.insert("svc@3".into(), vec!["addr@1".into(), "common@2".into()]);
    graph.insert("addr@1".into(), vec!["common@2".into()]);
    graph.insert("common@2".into(), vec![]);
    assert_eq!(
        reference_order("svc@3", &graph).unwrap(),
        vec!["common@2", "addr@1", "svc@3"]
    );
    graph.insert("common@2".into(), vec!["svc@3".into()]);
    let err = reference_order("svc@3", &graph).unwrap_err();
    assert_eq!(
        err,
        AvroSchemaError::ReferenceCycle {
            path: vec![
                "svc@3".into(),
                "addr@1".into(),
                "common@2".into(),
                "svc@3".into()
            ]
        }
    );
    assert!(err
        .to_string()
        .contains("svc@3 -> addr@1 -> common@2 -> svc@3"));
    graph.insert("common@2".into(), vec!["gone@9".into()]);
    assert_eq!(
        reference_order("svc@3", &graph).unwrap_err(),
        AvroSchemaError::MissingReference {
            label: "gone@9".into()
        }
    );
    let self_loop: BTreeMap<String, Vec<String>> =
        [("a@1".to_owned(), vec!["a@1".to_owned()])].into();
    assert!(
        matches!(reference_order("a@1", &self_loop), Err(AvroSchemaError::ReferenceCycle { path }) if path == ["a@1", "a@1"])
    );
}

#[test]
fn a_config_family_needs_a_record_at_the_top() {
    assert!(parse(json!({"type":"record","name":"R","fields":[]})).is_record());
    let enumeration = parse(json!({"type":"enum","name":"E","symbols":["A"]}));
    assert!(!enumeration.is_record());
    assert_eq!(enumeration.name(), Some("E"));
    assert_eq!(
        enumeration.require_record().unwrap_err().to_string(),
        "the top-level schema of a config family must be a record, not enum E"
    );
    assert!(
        matches!(parse(json!("string")).require_record(), Err(AvroSchemaError::NotARecord { found }) if found == "string")
    );
    assert!(
        matches!(parse(json!(["null","int"])).require_record(), Err(AvroSchemaError::NotARecord { found }) if found == "a union")
    );
}

#[test]
fn malformed_schemas_are_refused_with_where_and_why() {
    let cases: Vec<(Value, &str)> = vec![
        (json!("nothing"), "unknown type `nothing`"),
        (json!({"type":"record","name":"R"}), "`fields`"),
        (
            json!({"type":"record","name":"1R","fields":[]}),
            "invalid Avro name `1R`",
        ),
        (
            json!({"type":"record","name":"R","fields":[{"name":"a","type":"int"},{"name":"a","type":"int"}]}),
            "declared twice",
        ),
        (
            json!({"type":"record","name":"R","fields":[{"name":"a"}]}),
            "has no `type`",
        ),
        (
            json!({"type":"record","name":"R","fields":[{"name":"a","type":{"type":"record","name":"R","fields":[]}}]}),
            "`R` is defined twice",
        ),
        (json!(["int", "int"]), "already has a `int` branch"),
        (json!(["int", ["null"]]), "cannot directly contain a union"),
        (json!([]), "at least one branch"),
        (
            json!({"type":"enum","name":"E","symbols":["A","A"]}),
            "listed twice",
        ),
        (
            json!({"type":"enum","name":"E","symbols":["A"],"default":"B"}),
            "not one of its symbols",
        ),
        (
            json!({"type":"fixed","name":"F","size":-1}),
            "non-negative integer `size`",
        ),
        (json!({"type":"array"}), "`items`"),
        (json!({"type":"map"}), "`values`"),
        (json!(42), "not 42"),
        (
            json!({"type":"record","name":"R","fields":[{"name":"a","type":"int","default":"x"}]}),
            "default at /fields/0/default",
        ),
        (
            json!({"type":"record","name":"R","fields":[{"name":"a","type":"int","default":4294967296_i64}]}),
            "out of range",
        ),
        (
            json!({"type":"record","name":"R","fields":[{"name":"a","type":["null","string"],"default":3}]}),
            "default",
        ),
        (
            json!({"type":"record","name":"int","fields":[]}),
            "invalid Avro name `int`",
        ),
    ];
    for (schema, expected) in cases {
        let err = parse_err(schema.clone()).to_string();
        assert!(
            err.contains(expected),
            "{schema}: {err} should mention {expected}"
        );
        assert!(!err.contains('\n'), "{err}");
    }
}

#[test]
fn invalid_logical_types_fall_back_to_the_underlying_type() {
    let s = parse(json!({"type":"record","name":"R","fields":[
        {"name":"a","type":{"type":"bytes","logicalType":"decimal","precision":2,"scale":3}},
        {"name":"b","type":{"type":"string","logicalType":"date"}},
        {"name":"c","type":{"type":"long","logicalType":"some-future-type"}},
        {"name":"d","type":{"type":"fixed","name":"D","size":2,"logicalType":"decimal","precision":5}}]}));
    assert!(s
        .validate(&json!({"a": "\u{00ff}z", "b": "not a date", "c": 5, "d": "ab"}))
        .is_empty());
}

#[test]
fn hostile_schemas_are_refused_cleanly() {
    // Nesting past MAX_DEPTH, built as a Value (no parser limit protects it).
    let mut deep = json!("int");
    for _ in 0..10_000 {
        // Not json!(): it serializes its arguments, recursively.
        let mut map = serde_json::Map::new();
        map.insert("type".to_owned(), json!("array"));
        map.insert("items".to_owned(), deep);
        deep = Value::Object(map);
    }
    assert!(matches!(
        AvroSchema::from_value(&deep, &[]),
        Err(AvroSchemaError::TooDeep { limit: 64, .. })
    ));
    drop_deep(deep);
    // Text nesting stops in serde_json.
    let text = "[".repeat(100_000);
    assert!(matches!(
        AvroSchema::parse(&text, &[]),
        Err(AvroSchemaError::NotJson { .. })
    ));
    // Too many bytes.
    let huge = format!("\"{}\"", "a".repeat(MAX_TEXT_BYTES));
    assert!(matches!(
        AvroSchema::parse(&huge, &[]),
        Err(AvroSchemaError::TooLarge { .. })
    ));
    // Too many fields.
    let fields: Vec<Value> = (0..120_000)
        .map(|i| json!({"name": format!("f{i}"), "type": "int"}))
        .collect();
    assert!(matches!(
        AvroSchema::from_value(&json!({"type":"record","name":"R","fields":fields}), &[]),
        Err(AvroSchemaError::TooLarge { .. })
    ));
}

/// Drops a deep Value without recursing (serde_json's Drop is recursive).
fn drop_deep(mut value: Value) {
    while let Value::Object(mut map) = value {
        value = map.remove("items").unwrap_or(Value::Null);
    }
}

#[test]
fn a_chain_of_references_cannot_nest_past_the_expanded_limit() {
    let mut previous = parse(json!({"type":"record","name":"T0","fields":[]}));
    let mut refused = None;
    for i in 1..400 {
        let schema = json!({"type":"record","name":format!("T{i}"),"fields":[{"name":"x","type":{"type":"array","items":format!("T{}", i - 1)}}]});
        let refs = [Reference {
            label: "prev",
            schema: &previous,
        }];
        match AvroSchema::from_value(&schema, &refs) {
            Ok(next) => previous = next,
            Err(e) => {
                refused = Some((i, e));
                break;
            }
        }
    }
    let (at, err) = refused.expect("the chain is refused before 400 levels");
    assert!(at > 100, "refused too early, at {at}");
    assert!(
        matches!(err, AvroSchemaError::TooDeep { limit: 256, .. }),
        "{err}"
    );
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        prop::sample::select(vec![
            "int", "long", "string", "record", "enum", "fixed", "array", "map", "null", "R",
            "a.b.R", "decimal", "date"
        ])
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(6, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
            prop::collection::btree_map(
                prop::sample::select(vec![
                    "type",
                    "name",
                    "fields",
                    "items",
                    "values",
                    "symbols",
                    "size",
                    "default",
                    "logicalType",
                    "precision",
                    "scale",
                    "aliases",
                    "namespace"
                ])
                .prop_map(str::to_owned),
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]
    #[test]
    fn parsing_any_json_never_panics_and_a_parsed_schema_is_usable(value in json_value(), config in json_value()) {
        if let Ok(schema) = AvroSchema::from_value(&value, &[]) {
            let form = schema.canonical_form();
            // The canonical form is a schema with the same canonical form.
            let again = AvroSchema::parse(&form, &[]);
            prop_assert!(again.is_ok(), "{form}: {again:?}");
            prop_assert_eq!(again.unwrap().canonical_form(), form);
            let _ = schema.validate(&config);
            let _ = schema.with_defaults(&config);
        }
    }
}
