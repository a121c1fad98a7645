//! Rollback in one call: a target in an environment goes back to an earlier deployment's
//! version together with the config that was bound while it ran (migrated down where the
//! schema moved on), constraints checked, in one transaction, audited.

use super::plan::{
    apply_migration, apply_or_refuse, bound_config_for, constraint_problems, draft, event_problems,
    mark_applied, record_deployment, BoundCheck,
};
use super::TenantWrite;
use crate::error::ApiError;
use crate::migrating::binding_created;
use versiqii_api::events::DeploymentRolledBack;
use versiqii_api::v1::{RestoredConfig, RollbackPlan, RollbackRequest};
use versiqii_api::AuditAction;
use versiqii_core::names::{EnvName, TargetName};
use versiqii_store::{BindingRow, NewBinding};

pub async fn rollback(
    mut w: TenantWrite,
    env: EnvName,
    target: TargetName,
    req: RollbackRequest,
) -> Result<RollbackPlan, ApiError> {
    if req.to_version.is_some() && req.to_deployment.is_some() {
        return Err(ApiError::invalid(
            "/to_version",
            "give at most one of to_version and to_deployment",
        ));
    }
    let environment = w
        .tx()
        .env(env.as_str())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("environment {env}")))?;
    let target_row = w
        .tx()
        .target(target.as_str())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("target {target}")))?;
    w.tx()
        .lock_deployment_slot(environment.id, target_row.id)
        .await?;
    let history = w
        .tx()
        // All of it: an old deployment to restore needs its successor's time too.
        .deployment_history(env.as_str(), Some(target.as_str()), i64::MAX)
        .await?;
    let nothing = |detail: String| ApiError::Conflict {
        code: crate::error::ErrorCode::NothingToRollBack,
        detail,
    };
    let Some(current) = history.first() else {
        return Err(nothing(format!("{target} was never deployed in {env}")));
    };
    // The deployment to restore, by its index in the history (newest first).
    let chosen = match (&req.to_deployment, &req.to_version) {
        (Some(id), _) => Some(
            history
                .iter()
                .position(|d| d.id == id.into_uuid())
                .ok_or_else(|| {
                    ApiError::not_found(format!("deployment {id} of {target} in {env}"))
                })?,
        ),
        (None, Some(version)) => history.iter().position(|d| &d.version == version),
        (None, None) => Some(1).filter(|&i| i < history.len()),
    };
    if chosen == Some(0) {
        return Err(nothing(format!(
            "deployment {} is the current one of {target} in {env}",
            current.id
        )));
    }
    if chosen.is_none() && req.to_version.is_none() {
        return Err(nothing(format!(
            "{target} has only one deployment in {env}; name a version with to_version"
        )));
    }
    let tv = match (chosen, &req.to_version) {
        (Some(i), _) => w.tx().target_version(history[i].target_version_id).await?,
        (None, Some(version)) => {
            w.tx()
                .target_version_by_name(target.as_str(), version)
                .await?
        }
        (None, None) => None,
    }
    .ok_or_else(|| {
        ApiError::not_found(format!(
            "target version {target}@{}",
            req.to_version.as_deref().unwrap_or("?")
        ))
    })?;

    let actors = w.actors().await?;
    let (from_version, mut problems) =
        constraint_problems(w.tx(), &actors, env.as_str(), &tv).await?;

    // The config bound while the chosen deployment was current (until the next one), or,
    // rolling back to a version never deployed here, the one bound now.
    let current_binding: Option<BindingRow> = w
        .tx()
        .current_bindings(Some(env.as_str()))
        .await?
        .into_iter()
        .find(|b| b.target == tv.target);
    let then = match chosen {
        Some(i) => {
            w.tx()
                .binding_as_of(environment.id, target_row.id, history[i - 1].created_at)
                .await?
        }
        None => None,
    };
    let restore = then.or_else(|| current_binding.clone());
    let mut check = None;
    if let Some(binding) = &restore {
        match bound_config_for(&w, &actors, binding, &tv).await? {
            BoundCheck::Invalid(problem) => problems.push(problem),
            other => check = Some(other),
        }
    }

    let migrations = match &check {
        Some(BoundCheck::Migrates(m)) => vec![m.described.clone()],
        _ => Vec::new(),
    };
    let mut plan = draft(
        env.as_str(),
        target.as_str(),
        from_version,
        &tv.version,
        problems,
        migrations,
    );
    plan.summary = format!("rollback of {}", plan.summary);
    let mut view = RollbackPlan {
        to_deployment: chosen.map(|i| history[i].id.into()),
        config: restore.as_ref().map(|b| RestoredConfig {
            config: b.config_name.clone(),
            revision: b.revision,
            revision_id: b.config_id.into(),
            migrated: matches!(check, Some(BoundCheck::Migrates(_))),
        }),
        plan,
    };
    if req.dry_run {
        return Ok(view);
    }
    if let Err(e) = apply_or_refuse(&view.plan, req.force, &view) {
        let event = super::deployments::refusal_event(&view.plan, true);
        return Err(w.refuse(event, e).await);
    }
    mark_applied(&mut view.plan);
    let migrating = match &check {
        Some(BoundCheck::Migrates(migration)) => Some(&**migration),
        _ => None,
    };
    let (env_name, forced) = (env.as_str(), view.plan.forced);
    record_deployment(
        &mut w,
        env_name,
        environment.id,
        &tv,
        migrating,
        forced,
        &view,
    )
    .await?;
    let actor = w.actor().to_string();
    // A forced rollback whose config fails the restored version's schema leaves the binding
    // as it is (as a forced deployment does): a binding always records the schema its config
    // passed.
    match (check, &restore) {
        (Some(BoundCheck::Migrates(migration)), _) => {
            let stored = apply_migration(&mut w, environment.id, &tv, migration).await?;
            if let Some(config) = view.config.as_mut() {
                config.revision = stored.revision;
                config.revision_id = stored.id.into();
            }
            if let Some(m) = view.plan.migrations.first_mut() {
                m.revision = Some(stored.revision);
                m.revision_id = Some(stored.id.into());
            }
        }
        (Some(BoundCheck::Valid), Some(binding)) => {
            let unchanged = current_binding
                .as_ref()
                .is_some_and(|c| c.config_id == binding.config_id && c.target_version_id == tv.id);
            if !unchanged {
                let row = w
                    .tx()
                    .insert_binding(NewBinding {
                        environment_id: environment.id,
                        target_id: tv.target_id,
                        target_version_id: tv.id,
                        config_revision_id: binding.config_id,
                        schema_version_id: tv.schema_version_id,
                        created_by: &actor,
                    })
                    .await?;
                w.emit(binding_created(&row));
            }
        }
        _ => {}
    }
    let restored_hash = match &view.config {
        Some(c) => w
            .tx()
            .revision(c.revision_id.into_uuid())
            .await?
            .map(|r| r.hash),
        None => None,
    };
    w.audit(
        AuditAction::DeploymentRollback,
        format!("deployment:{env}/{target}@{}", tv.version),
        None,
        restored_hash.as_deref(),
    );
    w.emit(DeploymentRolledBack {
        env: env.to_string(),
        target: target.to_string(),
        from_version: view.plan.from_version.clone(),
        to_version: view.plan.to_version.clone(),
        to_deployment: view.to_deployment.map(Into::into),
        forced: view.plan.forced,
        problems: event_problems(&view.plan),
        config: view
            .config
            .as_ref()
            .map(|c| format!("{}#{}", c.config, c.revision)),
        summary: view.plan.summary.clone(),
    });
    w.commit().await?;
    Ok(view)
}
