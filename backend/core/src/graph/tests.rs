use super::*;
use crate::version::Scheme;
use proptest::prelude::*;

fn id(n: u128) -> TargetVersionId {
    TargetVersionId(Uuid::from_u128(n))
}

fn v(text: &str) -> Version {
    Version::parse(text, None).unwrap()
}

fn range(text: &str) -> VersionRange {
    VersionRange::parse(text, Scheme::Semver).unwrap()
}

fn requires(from: TargetVersionId, target: &str, r: &str) -> Constraint {
    Constraint::Requires {
        from,
        target: target.to_owned(),
        range: range(r),
    }
}

fn accepts(from: TargetVersionId, consumer: &str, r: &str) -> Constraint {
    Constraint::Accepts {
        from,
        consumer: consumer.to_owned(),
        range: range(r),
    }
}

const API_321: u128 = 1;
const API_400: u128 = 2;
const AUTH_150: u128 = 10;
const AUTH_160: u128 = 11;
const AUTH_210: u128 = 12;
const BILLING_100: u128 = 20;

/// payment-api 3.2.1 and 4.0.0, auth 1.5.0, 1.6.0 and 2.1.0, billing 1.0.0.
/// payment-api@3.2.1 requires auth >=1.5, <2; billing@1.0.0 requires payment-api ^3;
/// auth@1.6.0 accepts payment-api >=3, <4.
fn shop() -> VersionGraph {
    let mut graph = VersionGraph::new();
    for (n, target, version) in [
        (API_321, "payment-api", "3.2.1"),
        (API_400, "payment-api", "4.0.0"),
        (AUTH_150, "auth", "1.5.0"),
        (AUTH_160, "auth", "1.6.0"),
        (BILLING_100, "billing", "1.0.0"),
    ] {
        graph.add_version(id(n), target, v(version)).unwrap();
    }
    graph
        .add_constraint(requires(id(API_321), "auth", ">=1.5, <2"))
        .unwrap();
    graph
        .add_constraint(requires(id(BILLING_100), "payment-api", "^3"))
        .unwrap();
    graph
        .add_constraint(accepts(id(AUTH_160), "payment-api", ">=3, <4"))
        .unwrap();
    // Added after the constraints: must still be linked, or not, by range.
    graph.add_version(id(AUTH_210), "auth", v("2.1.0")).unwrap();
    graph
}

fn prod() -> Deployed {
    Deployed::new("prod-eu")
        .with("payment-api", id(API_321))
        .with("auth", id(AUTH_160))
        .with("billing", id(BILLING_100))
}

fn kinds(violations: &[Violation]) -> Vec<ViolationKind> {
    violations.iter().map(|v| v.kind).collect()
}

#[test]
fn requires_links_every_matching_version_including_later_ones() {
    let graph = shop();
    assert_eq!(
        graph.dependencies(id(API_321)),
        vec![id(AUTH_150), id(AUTH_160)]
    );
    assert_eq!(graph.dependents(id(AUTH_160)), vec![id(API_321)]);
    assert!(graph.dependents(id(AUTH_210)).is_empty());
    assert_eq!(graph.dependencies(id(BILLING_100)), vec![id(API_321)]);
    // accepts adds no edge
    assert_eq!(graph.edge_count(), 3);
    assert_eq!(graph.constraint_count(), 3);
    assert_eq!(graph.version_count(), 6);
    assert_eq!(graph.find_version("auth", &v("1.6")), Some(id(AUTH_160)));
    assert_eq!(
        graph.target_version(id(AUTH_210)).map(|(t, _)| t),
        Some("auth")
    );
}

#[test]
fn a_consistent_environment_has_no_violations() {
    let graph = shop();
    assert!(graph.unmet_constraints(&prod()).is_empty());
    assert!(graph
        .check_deployment(&prod(), id(AUTH_150))
        .unwrap()
        .is_empty());
}

#[test]
fn a_candidate_whose_requirement_is_out_of_range_is_reported() {
    let mut graph = shop();
    graph
        .add_constraint(requires(id(API_400), "auth", ">=1.5, <2"))
        .unwrap();
    let env = prod().with("auth", id(AUTH_210));
    let violations = graph.check_deployment(&env, id(API_321)).unwrap();
    assert_eq!(kinds(&violations), vec![ViolationKind::RequiresUnmet]);
    assert_eq!(
        violations[0].message,
        "payment-api@3.2.1 requires auth >=1.5, <2 but prod-eu runs auth@2.1.0"
    );
    assert_eq!(violations[0].owner, "payment-api");
    assert_eq!(violations[0].env, "prod-eu");
    assert_eq!(
        violations[0].constraint,
        requires(id(API_321), "auth", ">=1.5, <2")
    );
}

