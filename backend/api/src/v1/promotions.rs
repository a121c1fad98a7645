//! Promotion: what one environment runs, with its bound configs, copied to another in one
//! transaction (`POST /v1/promotions`).

use crate::ids::RevisionId;
use crate::v1::deployments::Plan;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PromotionRequest {
    /// The environment whose deployments and bindings are copied, e.g. `staging`.
    pub from: String,
    /// The environment they are copied to, e.g. `prod`.
    pub to: String,
    /// Only these targets (each must be deployed in `from`); default: every one deployed there.
    #[serde(default)]
    pub targets: Vec<String>,
    /// Only show the plan.
    #[serde(default)]
    pub dry_run: bool,
    /// Record the promotion even if it breaks something; the drift matrix then shows it.
    #[serde(default)]
    pub force: bool,
}

/// The config a promotion binds in the destination: the one bound in the source, migrated
/// when the promoted version reads another schema version than it was written for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromotedConfig {
    pub config: String,
    /// The source's bound revision (after a migrating promotion: the migrated one, as bound).
    pub revision: i32,
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub revision_id: RevisionId,
    /// Whether it was migrated to fit the promoted version's schema.
    pub migrated: bool,
}

/// One target's part of a promotion: its deployment plan in the destination (constraints
/// checked against the destination as it would be after the whole promotion) and the config
/// bound with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromotedTarget {
    #[serde(flatten)]
    pub plan: Plan,
    /// The source's bound config, bound in the destination (absent when the source binds
    /// none: the destination's binding is then checked as a deployment would check it).
    pub config: Option<PromotedConfig>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PromotionPlan {
    pub from: String,
    pub to: String,
    /// No target's plan has a problem.
    pub safe: bool,
    pub applied: bool,
    pub forced: bool,
    /// The targets that move or get another config, by name.
    pub targets: Vec<PromotedTarget>,
    /// Targets asked for (or deployed in the source) that the destination already runs with
    /// the same config.
    pub unchanged: Vec<String>,
    /// The plan in words: one line for the whole, then each target's plan.
    pub summary: String,
}
