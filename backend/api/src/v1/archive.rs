//! Tenant archives (`GET /v1/export`, `POST /v1/import`; the format in docs/archive.md).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What an import wrote (or, for a dry run, would write).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportSummary {
    /// The archive's format, `versiqii-archive/1`.
    pub format: String,
    /// SHA-256 of the archive's `manifest.json` (which covers every file's hash); the
    /// `tenant.import` audit event names it.
    pub manifest_sha256: String,
    /// Rows per data file, by the file's path in the archive.
    pub counts: BTreeMap<String, u64>,
    /// True when only checked: nothing was written.
    pub dry_run: bool,
}

/// `POST /v1/import` options.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// Check the archive and the organisation (empty, within its plan) and write nothing.
    #[serde(default)]
    pub dry_run: bool,
}
