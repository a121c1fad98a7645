//! Avro contracts: a compatibility check of a 200-field record (FULL, against one version),
//! and validation of 10,000 ~1 KB configs (already parsed) against an Avro record schema,
//! the P1 benchmark's service config (service-config.avsc), 5% invalid.
//!
//!     CARGO_TARGET_DIR=... cargo bench -p versiqii-core --bench avro

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Value};
use versiqii_core::avro::{compat, AvroSchema};
use versiqii_core::compat::CompatLevel;

const SCHEMA: &str = include_str!("service-config.avsc");
const DOCS: usize = 10_000;
const FIELDS: usize = 200;

#[path = "support/lcg.rs"]
mod lcg;
use lcg::Lcg;
#[path = "support/p1_doc.rs"]
mod p1_doc;
use p1_doc::{make_doc, Broken};

/// Field `i` of the wide record; `changed` adds a null default to every other optional field and widens
/// an int to a long in every 56 fields, which FULL reports one way.
fn wide_field(i: usize, changed: bool) -> Value {
    let ty = match i % 8 {
        0 if changed && i % 7 == 1 => json!("long"),
        0 => json!("int"),
        1 => json!("long"),
        2 => json!("string"),
        3 => json!(["null", "string"]),
        4 => json!({"type": "enum", "name": format!("E{i}"), "symbols": ["A", "B", "C"]}),
        5 => json!({"type": "array", "items": "int"}),
        6 => json!({"type": "map", "values": "string"}),
        _ => json!({"type": "record", "name": format!("N{i}"), "fields": [
            {"name": "x", "type": "int"}, {"name": "y", "type": "string"}, {"name": "z", "type": ["null", "double"]}]}),
    };
    let mut field = json!({"name": format!("f{i}"), "type": ty});
    if changed && i % 16 == 3 {
        field["default"] = Value::Null;
    }
    field
}

fn wide(changed: bool) -> AvroSchema {
    let mut fields: Vec<Value> = (0..FIELDS).map(|i| wide_field(i, changed)).collect();
    if changed {
        fields.push(json!({"name": "added", "type": "string"}));
    }
    let schema = json!({"type": "record", "name": "Wide", "fields": fields});
    match AvroSchema::from_value(&schema, &[]) {
        Ok(s) => s,
        Err(e) => panic!("the wide record must parse: {e}"),
    }
}

fn bench(c: &mut Criterion) {
    let old = wide(false);
    let new = wide(true);
    let report = compat::check(CompatLevel::Full, &[("1", &old)], &new);
    // The added field without default (backward) and each widened int (forward).
    let widened = (0..FIELDS)
        .filter(|i| matches!((i % 8, i % 7), (0, 1)))
        .count();
    assert_eq!(report.breaks.len(), 1 + widened, "{:?}", report.breaks);
    c.bench_function("avro compat FULL, 200-field record", |b| {
        b.iter(|| {
            compat::check(
                CompatLevel::Full,
                &[("1", black_box(&old))],
                black_box(&new),
            )
        })
    });

    let Ok(schema) = AvroSchema::parse(SCHEMA, &[]) else {
        panic!("service-config.avsc must parse");
    };
    let mut r = Lcg(20_261_204);
    let docs: Vec<Value> = (0..DOCS)
        .map(|i| {
            make_doc(
                &mut r,
                if i % 20 == 7 {
                    Broken::Kind
                } else {
                    Broken::No
                },
            )
        })
        .collect();
    let bytes: usize = docs
        .iter()
        .map(|d| serde_json::to_vec(d).map_or(0, |v| v.len()))
        .sum();
    let invalid = docs
        .iter()
        .filter(|d| !schema.validate(d).is_empty())
        .count();
    assert_eq!(invalid, DOCS / 20, "5% of the corpus must be invalid");
    println!(
        "corpus: {DOCS} configs, {} bytes of compact JSON on average",
        bytes / DOCS
    );
    let mut group = c.benchmark_group("avro validate");
    group.sample_size(10);
    group.throughput(Throughput::Elements(DOCS as u64));
    group.bench_function("10,000 ~1 KB configs", |b| {
        b.iter(|| {
            docs.iter()
                .map(|d| schema.validate(black_box(d)).len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
