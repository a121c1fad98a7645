//! Protobuf contracts: buf breaking-change check of a 50-message package, and validation of
//! 10,000 ~1 KB configs (JSON values, already parsed) against a message.
//!
//!     CARGO_TARGET_DIR=... cargo bench -p versiqii-core --bench protobuf

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Value};
use std::fmt::Write as _;
use versiqii_core::compat::CompatLevel;
use versiqii_core::protobuf::{check, BufCategory, ProtoFile, ProtoSchema};

const MESSAGES: usize = 50;
const CONFIGS: usize = 10_000;

/// A package of `MESSAGES` messages of 8 fields each (scalars, an enum, a reference to the
/// next message, repeated and map fields) and 5 enums. `changed` adds a field to every fifth
/// message and renames one field's JSON name, so the check has work and one break to find.
fn package(changed: bool) -> String {
    let mut s = String::from("syntax = \"proto3\";\npackage bench.v1;\n\n");
    for e in 0..5 {
        let _ = writeln!(
            s,
            "enum Kind{e} {{ KIND{e}_UNSPECIFIED = 0; KIND{e}_A = 1; KIND{e}_B = 2; KIND{e}_C = 3; }}"
        );
    }
    for m in 0..MESSAGES {
        let next = (m + 1) % MESSAGES;
        let _ = writeln!(s, "message Msg{m} {{");
        let _ = writeln!(s, "  string name = 1;");
        let _ = writeln!(s, "  int32 count = 2;");
        let _ = writeln!(s, "  int64 total = 3;");
        let _ = writeln!(s, "  Kind{} kind = 4;", m % 5);
        let _ = writeln!(s, "  Msg{next} next = 5;");
        let _ = writeln!(s, "  repeated string tags = 6;");
        let _ = writeln!(s, "  map<string, int32> limits = 7;");
        if changed && m == 17 {
            let _ = writeln!(
                s,
                "  oneof choice {{ string url = 8 [json_name = \"link\"]; }}"
            );
        } else {
            let _ = writeln!(s, "  oneof choice {{ string url = 8; }}");
        }
        if changed && m % 5 == 0 {
            let _ = writeln!(s, "  bool extra = 9;");
        }
        let _ = writeln!(s, "  reserved 100 to 110;\n}}");
    }
    s
}

fn compile(source: &str, message: &str) -> ProtoSchema {
    match ProtoSchema::compile(
        &[ProtoFile::new("bench/v1/bench.proto", source)],
        Some(message),
    ) {
        Ok(schema) => schema,
        Err(err) => panic!("bench schema: {err}"),
    }
}

const CONFIG: &str = r#"syntax = "proto3";
package svc.v1;
import "google/protobuf/duration.proto";
import "google/protobuf/timestamp.proto";

enum Protocol { PROTOCOL_UNSPECIFIED = 0; TCP = 1; HTTP = 2; GRPC = 3; }
message Port { string name = 1; uint32 port = 2; Protocol protocol = 3; }
message EnvVar { string name = 1; string value = 2; }
message Pool { int32 min = 1; int32 max = 2; google.protobuf.Duration timeout = 3; }
message Database { string engine = 1; string host = 2; uint32 port = 3; Pool pool = 4; }
message Metadata {
  string name = 1;
  string version = 2;
  string team = 3;
  map<string, string> labels = 4;
  map<string, string> annotations = 5;
}
message Config {
  string api_version = 1;
  string kind = 2;
  Metadata metadata = 3;
  int32 replicas = 4;
  int64 max_bytes = 5;
  repeated Port ports = 6;
  repeated EnvVar env = 7;
  map<string, bool> features = 8;
  string owner = 9;
  google.protobuf.Timestamp updated_at = 10;
  Database database = 11;
}
"#;

#[path = "support/lcg.rs"]
mod lcg;
use lcg::Lcg;

const WORDS: &[&str] = &[
    "alpha", "billing", "cart", "drift", "edge", "feed", "graph", "hub",
];
const TEAMS: &[&str] = &["platform", "payments", "growth", "data", "infra"];

