//! Moving a config to another schema version of its family: the shortest chain of stored
//! migrations, run by the tenant's MigrationActor, the result validated against the destination
//! schema and stored as a new revision linked to its source.

use crate::actors::{ChainStep, MigrationFailure, RunChain, Tenant};
use crate::error::ApiError;
use crate::ops::TenantWrite;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;
use versiqii_api::events::{BindingCreated, ConfigMigrated};
use versiqii_api::v1::{MigratedConfig, StepView};
use versiqii_api::AuditAction;
use versiqii_core::canonical::{canonical_json, content_hash};
use versiqii_core::document::{check_value, Caps, MAX_CONFIG_BYTES};
use versiqii_migrate::{find_path, Direction, Step, MAX_HOPS};
use versiqii_store::{
    BindingRow, NewRevision, RevisionRow, SchemaVersionRow, TargetVersionRow, TenantTx,
};

/// The chain of migrations from one schema version of a family to another; `None` when no
/// chain of stored migrations connects them.
pub async fn chain_between(
    tx: &TenantTx,
    family_id: Uuid,
    from: Uuid,
    to: Uuid,
) -> Result<Option<Vec<ChainStep>>, ApiError> {
    let rows = tx.migrations_of_family(family_id).await?;
    let edges: Vec<(Uuid, Uuid)> = rows
        .iter()
        .map(|m| (m.from_schema_version_id, m.to_schema_version_id))
        .collect();
    let Some(path) = find_path(&edges, from, to) else {
        return Ok(None);
    };
    // Refused before the programs are even read.
    if path.len() > MAX_HOPS {
        let version = |step: &Step, start: bool| {
            let m = &rows[step.edge];
            let version = match (step.direction, start) {
                (Direction::Up, true) | (Direction::Down, false) => &m.from_version,
                _ => &m.to_version,
            };
            format!("{}@{version}", m.family)
        };
        let (first, last) = (&path[0], &path[path.len() - 1]);
        return Err(failure_to_api(MigrationFailure::TooManyHops {
            from: version(first, true),
            to: version(last, false),
            hops: path.len(),
            max: MAX_HOPS,
        }));
    }
    let ids: Vec<Uuid> = path.iter().map(|s| rows[s.edge].id).collect();
    let mut sources: HashMap<Uuid, Arc<Vec<u8>>> = tx
        .migration_sources(&ids)
        .await?
        .into_iter()
        .map(|s| (s.id, Arc::new(s.source)))
        .collect();
    let mut steps = Vec::with_capacity(path.len());
    for step in path {
        let m = &rows[step.edge];
        let source = sources
            .remove(&m.id)
            .or_else(|| {
                steps
                    .iter()
                    .find(|s: &&ChainStep| s.migration_id == m.id)
                    .map(|s| s.source.clone())
            })
            .ok_or_else(|| anyhow::anyhow!("migration {} has no source", m.id))?;
        let (from, to) = match step.direction {
            Direction::Up => (&m.from_version, &m.to_version),
            Direction::Down => (&m.to_version, &m.from_version),
        };
        steps.push(ChainStep {
            migration_id: m.id,
            kind: m.kind.clone(),
            hash: m.hash.clone(),
            source,
            direction: step.direction,
            from: format!("{}@{from}", m.family),
            to: format!("{}@{to}", m.family),
        });
    }
    Ok(Some(steps))
}

/// Runs a chain in the tenant's MigrationActor.
pub async fn run_chain(
    actors: &Tenant,
    steps: Vec<ChainStep>,
    doc: Value,
) -> Result<Value, MigrationFailure> {
    if steps.is_empty() {
        return Ok(doc);
    }
    actors
        .migration
        .send(RunChain { steps, doc })
        .await
        .map_err(|_| MigrationFailure::Stopped)?
}