#[test]
fn a_missing_or_unknown_requirement_is_unmet() {
    let graph = shop();
    let without_auth = Deployed::new("staging").with("billing", id(BILLING_100));
    let violations = graph.check_deployment(&without_auth, id(API_321)).unwrap();
    assert_eq!(kinds(&violations), vec![ViolationKind::RequiresUnmet]);
    assert!(violations[0].message.ends_with("but staging runs no auth"));

    let stranger = id(999);
    let unknown_auth = without_auth.clone().with("auth", stranger);
    let violations = graph.check_deployment(&unknown_auth, id(API_321)).unwrap();
    assert_eq!(kinds(&violations), vec![ViolationKind::RequiresUnmet]);
    assert!(violations[0]
        .message
        .contains("which the graph does not know"));
}

#[test]
fn a_candidate_breaking_a_deployed_dependent_is_reported() {
    let graph = shop();
    let violations = graph.check_deployment(&prod(), id(API_400)).unwrap();
    assert_eq!(
        kinds(&violations),
        vec![
            ViolationKind::ProviderRefuses,
            ViolationKind::RequiredByBreaks
        ]
    );
    assert_eq!(
        violations[0].message,
        "auth@1.6.0 accepts payment-api >=3, <4 but prod-eu would run payment-api@4.0.0"
    );
    assert_eq!(
        violations[1].message,
        "billing@1.0.0 requires payment-api ^3 but prod-eu would run payment-api@4.0.0"
    );
    assert_eq!(violations[1].owner, "billing");
}

#[test]
fn a_candidate_refusing_a_deployed_consumer_is_reported() {
    let graph = shop();
    let old_api = prod().with("payment-api", id(API_400));
    let violations = graph.check_deployment(&old_api, id(AUTH_160)).unwrap();
    assert_eq!(kinds(&violations), vec![ViolationKind::AcceptsRefuses]);
    assert_eq!(
        violations[0].message,
        "auth@1.6.0 accepts payment-api >=3, <4 but prod-eu runs payment-api@4.0.0"
    );
    // an absent consumer is nothing to refuse
    let no_api = Deployed::new("dev").with("auth", id(AUTH_150));
    assert!(graph
        .check_deployment(&no_api, id(AUTH_160))
        .unwrap()
        .is_empty());
}

#[test]
fn the_replaced_version_no_longer_counts() {
    let mut graph = shop();
    // the deployed auth@1.5 would refuse payment-api 3.x; replacing it removes the objection
    graph
        .add_constraint(accepts(id(AUTH_150), "payment-api", "^9"))
        .unwrap();
    let env = prod().with("auth", id(AUTH_150));
    assert_eq!(graph.unmet_constraints(&env).len(), 1);
    assert!(graph
        .check_deployment(&env, id(AUTH_160))
        .unwrap()
        .is_empty());
}

#[test]
fn checking_an_unknown_version_is_an_error() {
    assert_eq!(
        shop().check_deployment(&prod(), id(404)),
        Err(GraphError::UnknownVersion(id(404)))
    );
}

#[test]
fn unmet_constraints_lists_every_broken_constraint_once() {
    let graph = shop();
    let env = prod()
        .with("payment-api", id(API_400))
        .with("auth", id(AUTH_160));
    let violations = graph.unmet_constraints(&env);
    assert_eq!(
        kinds(&violations),
        vec![ViolationKind::AcceptsRefuses, ViolationKind::RequiresUnmet]
    );
    assert_eq!(violations[0].owner, "auth");
    assert_eq!(violations[1].owner, "billing");
}

fn graph_fingerprint(graph: &VersionGraph, ids: &[TargetVersionId]) -> String {
    let mut text = format!("{} {} ", graph.edge_count(), graph.constraint_count());
    for &id in ids {
        text += &format!("{:?}{:?}", graph.constraints_of(id), graph.dependencies(id));
    }
    text
}