/// A ~1 KB config; the invalid ones carry an unknown enum name.
fn config(r: &mut Lcg, invalid: bool) -> Value {
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
        "kind": r.pick(&["Service", "Worker", "CronJob"]),
        "metadata": {
            "name": format!("{}-{}", r.pick(WORDS), r.pick(WORDS)),
            "version": format!("{}.{}.{}", r.next(10), r.next(40), r.next(200)),
            "team": r.pick(TEAMS),
            "labels": {"tier": r.pick(&["gold", "silver"]), "region": "eu-west-1", "cost-center": format!("cc{}", 100 + r.next(900))},
            "annotations": {
                "deploy.example.com/revision": format!("{:016x}", r.next(u64::MAX)),
                "deploy.example.com/change-cause": format!("rollout of {} by {}", r.pick(WORDS), r.pick(TEAMS)),
                "docs.example.com/runbook": format!("https://runbooks.example.com/{}/{}", r.pick(TEAMS), r.pick(WORDS))
            }
        },
        "replicas": r.next(101),
        "maxBytes": format!("{}", r.next(1 << 40)),
        "ports": ports,
        "env": env,
        "features": {"darkLaunch": true, "gzip": false, "fastPath": true},
        "owner": format!("{}@example.com", r.pick(TEAMS)),
        "updatedAt": format!("2026-{:02}-{:02}T10:20:30Z", 1 + r.next(12), 1 + r.next(28)),
        "database": {"engine": "postgres", "host": "db-1.internal", "port": 5432,
                     "pool": {"min": r.next(5), "max": if invalid { json!("lots") } else { json!(10 + r.next(40)) }, "timeout": "1.5s"}}
    })
}

fn bench(c: &mut Criterion) {
    let v1 = compile(&package(false), "bench.v1.Msg0");
    let v2 = compile(&package(true), "bench.v1.Msg0");
    let mut group = c.benchmark_group("protobuf breaking check, 50 messages");
    for category in [BufCategory::WireJson, BufCategory::File] {
        let report = check(CompatLevel::Backward, category, &[("1", &v1)], &v2);
        assert_eq!(report.breaks.len(), 1, "{category}: {:?}", report.breaks);
        group.bench_function(category.as_str(), |b| {
            b.iter(|| {
                check(
                    CompatLevel::Full,
                    category,
                    &[("1", black_box(&v1))],
                    black_box(&v2),
                )
            })
        });
    }
    group.finish();

    let schema = compile(CONFIG, "svc.v1.Config");
    let mut r = Lcg(20_261_204);
    let configs: Vec<Value> = (0..CONFIGS).map(|i| config(&mut r, i % 20 == 7)).collect();
    let bytes: usize = configs.iter().map(|c| c.to_string().len()).sum();
    assert!(
        (800..1300).contains(&(bytes / CONFIGS)),
        "mean config size {} B",
        bytes / CONFIGS
    );
    let invalid = configs.iter().filter(|c| !schema.is_valid(c)).count();
    assert_eq!(invalid, CONFIGS / 20, "5% of the configs must be invalid");
    let mut group = c.benchmark_group("protobuf validate");
    group.sample_size(10);
    group.throughput(Throughput::Elements(CONFIGS as u64));
    group.bench_function("10,000 ~1 KB configs", |b| {
        b.iter(|| {
            configs
                .iter()
                .map(|c| schema.validate(black_box(c)).len())
                .sum::<usize>()
        })
    });
    group.finish();
    // The same work on 200 configs, which stay in cache: comparable with the `validate` bench
    // (JSON Schema, 200 configs per iteration).
    let few = &configs[..200];
    let mut group = c.benchmark_group("protobuf validate");
    group.throughput(Throughput::Elements(few.len() as u64));
    group.bench_function("200 ~1 KB configs", |b| {
        b.iter(|| {
            few.iter()
                .map(|c| schema.validate(black_box(c)).len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