pub fn failure_to_api(err: MigrationFailure) -> ApiError {
    match err {
        MigrationFailure::Stopped => ApiError::Unavailable("the migration pool"),
        MigrationFailure::Busy { retry_after } => ApiError::ComputeBusy { retry_after },
        MigrationFailure::TooLong { limit_ms, .. } => ApiError::ComputeTooLong {
            what: "the migration",
            limit_ms,
        },
        quarantined @ MigrationFailure::Quarantined { .. } => ApiError::Unprocessable {
            code: crate::error::ErrorCode::MigrationQuarantined,
            detail: quarantined.to_string(),
        },
        too_large @ MigrationFailure::TooLarge { .. } => ApiError::Unprocessable {
            code: crate::error::ErrorCode::MigrationOutputTooLarge,
            detail: too_large.to_string(),
        },
        too_long @ MigrationFailure::TooManyHops { .. } => ApiError::Unprocessable {
            code: crate::error::ErrorCode::MigrationChainTooLong,
            detail: too_long.to_string(),
        },
        other => ApiError::Unprocessable {
            code: crate::error::ErrorCode::MigrationFailed,
            detail: other.to_string(),
        },
    }
}

/// Validates a (migrated) config against a schema, on the CPU pool; every violation in the
/// error.
pub async fn validate_for(
    w: &TenantWrite,
    schema: &SchemaVersionRow,
    target: &TargetVersionRow,
    doc: &Value,
    what: &str,
) -> Result<(), ApiError> {
    let violations = w.ops().violations(w.tenant(), schema, doc).await?;
    if violations.is_empty() {
        return Ok(());
    }
    Err(ApiError::ConfigInvalid {
        target: format!("{}@{}{what}", target.target, target.version),
        schema: format!("{}@{}", schema.family, schema.version),
        count: violations.len(),
        violations: violations
            .into_iter()
            .map(crate::error::violation_view)
            .collect(),
    })
}

pub async fn describe(
    w: &TenantWrite,
    source: &RevisionRow,
    from_schema: &str,
    to_schema: &str,
    steps: &[ChainStep],
    migrated: &Value,
) -> Result<MigratedConfig, ApiError> {
    let labels = (
        format!("{}#{} ({from_schema})", source.name, source.revision),
        format!("{} migrated ({to_schema})", source.name),
    );
    let diff = w
        .ops()
        .unified_diff(
            w.tenant(),
            source.canonical.clone(),
            migrated.clone(),
            labels,
        )
        .await?;
    Ok(MigratedConfig {
        config: source.name.clone(),
        from_revision: source.revision,
        from_revision_id: source.id.into(),
        revision: None,
        revision_id: None,
        from_schema: from_schema.to_owned(),
        to_schema: to_schema.to_owned(),
        steps: steps.iter().map(StepView::from).collect(),
        diff,
    })
}

