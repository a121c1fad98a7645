//! Constraint checks against what an environment runs.

use super::store::{ConstraintKey, ConstraintKind, TargetKey, VersionGraph};
use super::{Constraint, GraphError, TargetVersionId};
use crate::version::Version;
use petgraph::stable_graph::NodeIndex;
use serde::Serialize;
use std::collections::BTreeMap;

/// What one environment runs: target name → deployed target version.
///
/// Ordered by target name so checks report violations in the same order every time (they
/// become outbox events and test expectations).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Deployed {
    env: String,
    versions: BTreeMap<String, TargetVersionId>,
}

impl Deployed {
    pub fn new(env: impl Into<String>) -> Self {
        Self {
            env: env.into(),
            versions: BTreeMap::new(),
        }
    }

    /// Records `target` at `version`, returning the version it replaces.
    pub fn insert(
        &mut self,
        target: impl Into<String>,
        version: TargetVersionId,
    ) -> Option<TargetVersionId> {
        self.versions.insert(target.into(), version)
    }

    pub fn with(mut self, target: impl Into<String>, version: TargetVersionId) -> Self {
        self.insert(target, version);
        self
    }

    pub fn env(&self) -> &str {
        &self.env
    }

    pub fn get(&self, target: &str) -> Option<TargetVersionId> {
        self.versions.get(target).copied()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, TargetVersionId)> + '_ {
        self.versions.iter().map(|(name, id)| (name.as_str(), *id))
    }

    pub fn len(&self) -> usize {
        self.versions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.versions.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ViolationKind {
    /// The checked version requires a target that is absent or out of range.
    RequiresUnmet,
    /// The checked version does not accept a consumer that is deployed.
    AcceptsRefuses,
    /// A deployed version requires the checked version's target in a range it is outside of.
    RequiredByBreaks,
    /// A deployed version accepts consumers of the checked version's target in a range it is
    /// outside of.
    ProviderRefuses,
}

impl ViolationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ViolationKind::RequiresUnmet => "requires-unmet",
            ViolationKind::AcceptsRefuses => "accepts-refuses",
            ViolationKind::RequiredByBreaks => "required-by-breaks",
            ViolationKind::ProviderRefuses => "provider-refuses",
        }
    }
}

/// One broken constraint in one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub kind: ViolationKind,
    pub env: String,
    /// The target whose version declares the broken constraint.
    pub owner: String,
    pub constraint: Constraint,
    /// One sentence for people, e.g. "payment-api@3.2.1 requires auth >=1.5, <2 but prod-eu
    /// runs auth@2.1.0".
    pub message: String,
}

/// A version about to run in an environment, replacing its target's deployed one: an existing
/// node, or (for impact analysis) a version the graph does not have yet.
#[derive(Clone, Copy)]
pub(super) enum Candidate<'a> {
    Node(NodeIndex),
    Proposed(&'a Version),
}

/// An environment as it would be with the candidate (if any) deployed.
pub(super) struct EnvView<'a> {
    pub(super) deployed: &'a Deployed,
    pub(super) candidate: Option<(TargetKey, Candidate<'a>)>,
}

/// What an environment runs of one target.
enum Running<'a> {
    Nothing,
    /// Deployed, but the graph has no such version (e.g. loaded before it was registered).
    Unknown(TargetVersionId),
    Known(Candidate<'a>),
}

impl VersionGraph {
    /// Violations if `candidate` replaced its target's version in `env`: the candidate's own
    /// constraints against what runs there, and every deployed version's constraints about the
    /// candidate's target against the candidate.
    pub fn check_deployment(
        &self,
        env: &Deployed,
        candidate: TargetVersionId,
    ) -> Result<Vec<Violation>, GraphError> {
        let node = self.node_of(candidate)?;
        let target = self.dag[node].target;
        let view = EnvView {
            deployed: env,
            candidate: Some((target, Candidate::Node(node))),
        };
        let mut violations = Vec::new();
        self.check_own_constraints(node, &view, &mut violations);
        self.check_constraints_about(target, &view, &mut violations);
        Ok(violations)
    }

    /// Every constraint of every deployed version that `deployed` does not meet (the drift
    /// matrix's dependency dimension). Deployed versions unknown to the graph declare nothing.
    pub fn unmet_constraints(&self, deployed: &Deployed) -> Vec<Violation> {
        let view = EnvView {
            deployed,
            candidate: None,
        };
        let mut violations = Vec::new();
        for (_, id) in deployed.iter() {
            if let Some(&node) = self.by_id.get(&id) {
                self.check_own_constraints(node, &view, &mut violations);
            }
        }
        violations
    }

