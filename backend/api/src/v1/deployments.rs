//! Deployments: which target version an environment is meant to run
//! (`PUT /v1/envs/{env}/targets/{target}/version`, `GET /v1/envs/{env}/deployments`), and
//! rollback in one call (`POST /v1/envs/{env}/targets/{target}/rollback`).

use crate::ids::{DeploymentId, RevisionId};
use crate::v1::migrations::MigratedConfig;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SetVersionRequest {
    pub version: String,
    /// Only show the plan.
    #[serde(default)]
    pub dry_run: bool,
    /// Record the change even if it breaks something; the drift matrix then shows it.
    #[serde(default)]
    pub force: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanProblem {
    /// `requires-unmet`, `required-by-breaks`, `accepts-refuses`, `provider-refuses` or
    /// `binding-invalid`.
    pub kind: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Plan {
    pub env: String,
    pub target: String,
    pub from_version: Option<String>,
    pub to_version: String,
    pub safe: bool,
    pub applied: bool,
    pub forced: bool,
    pub problems: Vec<PlanProblem>,
    /// Bound configs that move to the new version's schema, with each one's diff.
    #[serde(default)]
    pub migrations: Vec<MigratedConfig>,
    /// The plan in words, one line per problem.
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeploymentView {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub id: DeploymentId,
    pub env: String,
    pub target: String,
    pub version: String,
    pub forced: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeploymentList {
    pub items: Vec<DeploymentView>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    pub target: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RollbackRequest {
    /// Go back to this version (its newest deployment here); default: the deployment before
    /// the current one.
    pub to_version: Option<String>,
    /// Go back to this deployment (an id from the environment's history).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<uuid::Uuid>))]
    pub to_deployment: Option<DeploymentId>,
    /// Only show the plan.
    #[serde(default)]
    pub dry_run: bool,
    /// Roll back even if a constraint or the restored config breaks.
    #[serde(default)]
    pub force: bool,
}

/// The config a rollback binds again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RestoredConfig {
    pub config: String,
    pub revision: i32,
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub revision_id: RevisionId,
    /// Whether it was migrated to fit the restored version's schema.
    pub migrated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RollbackPlan {
    /// The deployment whose state is restored (absent when rolling back to a version that was
    /// never deployed here).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<uuid::Uuid>))]
    pub to_deployment: Option<DeploymentId>,
    #[serde(flatten)]
    pub plan: Plan,
    /// The config bound again (after the rollback, or planned).
    pub config: Option<RestoredConfig>,
}
