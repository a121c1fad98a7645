//! The CPU-heavy checks of operations and reads, run on the CPU pool (`crate::compute`) in the
//! caller's tenant: compiling a schema a client sent, validating a config against a stored
//! schema (compiled once per content hash), and diffing two revisions.

use super::Ops;
use crate::compute::Task;
use crate::error::{ApiError, FieldError};
use crate::thread_cpu;
use serde_json::Value;
use std::sync::Arc;
use std::time::{Duration, Instant};
use versiqii_core::canonical::{diff_paths, unified_diff, DiffLimits, PathChange};
use versiqii_core::contract::{pin_message, Contract, ContractError};
use versiqii_core::schema::{SchemaError, Violation};
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

/// A proposed document that is not a usable contract, as the API reports it: JSON Schema
/// problems at their pointers under `/schema`, Avro's under `/schema`, Protobuf's under
/// `/files`, a reference's under `/references`.
pub fn contract_error(err: ContractError) -> ApiError {
    let at = match &err {
        ContractError::JsonSchema(_) | ContractError::Bundle(_) => "/schema",
        ContractError::Avro(_) => "/schema",
        ContractError::Protobuf(_) => "/files",
        ContractError::Reference { .. }
        | ContractError::ReferenceFormat { .. }
        | ContractError::FileConflict { .. } => "/references",
        ContractError::Envelope(_) | ContractError::MixedFormats { .. } => "/format",
    };
    match err {
        ContractError::JsonSchema(e) => schema_error(e),
        other => ApiError::SchemaInvalid(vec![FieldError::new(at, other)]),
    }
}

/// A check of a config this small runs on the caller's thread: handing a few microseconds of
/// work to the pool (a wake-up on another thread and back) costs more than the work. Regexes
/// run on a linear-time engine, so the check's cost is bounded by the config's and the schema's
/// sizes; a schema whose check once takes more CPU time than this goes to the pool from then on.
const INLINE_BUDGET: Duration = Duration::from_millis(1);
/// Small: at most this many values, and this many bytes of strings and keys, in the config.
const SMALL_NODES: usize = 512;
const SMALL_TEXT_BYTES: usize = 16 * 1024;

fn is_small(doc: &Value) -> bool {
    let (mut nodes, mut text) = (0usize, 0usize);
    let mut stack = vec![doc];
    while let Some(v) = stack.pop() {
        nodes += 1;
        match v {
            Value::String(s) => text += s.len(),
            Value::Array(items) => stack.extend(items),
            Value::Object(map) => {
                for (k, v) in map {
                    text += k.len();
                    stack.push(v);
                }
            }
            _ => {}
        }
        if nodes > SMALL_NODES || text > SMALL_TEXT_BYTES {
            return false;
        }
    }
    true
}

/// Two revisions' differences, within the API's limits.
pub struct Diff {
    pub changes: Vec<PathChange>,
    pub unified: String,
    pub truncated: bool,
}

impl Ops {
    /// Gives the stored document of a proposed schema version back when it compiles, with a
    /// Protobuf version's config message pinned by its full name, and the compiled contract.
    pub async fn compile_contract(
        &self,
        tenant: TenantId,
        document: Value,
    ) -> Result<(Value, Arc<Contract>), ApiError> {
        self.compute
            .run(tenant, Task::SchemaCompile, move || {
                Contract::from_document(&document).map(|c| (pin_message(document, &c), Arc::new(c)))
            })
            .await?
            .map_err(contract_error)
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
        if let Some(hit) = compiled
            .as_ref()
            .filter(|_| is_small(doc) && !cache.is_slow(&hash))
        {
            let started = Instant::now();
            let cpu_started = thread_cpu::now();
            let violations = hit.validate(doc);
            let took = started.elapsed();
            self.compute.record_inline(Task::Validation, took);
            // CPU time, not the wall clock: a preempted thread is not a slow schema.
            let cpu = thread_cpu::now()
                .zip(cpu_started)
                .map_or(took, |(end, start)| end.saturating_sub(start));
            if cpu > INLINE_BUDGET {
                cache.mark_slow(&hash);
            }
            return Ok(violations);
        }
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

#[cfg(test)]
mod tests {
    use super::is_small;
    use serde_json::json;

    #[test]
    fn small_means_few_values_and_little_text() {
        assert!(is_small(
            &json!({"timeout": 5, "features": {"a": [1, 2, 3]}})
        ));
        let many: Vec<u32> = (0..600).collect();
        assert!(!is_small(&json!({ "items": many })));
        assert!(!is_small(&json!({"blob": "x".repeat(20_000)})));
        let long_keys: serde_json::Map<String, serde_json::Value> = (0..100)
            .map(|i| (format!("{i}{}", "k".repeat(200)), json!(1)))
            .collect();
        assert!(!is_small(&serde_json::Value::Object(long_keys)));
    }
}
