//! What metering adds to every admitted tenant request (issue 16): counting it for usage, its
//! answer's status and latency for the SLA (a minute's counters and an hour's HdrHistogram), and
//! the suspension check, over 1,000 tenants; and what a flush prices per histogram.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use std::time::Duration;
use uuid::Uuid;
use versiqii_core::sla::LatencyHistogram;
use versiqii_core::TenantId;
use versiqii_server::auth::suspended::Suspended;
use versiqii_server::metering::{Kind, Meter};
use versiqii_server::sla::SlaMeter;

fn per_request(c: &mut Criterion) {
    let tenants: Vec<Uuid> = (0..1000).map(|_| Uuid::new_v4()).collect();
    let meter = Meter::default();
    let sla = SlaMeter::default();
    let suspended = Suspended::default();
    let mut i = 0usize;
    c.bench_function("request/usage_count", |b| {
        b.iter(|| {
            i = (i + 1) % tenants.len();
            meter.count(black_box(tenants[i]), Kind::Read)
        })
    });
    c.bench_function("request/sla_record", |b| {
        b.iter(|| {
            i = (i + 1) % tenants.len();
            sla.record(
                black_box(tenants[i]),
                200,
                Duration::from_micros(1_500 + i as u64),
            )
        })
    });
    c.bench_function("request/suspension_check", |b| {
        b.iter(|| {
            i = (i + 1) % tenants.len();
            suspended.contains(black_box(TenantId(tenants[i])))
        })
    });
}

fn histograms(c: &mut Criterion) {
    let mut h = LatencyHistogram::new();
    for us in 0..100_000u64 {
        h.record(500 + us % 50_000);
    }
    let bytes = h.to_bytes();
    c.bench_function("histogram/serialize_100k", |b| {
        b.iter(|| black_box(&h).to_bytes())
    });
    c.bench_function("histogram/deserialize_merge_p99", |b| {
        b.iter(|| {
            let mut stored = LatencyHistogram::from_bytes(black_box(&bytes)).unwrap();
            stored.merge(&h);
            stored.quantile_micros(0.99)
        })
    });
    eprintln!(
        "a 100k-sample hour's histogram stores in {} bytes",
        bytes.len()
    );
}

criterion_group!(benches, per_request, histograms);
criterion_main!(benches);
