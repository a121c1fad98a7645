//! Cycle refusal: a version must never depend, through any chain of `requires`, on itself.

use super::store::{TargetKey, VersionGraph};
use petgraph::stable_graph::NodeIndex;
use petgraph::visit::{VisitMap, Visitable};
use petgraph::Direction;
use std::collections::{HashMap, VecDeque};

impl VersionGraph {
    /// Would new edges from `from` to each of `to` close a cycle? If so, the cycle as nodes,
    /// starting and ending at `from`.
    ///
    /// A cycle exists iff `from` is reachable from one of `to`. The search first works out, on
    /// the small target-level graph, which targets can reach `from`'s target at all, and then
    /// walks only versions of those targets: most new constraints point "down" the dependency
    /// order and are accepted without visiting a single version.
    pub(super) fn cycle_through(
        &self,
        from: NodeIndex,
        to: &[NodeIndex],
    ) -> Option<Vec<NodeIndex>> {
        if to.contains(&from) {
            return Some(vec![from, from]);
        }
        let can_reach = self.targets_reaching(self.dag[from].target);
        let on_a_way_back = |node: NodeIndex| can_reach[self.dag[node].target.0 as usize];

        let mut visited = self.dag.visit_map();
        let mut parent: HashMap<NodeIndex, NodeIndex> = HashMap::new();
        let mut queue: VecDeque<NodeIndex> = VecDeque::new();
        for &start in to {
            if on_a_way_back(start) && visited.visit(start) {
                queue.push_back(start);
            }
        }
        while let Some(node) = queue.pop_front() {
            for next in self.dag.neighbors_directed(node, Direction::Outgoing) {
                if next == from {
                    return Some(path_back(from, node, &parent));
                }
                if on_a_way_back(next) && visited.visit(next) {
                    parent.insert(next, node);
                    queue.push_back(next);
                }
            }
        }
        None
    }

    /// Some cycle in the whole graph, for a bulk load that skipped the per-constraint checks.
    pub(super) fn find_any_cycle(&self) -> Option<Vec<NodeIndex>> {
        let on_cycle = petgraph::algo::toposort(&self.dag, None).err()?.node_id();
        let successors: Vec<NodeIndex> = self.dag.neighbors(on_cycle).collect();
        // toposort names a node on a cycle, so a way back exists; the fallback only keeps the
        // refusal from being lost if that ever changed.
        Some(
            self.cycle_through(on_cycle, &successors)
                .unwrap_or_else(|| vec![on_cycle, on_cycle]),
        )
    }

    /// Which targets can reach `goal` along target-level links (`goal` itself included).
    fn targets_reaching(&self, goal: TargetKey) -> Vec<bool> {
        let mut reaches = vec![false; self.targets.len()];
        reaches[goal.0 as usize] = true;
        let mut stack = vec![goal];
        while let Some(target) = stack.pop() {
            for source in self.targets[target.0 as usize].linked_from.keys() {
                if !reaches[source.0 as usize] {
                    reaches[source.0 as usize] = true;
                    stack.push(*source);
                }
            }
        }
        reaches
    }
}

/// `from`, then the BFS chain from a start node to `last`, then `from` again.
fn path_back(
    from: NodeIndex,
    last: NodeIndex,
    parent: &HashMap<NodeIndex, NodeIndex>,
) -> Vec<NodeIndex> {
    let mut chain = vec![last];
    while let Some(&previous) = chain.last().and_then(|node| parent.get(node)) {
        chain.push(previous);
    }
    chain.reverse();
    let mut path = Vec::with_capacity(chain.len() + 2);
    path.push(from);
    path.extend(chain);
    path.push(from);
    path
}
