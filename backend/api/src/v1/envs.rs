//! Environments: where targets are deployed (`prod-eu`, `staging`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewEnvRequest {
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 100)
    )]
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnvView {
    pub name: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnvList {
    pub items: Vec<EnvView>,
}

/// What one environment should run, resolved: every target deployed or bound there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnvConfigs {
    pub env: String,
    /// Sorted by target name.
    pub items: Vec<EnvConfig>,
}

/// One target's resolved state in an environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnvConfig {
    pub target: String,
    /// The deployed version; absent when the target is bound here but not deployed.
    pub version: Option<String>,
    /// `family@version` of the schema the deployed version reads.
    pub schema_version: Option<String>,
    /// The bound config; absent when nothing is bound to the target here.
    pub config: Option<ResolvedConfig>,
    pub drift: super::drift::DriftDimensions,
    /// One sentence per drifting dimension.
    pub drift_details: Vec<String>,
}

/// The config bound to a target in an environment, as it is to be deployed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResolvedConfig {
    pub name: String,
    pub revision: i32,
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub revision_id: crate::ids::RevisionId,
    /// The canonical data's content hash (sha256, hex).
    pub hash: String,
    /// The target version the binding was validated for.
    pub bound_for_version: String,
    /// `family@version` of the schema it was validated against.
    pub schema_version: String,
    /// The canonical data.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub data: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct EnvConfigsQuery {
    /// Long poll: with `If-None-Match`, wait up to this many seconds (at most 60) for the
    /// answer to change before answering 304.
    #[cfg_attr(feature = "openapi", param(minimum = 0, maximum = 60))]
    pub wait: Option<u32>,
}
