//! Targets and their versions, each reading one schema version of the target's family
//! (`/v1/targets/...`, `/v1/target-versions/{id}`).

use crate::ids::TargetVersionId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewTargetVersionRequest {
    /// The target, e.g. `payment-api`; created with its first version.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 100)
    )]
    pub name: String,
    /// The family whose schemas this target's configs follow.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 100)
    )]
    pub family: String,
    /// e.g. `3.2.1`, `9fceb02` or `2025-07-03`.
    pub version: String,
    /// `semver`, `git` or `date`; detected when absent.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^(semver|git|git-sha|sha|date)$")
    )]
    pub scheme: Option<String>,
    /// The schema version this target version reads; the family's latest when absent.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 64)
    )]
    pub schema_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TargetVersionView {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub id: TargetVersionId,
    pub target: String,
    pub version: String,
    pub scheme: String,
    pub family: String,
    pub schema_version: String,
    pub schema_hash: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TargetSummaryView {
    pub name: String,
    pub family: String,
    pub versions: Vec<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TargetList {
    pub items: Vec<TargetSummaryView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TargetSchema {
    pub family: String,
    /// The schema version's label.
    pub version: String,
    pub hash: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub schema: serde_json::Value,
}