/// Stores a migrated config as a revision of the source's lineage for `target`, linked to its
/// source, audited as `config.migrate` and announced as `config.migrated`; known content for
/// that target version is reused rather than copied (and not announced again).
pub async fn store_migrated(
    w: &mut TenantWrite,
    source: &RevisionRow,
    target: &TargetVersionRow,
    migrated: &Value,
    steps: &[ChainStep],
) -> Result<RevisionRow, ApiError> {
    // The chain checked every step's output; checked again here, where it would be stored,
    // whoever produced it: no revision holds more than an upload may.
    check_value(migrated, &Caps::CONFIG).map_err(|over| ApiError::Unprocessable {
        code: crate::error::ErrorCode::MigrationOutputTooLarge,
        detail: format!(
            "{}#{} migrated {over}; a config may not be",
            source.name, source.revision
        ),
    })?;
    // Revisions of one lineage are numbered one at a time (as uploads are).
    w.tx().lock_config(source.config_id).await?;
    let hash = content_hash(migrated);
    if let Some(known) = w
        .tx()
        .revision_with_content(source.config_id, &hash, target.id)
        .await?
    {
        return Ok(known);
    }
    let original = original_text(&source.format, migrated)?;
    let views: Vec<StepView> = steps.iter().map(StepView::from).collect();
    let migrated_by = serde_json::to_value(&views).map_err(anyhow::Error::from)?;
    let actor = w.actor().to_string();
    let stored = w
        .tx()
        .insert_revision(NewRevision {
            config_id: source.config_id,
            hash: &hash,
            target_version_id: target.id,
            format: &source.format,
            original: &original,
            canonical: migrated,
            parent_id: Some(source.id),
            migrated_by: Some(&migrated_by),
            created_by: &actor,
        })
        .await?;
    w.audit(
        AuditAction::ConfigMigrate,
        format!("config:{}#{}", stored.name, stored.revision),
        Some(&source.hash),
        Some(&stored.hash),
    );
    let schema_of = |step: Option<&ChainStep>, end: fn(&ChainStep) -> &String| {
        step.map(|s| end(s).clone()).unwrap_or_default()
    };
    w.emit(ConfigMigrated {
        revision_id: stored.id,
        config: stored.name.clone(),
        revision: stored.revision,
        hash: stored.hash.clone(),
        from_revision_id: source.id,
        from_revision: source.revision,
        from_schema: schema_of(steps.first(), |s| &s.from),
        to_schema: schema_of(steps.last(), |s| &s.to),
        steps: steps
            .iter()
            .map(|s| format!("{} {} -> {}", s.kind, s.from, s.to))
            .collect(),
    });
    Ok(stored)
}

/// A migrated config's text in its source's format, as an upload's would be: at most
/// [`MAX_CONFIG_BYTES`]. Indentation can take a config whose data is under the cap over it;
/// its canonical JSON (also YAML) is then the text, which the data's check keeps within it.
fn original_text(format: &str, migrated: &Value) -> Result<String, ApiError> {
    let pretty = match format {
        "yaml" => serde_yaml_ng::to_string(migrated).map_err(anyhow::Error::from)?,
        _ => serde_json::to_string_pretty(migrated).map_err(anyhow::Error::from)? + "\n",
    };
    if pretty.len() <= MAX_CONFIG_BYTES {
        return Ok(pretty);
    }
    Ok(canonical_json(migrated) + "\n")
}

/// The `binding.created` event, one shape for every binding written (by a bind, a deployment
/// that migrates, or a rollback).
pub fn binding_created(row: &BindingRow) -> BindingCreated {
    BindingCreated {
        binding_id: row.id,
        env: row.env.clone(),
        target: row.target.clone(),
        version: row.target_version.clone(),
        config: row.config_name.clone(),
        revision: row.revision,
        revision_id: row.config_id,
        hash: row.config_hash.clone(),
        schema_version: row.schema_version.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use versiqii_core::document::{parse_document, Format};

    #[test]
    fn a_migrated_text_is_never_larger_than_an_upload_may_be() {
        // Thirty levels of indentation in front of each of 20,000 short items: the data is
        // 120 KB as JSON, its YAML and pretty JSON renderings well over 256 KiB.
        let mut value = json!(vec!["ab"; 20_000]);
        for level in 0..30 {
            value = json!({ format!("k{level}"): value });
        }
        let data = canonical_json(&value).len();
        assert!(data < MAX_CONFIG_BYTES, "{data}");
        for format in ["yaml", "json"] {
            let text = original_text(format, &value).unwrap();
            assert!(text.len() <= MAX_CONFIG_BYTES, "{format}: {}", text.len());
            let parsed = Format::from_path_ext(format);
            let (back, _) = parse_document(text.as_bytes(), parsed).unwrap();
            assert_eq!(back, value, "{format}");
        }
        // Small ones keep their pretty rendering.
        let small = json!({"a": {"b": [1, 2]}});
        assert_eq!(
            original_text("yaml", &small).unwrap(),
            "a:\n  b:\n  - 1\n  - 2\n"
        );
    }
}
