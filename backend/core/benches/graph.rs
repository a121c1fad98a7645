//! VersionGraph at the DESIGN.md section 6 scale: 100k versions, 1M edges, 50 environments.
//! Budgets: a constraint check under 1 ms, an impact analysis under 50 ms, memory under 200 MB.
//!
//! The synthetic tenant: 1,002 targets with 100 versions each (`1.0.0` … `10.9.0`). Every
//! version of target i > 1 requires two lower targets at `>=M.0, <M.5` (M its own major), so
//! each requirement links 5 versions: (1,000 × 2 + 1) × 100 × 5 = 1,000,500 edges. Every version also
//! accepts the next target as a consumer at `^M`. Environment k runs major (k mod 10) + 1 of
//! everything at a minor below 5 (so it is consistent), except one target pushed out of range.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use std::time::Instant;
use uuid::Uuid;
use versiqii_core::graph::{
    Constraint, Deployed, TargetVersion, TargetVersionId, VersionGraph, VersionRange,
};
use versiqii_core::version::{Scheme, Version};

const TARGETS: usize = 1_002;
const MAJORS: usize = 10;
const MINORS: usize = 10;
const ENVIRONMENTS: usize = 50;

/// splitmix64: deterministic ids and choices without a dependency.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn target_name(t: usize) -> String {
    format!("svc-{t:04}")
}

fn version_id(t: usize, major: usize, minor: usize) -> TargetVersionId {
    let n = ((t * MAJORS + major) * MINORS + minor) as u64;
    TargetVersionId(Uuid::from_u64_pair(mix(n), mix(n ^ 0xA5A5)))
}

fn semver(text: &str) -> Version {
    Version::parse(text, Some(Scheme::Semver)).expect("synthetic versions are valid")
}

fn range(text: &str) -> VersionRange {
    VersionRange::parse(text, Scheme::Semver).expect("synthetic ranges are valid")
}

/// Two distinct targets below `t`.
fn requirements_of(t: usize) -> Vec<usize> {
    match t {
        0 => return Vec::new(),
        1 => return vec![0],
        _ => {}
    }
    let first = (mix(t as u64) % t as u64) as usize;
    let mut second = (mix(t as u64 + 7_777) % t as u64) as usize;
    if second == first {
        second = (first + 1) % t;
    }
    vec![first, second]
}

fn synthetic_graph() -> VersionGraph {
    let mut versions = Vec::with_capacity(TARGETS * MAJORS * MINORS);
    let mut constraints = Vec::new();
    for t in 0..TARGETS {
        for major in 1..=MAJORS {
            for minor in 0..MINORS {
                let id = version_id(t, major, minor);
                versions.push(TargetVersion {
                    id,
                    target: target_name(t),
                    version: semver(&format!("{major}.{minor}.0")),
                });
                for required in requirements_of(t) {
                    constraints.push(Constraint::Requires {
                        from: id,
                        target: target_name(required),
                        range: range(&format!(">={major}.0, <{major}.5")),
                    });
                }
                if t + 1 < TARGETS {
                    constraints.push(Constraint::Accepts {
                        from: id,
                        consumer: target_name(t + 1),
                        range: range(&format!("^{major}")),
                    });
                }
            }
        }
    }
    VersionGraph::from_parts(versions, constraints).expect("the synthetic graph is acyclic")
}

fn environment(k: usize) -> Deployed {
    let major = k % MAJORS + 1;
    let mut deployed = Deployed::new(format!("env-{k:02}"));
    for t in 0..TARGETS {
        let minor = (mix((k * TARGETS + t) as u64) % 5) as usize;
        deployed.insert(target_name(t), version_id(t, major, minor));
    }
    // one target out of range, so checks also build violations
    let broken = (k * 37) % TARGETS;
    deployed.insert(target_name(broken), version_id(broken, major, 7));
    deployed
}

fn memory_line(field: &str) -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with(field))
                .map(str::to_owned)
        })
        .unwrap_or_else(|| format!("{field} unavailable"))
}

