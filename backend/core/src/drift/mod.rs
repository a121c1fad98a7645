//! The drift matrix: for every (environment, target), whether what is desired, what is valid
//! and what is observed disagree, in four dimensions (see [`Dimension`]).
//!
//! The caller (the DriftActor) feeds it events as they happen and writes an outbox event only
//! for the cells [`DriftMatrix::apply`] reports as changed; a full [`DriftMatrix::recompute_all`]
//! rebuilds it from the database's state, for start-up and resynchronisation.

mod cell;
mod dimension;
mod interner;
mod matrix;
#[cfg(test)]
mod tests;

pub use cell::{CellInput, CellState, ConfigHash, ConfigHashError, DriftEvent};
pub use dimension::{Dimension, DriftCounts, DriftSet};
pub use matrix::{CellChange, CellView, DriftFilter, DriftMatrix};

use std::fmt;
use uuid::Uuid;

/// An environment's id (its row's primary key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EnvironmentId(pub Uuid);

/// A target's id (its row's primary key).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TargetId(pub Uuid);

impl fmt::Display for EnvironmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl fmt::Display for TargetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
