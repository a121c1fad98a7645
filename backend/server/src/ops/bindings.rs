//! Binding a config revision to an environment for a target version: validated against that
//! version's schema, migrated first when the version reads another schema version.

use super::TenantWrite;
use crate::actors::{ChainStep, Tenant};
use crate::error::{ApiError, ErrorCode};
use crate::migrating::{
    binding_created, chain_between, describe, failure_to_api, run_chain, store_migrated,
    validate_for,
};
use uuid::Uuid;
use versiqii_api::v1::MigratedConfig;
use versiqii_api::AuditAction;
use versiqii_core::names::EnvName;
use versiqii_store::{BindingRow, NewBinding, RevisionRow, SchemaVersionRow, TargetVersionRow};

pub struct Bind {
    /// The config revision's id.
    pub revision_id: Uuid,
    pub env: EnvName,
    /// Bind for this version of the config's target (default: the one it was written for).
    pub version: Option<String>,
    /// Refuse instead of migrating.
    pub no_migrate: bool,
}

pub struct Bound {
    pub binding: BindingRow,
    /// Present when the bound revision was migrated from the one asked for.
    pub migrated: Option<MigratedConfig>,
}

/// A config that does not validate is a refused binding: its event is recorded (the write rolls
/// back). Any other error is returned as it is.
async fn refused(
    w: TenantWrite,
    error: ApiError,
    env: &str,
    revision: &versiqii_store::RevisionRow,
    target: &versiqii_store::TargetVersionRow,
    schema: &versiqii_store::SchemaVersionRow,
    after_migration: bool,
) -> ApiError {
    let ApiError::ConfigInvalid {
        violations, count, ..
    } = &error
    else {
        return error;
    };
    let event = versiqii_api::events::BindingRefused {
        env: env.to_owned(),
        target: target.target.clone(),
        version: target.version.clone(),
        config: revision.name.clone(),
        revision: revision.revision,
        revision_id: revision.id,
        schema_version: format!("{}@{}", schema.family, schema.version),
        after_migration,
        violation_count: *count,
        violations: violations
            .iter()
            .take(20)
            .map(|v| {
                format!(
                    "{}: {}",
                    if v.pointer.is_empty() {
                        "/"
                    } else {
                        &v.pointer
                    },
                    v.message
                )
            })
            .collect(),
    };
    w.refuse(event, error).await
}

/// A revision migrated for another target version than it was written for.
pub struct Migration {
    pub doc: serde_json::Value,
    pub steps: Vec<ChainStep>,
    pub described: MigratedConfig,
}

/// What binding `revision` (written for `written_for`) for `target` takes: nothing when it is
/// valid for `target`'s schema as it is, or its migration along the family's chain when
/// `target` reads another schema version; otherwise why not, and (for an invalid config)
/// whether it failed after migrating.
pub async fn prepare(
    w: &TenantWrite,
    actors: &Tenant,
    revision: &RevisionRow,
    written_for: &TargetVersionRow,
    target: &TargetVersionRow,
    schema: &SchemaVersionRow,
    no_migrate: bool,
) -> Result<Option<Migration>, (ApiError, bool)> {
    if written_for.schema_version_id == target.schema_version_id {
        validate_for(w, schema, target, &revision.canonical, "")
            .await
            .map_err(|e| (e, false))?;
        return Ok(None);
    }
    let from_schema = format!("{}@{}", written_for.family, written_for.schema_version);
    let to_schema = format!("{}@{}", schema.family, schema.version);
    if no_migrate {
        return Err((
            ApiError::Conflict {
                code: ErrorCode::MigrationRequired,
                detail: format!(
                    "{}#{} was written for {from_schema}; {}@{} reads {to_schema}; bind without no_migrate to migrate it",
                    revision.name, revision.revision, target.target, target.version
                ),
            },
            false,
        ));
    }
    let steps = chain_between(
        w.tx(),
        target.family_id,
        written_for.schema_version_id,
        target.schema_version_id,
    )
    .await
    .map_err(|e| (e, false))?
    .ok_or_else(|| {
        (
            ApiError::Conflict {
                code: ErrorCode::NoMigrationPath,
                detail: format!(
                    "no chain of migrations leads from {from_schema} to {to_schema}; add one with `versiqii migrations add`"
                ),
            },
            false,
        )
    })?;
    let doc = run_chain(actors, steps.clone(), revision.canonical.clone())
        .await
        .map_err(|e| (failure_to_api(e), false))?;
    validate_for(w, schema, target, &doc, " after migration")
        .await
        .map_err(|e| (e, true))?;
    let described = describe(w, revision, &from_schema, &to_schema, &steps, &doc)
        .await
        .map_err(|e| (e, false))?;
    Ok(Some(Migration {
        doc,
        steps,
        described,
    }))
}

pub async fn bind(mut w: TenantWrite, req: Bind) -> Result<Bound, ApiError> {
    let env = req.env.as_str();
    let revision = w
        .tx()
        .revision(req.revision_id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("config revision {}", req.revision_id)))?;
    let written_for = w
        .tx()
        .target_version(revision.target_version_id)
        .await?
        .ok_or_else(|| ApiError::not_found("target version"))?;
    let target = match req.version.as_deref() {
        None => written_for.clone(),
        Some(version) => w
            .tx()
            .target_version_by_name(&written_for.target, version)
            .await?
            .ok_or_else(|| {
                ApiError::not_found(format!("target version {}@{version}", written_for.target))
            })?,
    };
    let schema = w
        .tx()
        .schema_version_by_id(target.schema_version_id)
        .await?
        .ok_or_else(|| ApiError::not_found("schema version"))?;
    let actors = w.actors().await?;
    // The revision and the schema never change: the config is migrated and validated before
    // any lock is taken, so a slow check holds up no other write.
    let migration = match prepare(
        &w,
        &actors,
        &revision,
        &written_for,
        &target,
        &schema,
        req.no_migrate,
    )
    .await
    {
        Ok(m) => m.map(|m| (m.doc, m.steps, m.described)),
        Err((e, after_migration)) => {
            return Err(refused(w, e, env, &revision, &target, &schema, after_migration).await)
        }
    };
    // Serialised with deployments and rollbacks of this target here, which may write a
    // migrated binding of their own: the later writer sees the earlier one's.
    let environment = w.tx().ensure_env(env).await?;
    w.tx()
        .lock_deployment_slot(environment.id, target.target_id)
        .await?;
    let (revision, migrated) = match migration {
        None => (revision, None),
        Some((doc, steps, mut described)) => {
            let stored = store_migrated(&mut w, &revision, &target, &doc, &steps).await?;
            described.revision = Some(stored.revision);
            described.revision_id = Some(stored.id.into());
            (stored, Some(described))
        }
    };
    w.touch_env(env).await?;
    let actor = w.actor().to_string();
    let row = w
        .tx()
        .insert_binding(NewBinding {
            environment_id: environment.id,
            target_id: target.target_id,
            target_version_id: target.id,
            config_revision_id: revision.id,
            schema_version_id: schema.id,
            created_by: &actor,
        })
        .await?;
    w.audit(
        AuditAction::BindingCreate,
        format!("binding:{env}/{}", target.target),
        None,
        Some(&revision.hash),
    );
    w.emit(binding_created(&row));
    w.commit().await?;
    Ok(Bound {
        binding: row,
        migrated,
    })
}
