//! One cell's inputs, the events that change them, and the drift they add up to.

use super::{Dimension, DriftSet, EnvironmentId, TargetId};
use crate::graph::TargetVersionId;
use std::fmt;

/// A config revision's content hash (SHA-256 of its canonical JSON), as bytes: a cell compares
/// hashes, and 32 bytes compare faster and weigh less than 64 hex characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConfigHash(pub [u8; 32]);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a config hash is 64 hexadecimal digits (SHA-256)")]
pub struct ConfigHashError;

impl ConfigHash {
    /// From the hex text `canonical::content_hash` produces.
    pub fn from_hex(text: &str) -> Result<Self, ConfigHashError> {
        let mut bytes = [0u8; 32];
        hex::decode_to_slice(text, &mut bytes).map_err(|_| ConfigHashError)?;
        Ok(Self(bytes))
    }
}

impl fmt::Display for ConfigHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// Everything one cell's drift is computed from. Unknown parts are `None`: nothing deployed,
/// bound or observed yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellState {
    pub desired: Option<TargetVersionId>,
    pub bound_config: Option<ConfigHash>,
    /// Whether the bound config is valid for the desired version's schema (the caller
    /// validates; this module does no schema work).
    pub schema_valid: bool,
    pub observed_version: Option<TargetVersionId>,
    pub observed_config: Option<ConfigHash>,
    pub unmet_constraints: u32,
}

impl Default for CellState {
    fn default() -> Self {
        Self {
            desired: None,
            bound_config: None,
            // Nothing bound is nothing invalid.
            schema_valid: true,
            observed_version: None,
            observed_config: None,
            unmet_constraints: 0,
        }
    }
}

impl CellState {
    /// The dimensions this cell drifts in: the one place the four dimensions are classified.
    /// An unobserved cell has no config or environment drift: not knowing is not disagreeing.
    pub fn drift(&self) -> DriftSet {
        let mut set = DriftSet::EMPTY;
        if self.bound_config.is_some() && !self.schema_valid {
            set = set.with(Dimension::Schema);
        }
        if self.unmet_constraints > 0 {
            set = set.with(Dimension::Dependency);
        }
        if matches!((self.bound_config, self.observed_config), (Some(bound), Some(seen)) if bound != seen)
        {
            set = set.with(Dimension::Config);
        }
        // Only against a deployment: with nothing deployed, what runs disagrees with nothing
        // (the target is not managed here yet), so an observation alone is not drift.
        if matches!((self.observed_version, self.desired), (Some(seen), Some(desired)) if seen != desired)
        {
            set = set.with(Dimension::Environment);
        }
        set
    }
}

/// A cell's full state, for [`super::DriftMatrix::recompute_all`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellInput {
    pub env: EnvironmentId,
    pub target: TargetId,
    pub state: CellState,
}

/// Something that changed one cell's inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DriftEvent {
    /// A deployment set the desired version; `schema_valid` is the current binding's validity
    /// against that version's schema.
    Deployed {
        env: EnvironmentId,
        target: TargetId,
        version: TargetVersionId,
        schema_valid: bool,
    },
    /// A binding set the config; `schema_valid` as for `Deployed`.
    Bound {
        env: EnvironmentId,
        target: TargetId,
        config_hash: ConfigHash,
        schema_valid: bool,
    },
    /// A cluster reported what runs (the config hash only if it reported one).
    Observed {
        env: EnvironmentId,
        target: TargetId,
        version: TargetVersionId,
        config_hash: Option<ConfigHash>,
    },
    /// The graph recounted the deployed version's unmet constraints.
    DependencyChanged {
        env: EnvironmentId,
        target: TargetId,
        unmet: u32,
    },
}

impl DriftEvent {
    pub fn cell(&self) -> (EnvironmentId, TargetId) {
        match *self {
            DriftEvent::Deployed { env, target, .. }
            | DriftEvent::Bound { env, target, .. }
            | DriftEvent::Observed { env, target, .. }
            | DriftEvent::DependencyChanged { env, target, .. } => (env, target),
        }
    }

    /// The cell's inputs after this event.
    pub fn apply_to(&self, state: &mut CellState) {
        match *self {
            DriftEvent::Deployed {
                version,
                schema_valid,
                ..
            } => {
                state.desired = Some(version);
                state.schema_valid = schema_valid;
            }
            DriftEvent::Bound {
                config_hash,
                schema_valid,
                ..
            } => {
                state.bound_config = Some(config_hash);
                state.schema_valid = schema_valid;
            }
            DriftEvent::Observed {
                version,
                config_hash,
                ..
            } => {
                state.observed_version = Some(version);
                state.observed_config = config_hash;
            }
            DriftEvent::DependencyChanged { unmet, .. } => state.unmet_constraints = unmet,
        }
    }
}
