//! The shortest chain of migrations between two schema versions. Every migration runs both
//! ways, so the edges are walked as an undirected graph; among equally short paths the one
//! using earlier edges wins, so the answer is stable.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

use crate::Direction;

/// The most hops a chain may take. Each hop runs a program on the whole config (a WASM one for
/// up to its deadline), so a chain is bounded like a single run is; a family whose versions are
/// further apart than this needs a migration that skips some.
pub const MAX_HOPS: usize = 32;

/// One hop: run `edges[edge]` in `direction`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Step {
    pub edge: usize,
    pub direction: Direction,
}

/// Finds the fewest hops from `from` to `to` over `edges` given as `(from, to)` pairs.
/// `Some(vec![])` when `from == to`, `None` when no chain connects them.
pub fn find_path<K: Eq + Hash + Copy>(edges: &[(K, K)], from: K, to: K) -> Option<Vec<Step>> {
    if from == to {
        return Some(Vec::new());
    }
    let mut adjacent: HashMap<K, Vec<(usize, Direction, K)>> = HashMap::new();
    for (index, &(a, b)) in edges.iter().enumerate() {
        adjacent
            .entry(a)
            .or_default()
            .push((index, Direction::Up, b));
        adjacent
            .entry(b)
            .or_default()
            .push((index, Direction::Down, a));
    }
    let mut came_from: HashMap<K, (K, Step)> = HashMap::new();
    let mut queue = VecDeque::from([from]);
    while let Some(node) = queue.pop_front() {
        for &(edge, direction, next) in adjacent.get(&node).map(Vec::as_slice).unwrap_or(&[]) {
            if next == from || came_from.contains_key(&next) {
                continue;
            }
            came_from.insert(next, (node, Step { edge, direction }));
            if next == to {
                let mut steps = Vec::new();
                let mut at = to;
                while at != from {
                    let (prev, step) = came_from[&at];
                    steps.push(step);
                    at = prev;
                }
                steps.reverse();
                return Some(steps);
            }
            queue.push_back(next);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn up(edge: usize) -> Step {
        Step {
            edge,
            direction: Direction::Up,
        }
    }
    fn down(edge: usize) -> Step {
        Step {
            edge,
            direction: Direction::Down,
        }
    }

    #[test]
    fn same_version_needs_no_steps() {
        assert_eq!(find_path::<u32>(&[], 1, 1), Some(vec![]));
    }

    #[test]
    fn chains_up_and_down() {
        let edges = [(1, 2), (2, 3), (3, 4)];
        assert_eq!(find_path(&edges, 1, 4), Some(vec![up(0), up(1), up(2)]));
        assert_eq!(find_path(&edges, 4, 2), Some(vec![down(2), down(1)]));
    }

    #[test]
    fn mixes_directions_through_a_common_version() {
        // 1 -> 2 and 3 -> 2: from 1 to 3 goes up to 2 then down to 3.
        let edges = [(1, 2), (3, 2)];
        assert_eq!(find_path(&edges, 1, 3), Some(vec![up(0), down(1)]));
    }

    #[test]
    fn prefers_the_shortcut() {
        let edges = [(1, 2), (2, 3), (1, 3)];
        assert_eq!(find_path(&edges, 1, 3), Some(vec![up(2)]));
    }

    #[test]
    fn unconnected_versions_have_no_path() {
        assert_eq!(find_path(&[(1, 2), (3, 4)], 1, 4), None);
        assert_eq!(find_path(&[(1, 2)], 1, 9), None);
    }

    proptest! {
        // Whatever the graph, a found path is a real walk from `from` to `to` and no longer
        // than the number of distinct versions.
        #[test]
        fn found_paths_are_walks(edges in proptest::collection::vec((0u8..8, 0u8..8), 0..16),
                                 from in 0u8..8, to in 0u8..8) {
            if let Some(steps) = find_path(&edges, from, to) {
                let mut at = from;
                for step in &steps {
                    let (a, b) = edges[step.edge];
                    at = match step.direction {
                        Direction::Up => { prop_assert_eq!(a, at); b }
                        Direction::Down => { prop_assert_eq!(b, at); a }
                    };
                }
                prop_assert_eq!(at, to);
                prop_assert!(steps.len() <= 8);
            }
        }
    }
}
