//! Constraints between target versions: the edges of the tenant's VersionGraph
//! (`/v1/constraints`).

use crate::ids::{ConstraintId, TargetVersionId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewConstraintRequest {
    /// The constrained target version: `name@version` or its id.
    // Parse it with `crate::reference::TargetVersionRef`.
    pub from: String,
    /// `requires` (needs `target` in `range`) or `accepts` (accepts consumer `target` in `range`).
    #[cfg_attr(feature = "openapi", schema(pattern = r"^(requires|accepts)$"))]
    pub kind: String,
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 100)
    )]
    pub target: String,
    /// Cargo/npm semver syntax (`>=1.5, <2`, `^1.2`, `1.x || 2.x`); exact or intervals for dates.
    pub range: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConstraintView {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub id: ConstraintId,
    /// `name@version`.
    pub from: String,
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub from_id: TargetVersionId,
    pub kind: String,
    pub target: String,
    pub range: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConstraintList {
    pub items: Vec<ConstraintView>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct ConstraintQuery {
    /// Only constraints from or about this target.
    pub target: Option<String>,
}
