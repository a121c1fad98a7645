//! Lens throughput on a realistic config: `examples/migrations/bench.lens.yaml` (eight
//! operations: rename, add, remove, in+rename, hoist, plunge, map+rename, convert) on
//! `loadtest/jsonata/config.json` (about 1 KB: nested objects, an array of five objects).
//! `loadtest/jsonata/bench.js` runs the same transformation in JSONata; `loadtest/jsonata/run.sh`
//! runs both and prints the ratio.
//!
//!     cargo bench -p versiqii-migrate --bench lens
//!
//! - `lens/apply_up`: `Lens::apply` alone on a parsed config (`iter_batched` makes the clones
//!   of the input outside the timed part, and drops the outputs outside it too).
//! - `lens/apply_down`: the inverse, on the migrated config.
//! - `lens/parse_apply_serialize`: JSON text in, JSON text out (serde_json parse, apply,
//!   `to_string`): the like-for-like comparison with JSONata over text.
//! - `lens/parse_serialize_only`: the same without the lens, to show what the text costs.
//! - `lens/clone_only`: cloning the parsed config, for scale (what `apply` avoids).
//! - `lens/parse_lens_file`: reading and validating the lens file itself.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use serde_json::Value;
use versiqii_migrate::{Direction, Lens};

fn read(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

fn bench(c: &mut Criterion) {
    let lens_text = read("examples/migrations/bench.lens.yaml");
    let lens = Lens::parse(&lens_text).expect("bench lens parses");
    let config_text = read("loadtest/jsonata/config.json");
    let config: Value = serde_json::from_str(&config_text).expect("config is JSON");
    // Compact text, as a service would receive it (about 1 KB).
    let compact = serde_json::to_string(&config).expect("serialises");
    let expected: Value =
        serde_json::from_str(&read("loadtest/jsonata/expected.json")).expect("expected is JSON");
    let migrated = lens
        .apply(config.clone(), Direction::Up)
        .expect("lens applies");
    assert_eq!(migrated, expected, "the lens no longer gives expected.json");
    println!(
        "config: {} bytes compact JSON; lens: {} top-level operations",
        compact.len(),
        lens.len()
    );

    let mut group = c.benchmark_group("lens");
    group.throughput(Throughput::Elements(1));
    group.measurement_time(Duration::from_secs(5));
    group.bench_function("apply_up", |b| {
        b.iter_batched(
            || config.clone(),
            |doc| lens.apply(doc, Direction::Up),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("apply_down", |b| {
        b.iter_batched(
            || migrated.clone(),
            |doc| lens.apply(doc, Direction::Down),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("parse_apply_serialize", |b| {
        b.iter(|| {
            let doc: Value = serde_json::from_str(black_box(&compact)).expect("parses");
            let out = lens.apply(doc, Direction::Up).expect("applies");
            serde_json::to_string(&out).expect("serialises")
        })
    });
    group.bench_function("parse_serialize_only", |b| {
        b.iter(|| {
            let doc: Value = serde_json::from_str(black_box(&compact)).expect("parses");
            serde_json::to_string(&doc).expect("serialises")
        })
    });
    group.bench_function("clone_only", |b| b.iter(|| black_box(&config).clone()));
    group.bench_function("parse_lens_file", |b| {
        b.iter(|| Lens::parse(black_box(&lens_text)).expect("parses"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
