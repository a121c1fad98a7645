use super::*;
use crate::graph::TargetVersionId;
use proptest::prelude::*;
use std::collections::BTreeMap;

fn env(n: u128) -> EnvironmentId {
    EnvironmentId(Uuid::from_u128(n))
}

fn target(n: u128) -> TargetId {
    TargetId(Uuid::from_u128(1000 + n))
}

fn version(n: u128) -> TargetVersionId {
    TargetVersionId(Uuid::from_u128(2000 + n))
}

fn hash(n: u8) -> ConfigHash {
    ConfigHash([n; 32])
}

fn deployed(v: u128, schema_valid: bool) -> DriftEvent {
    DriftEvent::Deployed {
        env: env(1),
        target: target(1),
        version: version(v),
        schema_valid,
    }
}

fn bound(h: u8, schema_valid: bool) -> DriftEvent {
    DriftEvent::Bound {
        env: env(1),
        target: target(1),
        config_hash: hash(h),
        schema_valid,
    }
}

fn observed(v: u128, h: Option<u8>) -> DriftEvent {
    DriftEvent::Observed {
        env: env(1),
        target: target(1),
        version: version(v),
        config_hash: h.map(hash),
    }
}

fn dependency(unmet: u32) -> DriftEvent {
    DriftEvent::DependencyChanged {
        env: env(1),
        target: target(1),
        unmet,
    }
}

/// Applies `events` one by one; returns what each reported as changed, as `after` sets.
fn drifts(events: &[DriftEvent]) -> (DriftMatrix, Vec<Option<DriftSet>>) {
    let mut matrix = DriftMatrix::new();
    let reported = events
        .iter()
        .map(|event| matrix.apply(event).first().map(|change| change.after))
        .collect();
    (matrix, reported)
}

fn set(dimensions: &[Dimension]) -> DriftSet {
    dimensions.iter().copied().collect()
}

#[test]
fn schema_drift_follows_the_binding_validity() {
    let (_, reported) = drifts(&[
        deployed(1, false), // nothing bound: nothing invalid
        bound(7, false),
        deployed(2, true),
    ]);
    assert_eq!(
        reported,
        [None, Some(set(&[Dimension::Schema])), Some(DriftSet::EMPTY)]
    );
}

#[test]
fn dependency_drift_follows_the_unmet_count() {
    let (matrix, reported) = drifts(&[dependency(2), dependency(3), dependency(0)]);
    assert_eq!(
        reported,
        [
            Some(set(&[Dimension::Dependency])),
            None,
            Some(DriftSet::EMPTY)
        ]
    );
    assert_eq!(matrix.cell_count(), 1);
}

#[test]
fn config_drift_is_an_observed_hash_unlike_the_bound_one() {
    let (_, reported) = drifts(&[
        deployed(1, true),
        observed(1, Some(9)), // nothing bound yet
        bound(7, true),
        observed(1, Some(7)),
        observed(1, None), // no hash reported: not known to differ
    ]);
    assert_eq!(
        reported,
        [
            None,
            None,
            Some(set(&[Dimension::Config])),
            Some(DriftSet::EMPTY),
            None
        ]
    );
}

#[test]
fn environment_drift_is_an_observed_version_unlike_the_desired_one() {
    let (matrix, reported) = drifts(&[
        observed(1, None), // runs something nobody deployed: nothing to disagree with
        deployed(2, true), // now it disagrees
        deployed(1, true),
        deployed(3, true),
        observed(3, None),
    ]);
    let env_drift = Some(set(&[Dimension::Environment]));
    assert_eq!(
        reported,
        [
            None,
            env_drift,
            Some(DriftSet::EMPTY),
            env_drift,
            Some(DriftSet::EMPTY)
        ]
    );
    assert_eq!(matrix.counts(), DriftCounts::default());
}

#[test]
fn dimensions_combine_and_are_counted() {
    let (matrix, _) = drifts(&[
        deployed(2, false),
        bound(7, false),
        observed(3, Some(8)),
        dependency(1),
    ]);
    let cell = matrix.get(env(1), target(1)).unwrap();
    assert_eq!(
        cell.drift,
        DriftSet::EMPTY
            .with(Dimension::Schema)
            .with(Dimension::Dependency)
            .with(Dimension::Config)
            .with(Dimension::Environment)
    );
    assert_eq!(
        cell.drift.to_string(),
        "schema, dependency, config, environment"
    );
    assert_eq!(
        serde_json::to_value(cell.drift).unwrap(),
        serde_json::json!(["schema", "dependency", "config", "environment"])
    );
    let counts: Vec<_> = matrix.counts().iter().map(|(_, n)| n).collect();
    assert_eq!(counts, [1, 1, 1, 1]);
}

#[test]
fn cells_are_filtered_by_env_target_and_dimension() {
    let mut matrix = DriftMatrix::new();
    for e in 1..=3 {
        for t in 1..=4 {
            matrix.apply(&DriftEvent::DependencyChanged {
                env: env(e),
                target: target(t),
                unmet: u32::from(t % 2 == 0),
            });
        }
    }
    let all = DriftFilter::default();
    assert_eq!(matrix.cells(all).count(), 12);
    let in_env_2 = DriftFilter {
        env: Some(env(2)),
        ..all
    };
    assert!(matrix.cells(in_env_2).all(|c| c.env == env(2)));
    assert_eq!(matrix.cells(in_env_2).count(), 4);
    let drifting = DriftFilter {
        dimension: Some(Dimension::Dependency),
        ..all
    };
    assert_eq!(matrix.cells(drifting).count(), 6);
    let one = DriftFilter {
        env: Some(env(3)),
        target: Some(target(4)),
        dimension: Some(Dimension::Dependency),
    };
    assert_eq!(matrix.cells(one).count(), 1);
    let unknown = DriftFilter {
        target: Some(target(99)),
        ..all
    };
    assert_eq!(matrix.cells(unknown).count(), 0);
    assert_eq!(
        matrix
            .cells(DriftFilter {
                env: Some(env(99)),
                ..all
            })
            .count(),
        0
    );
    assert_eq!(matrix.counts().dependency, 6);
    assert_eq!(matrix.cell_count(), 12);
}

