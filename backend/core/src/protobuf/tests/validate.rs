use super::schema;
use crate::protobuf::ProtoSchema;
use proptest::prelude::*;
use serde_json::{json, Value};

const CONFIG: &str = r#"syntax = "proto3";
package acme.v1;

import "google/protobuf/timestamp.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/struct.proto";
import "google/protobuf/wrappers.proto";

enum Mode {
  MODE_UNSPECIFIED = 0;
  MODE_FAST = 1;
}

message Address {
  string street = 1;
  string zip_code = 2;
}

message Config {
  string name = 1;
  int32 replicas = 2;
  int64 max_bytes = 3;
  uint32 port = 4;
  double ratio = 5;
  bool enabled = 6;
  Mode mode = 7;
  Address address = 8;
  repeated Address mirrors = 9;
  map<string, int32> limits = 10;
  map<int32, string> by_code = 11;
  oneof backend {
    string url = 12;
    string path = 13;
  }
  google.protobuf.Timestamp starts_at = 14;
  google.protobuf.Duration timeout = 15;
  google.protobuf.Struct extra = 16;
  google.protobuf.Int32Value retries = 17;
  bytes blob = 18;
  repeated string tags = 19;
  float weight = 20;
  google.protobuf.Value anything = 21;
  uint64 big = 22;
}
"#;

fn config_schema() -> ProtoSchema {
    schema(&[("acme/v1/config.proto", CONFIG)], Some("acme.v1.Config"))
}

fn good() -> Value {
    json!({
        "name": "payments",
        "replicas": 3,
        "maxBytes": "1048576",
        "port": 8080,
        "ratio": 0.5,
        "enabled": true,
        "mode": "MODE_FAST",
        "address": {"street": "1 Main St", "zipCode": "12345"},
        "mirrors": [{"street": "a"}, {"zip_code": "b"}],
        "limits": {"cpu": 2, "memory": 4},
        "byCode": {"404": "not found", "-1": "unknown"},
        "url": "https://example.com",
        "startsAt": "2026-12-04T10:00:00Z",
        "timeout": "1.500s",
        "extra": {"free": ["form", 1, null]},
        "retries": 5,
        "blob": "aGVsbG8=",
        "tags": ["a", "b"],
        "weight": 1.25,
        "anything": null,
        "big": 18446744073709551615u64
    })
}

/// (pointer, keyword) of each violation.
fn found(schema: &ProtoSchema, config: &Value) -> Vec<(String, String)> {
    schema
        .validate(config)
        .into_iter()
        .map(|v| (v.pointer, v.keyword))
        .collect()
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(p, k)| ((*p).to_owned(), (*k).to_owned()))
        .collect()
}

#[test]
fn a_good_config_passes_in_both_name_forms() {
    let s = config_schema();
    assert_eq!(s.validate(&good()), vec![]);
    let original_names = json!({
        "max_bytes": 12, "address": {"zip_code": null}, "by_code": {"1": "x"}, "starts_at": "2026-01-01T00:00:00+02:00",
        "mode": 1, "path": "/srv", "ratio": "NaN", "weight": "-Infinity", "big": "18446744073709551615",
        "blob": "aGVsbG8_", "timeout": "-3s", "anything": {"nested": [true]}
    });
    assert_eq!(s.validate(&original_names), vec![]);
    assert_eq!(s.validate(&json!({})), vec![]);
    // Trailing bits are ignored, as prost-reflect does (found by the agreement property).
    assert_eq!(s.validate(&json!({"blob": "12"})), vec![]);
}

#[test]
fn every_violation_is_reported_with_its_pointer() {
    let s = config_schema();
    let bad = json!({
        "name": 7,
        "replicas": 2147483648u64,
        "maxBytes": "12x",
        "port": -1,
        "enabled": "yes",
        "mode": "MODE_SLOW",
        "address": {"street": "x", "zip": "y"},
        "mirrors": [{"street": 1}, "nope"],
        "limits": {"cpu": 1.5},
        "byCode": {"four": "x"},
        "url": "a",
        "path": "b",
        "startsAt": "yesterday",
        "timeout": "5 minutes",
        "extra": [1],
        "retries": "many",
        "blob": "not base64!",
        "tags": "a",
        "weight": 1e300,
        "unknown": true
    });
    let mut expected = pairs(&[
        ("/address/zip", "unknown-field"),
        ("/blob", "format"),
        ("/byCode/four", "map-key"),
        ("/enabled", "type"),
        ("/extra", "type"),
        ("/limits/cpu", "type"),
        ("/maxBytes", "type"),
        ("/mirrors/0/street", "type"),
        ("/mirrors/1", "type"),
        ("/mode", "enum"),
        ("/name", "type"),
        ("/port", "range"),
        ("/replicas", "range"),
        ("/retries", "type"),
        ("/startsAt", "format"),
        ("/tags", "type"),
        ("/timeout", "format"),
        ("/unknown", "unknown-field"),
        ("/weight", "range"),
    ]);
    let mut got = found(&s, &bad);
    // The second member of the oneof met is reported; which one that is depends on key order.
    let oneof: Vec<_> = got.iter().filter(|(_, k)| k == "oneof").cloned().collect();
    assert_eq!(oneof.len(), 1);
    assert!(oneof[0].0 == "/url" || oneof[0].0 == "/path");
    got.retain(|(_, k)| k != "oneof");
    got.sort();
    expected.sort();
    assert_eq!(got, expected);
    assert!(!s.is_valid(&bad));
}