#[test]
fn a_cycle_is_refused_with_its_path_and_the_graph_unchanged() {
    let mut graph = VersionGraph::new();
    let (a1, b2, c3) = (id(1), id(2), id(3));
    graph.add_version(a1, "a", v("1.0")).unwrap();
    graph.add_version(b2, "b", v("2.0")).unwrap();
    graph.add_version(c3, "c", v("3.0")).unwrap();
    graph.add_constraint(requires(a1, "b", "^2")).unwrap();

    let before = graph_fingerprint(&graph, &[a1, b2, c3]);
    let refused = graph.add_constraint(requires(b2, "a", "^1"));
    assert_eq!(
        refused,
        Err(GraphError::Cycle {
            path: vec!["b@2.0".into(), "a@1.0".into(), "b@2.0".into()]
        })
    );
    assert_eq!(
        refused.unwrap_err().to_string(),
        "this constraint would close a dependency cycle: b@2.0 -> a@1.0 -> b@2.0"
    );
    assert_eq!(graph_fingerprint(&graph, &[a1, b2, c3]), before);

    // longer: a -> b -> c, then c -> a
    graph.add_constraint(requires(b2, "c", "*")).unwrap();
    let refused = graph.add_constraint(requires(c3, "a", ">=1"));
    let Err(GraphError::Cycle { path }) = refused else {
        panic!("expected a cycle, got {refused:?}");
    };
    assert_eq!(path, ["c@3.0", "a@1.0", "b@2.0", "c@3.0"]);

    // a range matching no version on the way back is not a cycle
    graph.add_constraint(requires(c3, "a", ">=5")).unwrap();
    // and a version needing itself is one
    let refused = graph.add_constraint(requires(a1, "a", "*"));
    assert_eq!(
        refused,
        Err(GraphError::Cycle {
            path: vec!["a@1.0".into(), "a@1.0".into()]
        })
    );
}

#[test]
fn accepts_never_closes_a_cycle() {
    let mut graph = VersionGraph::new();
    graph.add_version(id(1), "a", v("1.0.0")).unwrap();
    graph.add_version(id(2), "b", v("1.0.0")).unwrap();
    graph.add_constraint(requires(id(1), "b", "*")).unwrap();
    graph.add_constraint(accepts(id(2), "a", "*")).unwrap();
    assert_eq!(graph.edge_count(), 1);
}

#[test]
fn removing_a_constraint_removes_its_edges_and_allows_what_it_blocked() {
    let mut graph = shop();
    let constraint = requires(id(API_321), "auth", ">=1.5, <2");
    assert!(graph.remove_constraint(&constraint));
    assert!(!graph.remove_constraint(&constraint));
    assert!(graph.dependencies(id(API_321)).is_empty());
    assert_eq!(graph.edge_count(), 1);
    assert_eq!(graph.constraint_count(), 2);

    let back = requires(id(AUTH_150), "payment-api", "^3");
    graph.add_constraint(back.clone()).unwrap();
    assert!(graph.add_constraint(constraint.clone()).is_err());
    assert!(graph.remove_constraint(&back));
    graph.add_constraint(constraint).unwrap();
    assert_eq!(graph.dependencies(id(API_321)).len(), 2);
}

#[test]
fn adding_twice_is_a_no_op_and_ids_are_checked() {
    let mut graph = shop();
    let edges = graph.edge_count();
    graph
        .add_constraint(requires(id(API_321), "auth", ">= 1.5 , <2"))
        .unwrap();
    assert_eq!(graph.edge_count(), edges);
    assert_eq!(graph.constraint_count(), 3);
    assert_eq!(
        graph.add_version(id(API_321), "payment-api", v("9.9.9")),
        Err(GraphError::DuplicateVersion(id(API_321)))
    );
    assert_eq!(
        graph.add_constraint(requires(id(404), "auth", "*")),
        Err(GraphError::UnknownVersion(id(404)))
    );
}

#[test]
fn a_bulk_load_links_everything_and_still_refuses_cycles() {
    let versions = || {
        [(1, "a", "1.0.0"), (2, "b", "1.0.0"), (3, "b", "2.0.0")].map(|(n, t, text)| {
            TargetVersion {
                id: id(n),
                target: t.to_owned(),
                version: v(text),
            }
        })
    };
    let graph = VersionGraph::from_parts(versions(), [requires(id(1), "b", "*")]).unwrap();
    assert_eq!(graph.dependencies(id(1)), vec![id(2), id(3)]);

    let cyclic = VersionGraph::from_parts(
        versions(),
        [requires(id(1), "b", "^2"), requires(id(3), "a", "*")],
    );
    let Err(GraphError::Cycle { path }) = cyclic else {
        panic!("expected a cycle");
    };
    assert_eq!(path.len(), 3);
    assert_eq!(path.first(), path.last());
    assert!(path.contains(&"a@1.0.0".to_owned()) && path.contains(&"b@2.0.0".to_owned()));
}

