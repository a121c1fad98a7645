//! Rollback in one call: a target in an environment goes back to an earlier deployment's
//! version together with the config that was bound while it ran (migrated down where the
//! schema moved on), constraints checked, in one transaction, audited.

use crate::actors::Directory;
use crate::auth::{perm, Authorized};
use crate::error::{ApiError, Problem};
use crate::migrating::enqueue_binding_created;
use crate::routes::deployments::{
    apply_migration, bound_config_for, constraint_problems, summarise, BoundCheck, Plan,
};
use crate::routes::drift::{drift_before, record_drift_change, refresh_drift};
use crate::routes::envs::parse_env;
use crate::routes::targets::parse_target;
use crate::schema_cache::SchemaCache;
use actix_web::{post, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use versiqii_store::{AuditRecord, BindingRow, NewBinding, NewDeployment};

#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RollbackRequest {
    /// Go back to this version (its newest deployment here); default: the deployment before
    /// the current one.
    pub to_version: Option<String>,
    /// Go back to this deployment (an id from the environment's history).
    pub to_deployment: Option<Uuid>,
    /// Only show the plan.
    #[serde(default)]
    pub dry_run: bool,
    /// Roll back even if a constraint or the restored config breaks.
    #[serde(default)]
    pub force: bool,
}

/// The config a rollback binds again.
#[derive(Serialize, ToSchema)]
pub struct RestoredConfig {
    pub config: String,
    pub revision: i32,
    pub revision_id: Uuid,
    /// Whether it was migrated to fit the restored version's schema.
    pub migrated: bool,
}

#[derive(Serialize, ToSchema)]
pub struct RollbackPlan {
    /// The deployment whose state is restored (absent when rolling back to a version that was
    /// never deployed here).
    pub to_deployment: Option<Uuid>,
    #[serde(flatten)]
    pub plan: Plan,
    /// The config bound again (after the rollback, or planned).
    pub config: Option<RestoredConfig>,
}

/// Rolls a target back to an earlier deployment's version and config.
#[utoipa::path(operation_id = "rollbackTarget", tag = "migrations", request_body = RollbackRequest,
    params(("env" = String, Path), ("target" = String, Path)),
    security(("bearer" = ["registry:write"])), responses(
    (status = 200, body = RollbackPlan, description = "Rolled back, forced, or a dry run"),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "`nothing_to_roll_back` or `deployment_refused`, with the `plan`")))]