#[test]
fn the_root_must_be_an_object() {
    let s = config_schema();
    assert_eq!(found(&s, &json!([1])), pairs(&[("", "type")]));
    assert_eq!(found(&s, &json!("x")), pairs(&[("", "type")]));
}

#[test]
fn a_field_given_under_both_names_is_refused() {
    let s = config_schema();
    assert_eq!(
        found(&s, &json!({"maxBytes": 1, "max_bytes": 2})),
        pairs(&[("/max_bytes", "duplicate")])
    );
}

#[test]
fn int64_accepts_numbers_and_strings_within_range() {
    let s = config_schema();
    for ok in [json!(1), json!("-9223372036854775808"), json!(9.0e15)] {
        assert_eq!(s.validate(&json!({ "maxBytes": ok })), vec![], "{ok}");
    }
    for (bad, keyword) in [
        (json!("9223372036854775808"), "range"),
        (json!(1.5), "type"),
        (json!(true), "type"),
        (json!("1e3"), "type"),
        (json!(" 1"), "type"),
    ] {
        assert_eq!(
            found(&s, &json!({ "maxBytes": bad })),
            pairs(&[("/maxBytes", keyword)]),
            "{bad}"
        );
    }
}

#[test]
fn pointers_escape_map_keys() {
    let s = config_schema();
    assert_eq!(
        found(&s, &json!({"limits": {"a/b~c": "x"}})),
        pairs(&[("/limits/a~1b~0c", "type")])
    );
}

#[test]
fn recursion_is_bounded() {
    let s = schema(
        &[(
            "tree.proto",
            "syntax = \"proto3\";\nmessage Node { Node child = 1; }\n",
        )],
        None,
    );
    let mut deep = json!({});
    for _ in 0..100 {
        deep = json!({ "child": deep });
    }
    let found = found(&s, &deep);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].1, "depth");
}

#[test]
fn proto2_required_and_closed_enums_follow_the_mapping() {
    let s = schema(
        &[(
            "p2.proto",
            "syntax = \"proto2\";\nmessage M { optional int32 a = 1; }\n",
        )],
        None,
    );
    assert_eq!(s.validate(&json!({"a": 1})), vec![]);
    assert_eq!(
        found(&s, &json!({"b": 1})),
        pairs(&[("/b", "unknown-field")])
    );
}

/// Mutations of the good config: replace one field's value by another JSON value.
fn mutated() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|i| json!(i)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "[a-zA-Z0-9_=+/.: -]{0,12}".prop_map(Value::String),
        Just(json!("MODE_FAST")),
        Just(json!("12")),
        Just(json!("1.5s")),
        Just(json!({})),
        Just(json!([])),
        Just(json!(["x"])),
        Just(json!({"street": "s"})),
    ];
    let keys: Vec<String> = good()
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    (proptest::sample::select(keys), leaf).prop_map(|(key, value)| {
        let mut config = good();
        if let Some(object) = config.as_object_mut() {
            object.insert(key, value);
        }
        config
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// The walker never refuses what prost-reflect's mapping accepts, and the backstop means
    /// it never accepts what the mapping refuses.
    #[test]
    fn agrees_with_prost_reflect(config in mutated()) {
        let s = config_schema();
        let options = prost_reflect::DeserializeOptions::new().deny_unknown_fields(true);
        let reference = prost_reflect::DynamicMessage::deserialize_with_options(s.message().clone(), &config, &options);
        let violations = s.validate(&config);
        prop_assert_eq!(reference.is_ok(), violations.is_empty(), "{} -> {:?} / {:?}", config, violations, reference.err().map(|e| e.to_string()));
    }
}