#[test]
fn impact_names_the_environments_a_move_breaks() {
    let graph = shop();
    let staging = Deployed::new("staging").with("auth", id(AUTH_160));
    let dev = Deployed::new("dev").with("payment-api", id(API_321));
    let envs = [prod(), staging, dev];

    // a version nobody registered yet
    let impact = graph.impact("payment-api", &v("5.0.0"), &envs);
    assert_eq!(impact.existing, None);
    assert_eq!(impact.unsatisfied.len(), 2);
    let broken: Vec<_> = impact.environments.iter().map(|e| e.env.as_str()).collect();
    assert_eq!(broken, ["prod-eu", "staging"]);
    assert_eq!(
        kinds(&impact.environments[0].violations),
        vec![
            ViolationKind::ProviderRefuses,
            ViolationKind::RequiredByBreaks
        ]
    );
    assert!(!impact.is_safe());

    // an existing version brings its own requirements: auth moving to 2.1 breaks payment-api
    let impact = graph.impact("auth", &v("2.1.0"), &envs);
    assert_eq!(impact.existing, Some(id(AUTH_210)));
    let broken: Vec<_> = impact.environments.iter().map(|e| e.env.as_str()).collect();
    assert_eq!(broken, ["prod-eu", "dev"]);

    // a safe move
    let impact = graph.impact("auth", &v("1.5.0"), &envs);
    assert!(impact.is_safe() && impact.unsatisfied.is_empty());
    // an unknown target breaks nothing
    assert!(graph.impact("nobody", &v("1.0.0"), &envs).is_safe());
}

#[derive(Debug, Clone)]
enum Op {
    Add {
        from: usize,
        to_target: usize,
        range: &'static str,
    },
    Remove {
        index: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let ranges = prop::sample::select(vec!["*", "^1", "^2", ">=1.5", "<2", "=1.0.0"]);
    prop_oneof![
        3 => (0usize..12, 0usize..4, ranges).prop_map(|(from, to_target, range)| Op::Add { from, to_target, range }),
        1 => (0usize..64).prop_map(|index| Op::Remove { index }),
    ]
}

proptest! {
    /// Whatever is added and removed, the DAG stays acyclic, refusals change nothing, and the
    /// edges are exactly the matching versions of the constraints held.
    #[test]
    fn the_graph_stays_a_dag(ops in prop::collection::vec(op(), 1..40)) {
        let targets = ["a", "b", "c", "d"];
        let texts = ["1.0.0", "1.5.0", "2.0.0"];
        let mut graph = VersionGraph::new();
        let mut ids = Vec::new();
        for (t, target) in targets.iter().enumerate() {
            for (n, text) in texts.iter().enumerate() {
                let version_id = id((t * 10 + n) as u128);
                graph.add_version(version_id, target, v(text)).unwrap();
                ids.push(version_id);
            }
        }
        let mut held: Vec<Constraint> = Vec::new();
        for op in ops {
            match op {
                Op::Add { from, to_target, range: r } => {
                    let constraint = requires(ids[from], targets[to_target], r);
                    let before = graph_fingerprint(&graph, &ids);
                    match graph.add_constraint(constraint.clone()) {
                        Ok(()) => if !held.contains(&constraint) { held.push(constraint) },
                        Err(GraphError::Cycle { path }) => {
                            prop_assert_eq!(path.first(), path.last());
                            prop_assert_eq!(graph_fingerprint(&graph, &ids), before);
                        }
                        Err(other) => prop_assert!(false, "unexpected {other}"),
                    }
                }
                Op::Remove { index } if !held.is_empty() => {
                    let constraint = held.remove(index % held.len());
                    prop_assert!(graph.remove_constraint(&constraint));
                }
                Op::Remove { .. } => {}
            }
            prop_assert!(!petgraph::algo::is_cyclic_directed(&graph.dag));
            let expected_edges: usize = held.iter().map(|c| {
                ids.iter().filter(|&&i| {
                    let (target, version) = graph.target_version(i).unwrap();
                    target == c.other_target() && c.range().matches(version)
                }).count()
            }).sum();
            prop_assert_eq!(graph.edge_count(), expected_edges);
            prop_assert_eq!(graph.constraint_count(), held.len());
        }
    }
}
