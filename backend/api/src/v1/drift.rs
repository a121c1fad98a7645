//! Observations (what actually runs), the drift matrix, and impact analysis
//! (`/v1/envs/{env}/observations`, `/v1/drifts`, `/v1/impact`).

use crate::ids::ObservationId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ObservationRequest {
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 100)
    )]
    pub target: String,
    /// The version the cluster runs.
    pub version: String,
    /// SHA-256 (hex) of the canonical config it runs, if known.
    pub config_hash: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ObservationView {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub id: ObservationId,
    pub env: String,
    pub target: String,
    pub version: String,
    pub config_hash: Option<String>,
    pub observed_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct DriftQuery {
    pub env: Option<String>,
    pub target: Option<String>,
    /// `schema`, `dependency`, `config` or `environment`: only rows drifting in it.
    #[cfg_attr(
        feature = "openapi",
        param(pattern = r"^(schema|dependency|config|environment)$")
    )]
    pub dimension: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DriftList {
    pub items: Vec<DriftRow>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DriftDimensions {
    /// The bound config is not valid for the deployed version's schema.
    pub schema: bool,
    /// A constraint of the deployed version is unmet in this environment.
    pub dependency: bool,
    /// The observed config hash is not the bound revision's.
    pub config: bool,
    /// The observed version is not the deployed (desired) one.
    pub environment: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DriftRow {
    pub env: String,
    pub target: String,
    pub desired_version: Option<String>,
    pub observed_version: Option<String>,
    /// `name#revision` of the bound config.
    pub bound_config: Option<String>,
    pub dimensions: DriftDimensions,
    /// One sentence per drifting dimension.
    pub details: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct ImpactQuery {
    pub target: String,
    pub version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImpactBreak {
    pub kind: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FailingBinding {
    /// `name#revision`.
    pub config: String,
    pub violations: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnvImpact {
    pub env: String,
    pub breaks: Vec<ImpactBreak>,
    pub bindings_failing: Vec<FailingBinding>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImpactView {
    pub target: String,
    pub version: String,
    pub environments: Vec<EnvImpact>,
    pub safe: bool,
}