fn bench_graph(c: &mut Criterion) {
    let rss_before = memory_line("VmRSS");
    let started = Instant::now();
    let graph = synthetic_graph();
    let built_in = started.elapsed();
    println!(
        "graph: {} versions, {} edges, {} constraints, built in {built_in:.2?}",
        graph.version_count(),
        graph.edge_count(),
        graph.constraint_count()
    );
    println!(
        "memory: before build {rss_before}; after build {}; peak {}",
        memory_line("VmRSS"),
        memory_line("VmHWM")
    );
    let environments: Vec<Deployed> = (0..ENVIRONMENTS).map(environment).collect();

    // A mid-graph target, and a low one that hundreds of versions require.
    let mid = 500;
    let popular = 3;
    let env = &environments[0];
    let major = 1;
    let candidate = version_id(mid, major, 2);
    let violations = graph.check_deployment(env, candidate).expect("known");
    println!(
        "check_deployment(svc-0500): {} violations",
        violations.len()
    );
    c.bench_function("graph/check_deployment", |b| {
        b.iter(|| graph.check_deployment(black_box(env), black_box(candidate)))
    });
    let popular_candidate = version_id(popular, major, 7);
    let violations = graph
        .check_deployment(env, popular_candidate)
        .expect("known");
    println!(
        "check_deployment(svc-0003@1.7.0, out of its dependents' ranges): {} violations",
        violations.len()
    );
    c.bench_function("graph/check_deployment_breaking_many", |b| {
        b.iter(|| graph.check_deployment(black_box(env), black_box(popular_candidate)))
    });

    c.bench_function("graph/unmet_constraints_one_env", |b| {
        b.iter(|| graph.unmet_constraints(black_box(env)))
    });

    let to = semver("5.7.0");
    let impact = graph.impact(&target_name(popular), &to, &environments);
    println!(
        "impact(svc-0003 -> 5.7.0): {} unsatisfied constraints, {} of {} environments broken",
        impact.unsatisfied.len(),
        impact.environments.len(),
        environments.len()
    );
    c.bench_function("graph/impact_50_envs", |b| {
        b.iter(|| {
            graph.impact(
                black_box(&target_name(popular)),
                black_box(&to),
                &environments,
            )
        })
    });
    let hypothetical = semver("11.0.0");
    c.bench_function("graph/impact_50_envs_unregistered_version", |b| {
        b.iter(|| {
            graph.impact(
                black_box(&target_name(mid)),
                black_box(&hypothetical),
                &environments,
            )
        })
    });

    // Adding a constraint runs the cycle check on the full graph; removing it restores it.
    let mut graph = graph;
    let new_constraint = Constraint::Requires {
        from: version_id(mid, 3, 3),
        target: target_name(popular),
        range: range(">=3.5, <4"),
    };
    c.bench_function("graph/add_and_remove_constraint", |b| {
        b.iter(|| {
            graph
                .add_constraint(black_box(new_constraint.clone()))
                .expect("no cycle");
            graph.remove_constraint(&new_constraint)
        })
    });
    // The slowest accepted case: svc-0000@10.9.0 is outside every range that requires it, so
    // no cycle can close, but at target level everything reaches svc-0000, so the search walks
    // every version below svc-1001's before it can say so.
    let exhaustive = Constraint::Requires {
        from: version_id(0, 10, 9),
        target: target_name(TARGETS - 1),
        range: range("*"),
    };
    c.bench_function("graph/add_and_remove_constraint_exhaustive_search", |b| {
        b.iter(|| {
            graph
                .add_constraint(black_box(exhaustive.clone()))
                .expect("no cycle");
            graph.remove_constraint(&exhaustive)
        })
    });
    // The refused case: svc-0001's major-1 versions require svc-0000 `>=1.0, <1.5`, so
    // svc-0000@1.0.0 requiring svc-0001 closes a cycle.
    let cyclic = Constraint::Requires {
        from: version_id(0, 1, 0),
        target: target_name(1),
        range: range("^1"),
    };
    let refused = graph.add_constraint(cyclic.clone());
    println!("refused: {refused:?}");
    c.bench_function("graph/refuse_cycle", |b| {
        b.iter(|| graph.add_constraint(black_box(cyclic.clone())).is_err())
    });
    println!("memory at the end: peak {}", memory_line("VmHWM"));
}

criterion_group!(benches, bench_graph);
criterion_main!(benches);
