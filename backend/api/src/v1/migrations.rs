//! Migrations on the edges between a family's schema versions
//! (`/v1/families/{family}/migrations`), and what a migrated config records.

use crate::error::ViolationView;
use crate::ids::{MigrationId, RevisionId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewMigrationRequest {
    /// The schema version configs migrate from (running `up`).
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 64)
    )]
    pub from: String,
    /// The schema version configs migrate to.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 64)
    )]
    pub to: String,
    /// A lens file (YAML or JSON text; see docs/lenses.md). Exactly one of `lens` and `wasm`.
    pub lens: Option<String>,
    /// A WASM module (binary, or WAT text), base64-encoded (see docs/wasm-abi.md).
    pub wasm: Option<String>,
    /// Load and dry-run only; store nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// How a bound config fares under the new migration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DryRunResult {
    pub env: String,
    pub target: String,
    /// `name#revision`.
    pub config: String,
    pub ok: bool,
    /// Why the migration itself failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Where the migrated config fails the to-version's schema.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<ViolationView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MigrationView {
    #[cfg_attr(feature = "openapi", schema(value_type = Option<uuid::Uuid>))]
    pub id: Option<MigrationId>,
    pub family: String,
    pub from: String,
    pub to: String,
    /// `lens` or `wasm`.
    pub kind: String,
    /// SHA-256 of the lens text or module bytes.
    pub hash: String,
    pub created_by: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    /// False for a dry run.
    pub stored: bool,
    /// The configs bound with the from-version, migrated and validated (only when adding).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dry_run: Vec<DryRunResult>,
    /// How many of them would fail.
    pub failing: usize,
    /// Configs bound with the from-version that were not dry-run (beyond the first 100).
    pub not_dry_run: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MigrationList {
    pub items: Vec<MigrationView>,
}

/// A config moved (or to be moved) by migrations.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MigratedConfig {
    pub config: String,
    /// The revision it was migrated from.
    pub from_revision: i32,
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub from_revision_id: RevisionId,
    /// The stored result (absent in dry runs and plans).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revision: Option<i32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<uuid::Uuid>))]
    pub revision_id: Option<RevisionId>,
    pub from_schema: String,
    pub to_schema: String,
    pub steps: Vec<StepView>,
    /// Unified diff of the config before and after, as sorted, pretty-printed JSON.
    pub diff: String,
}

/// What a migrated revision records about how it was made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepView {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub migration_id: MigrationId,
    /// `lens` or `wasm`.
    pub kind: String,
    /// `up` or `down`.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub direction: Direction,
    pub from: String,
    pub to: String,
}

/// Which way a migration runs along its edge: `up` from the edge's from-version to its
/// to-version, `down` back. (The same words as `versiqii_migrate::Direction`.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Up => "up",
            Self::Down => "down",
        }
    }
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The body of `POST /v1/families/{family}/migrations/preview`: a lens or module, not stored, run
/// on a sample config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MigrationPreviewRequest {
    /// The schema version the sample is written for (running `up`).
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 64)
    )]
    pub from: String,
    /// The schema version the output is validated against.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 64)
    )]
    pub to: String,
    /// A lens file (YAML or JSON text). Exactly one of `lens` and `wasm`.
    pub lens: Option<String>,
    /// A WASM module (binary, or WAT text), base64-encoded.
    pub wasm: Option<String>,
    /// The sample config (JSON).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub sample: serde_json::Value,
}

/// What a migration makes of a sample config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MigrationPreview {
    /// The program ran and its output is valid for the to-version.
    pub ok: bool,
    /// The migrated config (absent when the program failed).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub output: Option<serde_json::Value>,
    /// Why the program failed, in words.
    pub error: Option<String>,
    /// Where the output breaks the to-version's schema.
    #[serde(default)]
    pub violations: Vec<ViolationView>,
}
