//! Setting the version a target runs in an environment: checked against the VersionGraph in both
//! directions and against the environment's binding of that target before anything is written.

use super::plan::{
    apply_migration, apply_or_refuse, bound_config_for, constraint_problems, draft, event_problems,
    mark_applied, record_deployment, BoundCheck,
};
use super::TenantWrite;
use crate::error::ApiError;
use versiqii_api::events::DeploymentChanged;
use versiqii_api::v1::Plan;
use versiqii_api::AuditAction;
use versiqii_core::names::{EnvName, TargetName};

pub struct SetVersion {
    pub env: EnvName,
    pub target: TargetName,
    pub version: String,
    /// Only plan.
    pub dry_run: bool,
    /// Record the change even if it breaks something.
    pub force: bool,
}

/// What a refused plan's event says.
pub fn refusal_event(
    plan: &versiqii_api::v1::Plan,
    rollback: bool,
) -> versiqii_api::events::DeploymentRefused {
    versiqii_api::events::DeploymentRefused {
        env: plan.env.clone(),
        target: plan.target.clone(),
        from_version: plan.from_version.clone(),
        to_version: plan.to_version.clone(),
        rollback,
        problems: event_problems(plan),
        summary: plan.summary.clone(),
    }
}

pub async fn set_version(mut w: TenantWrite, req: SetVersion) -> Result<Plan, ApiError> {
    let (env, target) = (req.env.as_str(), req.target.as_str());
    let tv = w
        .tx()
        .target_version_by_name(target, &req.version)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("target version {target}@{}", req.version)))?;
    let environment = w.tx().ensure_env(env).await?;
    w.tx()
        .lock_deployment_slot(environment.id, tv.target_id)
        .await?;
    let actors = w.actors().await?;

    let (from_version, mut problems) = constraint_problems(w.tx(), &actors, env, &tv).await?;

    // The config bound to this target here must be valid for the new version's schema: as it
    // is, or migrated along the family's migrations when the schema version changes.
    let mut pending = None;
    let bindings = w.tx().current_bindings(Some(env)).await?;
    if let Some(binding) = bindings.iter().find(|b| b.target == tv.target) {
        match bound_config_for(&w, &actors, binding, &tv).await? {
            BoundCheck::Valid => {}
            BoundCheck::Invalid(problem) => problems.push(problem),
            BoundCheck::Migrates(migration) => pending = Some(migration),
        }
    }
    let migrations = pending.iter().map(|p| p.described.clone()).collect();
    let mut plan = draft(env, target, from_version, &tv.version, problems, migrations);
    if req.dry_run {
        return Ok(plan);
    }
    if let Err(e) = apply_or_refuse(&plan, req.force, &plan) {
        return Err(w.refuse(refusal_event(&plan, false), e).await);
    }
    mark_applied(&mut plan);
    let forced = plan.forced;
    record_deployment(
        &mut w,
        env,
        environment.id,
        &tv,
        pending.as_deref(),
        forced,
        &plan,
    )
    .await?;
    let mut migrated_configs = Vec::new();
    if let Some(migration) = pending {
        let stored = apply_migration(&mut w, environment.id, &tv, migration).await?;
        migrated_configs.push(format!("{}#{}", stored.name, stored.revision));
        if let Some(m) = plan.migrations.first_mut() {
            m.revision = Some(stored.revision);
            m.revision_id = Some(stored.id.into());
        }
    }
    w.audit(
        if plan.forced {
            AuditAction::DeploymentForce
        } else {
            AuditAction::DeploymentSet
        },
        format!("deployment:{env}/{target}@{}", tv.version),
        None,
        None,
    );
    w.emit(DeploymentChanged {
        env: env.to_owned(),
        target: target.to_owned(),
        from_version: plan.from_version.clone(),
        to_version: plan.to_version.clone(),
        forced: plan.forced,
        problems: event_problems(&plan),
        migrated_configs,
        summary: plan.summary.clone(),
    });
    w.commit().await?;
    Ok(plan)
}
