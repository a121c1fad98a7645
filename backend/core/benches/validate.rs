//! Parse + validate one ~1 KB service config, the per-file work of `versiqii validate`.
//!
//! The schema is the P1 benchmark's (shared/bench/gen-configs.py); the documents are
//! generated here in the same shape, half YAML and half JSON, 5% invalid, so the figure
//! is comparable with the end-to-end run without needing its files.
//!
//!     CARGO_TARGET_DIR=... cargo bench -p versiqii-core --bench validate

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use serde_json::Value;
use versiqii_core::document::{parse_document, Format};
use versiqii_core::schema::CompiledSchema;

const SCHEMA: &str = include_str!("service-config.schema.json");
const DOCS: usize = 200;

#[path = "support/lcg.rs"]
mod lcg;
use lcg::Lcg;
#[path = "support/p1_doc.rs"]
mod p1_doc;
use p1_doc::{make_doc, Broken};

fn corpus(format: Format) -> Vec<Vec<u8>> {
    let mut r = Lcg(20_261_124);
    (0..DOCS)
        .map(|i| {
            let doc = make_doc(
                &mut r,
                if i % 20 == 7 {
                    Broken::Replicas
                } else {
                    Broken::No
                },
            );
            match format {
                Format::Json => serde_json::to_vec_pretty(&doc).unwrap_or_default(),
                Format::Yaml => serde_yaml_ng::to_string(&doc)
                    .unwrap_or_default()
                    .into_bytes(),
            }
        })
        .collect()
}

fn check(schema: &CompiledSchema, bytes: &[u8], format: Format) -> usize {
    match parse_document(bytes, Some(format)) {
        Ok((doc, _)) if schema.is_valid(&doc) => 0,
        Ok((doc, _)) => schema.validate(&doc).len(),
        Err(_) => 1,
    }
}

fn bench(c: &mut Criterion) {
    let schema_value: Value = serde_json::from_str(SCHEMA).unwrap_or_default();
    let Ok(schema) = CompiledSchema::compile(&schema_value) else {
        panic!("the P1 schema must compile");
    };
    let mut group = c.benchmark_group("parse+validate ~1 KB config");
    group.throughput(Throughput::Elements(DOCS as u64));
    for format in [Format::Json, Format::Yaml] {
        let docs = corpus(format);
        let invalid: usize = docs.iter().map(|d| check(&schema, d, format).min(1)).sum();
        assert_eq!(
            invalid,
            DOCS / 20,
            "{format:?}: 5% of the corpus must be invalid"
        );
        group.bench_function(format.as_str(), |b| {
            b.iter(|| {
                docs.iter()
                    .map(|d| check(&schema, black_box(d), format))
                    .sum::<usize>()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