    /// `node`'s own `requires` and `accepts`, against what the view runs.
    pub(super) fn check_own_constraints(
        &self,
        node: NodeIndex,
        view: &EnvView<'_>,
        out: &mut Vec<Violation>,
    ) {
        for &key in &self.dag[node].constraints {
            let Some(stored) = self.stored(key) else {
                continue;
            };
            let running = self.running(view, stored.other);
            if !self.satisfies(key, &running) {
                let kind = match stored.kind {
                    ConstraintKind::Requires => ViolationKind::RequiresUnmet,
                    ConstraintKind::Accepts => ViolationKind::AcceptsRefuses,
                };
                self.report(key, kind, view, &running, out);
            }
        }
    }

    /// Deployed versions' constraints naming `target`, against the candidate. The version the
    /// candidate replaces is skipped: it will no longer run.
    pub(super) fn check_constraints_about(
        &self,
        target: TargetKey,
        view: &EnvView<'_>,
        out: &mut Vec<Violation>,
    ) {
        let Some((_, candidate)) = view.candidate else {
            return;
        };
        let running = Running::Known(candidate);
        for (_, id) in view.deployed.iter() {
            let Some(&deployed) = self.by_id.get(&id) else {
                continue;
            };
            let node = &self.dag[deployed];
            if node.target == target {
                continue;
            }
            for &key in &node.constraints {
                let about_target = self.stored(key).map(|s| (s.other == target, s.kind));
                let Some((true, kind)) = about_target else {
                    continue;
                };
                if !self.satisfies(key, &running) {
                    let kind = match kind {
                        ConstraintKind::Requires => ViolationKind::RequiredByBreaks,
                        ConstraintKind::Accepts => ViolationKind::ProviderRefuses,
                    };
                    self.report(key, kind, view, &running, out);
                }
            }
        }
    }

    fn running<'a>(&self, view: &EnvView<'a>, target: TargetKey) -> Running<'a> {
        if let Some((candidate_target, candidate)) = view.candidate {
            if candidate_target == target {
                return Running::Known(candidate);
            }
        }
        match view.deployed.get(self.target_name(target)) {
            None => Running::Nothing,
            Some(id) => match self.by_id.get(&id) {
                Some(&node) => Running::Known(Candidate::Node(node)),
                None => Running::Unknown(id),
            },
        }
    }

    /// A `requires` needs its target running in range; an `accepts` only refuses a consumer
    /// that runs out of range. An unknown version cannot be shown to fit, so it does not.
    fn satisfies(&self, key: ConstraintKey, running: &Running<'_>) -> bool {
        let Some(stored) = self.stored(key) else {
            return true;
        };
        let Some(range) = self.range(stored.range) else {
            return true;
        };
        match running {
            Running::Nothing => stored.kind == ConstraintKind::Accepts,
            Running::Unknown(_) => false,
            Running::Known(candidate) => range.matches(self.candidate_version(*candidate)),
        }
    }

    fn candidate_version<'a>(&'a self, candidate: Candidate<'a>) -> &'a Version {
        match candidate {
            Candidate::Node(node) => &self.dag[node].version,
            Candidate::Proposed(version) => version,
        }
    }

    fn report(
        &self,
        key: ConstraintKey,
        kind: ViolationKind,
        view: &EnvView<'_>,
        running: &Running<'_>,
        out: &mut Vec<Violation>,
    ) {
        let (Some(stored), Some(constraint)) = (self.stored(key), self.public_constraint(key))
        else {
            return;
        };
        let env = view.deployed.env();
        let other = self.target_name(stored.other);
        let verb = match stored.kind {
            ConstraintKind::Requires => "requires",
            ConstraintKind::Accepts => "accepts",
        };
        let is_candidate = matches!(
            (view.candidate, running),
            (Some((target, _)), Running::Known(_)) if target == stored.other
        );
        let runs = if is_candidate { "would run" } else { "runs" };
        let what_runs = match running {
            Running::Nothing => format!("{env} runs no {other}"),
            Running::Unknown(id) => {
                format!("{env} runs {other} version {id}, which the graph does not know")
            }
            Running::Known(candidate) => format!(
                "{env} {runs} {other}@{}",
                self.candidate_version(*candidate)
            ),
        };
        out.push(Violation {
            kind,
            env: env.to_owned(),
            owner: self.target_name(self.dag[stored.from].target).to_owned(),
            message: format!(
                "{} {verb} {other} {} but {what_runs}",
                self.label(stored.from),
                constraint.range()
            ),
            constraint,
        });
    }
}
