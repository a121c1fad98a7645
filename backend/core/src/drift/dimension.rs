//! The four kinds of drift, and a set of them as one byte.

use serde::{Serialize, Serializer};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Dimension {
    /// The bound config is not valid for the deployed version's schema.
    Schema,
    /// A constraint of the deployed version is unmet in the environment.
    Dependency,
    /// The observed config differs from the bound revision.
    Config,
    /// The observed version differs from the deployed (desired) one.
    Environment,
}

impl Dimension {
    pub const ALL: [Dimension; 4] = [
        Dimension::Schema,
        Dimension::Dependency,
        Dimension::Config,
        Dimension::Environment,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Schema => "schema",
            Dimension::Dependency => "dependency",
            Dimension::Config => "config",
            Dimension::Environment => "environment",
        }
    }

    fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl fmt::Display for Dimension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The dimensions a cell drifts in; empty means in sync.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct DriftSet(u8);

impl DriftSet {
    pub const EMPTY: DriftSet = DriftSet(0);

    pub fn with(self, dimension: Dimension) -> Self {
        Self(self.0 | dimension.bit())
    }

    pub fn contains(self, dimension: Dimension) -> bool {
        self.0 & dimension.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    pub fn iter(self) -> impl Iterator<Item = Dimension> {
        Dimension::ALL
            .into_iter()
            .filter(move |d| self.contains(*d))
    }
}

impl FromIterator<Dimension> for DriftSet {
    fn from_iter<I: IntoIterator<Item = Dimension>>(iter: I) -> Self {
        iter.into_iter().fold(DriftSet::EMPTY, DriftSet::with)
    }
}

/// `schema, config`, or `none`.
impl fmt::Display for DriftSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("none");
        }
        for (i, dimension) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(dimension.as_str())?;
        }
        Ok(())
    }
}

/// As a list of dimension names, which is what an outbox event or the API carries.
impl Serialize for DriftSet {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// How many cells drift in each dimension (a cell drifting in two counts in both).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct DriftCounts {
    pub schema: usize,
    pub dependency: usize,
    pub config: usize,
    pub environment: usize,
}

impl DriftCounts {
    pub fn get(&self, dimension: Dimension) -> usize {
        match dimension {
            Dimension::Schema => self.schema,
            Dimension::Dependency => self.dependency,
            Dimension::Config => self.config,
            Dimension::Environment => self.environment,
        }
    }

    /// Each dimension with its count, as a labelled gauge wants them.
    pub fn iter(&self) -> impl Iterator<Item = (Dimension, usize)> + '_ {
        Dimension::ALL.into_iter().map(|d| (d, self.get(d)))
    }

    pub(super) fn add(&mut self, set: DriftSet, up: bool) {
        for dimension in set.iter() {
            let count = match dimension {
                Dimension::Schema => &mut self.schema,
                Dimension::Dependency => &mut self.dependency,
                Dimension::Config => &mut self.config,
                Dimension::Environment => &mut self.environment,
            };
            if up {
                *count += 1;
            } else {
                *count = count.saturating_sub(1);
            }
        }
    }
}
