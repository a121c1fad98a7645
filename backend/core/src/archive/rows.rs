//! The rows an archive carries, one data file each, keyed by natural keys so that they import
//! into any tenant of any installation. Times are the source's, kept to the microsecond.

use super::{from_jsonl, to_jsonl, Archive, ArchiveError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FamilyRec {
    pub name: String,
    pub compat_level: String,
    /// `json_schema` (what archives before contract formats carry, so the default, left out
    /// when written: such archives stay byte for byte as they were), `avro` or `protobuf`.
    #[serde(default = "json_schema", skip_serializing_if = "is_json_schema")]
    pub format: String,
    #[serde(default = "wire_json", skip_serializing_if = "is_wire_json")]
    pub buf_category: String,
    pub created_at: DateTime<Utc>,
}

fn json_schema() -> String {
    "json_schema".into()
}

fn wire_json() -> String {
    "WIRE_JSON".into()
}

fn is_json_schema(format: &str) -> bool {
    format == "json_schema"
}

fn is_wire_json(category: &str) -> bool {
    category == "WIRE_JSON"
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SchemaVersionRec {
    pub family: String,
    pub version: String,
    pub seq: i32,
    pub hash: String,
    pub document: Value,
    pub compat_level: String,
    pub report: Value,
    /// The versions it references (`family@version`), in its order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetRec {
    pub name: String,
    pub family: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetVersionRec {
    pub target: String,
    pub version: String,
    pub scheme: String,
    pub schema_family: String,
    pub schema_version: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigRec {
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// A config revision; `parent` is `config#revision`. In `migrated_by`'s steps a migration is
/// named `family:from->to` (`migration`) instead of by its id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevisionRec {
    pub config: String,
    pub revision: i32,
    pub hash: String,
    pub target: String,
    pub target_version: String,
    pub format: String,
    pub original: String,
    pub canonical: Value,
    pub parent: Option<String>,
    pub migrated_by: Option<Value>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentRec {
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// One binding of the history, in the order they were made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BindingRec {
    pub env: String,
    pub target: String,
    pub target_version: String,
    pub config: String,
    pub revision: i32,
    pub schema_family: String,
    pub schema_version: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// One deployment of the history, in the order they were made; the plan is kept as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeploymentRec {
    pub env: String,
    pub target: String,
    pub target_version: String,
    pub forced: bool,
    pub plan: Value,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConstraintRec {
    pub target: String,
    pub target_version: String,
    pub kind: String,
    pub other_target: String,
    pub range: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A migration program (lens text or WASM module) in base64, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MigrationRec {
    pub family: String,
    pub from: String,
    pub to: String,
    pub kind: String,
    pub source: String,
    pub hash: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl MigrationRec {
    /// How revisions' `migrated_by` steps name this migration.
    pub fn key(&self) -> String {
        migration_key(&self.family, &self.from, &self.to)
    }
}

pub fn migration_key(family: &str, from: &str, to: &str) -> String {
    format!("{family}:{from}->{to}")
}

/// One event of an audit chain, as the source stored it (its tenant included: version 2
/// hashes cover it), so the chain can be verified anywhere.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceRec {
    pub tenant: uuid::Uuid,
    pub seq: i64,
    pub id: uuid::Uuid,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub before_hash: Option<String>,
    pub after_hash: Option<String>,
    pub prev_hash: String,
    pub hash: String,
    pub at: DateTime<Utc>,
    pub hash_version: i16,
}

/// Everything an archive carries, each list in its file's order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TenantRows {
    pub families: Vec<FamilyRec>,
    pub schema_versions: Vec<SchemaVersionRec>,
    pub targets: Vec<TargetRec>,
    pub target_versions: Vec<TargetVersionRec>,
    pub migrations: Vec<MigrationRec>,
    pub configs: Vec<ConfigRec>,
    pub revisions: Vec<RevisionRec>,
    pub environments: Vec<EnvironmentRec>,
    pub constraints: Vec<ConstraintRec>,
    pub bindings: Vec<BindingRec>,
    pub deployments: Vec<DeploymentRec>,
    pub evidence: Vec<EvidenceRec>,
}

macro_rules! files {
    ($($field:ident => $path:literal,)*) => {
        /// The data files, in the archive's order.
        pub const DATA_FILES: &[&str] = &[$($path,)*];

        impl TenantRows {
            /// The archive's data files with their row counts, in the archive's order.
            pub fn to_files(
                &self,
            ) -> Result<(BTreeMap<String, u64>, Vec<(String, Vec<u8>)>), ArchiveError> {
                let mut counts = BTreeMap::new();
                let mut files = Vec::new();
                $(
                    counts.insert($path.to_owned(), self.$field.len() as u64);
                    files.push(($path.to_owned(), to_jsonl(&self.$field)?));
                )*
                Ok((counts, files))
            }

            /// The rows of a checked archive; the manifest's counts must match.
            pub fn from_archive(archive: &Archive) -> Result<Self, ArchiveError> {
                let listed: Vec<&str> =
                    archive.manifest.files.iter().map(|f| f.path.as_str()).collect();
                if listed != DATA_FILES {
                    return Err(ArchiveError::new(format!(
                        "the archive holds {listed:?}; {} holds {DATA_FILES:?}",
                        super::FORMAT
                    )));
                }
                let mut rows = Self::default();
                $(
                    let bytes = archive.file($path).unwrap_or_default();
                    rows.$field = from_jsonl($path, bytes)?;
                    if archive.manifest.counts.get($path) != Some(&(rows.$field.len() as u64)) {
                        return Err(ArchiveError::new(format!(
                            "{}: the manifest's count does not match its lines", $path
                        )));
                    }
                )*
                if archive.manifest.counts.len() != DATA_FILES.len() {
                    return Err(ArchiveError::new("the manifest counts unknown files"));
                }
                Ok(rows)
            }
        }
    };
}

files! {
    families => "families.jsonl",
    schema_versions => "schema_versions.jsonl",
    targets => "targets.jsonl",
    target_versions => "target_versions.jsonl",
    migrations => "migrations.jsonl",
    configs => "configs.jsonl",
    revisions => "config_revisions.jsonl",
    environments => "environments.jsonl",
    constraints => "constraints.jsonl",
    bindings => "bindings.jsonl",
    deployments => "deployments.jsonl",
    evidence => "evidence/audit.jsonl",
}
