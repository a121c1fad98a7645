//! apache-avro's `SchemaCompatibility::can_read` as an oracle: on generated pairs of record
//! schemas, Versiqii finds no break exactly when apache-avro says the reader fully reads the
//! writer. Generated schemas avoid the two places where Versiqii decides differently on
//! purpose (docs/avro.md): aliases of named types, which apache-avro 0.22 ignores, and a
//! logical type swapped for another, which it reads as the bare type.

use crate::avro::compat::read_breaks;
use crate::avro::AvroSchema;
use apache_avro::schema_compatibility::{Compatibility, SchemaCompatibility};
use apache_avro::Schema;
use proptest::prelude::*;
use serde_json::{json, Value};

const FIELDS: [&str; 4] = ["a", "b", "c", "d"];
const PRIMS: [&str; 8] = [
    "null", "boolean", "int", "long", "float", "double", "bytes", "string",
];

fn prim() -> impl Strategy<Value = Value> {
    prop::sample::select(PRIMS.to_vec()).prop_map(Value::from)
}

/// A field type; named types are named after the field so both sides of a pair agree.
fn field_type(field: &'static str) -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => prim(),
        1 => prop::sample::subsequence(vec!["X", "Y", "Z"], 1..=3)
            .prop_flat_map(|symbols| (Just(symbols.clone()), prop::option::of(prop::sample::select(symbols))))
            .prop_map(move |(symbols, default)| {
                let mut e = json!({"type":"enum","name":format!("E_{field}"),"symbols":symbols});
                if let Some(d) = default {
                    e["default"] = json!(d);
                }
                e
            }),
        1 => (1u64..3).prop_map(move |size| json!({"type":"fixed","name":format!("F_{field}"),"size":size})),
        1 => prim().prop_map(|items| json!({"type":"array","items":items})),
        1 => prim().prop_map(|values| json!({"type":"map","values":values})),
        2 => prop::sample::subsequence(PRIMS.to_vec(), 1..=3).prop_map(Value::from),
        1 => prop::collection::btree_map(prop::sample::select(vec!["x", "y"]), (prim(), any::<bool>()), 0..=2)
            .prop_map(move |fields| {
                let fields: Vec<Value> = fields
                    .into_iter()
                    .map(|(name, (ty, defaulted))| with_default(json!({"name": name, "type": ty}), defaulted))
                    .collect();
                json!({"type":"record","name":format!("S_{field}"),"fields":fields})
            }),
    ]
}

/// Adds a default when the type has an obvious one and `defaulted`.
fn with_default(mut field: Value, defaulted: bool) -> Value {
    if !defaulted {
        return field;
    }
    let first = match &field["type"] {
        Value::Array(branches) => branches.first().cloned().unwrap_or(Value::Null),
        other => other.clone(),
    };
    let default = match first.as_str() {
        Some("null") => json!(null),
        Some("boolean") => json!(false),
        Some("int" | "long" | "float" | "double") => json!(0),
        Some("bytes" | "string") => json!(""),
        _ => match first.get("type").and_then(Value::as_str) {
            Some("array") => json!([]),
            Some("map") => json!({}),
            _ => return field,
        },
    };
    field["default"] = default;
    field
}

type FieldSpec = Option<(Value, bool)>;

fn build(chosen: &[FieldSpec]) -> Value {
    let fields: Vec<Value> = FIELDS
        .iter()
        .zip(chosen)
        .filter_map(|(name, spec)| {
            spec.clone()
                .map(|(ty, defaulted)| with_default(json!({"name": name, "type": ty}), defaulted))
        })
        .collect();
    json!({"type":"record","name":"R","fields":fields})
}

fn specs() -> impl Strategy<Value = Vec<FieldSpec>> {
    let fields: Vec<_> = FIELDS
        .iter()
        .map(|name| prop::option::of((field_type(name), any::<bool>())))
        .collect();
    fields
}

fn record() -> impl Strategy<Value = Value> {
    specs().prop_map(|chosen| build(&chosen))
}

/// Two records that share each field with probability 3/4, so compatible pairs are common.
fn pair() -> impl Strategy<Value = (Value, Value)> {
    (
        specs(),
        specs(),
        prop::collection::vec(prop::bool::weighted(0.75), FIELDS.len()),
    )
        .prop_map(|(a, b, keep)| {
            let b: Vec<FieldSpec> = a
                .iter()
                .zip(b)
                .zip(keep)
                .map(|((a, b), keep)| if keep { a.clone() } else { b })
                .collect();
            (build(&a), build(&b))
        })
}

fn oracle_reads(reader: &Value, writer: &Value) -> bool {
    let r = Schema::parse(reader).expect("apache-avro parses the reader");
    let w = Schema::parse(writer).expect("apache-avro parses the writer");
    matches!(
        SchemaCompatibility::can_read(&w, &r),
        Ok(Compatibility::Full)
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]
    #[test]
    fn compatible_exactly_when_apache_avro_reads_it_fully((reader, writer) in pair()) {
        let r = AvroSchema::from_value(&reader, &[]).expect("we parse the reader");
        let w = AvroSchema::from_value(&writer, &[]).expect("we parse the writer");
        let ours = read_breaks(&r, "reader", &w, "writer");
        prop_assert_eq!(
            ours.is_empty(),
            oracle_reads(&reader, &writer),
            "reader {}\nwriter {}\nours {:?}", reader, writer, ours
        );
    }

    #[test]
    fn canonical_form_agrees_with_apache_avro(schema in record()) {
        let ours = AvroSchema::from_value(&schema, &[]).expect("we parse it");
        let theirs = Schema::parse(&schema).expect("apache-avro parses it");
        prop_assert_eq!(ours.canonical_form(), theirs.canonical_form());
    }
}

#[test]
fn apache_avro_ignores_a_renamed_type_s_alias_where_the_specification_honours_it() {
    let writer = json!({"type":"record","name":"R","fields":[{"name":"id","type":{"type":"fixed","name":"Id","size":4}}]});
    let reader = json!({"type":"record","name":"R","fields":[{"name":"id","type":{"type":"fixed","name":"Key","aliases":["Id"],"size":4}}]});
    let r = AvroSchema::from_value(&reader, &[]).unwrap();
    let w = AvroSchema::from_value(&writer, &[]).unwrap();
    assert!(read_breaks(&r, "reader", &w, "writer").is_empty());
    assert!(!oracle_reads(&reader, &writer));
}
