//! Validation as a service (`POST /v1/validate`): configs checked against a target version's
//! schema, or a schema version, without storing anything.

use crate::error::ViolationView;
use serde::{Deserialize, Serialize};

/// Name the schema by one of `target` or `schema`, and the configs by one of `content` or
/// `documents`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ValidateRequest {
    /// A target version, `NAME@VERSION` or its id: its schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 300))]
    pub target: Option<String>,
    /// A schema version, `FAMILY@VERSION`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 300))]
    pub schema: Option<String>,
    /// One config's text (JSON or YAML).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// `json` or `yaml` for `content` (default: detected).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(pattern = "^(json|yaml|yml)$"))]
    pub format: Option<String>,
    /// Or several configs at once (1 to 100), each answered by its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 100))]
    pub documents: Option<Vec<ValidateDocument>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ValidateDocument {
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub name: String,
    pub content: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(pattern = "^(json|yaml|yml)$"))]
    pub format: Option<String>,
}

/// One config's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValidateResult {
    /// The document's name (absent for `content`).
    pub name: Option<String>,
    pub valid: bool,
    /// Every violation: where, which keyword, what.
    pub violations: Vec<ViolationView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValidateResponse {
    /// Whether every config is valid.
    pub valid: bool,
    /// The schema version checked against, `FAMILY@VERSION`.
    pub schema: String,
    /// Its content hash.
    pub schema_hash: String,
    pub results: Vec<ValidateResult>,
}
