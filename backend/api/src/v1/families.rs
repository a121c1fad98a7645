//! Target families and their immutable, content-hashed schema versions
//! (`/v1/families/...`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewSchemaRequest {
    /// The version's label within the family, e.g. `2025-07`.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 64)
    )]
    pub version: String,
    /// `json_schema`, `avro` or `protobuf`. A new family takes it (default `json_schema`); a
    /// family's later versions must be in its format (omit it, or give the same).
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^(json_schema|avro|protobuf)$")
    )]
    pub format: Option<String>,
    /// The schema: a JSON Schema (draft 2020-12 unless `$schema` names another draft), or an
    /// Avro schema (the `.avsc` JSON, a record at its top). Absent for Protobuf, which sends
    /// `files`. A JSON Schema `$ref` of `Family@version` (optionally `#/pointer`) references
    /// that version.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub schema: serde_json::Value,
    /// Protobuf only: the `.proto` files, the first the main one; the others may be what it
    /// imports (files of referenced versions come with them).
    #[serde(default)]
    pub files: Vec<ProtoFileSource>,
    /// Protobuf only: the config message's full name (`pkg.Config`); by default the main
    /// file's only top-level message. Every version of a family keeps the same one.
    #[cfg_attr(feature = "openapi", schema(max_length = 512))]
    pub message: Option<String>,
    /// Other schema versions this one uses (`Family@version`): Avro named types, Protobuf
    /// imports, JSON Schema `$ref`s (found in the schema too). Resolved and pinned now.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_items = 64))]
    pub references: Vec<String>,
    /// Protobuf only: buf's rule category for compatibility, `WIRE_JSON` (default: configs
    /// travel as JSON), `WIRE`, `PACKAGE` or `FILE`. Given here, it becomes the family's.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^(FILE|PACKAGE|WIRE_JSON|WIRE)$")
    )]
    pub buf_category: Option<String>,
    /// `BACKWARD` (default), `BACKWARD_TRANSITIVE`, `FORWARD`, `FORWARD_TRANSITIVE`, `FULL`,
    /// `FULL_TRANSITIVE` or `NONE`. Given here, it becomes the family's level from then on.
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^(BACKWARD|BACKWARD_TRANSITIVE|FORWARD|FORWARD_TRANSITIVE|FULL|FULL_TRANSITIVE|NONE)$"
        )
    )]
    pub compat: Option<String>,
    /// Check only: report what adding would do, store nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// What a server from before contract formats means by leaving the format out.
fn json_schema() -> String {
    "json_schema".into()
}

/// One `.proto` file of a Protobuf schema version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProtoFileSource {
    /// The path other files import it by, e.g. `acme/billing/v1/config.proto`.
    #[cfg_attr(feature = "openapi", schema(max_length = 512))]
    pub path: String,
    /// The file's text.
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SchemaVersionView {
    pub family: String,
    pub version: String,
    /// `json_schema`, `avro` or `protobuf`.
    #[serde(default = "json_schema")]
    pub format: String,
    /// SHA-256 of the stored document's canonical JSON (references' content included).
    pub hash: String,
    pub compat_level: String,
    /// The versions it references directly (`Family@version`).
    #[serde(default)]
    pub references: Vec<String>,
    /// Protobuf: the config message.
    #[serde(default)]
    pub message: Option<String>,
    /// The compatibility report against the earlier versions it was checked with.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub report: serde_json::Value,
    /// The stored document: a JSON Schema with its references bundled under `$defs`, or for
    /// Avro and Protobuf an envelope (`$versiqii`: the format) holding the schema or files and
    /// every referenced version's content (docs/contracts.md).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub schema: serde_json::Value,
    pub created_at: Option<DateTime<Utc>>,
    /// False for a dry run.
    pub stored: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FamilyVersion {
    pub version: String,
    pub hash: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FamilyView {
    pub name: String,
    pub compat_level: String,
    /// `json_schema`, `avro` or `protobuf`.
    #[serde(default = "json_schema")]
    pub format: String,
    /// Protobuf: buf's rule category its versions are compared with.
    #[serde(default)]
    pub buf_category: Option<String>,
    pub latest_version: Option<String>,
    pub versions: Vec<FamilyVersion>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FamilySummaryView {
    pub name: String,
    pub compat_level: String,
    /// `json_schema`, `avro` or `protobuf`.
    #[serde(default = "json_schema")]
    pub format: String,
    pub latest_version: Option<String>,
    pub version_count: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FamilyList {
    pub items: Vec<FamilySummaryView>,
}
