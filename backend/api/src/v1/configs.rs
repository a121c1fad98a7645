//! Configs: named lineages of immutable, content-addressed revisions (`/v1/configs/...`).

use crate::ids::{RevisionId, TargetVersionId};
use crate::v1::migrations::StepView;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewConfigRequest {
    /// The target version the config is written for: its id or `name@version`.
    // Parse it with `crate::reference::TargetVersionRef`.
    pub target: String,
    /// The lineage's name, e.g. `payment_service.yaml`; the target's name when absent.
    pub name: Option<String>,
    /// The config as JSON or YAML text, kept as written.
    pub content: String,
    /// `json` or `yaml`; detected when absent.
    pub format: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfigRevisionView {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub id: RevisionId,
    pub name: String,
    /// 1, 2, ... within the lineage.
    pub revision: i32,
    /// SHA-256 of the canonical JSON: the same data in any key order or format hashes the same.
    pub hash: String,
    /// `name@version` of the target version it was written for.
    pub target: String,
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub target_version_id: TargetVersionId,
    pub format: String,
    /// The canonical data.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
    /// The text as submitted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub original: Option<String>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<uuid::Uuid>))]
    pub parent_id: Option<RevisionId>,
    /// For a revision written by migrating its parent: each step, in order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub migrated_by: Option<Vec<StepView>>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfigSummaryView {
    pub name: String,
    pub latest_revision: i32,
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub latest_id: RevisionId,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfigList {
    pub items: Vec<ConfigSummaryView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevisionList {
    pub items: Vec<ConfigRevisionView>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct DiffQuery {
    /// The earlier revision's id.
    #[cfg_attr(feature = "openapi", param(value_type = uuid::Uuid))]
    pub from: RevisionId,
    /// The later revision's id.
    #[cfg_attr(feature = "openapi", param(value_type = uuid::Uuid))]
    pub to: RevisionId,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PathChangeView {
    pub pointer: String,
    /// `added`, `removed` or `changed`.
    pub op: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub before: Option<serde_json::Value>,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub after: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfigDiff {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub from: RevisionId,
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub to: RevisionId,
    /// Leaf-level changes in pointer order, at most 1000.
    pub changes: Vec<PathChangeView>,
    /// A unified diff of the two revisions as sorted, pretty-printed JSON, at most 1 MiB.
    pub unified: String,
    /// True when `changes` or `unified` stop at their limits (the text then ends with a line
    /// saying so).
    #[serde(default)]
    pub truncated: bool,
}
