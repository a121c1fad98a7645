//! Read-only questions about the graph's contents.

use super::{Constraint, TargetVersionId, VersionGraph};
use crate::version::Version;
use petgraph::Direction;

impl VersionGraph {
    pub fn version_count(&self) -> usize {
        self.dag.node_count()
    }

    pub fn edge_count(&self) -> usize {
        self.dag.edge_count()
    }

    pub fn constraint_count(&self) -> usize {
        self.constraint_slots()
    }

    /// The target name and version of a target version.
    pub fn target_version(&self, id: TargetVersionId) -> Option<(&str, &Version)> {
        let node = &self.dag[*self.by_id.get(&id)?];
        Some((&self.targets[node.target.0 as usize].name, &node.version))
    }

    /// The target version of `target` equal to `version` (by the scheme's ordering, so `3.2`
    /// finds `3.2.0`).
    pub fn find_version(&self, target: &str, version: &Version) -> Option<TargetVersionId> {
        let target = self.target_key(target)?;
        self.find_node(target, version)
            .map(|node| self.dag[node].id)
    }

    pub fn constraints_of(&self, id: TargetVersionId) -> Vec<Constraint> {
        let Some(&node) = self.by_id.get(&id) else {
            return Vec::new();
        };
        self.dag[node]
            .constraints
            .iter()
            .filter_map(|&key| self.public_constraint(key))
            .collect()
    }

    /// The versions `id`'s `requires` constraints are satisfied by (its DAG successors).
    pub fn dependencies(&self, id: TargetVersionId) -> Vec<TargetVersionId> {
        self.neighbours(id, Direction::Outgoing)
    }

    /// The versions whose `requires` constraints `id` satisfies (its DAG predecessors).
    pub fn dependents(&self, id: TargetVersionId) -> Vec<TargetVersionId> {
        self.neighbours(id, Direction::Incoming)
    }

    fn neighbours(&self, id: TargetVersionId, direction: Direction) -> Vec<TargetVersionId> {
        let Some(&node) = self.by_id.get(&id) else {
            return Vec::new();
        };
        let mut ids: Vec<_> = self
            .dag
            .neighbors_directed(node, direction)
            .map(|n| self.dag[n].id)
            .collect();
        // Two constraints of one version may reach the same version: name it once.
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}
