//! The matrix itself: cells in dense rows, one row per environment, one column per target.
//!
//! Ids are interned to `u32` on first sight, so after one hash look-up per id an event is an
//! index into a row. Each row keeps its cells' drift marks (2 bytes each) apart from their
//! inputs (about 100 bytes each): a full recompute compares and counts over the marks alone,
//! so it touches the large state once, when it writes it.

use super::interner::Interner;
use super::{
    CellInput, CellState, Dimension, DriftCounts, DriftEvent, DriftSet, EnvironmentId, TargetId,
};

/// A cell whose drift changed: the caller writes one outbox event for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellChange {
    pub env: EnvironmentId,
    pub target: TargetId,
    pub before: DriftSet,
    pub after: DriftSet,
}

/// Which cells [`DriftMatrix::cells`] returns; `None` places no restriction, and a dimension
/// keeps only the cells drifting in it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DriftFilter {
    pub env: Option<EnvironmentId>,
    pub target: Option<TargetId>,
    pub dimension: Option<Dimension>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellView<'a> {
    pub env: EnvironmentId,
    pub target: TargetId,
    pub drift: DriftSet,
    pub state: &'a CellState,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Mark {
    drift: DriftSet,
    /// A row is as wide as the targets seen anywhere; most slots may never have been touched.
    /// An absent slot's state is stale and is reset before use.
    present: bool,
}

impl Mark {
    fn visible_drift(self) -> DriftSet {
        if self.present {
            self.drift
        } else {
            DriftSet::EMPTY
        }
    }
}

#[derive(Default)]
struct Row {
    states: Vec<CellState>,
    marks: Vec<Mark>,
}

/// The drift matrix of one tenant.
pub struct DriftMatrix {
    envs: Interner<EnvironmentId>,
    targets: Interner<TargetId>,
    /// Indexed by interned environment; a row grows when its environment first sees a target.
    rows: Vec<Row>,
    counts: DriftCounts,
    cells: usize,
}

impl Default for DriftMatrix {
    fn default() -> Self {
        Self::new()
    }
}

impl DriftMatrix {
    pub fn new() -> Self {
        Self {
            envs: Interner::new(),
            targets: Interner::new(),
            rows: Vec::new(),
            counts: DriftCounts::default(),
            cells: 0,
        }
    }

    pub fn from_inputs(inputs: impl IntoIterator<Item = CellInput>) -> Self {
        let mut matrix = Self::new();
        matrix.recompute_all(inputs);
        matrix
    }

    /// Replaces every cell with `inputs` (cells not among them are dropped; a cell given
    /// twice keeps the last) and returns the cells whose drift changed.
    pub fn recompute_all(
        &mut self,
        inputs: impl IntoIterator<Item = CellInput>,
    ) -> Vec<CellChange> {
        let before: Vec<Vec<Mark>> = self.rows.iter().map(|row| row.marks.clone()).collect();
        for row in &mut self.rows {
            row.marks.fill(Mark::default());
        }
        for input in inputs {
            let (e, t) = self.position(input.env, input.target);
            let row = &mut self.rows[e];
            row.states[t] = input.state;
            row.marks[t] = Mark {
                drift: input.state.drift(),
                present: true,
            };
        }

        let mut changes = Vec::new();
        self.counts = DriftCounts::default();
        self.cells = 0;
        for (e, row) in self.rows.iter().enumerate() {
            let old_marks = before.get(e).map(Vec::as_slice).unwrap_or_default();
            for (t, mark) in row.marks.iter().enumerate() {
                let after = mark.visible_drift();
                let was = old_marks
                    .get(t)
                    .map_or(DriftSet::EMPTY, |m| m.visible_drift());
                if was != after {
                    changes.push(CellChange {
                        env: self.envs.ids[e],
                        target: self.targets.ids[t],
                        before: was,
                        after,
                    });
                }
                if mark.present {
                    self.cells += 1;
                    self.counts.add(after, true);
                }
            }
        }
        changes
    }

    /// Applies one event; returns the cell if its drift changed, nothing otherwise.
    pub fn apply(&mut self, event: &DriftEvent) -> Vec<CellChange> {
        let (env, target) = event.cell();
        let (e, t) = self.position(env, target);
        let row = &mut self.rows[e];
        let mark = row.marks[t];
        let state = &mut row.states[t];
        if !mark.present {
            *state = CellState::default();
            self.cells += 1;
        }
        event.apply_to(state);
        let after = state.drift();
        row.marks[t] = Mark {
            drift: after,
            present: true,
        };
        let before = mark.visible_drift();
        if before == after {
            return Vec::new();
        }
        self.counts.add(before, false);
        self.counts.add(after, true);
        vec![CellChange {
            env,
            target,
            before,
            after,
        }]
    }

    pub fn get(&self, env: EnvironmentId, target: TargetId) -> Option<CellView<'_>> {
        let (e, t) = (self.envs.get(env)?, self.targets.get(target)?);
        self.view(e, t)
    }

    /// The cells matching `filter`, by environment then target in the order first seen.
    pub fn cells(&self, filter: DriftFilter) -> impl Iterator<Item = CellView<'_>> + '_ {
        let envs = match filter.env {
            None => 0..self.rows.len(),
            Some(env) => self.envs.get(env).map_or(0..0, |e| e..e + 1),
        };
        let target = filter.target.map(|t| self.targets.get(t));
        envs.flat_map(move |e| {
            let width = self.rows.get(e).map_or(0, |row| row.marks.len());
            let columns = match target {
                None => 0..width,
                Some(Some(t)) if t < width => t..t + 1,
                Some(_) => 0..0,
            };
            columns.filter_map(move |t| self.view(e, t))
        })
        // A match rather than `is_none_or`, which is newer than the workspace's rust-version.
        .filter(move |cell| match filter.dimension {
            None => true,
            Some(dimension) => cell.drift.contains(dimension),
        })
    }

    /// Cells drifting in each dimension.
    pub fn counts(&self) -> DriftCounts {
        self.counts
    }

    /// Cells known (drifting or not).
    pub fn cell_count(&self) -> usize {
        self.cells
    }

    fn view(&self, e: usize, t: usize) -> Option<CellView<'_>> {
        let row = self.rows.get(e)?;
        let mark = row.marks.get(t)?;
        mark.present.then(|| CellView {
            env: self.envs.ids[e],
            target: self.targets.ids[t],
            drift: mark.drift,
            state: &row.states[t],
        })
    }

    /// The cell's (row, column), interning the ids and widening the row as needed.
    fn position(&mut self, env: EnvironmentId, target: TargetId) -> (usize, usize) {
        let e = self.envs.intern(env);
        let t = self.targets.intern(target);
        if self.rows.len() <= e {
            self.rows.resize_with(e + 1, Row::default);
        }
        let row = &mut self.rows[e];
        if row.marks.len() <= t {
            row.marks.resize(t + 1, Mark::default());
            row.states.resize(t + 1, CellState::default());
        }
        (e, t)
    }
}
