//! WASM migration costs: warm per-config runs (a fresh instance per call, as in production),
//! cold start from the module cache, and first-time compilation.
//!
//! `cargo bench -p versiqii-migrate --bench wasm`; the `configs/s` figures are criterion's
//! element throughput (one element = one config migrated on one core).

use std::sync::Arc;
use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use serde_json::{json, Value};
use versiqii_migrate::{Direction, WasmLimits, WasmMigration, WasmRuntime};

const ECHO: &str = include_str!("../../../examples/migrations/echo.wat");
const RENAME: &str = include_str!("../../../examples/migrations/rename_timeout.wat");

/// A realistic service config of about 1 KB serialised.
fn config() -> Value {
    json!({
        "service": "payments",
        "version": "2024-11-03",
        "timeout": 30,
        "listen": {"host": "0.0.0.0", "port": 8443, "tls": {"cert": "/etc/tls/cert.pem", "key": "/etc/tls/key.pem"}},
        "retries": {"max": 3, "backoff": "exponential", "initial_ms": 100, "max_ms": 5000},
        "upstreams": [
            {"name": "ledger", "url": "http://ledger.internal:8080", "timeout": 2, "pool": 32},
            {"name": "fx", "url": "http://fx.internal:8080", "timeout": 1, "pool": 8},
            {"name": "fraud", "url": "http://fraud.internal:8080", "timeout": 3, "pool": 16}
        ],
        "database": {"url": "postgres://payments@db.internal:5432/payments", "pool": {"min": 4, "max": 32}, "statement_timeout_ms": 2000},
        "features": {"3ds": true, "instant_payouts": false, "multi_currency": true, "wallets": ["apple", "google", "paypal"]},
        "limits": {"per_minute": 600, "burst": 100, "max_amount": 1000000, "currencies": ["EUR", "USD", "GBP", "CHF", "JPY"]},
        "logging": {"level": "info", "format": "json", "sample_rate": 0.1, "redact": ["card_number", "cvv", "iban"]},
        "labels": {"team": "payments-core", "tier": "1", "region": "eu-west-1", "owner": "payments@example.com"}
    })
}

fn runtime() -> Arc<WasmRuntime> {
    WasmRuntime::new(WasmLimits::default()).expect("runtime")
}

fn warm(c: &mut Criterion) {
    let rt = runtime();
    let doc = config();
    let size = serde_json::to_vec(&doc).expect("json").len();
    let mut group = c.benchmark_group(format!("wasm/warm/{size}B"));
    group.throughput(Throughput::Elements(1));
    let echo = rt.load(ECHO.as_bytes()).expect("echo");
    let rename = rt.load(RENAME.as_bytes()).expect("rename");
    let renamed = rename.run(&doc, Direction::Up).expect("up");
    let runs: [(&str, &Arc<WasmMigration>, &Value, Direction); 3] = [
        ("echo", &echo, &doc, Direction::Up),
        ("rename_up", &rename, &doc, Direction::Up),
        ("rename_down", &rename, &renamed, Direction::Down),
    ];
    for (name, migration, input, direction) in runs {
        group.bench_function(name, |b| {
            b.iter(|| migration.run(black_box(input), direction).expect("run"))
        });
    }
    // What the host does around the module anyway: serialise the input, parse the output.
    group.bench_function("native_json_roundtrip", |b| {
        b.iter(|| {
            let bytes = serde_json::to_vec(black_box(&doc)).expect("json");
            serde_json::from_slice::<Value>(&bytes).expect("json")
        })
    });
    group.finish();
}

fn cold(c: &mut Criterion) {
    let rt = runtime();
    let doc = config();
    rt.load(RENAME.as_bytes()).expect("warm the cache");
    let mut group = c.benchmark_group("wasm/cold");
    group.bench_function("cached_load_and_first_run", |b| {
        b.iter(|| {
            let rename = rt.load(black_box(RENAME.as_bytes())).expect("load");
            rename.run(&doc, Direction::Up).expect("run")
        })
    });
    // The same, but round-robin over 64 cached modules: more than the pool has slots, so each
    // first run lands in a slot last used by another module and maps its memory image anew.
    let variants: Vec<String> = (0..64)
        .map(|n| format!("{RENAME}\n;; variant {n}\n"))
        .collect();
    for variant in &variants {
        rt.load(variant.as_bytes()).expect("warm the cache");
    }
    let mut next = 0;
    group.bench_function("cached_load_and_first_run_rotating", |b| {
        b.iter(|| {
            next = (next + 1) % variants.len();
            let rename = rt.load(black_box(variants[next].as_bytes())).expect("load");
            rename.run(&doc, Direction::Up).expect("run")
        })
    });
    // No cache: every load compiles.
    let uncached = WasmRuntime::new(WasmLimits {
        cache_entries: 0,
        ..WasmLimits::default()
    })
    .expect("runtime");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("compile_rename", |b| {
        b.iter(|| uncached.load(black_box(RENAME.as_bytes())).expect("load"))
    });
    let binary = wat::parse_str(RENAME).expect("wat");
    group.bench_function("compile_rename_binary", |b| {
        b.iter(|| uncached.load(black_box(&binary)).expect("load"))
    });
    group.finish();
}

criterion_group!(benches, warm, cold);
criterion_main!(benches);
