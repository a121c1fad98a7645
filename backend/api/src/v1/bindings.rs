//! Bindings: a config revision bound to an environment for the target version it was written
//! for, only ever after it validated against that version's schema (`/v1/bindings`).

use crate::ids::{BindingId, RevisionId, TargetVersionId};
use crate::v1::migrations::MigratedConfig;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewBindingRequest {
    /// The config revision's id.
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub config_id: RevisionId,
    /// The environment; created on first use.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 100)
    )]
    pub env: String,
    /// Bind for this version of the config's target (default: the version the revision was
    /// written for). When it reads another schema version, the config is migrated along the
    /// family's migrations, validated, stored as a new revision linked to its source, and bound.
    // Left out when absent, as `no_migrate` when false, so a server that predates migrations
    // (and denies unknown fields) still takes the request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Refuse (409 `migration_required`) instead of migrating.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub no_migrate: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BindingView {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub id: BindingId,
    pub env: String,
    // The bound revision (not its lineage), under the name the API has always used.
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub config_id: RevisionId,
    pub config_name: String,
    pub revision: i32,
    /// `name@version`.
    pub target: String,
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub target_version_id: TargetVersionId,
    /// The schema version the config was validated against.
    pub schema_version: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Present when the bound revision was migrated from the one asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub migrated: Option<MigratedConfig>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BindingList {
    pub items: Vec<BindingView>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct BindingQuery {
    /// Only this environment.
    #[cfg_attr(
        feature = "openapi",
        param(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 100)
    )]
    pub env: Option<String>,
}
