//! The VersionGraph: a tenant's target versions and the constraints between them, kept as a
//! DAG in memory so a deployment can be checked, and a version move's impact found, without a
//! database round trip.
//!
//! Nodes are target versions. A `requires` constraint becomes one edge from the requiring
//! version to every version of the required target in its range (including versions added
//! later), so the DAG always answers "what does this version depend on". `accepts` constraints
//! add no edges: they restrict who may consume a version, they do not create a dependency.

mod check;
mod cycle;
mod impact;
mod query;
pub mod range;
mod slab;
mod store;
#[cfg(test)]
mod tests;

pub use check::{Deployed, Violation, ViolationKind};
pub use impact::{EnvironmentImpact, Impact};
pub use range::{RangeError, VersionRange};
pub use store::VersionGraph;

use crate::version::Version;
use std::fmt;
use uuid::Uuid;

/// The id of a target version (its row's primary key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TargetVersionId(pub Uuid);

impl fmt::Display for TargetVersionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A target version as loaded into the graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetVersion {
    pub id: TargetVersionId,
    pub target: String,
    pub version: Version,
}

/// A constraint declared by one target version (`from`) about another target.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Constraint {
    /// `from` needs `target` deployed alongside it, at a version in `range`.
    Requires {
        from: TargetVersionId,
        target: String,
        range: VersionRange,
    },
    /// `from` works only with consumers of target `consumer` in `range`; where `consumer` is
    /// not deployed there is nothing to refuse.
    Accepts {
        from: TargetVersionId,
        consumer: String,
        range: VersionRange,
    },
}

impl Constraint {
    pub fn from(&self) -> TargetVersionId {
        match self {
            Constraint::Requires { from, .. } | Constraint::Accepts { from, .. } => *from,
        }
    }

    /// The target the constraint is about: the required target or the accepted consumer.
    pub fn other_target(&self) -> &str {
        match self {
            Constraint::Requires { target, .. } => target,
            Constraint::Accepts { consumer, .. } => consumer,
        }
    }

    pub fn range(&self) -> &VersionRange {
        match self {
            Constraint::Requires { range, .. } | Constraint::Accepts { range, .. } => range,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    #[error("target version {0} is already in the graph")]
    DuplicateVersion(TargetVersionId),
    #[error("target version {0} is not in the graph")]
    UnknownVersion(TargetVersionId),
    /// The constraint would make a version depend on itself; `path` names the loop, first and
    /// last element equal, e.g. `["a@1.0", "b@2.0", "a@1.0"]`.
    #[error("this constraint would close a dependency cycle: {}", path.join(" -> "))]
    Cycle { path: Vec<String> },
}
