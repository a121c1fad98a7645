//! Parse + validate one ~1 KB service config, the per-file work of `versiqii validate`.
//!
//! The schema is the P1 benchmark's (shared/bench/gen-configs.py); the documents are
//! generated here in the same shape, half YAML and half JSON, 5% invalid, so the figure
//! is comparable with the end-to-end run without needing its files.
//!
//!     CARGO_TARGET_DIR=... cargo bench -p versiqii-core --bench validate

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Value};
use versiqii_core::document::{parse_document, Format};
use versiqii_core::schema::CompiledSchema;

const SCHEMA: &str = include_str!("service-config.schema.json");
const DOCS: usize = 200;

#[path = "support/lcg.rs"]
mod lcg;
use lcg::Lcg;

const WORDS: &[&str] = &[
    "alpha", "billing", "cart", "drift", "edge", "feed", "graph", "hub", "ledger", "pay", "queue",
];
const TEAMS: &[&str] = &["platform", "payments", "growth", "data", "infra"];

fn make_doc(r: &mut Lcg, invalid: bool) -> Value {
    let name = format!("{}-{}", r.pick(WORDS), r.pick(WORDS));
    let ports: Vec<Value> = ["http", "grpc", "metrics"][..1 + r.next(3) as usize]
        .iter()
        .map(|p| json!({"name": p, "port": 1024 + r.next(60_000), "protocol": r.pick(&["TCP", "HTTP", "GRPC"])}))
        .collect();
    let env: Vec<Value> = ["LOG_LEVEL", "REGION", "CACHE_TTL", "API_TOKEN", "TZ"]
        [..3 + r.next(3) as usize]
        .iter()
        .map(|k| json!({"name": k, "value": format!("{}-{}", r.pick(WORDS), r.next(99_999))}))
        .collect();
    json!({
        "apiVersion": r.pick(&["v1", "v2", "v2beta1"]),
        "kind": r.pick(&["Service", "Worker", "CronJob", "Gateway"]),
        "metadata": {
            "name": name,
            "version": format!("{}.{}.{}", r.next(10), r.next(40), r.next(200)),
            "team": r.pick(TEAMS),
            "labels": {"tier": r.pick(&["gold", "silver"]), "region": "eu-west-1", "cost-center": format!("cc{}", 100 + r.next(900))}
        },
        "spec": {
            "replicas": if invalid { 150 } else { r.next(101) },
            "image": format!("registry.example.com/{name}:{}.{}.{}", 1 + r.next(9), r.next(30), r.next(99)),
            "ports": ports,
            "env": env,
            "resources": {"cpu": 0.5, "memoryMiB": 512},
            "logging": {"level": r.pick(&["debug", "info", "warn"]), "format": "json", "sampleRate": 0.1},
            "features": {"darkLaunch": true, "gzip": false, "fastPath": true},
            "owner": format!("{}@example.com", r.pick(TEAMS)),
            "updatedAt": format!("2026-{:02}-{:02}T10:20:30Z", 1 + r.next(12), 1 + r.next(28)),
            "database": {"engine": "postgres", "host": "db-1.internal", "port": 5432,
                         "pool": {"min": r.next(5), "max": 10 + r.next(40), "timeoutMs": 1000}}
        }
    })
}

fn corpus(format: Format) -> Vec<Vec<u8>> {
    let mut r = Lcg(20_261_124);
    (0..DOCS)
        .map(|i| {
            let doc = make_doc(&mut r, i % 20 == 7);
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
