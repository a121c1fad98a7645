//! The graph's data: versions as petgraph nodes, constraints in a slab, targets interned.
//!
//! Layout for 100k versions and 1M edges: a target name is stored once and referred to by a
//! `u32`; a range is stored once however many constraints share it (most versions of a
//! service repeat the same `auth >=1.5, <2`); an edge carries only its constraint's key. Each
//! target lists its versions and the constraints that name it, so checks never scan the graph.

use super::slab::Slab;
use super::{Constraint, GraphError, TargetVersion, TargetVersionId, VersionRange};
use crate::version::Version;
use petgraph::stable_graph::{NodeIndex, StableGraph};
use petgraph::visit::EdgeRef;
use petgraph::Direction;
use std::cmp::Ordering;
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct TargetKey(pub(super) u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct ConstraintKey(pub(super) u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct RangeKey(u32);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ConstraintKind {
    Requires,
    Accepts,
}

pub(super) struct VersionNode {
    pub(super) id: TargetVersionId,
    pub(super) target: TargetKey,
    pub(super) version: Version,
    pub(super) constraints: Vec<ConstraintKey>,
}

pub(super) struct StoredConstraint {
    pub(super) from: NodeIndex,
    pub(super) kind: ConstraintKind,
    /// The required target, or the accepted consumer.
    pub(super) other: TargetKey,
    pub(super) range: RangeKey,
}

pub(super) struct TargetEntry {
    pub(super) name: String,
    pub(super) versions: Vec<NodeIndex>,
    /// `requires` constraints naming this target: a version added later is linked from them.
    pub(super) required_by: Vec<ConstraintKey>,
    /// `accepts` constraints naming this target as the consumer.
    pub(super) accepted_by: Vec<ConstraintKey>,
    /// How many version edges come from each other target into this one, so a cycle check
    /// can rule out whole targets before it looks at versions.
    pub(super) linked_from: HashMap<TargetKey, u32>,
}

impl TargetEntry {
    fn new(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            versions: Vec::new(),
            required_by: Vec::new(),
            accepted_by: Vec::new(),
            linked_from: HashMap::new(),
        }
    }
}

/// The VersionGraph of one tenant. See the module documentation for what nodes and edges are.
pub struct VersionGraph {
    /// Edges point from a requiring version to each version of the required target in range.
    pub(super) dag: StableGraph<VersionNode, ConstraintKey>,
    pub(super) by_id: HashMap<TargetVersionId, NodeIndex>,
    pub(super) targets: Vec<TargetEntry>,
    target_by_name: HashMap<String, TargetKey>,
    constraints: Slab<StoredConstraint>,
    ranges: Slab<(VersionRange, u32)>,
    range_by_value: HashMap<VersionRange, RangeKey>,
}

impl Default for VersionGraph {
    fn default() -> Self {
        Self::new()
    }
}

impl VersionGraph {
    pub fn new() -> Self {
        Self {
            dag: StableGraph::new(),
            by_id: HashMap::new(),
            targets: Vec::new(),
            target_by_name: HashMap::new(),
            constraints: Slab::new(),
            ranges: Slab::new(),
            range_by_value: HashMap::new(),
        }
    }

    /// Loads a whole graph at once (an actor starting from the database): constraints are
    /// linked without a cycle check each, then the finished graph is checked once, which is
    /// linear instead of one search per constraint.
    pub fn from_parts(
        versions: impl IntoIterator<Item = TargetVersion>,
        constraints: impl IntoIterator<Item = Constraint>,
    ) -> Result<Self, GraphError> {
        let mut graph = Self::new();
        for version in versions {
            graph.add_version(version.id, &version.target, version.version)?;
        }
        for constraint in constraints {
            let from = graph.node_of(constraint.from())?;
            if !graph.has_constraint(from, &constraint) {
                let matching = graph.matching_versions(&constraint);
                graph.insert_constraint(from, &constraint, &matching);
            }
        }
        match graph.find_any_cycle() {
            Some(cycle) => Err(GraphError::Cycle {
                path: graph.labels(&cycle),
            }),
            None => Ok(graph),
        }
    }

    /// Adds a version; every `requires` already naming its target links to it if in range.
    /// A new version has no constraints of its own yet, so it cannot close a cycle.
    pub fn add_version(
        &mut self,
        id: TargetVersionId,
        target: &str,
        version: Version,
    ) -> Result<(), GraphError> {
        if self.by_id.contains_key(&id) {
            return Err(GraphError::DuplicateVersion(id));
        }
        let target = self.intern_target(target);
        let node = self.dag.add_node(VersionNode {
            id,
            target,
            version,
            constraints: Vec::new(),
        });
        self.by_id.insert(id, node);
        let links: Vec<(NodeIndex, ConstraintKey)> = self.targets[target.0 as usize]
            .required_by
            .iter()
            .filter_map(|&key| {
                let stored = self.constraints.get(key.0)?;
                let range = &self.ranges.get(stored.range.0)?.0;
                range
                    .matches(&self.dag[node].version)
                    .then_some((stored.from, key))
            })
            .collect();
        self.targets[target.0 as usize].versions.push(node);
        for (from, key) in links {
            self.link(from, node, key);
        }
        Ok(())
    }

    /// Adds a constraint, refusing (and changing nothing) if a `requires` would close a cycle.
    /// Adding a constraint the version already has is a no-op.
    pub fn add_constraint(&mut self, constraint: Constraint) -> Result<(), GraphError> {
        let from = self.node_of(constraint.from())?;
        if self.has_constraint(from, &constraint) {
            return Ok(());
        }
        let matching = self.matching_versions(&constraint);
        if let Some(cycle) = self.cycle_through(from, &matching) {
            return Err(GraphError::Cycle {
                path: self.labels(&cycle),
            });
        }
        self.insert_constraint(from, &constraint, &matching);
        Ok(())
    }

    /// Removes a constraint equal to `constraint` with its edges; false if there was none.
    pub fn remove_constraint(&mut self, constraint: &Constraint) -> bool {
        let Ok(from) = self.node_of(constraint.from()) else {
            return false;
        };
        let Some(key) = self.find_constraint(from, constraint) else {
            return false;
        };
        let Some(stored) = self.constraints.remove(key.0) else {
            return false;
        };
        self.dag[from].constraints.retain(|&k| k != key);
        let entry = &mut self.targets[stored.other.0 as usize];
        entry.required_by.retain(|&k| k != key);
        entry.accepted_by.retain(|&k| k != key);
        let edges: Vec<_> = self
            .dag
            .edges_directed(from, Direction::Outgoing)
            .filter(|edge| *edge.weight() == key)
            .map(|edge| (edge.id(), edge.target()))
            .collect();
        for (edge, to) in edges {
            self.dag.remove_edge(edge);
            self.count_link(from, to, false);
        }
        self.release_range(stored.range);
        true
    }

    // ---- internals shared with the query, check, cycle and impact modules ----

    pub(super) fn node_of(&self, id: TargetVersionId) -> Result<NodeIndex, GraphError> {
        self.by_id
            .get(&id)
            .copied()
            .ok_or(GraphError::UnknownVersion(id))
    }

    pub(super) fn constraint_slots(&self) -> usize {
        self.constraints.len()
    }

    pub(super) fn target_key(&self, name: &str) -> Option<TargetKey> {
        self.target_by_name.get(name).copied()
    }

    pub(super) fn find_node(&self, target: TargetKey, version: &Version) -> Option<NodeIndex> {
        self.targets[target.0 as usize]
            .versions
            .iter()
            .copied()
            .find(|&node| self.dag[node].version.compare(version) == Some(Ordering::Equal))
    }

    pub(super) fn stored(&self, key: ConstraintKey) -> Option<&StoredConstraint> {
        self.constraints.get(key.0)
    }

    pub(super) fn range(&self, key: RangeKey) -> Option<&VersionRange> {
        self.ranges.get(key.0).map(|(range, _)| range)
    }

    pub(super) fn target_name(&self, target: TargetKey) -> &str {
        &self.targets[target.0 as usize].name
    }

    /// `name@version`, as messages and cycle paths name a version.
    pub(super) fn label(&self, node: NodeIndex) -> String {
        let node = &self.dag[node];
        format!("{}@{}", self.target_name(node.target), node.version)
    }

    pub(super) fn labels(&self, nodes: &[NodeIndex]) -> Vec<String> {
        nodes.iter().map(|&node| self.label(node)).collect()
    }

    pub(super) fn public_constraint(&self, key: ConstraintKey) -> Option<Constraint> {
        let stored = self.stored(key)?;
        let from = self.dag[stored.from].id;
        let other = self.target_name(stored.other).to_owned();
        let range = self.range(stored.range)?.clone();
        Some(match stored.kind {
            ConstraintKind::Requires => Constraint::Requires {
                from,
                target: other,
                range,
            },
            ConstraintKind::Accepts => Constraint::Accepts {
                from,
                consumer: other,
                range,
            },
        })
    }

    fn intern_target(&mut self, name: &str) -> TargetKey {
        if let Some(&key) = self.target_by_name.get(name) {
            return key;
        }
        // Targets are a tenant's services, thousands at most; u32 is ample.
        let key = TargetKey(u32::try_from(self.targets.len()).unwrap_or(u32::MAX));
        self.targets.push(TargetEntry::new(name));
        self.target_by_name.insert(name.to_owned(), key);
        key
    }

    fn intern_range(&mut self, range: &VersionRange) -> RangeKey {
        if let Some(&key) = self.range_by_value.get(range) {
            if let Some((_, uses)) = self.ranges.get_mut(key.0) {
                *uses += 1;
            }
            return key;
        }
        let key = RangeKey(self.ranges.insert((range.clone(), 1)));
        self.range_by_value.insert(range.clone(), key);
        key
    }

    fn release_range(&mut self, key: RangeKey) {
        let unused = match self.ranges.get_mut(key.0) {
            Some((_, uses)) => {
                *uses -= 1;
                *uses == 0
            }
            None => false,
        };
        if unused {
            if let Some((range, _)) = self.ranges.remove(key.0) {
                self.range_by_value.remove(&range);
            }
        }
    }

    fn kind_of(constraint: &Constraint) -> ConstraintKind {
        match constraint {
            Constraint::Requires { .. } => ConstraintKind::Requires,
            Constraint::Accepts { .. } => ConstraintKind::Accepts,
        }
    }

    fn find_constraint(&self, from: NodeIndex, constraint: &Constraint) -> Option<ConstraintKey> {
        let other = self.target_key(constraint.other_target())?;
        let kind = Self::kind_of(constraint);
        self.dag[from].constraints.iter().copied().find(|&key| {
            self.stored(key).is_some_and(|s| {
                s.kind == kind
                    && s.other == other
                    && self.range(s.range) == Some(constraint.range())
            })
        })
    }

    fn has_constraint(&self, from: NodeIndex, constraint: &Constraint) -> bool {
        self.find_constraint(from, constraint).is_some()
    }

    /// The versions a `requires` would link to; none for an `accepts`.
    fn matching_versions(&self, constraint: &Constraint) -> Vec<NodeIndex> {
        let Constraint::Requires { target, range, .. } = constraint else {
            return Vec::new();
        };
        let Some(target) = self.target_key(target) else {
            return Vec::new();
        };
        self.targets[target.0 as usize]
            .versions
            .iter()
            .copied()
            .filter(|&node| range.matches(&self.dag[node].version))
            .collect()
    }

    fn insert_constraint(&mut self, from: NodeIndex, constraint: &Constraint, links: &[NodeIndex]) {
        let kind = Self::kind_of(constraint);
        let other = self.intern_target(constraint.other_target());
        let range = self.intern_range(constraint.range());
        let key = ConstraintKey(self.constraints.insert(StoredConstraint {
            from,
            kind,
            other,
            range,
        }));
        self.dag[from].constraints.push(key);
        let entry = &mut self.targets[other.0 as usize];
        match kind {
            ConstraintKind::Requires => entry.required_by.push(key),
            ConstraintKind::Accepts => entry.accepted_by.push(key),
        }
        for &to in links {
            self.link(from, to, key);
        }
    }

    fn link(&mut self, from: NodeIndex, to: NodeIndex, key: ConstraintKey) {
        self.dag.add_edge(from, to, key);
        self.count_link(from, to, true);
    }

    fn count_link(&mut self, from: NodeIndex, to: NodeIndex, added: bool) {
        let (from_target, to_target) = (self.dag[from].target, self.dag[to].target);
        let counts = &mut self.targets[to_target.0 as usize].linked_from;
        if added {
            *counts.entry(from_target).or_insert(0) += 1;
        } else if let Some(count) = counts.get_mut(&from_target) {
            *count -= 1;
            if *count == 0 {
                counts.remove(&from_target);
            }
        }
    }
}
