//! Drift matrix at the DESIGN.md section 6 scale: 10,000 targets × 50 environments.
//! Budgets: a full recompute under 100 ms, one event under 1 ms.
//!
//! The synthetic state: every cell deployed, bound and observed; about one cell in ten drifts
//! in some dimension, as a real tenant's matrix would be mostly green.

use criterion::{black_box, criterion_group, criterion_main, BatchSize, Criterion};
use uuid::Uuid;
use versiqii_core::drift::{
    CellInput, CellState, ConfigHash, DriftEvent, DriftMatrix, EnvironmentId, TargetId,
};
use versiqii_core::graph::TargetVersionId;

const TARGETS: u64 = 10_000;
const ENVIRONMENTS: u64 = 50;

fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn uuid(n: u64) -> Uuid {
    Uuid::from_u64_pair(mix(n), mix(!n))
}

fn env(e: u64) -> EnvironmentId {
    EnvironmentId(uuid(e))
}

fn target(t: u64) -> TargetId {
    TargetId(uuid(1 << 40 | t))
}

fn version(t: u64, n: u64) -> TargetVersionId {
    TargetVersionId(uuid(2 << 40 | t << 8 | n))
}

fn hash(n: u64) -> ConfigHash {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&mix(n).to_le_bytes());
    ConfigHash(bytes)
}

fn inputs() -> Vec<CellInput> {
    let mut inputs = Vec::with_capacity((TARGETS * ENVIRONMENTS) as usize);
    for e in 0..ENVIRONMENTS {
        for t in 0..TARGETS {
            let roll = mix(e * TARGETS + t) % 40;
            let config = hash(t);
            let state = CellState {
                desired: Some(version(t, 1)),
                bound_config: Some(config),
                schema_valid: roll != 0,
                observed_version: Some(version(t, if roll == 1 { 2 } else { 1 })),
                observed_config: Some(if roll == 2 { hash(t + 1) } else { config }),
                unmet_constraints: u32::from(roll == 3),
            };
            inputs.push(CellInput {
                env: env(e),
                target: target(t),
                state,
            });
        }
    }
    inputs
}

fn bench_drift(c: &mut Criterion) {
    let inputs = inputs();
    let mut matrix = DriftMatrix::from_inputs(inputs.iter().copied());
    println!(
        "matrix: {} cells; drifting per dimension: {:?}",
        matrix.cell_count(),
        matrix.counts()
    );

    let mut group = c.benchmark_group("drift");
    group.sample_size(20);
    group.bench_function("full_recompute_10k_x_50_in_place", |b| {
        b.iter(|| {
            matrix
                .recompute_all(black_box(inputs.iter().copied()))
                .len()
        })
    });
    group.bench_function("full_recompute_10k_x_50_from_empty", |b| {
        b.iter_batched(
            || (),
            |()| DriftMatrix::from_inputs(black_box(inputs.iter().copied())),
            BatchSize::PerIteration,
        )
    });
    group.finish();

    // Alternate between two states so every apply changes the cell's drift and reports it.
    let (e, t) = (env(ENVIRONMENTS / 2), target(TARGETS / 2));
    let mut unmet = 0;
    c.bench_function("drift/apply_one_event_changing", |b| {
        b.iter(|| {
            unmet = 1 - unmet;
            matrix.apply(black_box(&DriftEvent::DependencyChanged {
                env: e,
                target: t,
                unmet,
            }))
        })
    });
    let observed = DriftEvent::Observed {
        env: e,
        target: t,
        version: version(TARGETS / 2, 1),
        config_hash: Some(hash(TARGETS / 2)),
    };
    c.bench_function("drift/apply_one_event_unchanged", |b| {
        b.iter(|| matrix.apply(black_box(&observed)))
    });
}

criterion_group!(benches, bench_drift);
criterion_main!(benches);