#[test]
fn recompute_all_reports_what_changed_and_drops_missing_cells() {
    let drifting = CellState {
        unmet_constraints: 1,
        ..CellState::default()
    };
    let input = |e, t, state| CellInput {
        env: env(e),
        target: target(t),
        state,
    };
    let mut matrix = DriftMatrix::from_inputs([
        input(1, 1, drifting),
        input(1, 2, CellState::default()),
        input(2, 1, drifting),
    ]);
    assert_eq!(matrix.counts().dependency, 2);

    let changes = matrix.recompute_all([
        input(1, 1, drifting),             // unchanged
        input(1, 2, drifting),             // starts drifting
        input(3, 3, CellState::default()), // new and clean: no change to report
    ]);
    let dep = set(&[Dimension::Dependency]);
    assert_eq!(
        changes,
        [
            CellChange {
                env: env(1),
                target: target(2),
                before: DriftSet::EMPTY,
                after: dep
            },
            CellChange {
                env: env(2),
                target: target(1),
                before: dep,
                after: DriftSet::EMPTY
            },
        ]
    );
    assert!(matrix.get(env(2), target(1)).is_none());
    assert_eq!(matrix.cell_count(), 3);
    assert_eq!(matrix.counts().dependency, 2);

    // a dropped cell starts afresh: its old unmet count is gone
    matrix.apply(&DriftEvent::Deployed {
        env: env(2),
        target: target(1),
        version: version(2),
        schema_valid: true,
    });
    let changes = matrix.apply(&DriftEvent::Observed {
        env: env(2),
        target: target(1),
        version: version(1),
        config_hash: None,
    });
    assert_eq!(changes[0].after, set(&[Dimension::Environment]));
    assert_eq!(
        matrix
            .get(env(2), target(1))
            .unwrap()
            .state
            .unmet_constraints,
        0
    );
}

#[test]
fn config_hashes_parse_from_content_hash_hex() {
    let text = crate::canonical::content_hash(&serde_json::json!({"a": 1}));
    let parsed = ConfigHash::from_hex(&text).unwrap();
    assert_eq!(parsed.to_string(), text);
    assert!(ConfigHash::from_hex("abc").is_err());
}

fn event() -> impl Strategy<Value = DriftEvent> {
    let cell = (0u128..3, 0u128..4).prop_map(|(e, t)| (env(e), target(t)));
    let v = (0u128..3).prop_map(version);
    let h = (0u8..3).prop_map(hash);
    prop_oneof![
        (cell.clone(), v.clone(), any::<bool>()).prop_map(
            |((env, target), version, schema_valid)| DriftEvent::Deployed {
                env,
                target,
                version,
                schema_valid
            }
        ),
        (cell.clone(), h.clone(), any::<bool>()).prop_map(
            |((env, target), config_hash, schema_valid)| DriftEvent::Bound {
                env,
                target,
                config_hash,
                schema_valid
            }
        ),
        (cell.clone(), v, prop::option::of(h)).prop_map(|((env, target), version, config_hash)| {
            DriftEvent::Observed {
                env,
                target,
                version,
                config_hash,
            }
        }),
        (cell, 0u32..3).prop_map(|((env, target), unmet)| DriftEvent::DependencyChanged {
            env,
            target,
            unmet
        }),
    ]
}

fn snapshot(matrix: &DriftMatrix) -> BTreeMap<(EnvironmentId, TargetId), DriftSet> {
    matrix
        .cells(DriftFilter::default())
        .map(|c| ((c.env, c.target), c.drift))
        .collect()
}

proptest! {
    /// Incremental application agrees with a full recompute of the final state, and each
    /// `apply` reports exactly the cells whose drift it changed.
    #[test]
    fn apply_agrees_with_recompute_all(events in prop::collection::vec(event(), 0..60)) {
        let mut incremental = DriftMatrix::new();
        let mut states: BTreeMap<(EnvironmentId, TargetId), CellState> = BTreeMap::new();
        for event in &events {
            let before = snapshot(&incremental);
            let changes = incremental.apply(event);
            event.apply_to(states.entry(event.cell()).or_default());
            let after = snapshot(&incremental);

            let mut expected = Vec::new();
            for (cell, drift) in &after {
                let was = before.get(cell).copied().unwrap_or_default();
                if was != *drift {
                    expected.push(CellChange { env: cell.0, target: cell.1, before: was, after: *drift });
                }
            }
            prop_assert_eq!(changes, expected);
        }

        let full = DriftMatrix::from_inputs(states.iter().map(|(&(env, target), &state)| CellInput { env, target, state }));
        prop_assert_eq!(snapshot(&incremental), snapshot(&full));
        prop_assert_eq!(incremental.counts(), full.counts());
        prop_assert_eq!(incremental.cell_count(), full.cell_count());
        for cell in full.cells(DriftFilter::default()) {
            let mine = incremental.get(cell.env, cell.target).unwrap();
            prop_assert_eq!(mine.state, cell.state);
        }

        // and recomputing an incremental matrix from its own state changes nothing
        let changes = incremental.recompute_all(states.iter().map(|(&(env, target), &state)| CellInput { env, target, state }));
        prop_assert!(changes.is_empty());
    }
}
