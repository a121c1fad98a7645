//! Impact analysis: what breaks, and where, if a target moved to another version.

use super::check::{Candidate, EnvView};
use super::store::ConstraintKey;
use super::{Constraint, Deployed, TargetVersionId, VersionGraph, Violation};
use crate::version::Version;

/// The consequences of moving one target to one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Impact {
    pub target: String,
    pub to: Version,
    /// The registered version `to` names, if any; its own constraints are then checked too.
    /// A version not registered yet is judged only by what others say about its target.
    pub existing: Option<TargetVersionId>,
    /// Every constraint in the graph about the target that `to` would not satisfy, whether or
    /// not its owner is deployed anywhere.
    pub unsatisfied: Vec<Constraint>,
    /// The environments where the move breaks something, in the order they were given.
    pub environments: Vec<EnvironmentImpact>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentImpact {
    pub env: String,
    pub violations: Vec<Violation>,
}

impl Impact {
    /// True if no given environment would see a violation.
    pub fn is_safe(&self) -> bool {
        self.environments.is_empty()
    }
}

impl VersionGraph {
    /// If `target` moved to `to` in each of `deployments` (deployed there if it is absent),
    /// which constraints would break, and in which environments.
    pub fn impact<'a>(
        &self,
        target: &str,
        to: &Version,
        deployments: impl IntoIterator<Item = &'a Deployed>,
    ) -> Impact {
        let mut impact = Impact {
            target: target.to_owned(),
            to: to.clone(),
            existing: None,
            unsatisfied: Vec::new(),
            environments: Vec::new(),
        };
        // A target nobody registered or named has no constraints to break.
        let Some(key) = self.target_key(target) else {
            return impact;
        };
        let existing = self.find_node(key, to);
        impact.existing = existing.map(|node| self.dag[node].id);
        let candidate = match existing {
            Some(node) => Candidate::Node(node),
            None => Candidate::Proposed(to),
        };

        let entry = &self.targets[key.0 as usize];
        impact.unsatisfied = entry
            .required_by
            .iter()
            .chain(&entry.accepted_by)
            .filter(|&&constraint| !self.range_matches(constraint, to))
            .filter_map(|&constraint| self.public_constraint(constraint))
            .collect();

        for deployed in deployments {
            let view = EnvView {
                deployed,
                candidate: Some((key, candidate)),
            };
            let mut violations = Vec::new();
            if let Some(node) = existing {
                self.check_own_constraints(node, &view, &mut violations);
            }
            self.check_constraints_about(key, &view, &mut violations);
            if !violations.is_empty() {
                impact.environments.push(EnvironmentImpact {
                    env: deployed.env().to_owned(),
                    violations,
                });
            }
        }
        impact
    }

    fn range_matches(&self, constraint: ConstraintKey, version: &Version) -> bool {
        self.stored(constraint)
            .and_then(|stored| self.range(stored.range))
            .is_some_and(|range| range.matches(version))
    }
}
