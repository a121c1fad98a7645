//! The CPU-heavy checks of operations and reads, run on the CPU pool (`crate::compute`) in the
//! caller's tenant: compiling a schema a client sent, validating a config against a stored
//! schema (compiled once per content hash), and diffing two revisions.

use super::Ops;
use crate::compute::Task;
use crate::error::{ApiError, FieldError};
use serde_json::Value;
use versiqii_core::canonical::{diff_paths, unified_diff, DiffLimits, PathChange};
use versiqii_core::schema::{CompiledSchema, SchemaError, Violation};
use versiqii_core::TenantId;
use versiqii_store::SchemaVersionRow;

/// A schema that does not compile, as the API reports it: each problem at its pointer under
/// `/schema`.
pub fn schema_error(err: SchemaError) -> ApiError {
    match err {
        SchemaError::NotJsonSchema { errors } => ApiError::SchemaInvalid(
            errors
                .into_iter()
                .map(|p| FieldError::new(&format!("/schema{}", p.pointer), p.message))
                .collect(),
        ),
        other => ApiError::SchemaInvalid(vec![FieldError::new("/schema", other)]),
    }
}

/// Two revisions' differences, within the API's limits.
pub struct Diff {
    pub changes: Vec<PathChange>,
    pub unified: String,
    pub truncated: bool,
}

impl Ops {
    /// Gives `schema` back when it compiles as a JSON Schema.
    pub async fn compile_schema(&self, tenant: TenantId, schema: Value) -> Result<Value, ApiError> {
        self.compute
            .run(tenant, Task::SchemaCompile, move || {
                CompiledSchema::compile(&schema).map(|_| schema)
            })
            .await?
            .map_err(schema_error)
    }

    /// Every violation of `doc` against the stored `schema`.
    pub async fn violations(
        &self,
        tenant: TenantId,
        schema: &SchemaVersionRow,
        doc: &Value,
    ) -> Result<Vec<Violation>, ApiError> {
        let cache = self.schemas.clone();
        let hash = schema.hash.clone();
        // A cache hit needs no copy of the schema's document.
        let compiled = cache.get(&hash);
        let document = compiled.is_none().then(|| schema.document.clone());
        let doc = doc.clone();
        self.compute
            .run(tenant, Task::Validation, move || {
                let compiled = match (compiled, document) {
                    (Some(hit), _) => hit,
                    (None, Some(document)) => {
                        cache.get_or_compile(&hash, &document).map_err(|e| {
                            anyhow::anyhow!("stored schema {hash} does not compile: {e}")
                        })?
                    }
                    (None, None) => return Err(anyhow::anyhow!("no schema to compile")),
                };
                Ok(compiled.validate(&doc))
            })
            .await?
            .map_err(ApiError::Internal)
    }

    /// The changes from `before` to `after` and their unified text diff.
    pub async fn diff(
        &self,
        tenant: TenantId,
        before: Value,
        after: Value,
        labels: (String, String),
    ) -> Result<Diff, ApiError> {
        self.compute
            .run(tenant, Task::Diff, move || {
                let limits = DiffLimits::api();
                let (changes, cut) = diff_paths(&before, &after, limits.max_changes);
                let (unified, text_cut) =
                    unified_diff(&before, &after, &labels.0, &labels.1, &limits);
                Diff {
                    changes,
                    unified,
                    truncated: cut || text_cut,
                }
            })
            .await
    }

    /// Only the unified text diff (cut at the API's limit, with a line saying so).
    pub async fn unified_diff(
        &self,
        tenant: TenantId,
        before: Value,
        after: Value,
        labels: (String, String),
    ) -> Result<String, ApiError> {
        self.compute
            .run(tenant, Task::Diff, move || {
                unified_diff(&before, &after, &labels.0, &labels.1, &DiffLimits::api()).0
            })
            .await
    }
}