#[post("/v1/envs/{env}/targets/{target}/rollback")]
pub async fn rollback(
    auth: Authorized<perm::RegistryWrite>,
    directory: web::Data<Directory>,
    schemas: web::Data<SchemaCache>,
    path: web::Path<(String, String)>,
    body: web::Json<RollbackRequest>,
) -> Result<HttpResponse, ApiError> {
    let (env, target) = path.into_inner();
    let env = parse_env(&env)?;
    let target = parse_target(&target)?;
    let body = body.into_inner();
    if body.to_version.is_some() && body.to_deployment.is_some() {
        return Err(ApiError::invalid(
            "/to_version",
            "give at most one of to_version and to_deployment",
        ));
    }
    let actor = auth.principal.actor();
    let tx = auth.begin().await?;
    let environment = tx
        .env(env.as_str())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("environment {env}")))?;
    let target_row = tx
        .target(target.as_str())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("target {target}")))?;
    tx.lock_deployment_slot(environment.id, target_row.id)
        .await?;
    let history = tx
        // All of it: an old deployment to restore needs its successor's time too.
        .deployment_history(env.as_str(), Some(target.as_str()), i64::MAX)
        .await?;
    let nothing = |detail: String| ApiError::Conflict {
        code: "nothing_to_roll_back",
        detail,
    };
    let Some(current) = history.first() else {
        return Err(nothing(format!("{target} was never deployed in {env}")));
    };
    // The deployment to restore, by its index in the history (newest first).
    let chosen =
        match (&body.to_deployment, &body.to_version) {
            (Some(id), _) => Some(history.iter().position(|d| d.id == *id).ok_or_else(|| {
                ApiError::not_found(format!("deployment {id} of {target} in {env}"))
            })?),
            (None, Some(version)) => history.iter().position(|d| &d.version == version),
            (None, None) => Some(1).filter(|&i| i < history.len()),
        };
    if chosen == Some(0) {
        return Err(nothing(format!(
            "deployment {} is the current one of {target} in {env}",
            current.id
        )));
    }
    if chosen.is_none() && body.to_version.is_none() {
        return Err(nothing(format!(
            "{target} has only one deployment in {env}; name a version with to_version"
        )));
    }
    let tv = match (chosen, &body.to_version) {
        (Some(i), _) => tx.target_version(history[i].target_version_id).await?,
        (None, Some(version)) => tx.target_version_by_name(target.as_str(), version).await?,
        (None, None) => None,
    }
    .ok_or_else(|| {
        ApiError::not_found(format!(
            "target version {target}@{}",
            body.to_version.as_deref().unwrap_or("?")
        ))
    })?;

    let actors = directory.tenant(auth.principal.tenant).await?;
    let drift_was = drift_before(&tx, &actors, &schemas, env.as_str()).await?;
    let (from_version, mut problems) = constraint_problems(&tx, &actors, env.as_str(), &tv).await?;

    // The config bound while the chosen deployment was current (until the next one), or,
    // rolling back to a version never deployed here, the one bound now.
    let current_binding: Option<BindingRow> = tx
        .current_bindings(Some(env.as_str()))
        .await?
        .into_iter()
        .find(|b| b.target == tv.target);
    let then = match chosen {
        Some(i) => {
            tx.binding_as_of(environment.id, target_row.id, history[i - 1].created_at)
                .await?
        }
        None => None,
    };
    let restore = then.or_else(|| current_binding.clone());
    let mut check = None;
    if let Some(binding) = &restore {
        match bound_config_for(&tx, &actors, &schemas, binding, &tv).await? {
            BoundCheck::Invalid(problem) => problems.push(problem),
            other => check = Some(other),
        }
    }

    let safe = problems.is_empty();
    let mut plan = Plan {
        env: env.to_string(),
        target: target.to_string(),
        from_version,
        to_version: tv.version.clone(),
        safe,
        applied: false,
        forced: false,
        problems,
        migrations: match &check {
            Some(BoundCheck::Migrates(m)) => vec![m.described.clone()],
            _ => Vec::new(),
        },
        summary: String::new(),
    };
    plan.summary = format!("rollback of {}", summarise(&plan));
    let mut view = RollbackPlan {
        to_deployment: chosen.map(|i| history[i].id),
        config: restore.as_ref().map(|b| RestoredConfig {
            config: b.config_name.clone(),
            revision: b.revision,
            revision_id: b.config_id,
            migrated: matches!(check, Some(BoundCheck::Migrates(_))),
        }),
        plan,
    };
    if body.dry_run {
        return Ok(HttpResponse::Ok().json(view));
    }
    if !safe && !body.force {
        return Err(ApiError::DeploymentRefused {
            summary: format!("refused: {}", view.plan.summary.replace('\n', "; ")),
            plan: serde_json::to_value(&view).map_err(anyhow::Error::from)?,
        });
    }
    view.plan.applied = true;
    view.plan.forced = !safe;
    tx.insert_deployment(NewDeployment {
        environment_id: environment.id,
        target_id: tv.target_id,
        target_version_id: tv.id,
        forced: view.plan.forced,
        plan: &serde_json::to_value(&view).map_err(anyhow::Error::from)?,
        created_by: &actor,
    })
    .await?;
    // A forced rollback whose config fails the restored version's schema leaves the binding
    // as it is (as a forced deployment does): a binding always records the schema its config
    // passed.
    match (check, &restore) {
        (Some(BoundCheck::Migrates(migration)), _) => {
            let stored = apply_migration(&tx, environment.id, &tv, migration, &actor).await?;
            if let Some(config) = view.config.as_mut() {
                config.revision = stored.revision;
                config.revision_id = stored.id;
            }
            if let Some(m) = view.plan.migrations.first_mut() {
                m.revision = Some(stored.revision);
                m.revision_id = Some(stored.id);
            }
        }
        (Some(BoundCheck::Valid), Some(binding)) => {
            let unchanged = current_binding
                .as_ref()
                .is_some_and(|c| c.config_id == binding.config_id && c.target_version_id == tv.id);
            if !unchanged {
                let row = tx
                    .insert_binding(NewBinding {
                        environment_id: environment.id,
                        target_id: tv.target_id,
                        target_version_id: tv.id,
                        config_revision_id: binding.config_id,
                        schema_version_id: tv.schema_version_id,
                        created_by: &actor,
                    })
                    .await?;
                enqueue_binding_created(&tx, &row).await?;
            }
        }
        _ => {}
    }
    let restored_hash = match &view.config {
        Some(c) => tx.revision(c.revision_id).await?.map(|r| r.hash),
        None => None,
    };
    tx.record_audit(AuditRecord {
        actor: &actor,
        action: "deployment.rollback",
        object: &format!("deployment:{env}/{target}@{}", tv.version),
        before_hash: None,
        after_hash: restored_hash.as_deref(),
    })
    .await?;
    let plan_json = serde_json::to_value(&view).map_err(anyhow::Error::from)?;
    tx.enqueue("deployment.rolled_back", plan_json).await?;
    record_drift_change(&tx, &actors, &schemas, env.as_str(), drift_was).await?;
    tx.commit().await?;
    refresh_drift(&actors, env.as_str()).await;
    Ok(HttpResponse::Ok().json(view))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(rollback);
}
