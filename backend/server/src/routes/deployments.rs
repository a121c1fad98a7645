//! Deployments: which target version an environment is meant to run. A change is checked
//! against the VersionGraph in both directions and against the environment's binding of that
//! target before anything is written; the plan says in words what would break.

use crate::actors::{ChainStep, CheckDeployment, Directory, MigrationFailure, Tenant};
use crate::auth::{perm, Authorized};
use crate::error::{ApiError, Problem};
use crate::migrating::{
    chain_between, describe, enqueue_binding_created, run_chain, store_migrated, MigratedConfig,
};
use crate::routes::drift::{drift_before, record_drift_change, refresh_drift};
use crate::routes::envs::parse_env;
use crate::routes::targets::parse_target;
use crate::schema_cache::SchemaCache;
use actix_web::{get, put, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use versiqii_core::graph::{Deployed, TargetVersionId};
use versiqii_store::{
    AuditRecord, BindingRow, DeploymentRow, NewBinding, NewDeployment, RevisionRow,
    TargetVersionRow, TenantTx,
};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetVersionRequest {
    pub version: String,
    /// Only show the plan.
    #[serde(default)]
    pub dry_run: bool,
    /// Record the change even if it breaks something; the drift matrix then shows it.
    #[serde(default)]
    pub force: bool,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PlanProblem {
    /// `requires-unmet`, `required-by-breaks`, `accepts-refuses`, `provider-refuses` or
    /// `binding-invalid`.
    pub kind: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Plan {
    pub env: String,
    pub target: String,
    pub from_version: Option<String>,
    pub to_version: String,
    pub safe: bool,
    pub applied: bool,
    pub forced: bool,
    pub problems: Vec<PlanProblem>,
    /// Bound configs that move to the new version's schema, with each one's diff.
    #[serde(default)]
    pub migrations: Vec<MigratedConfig>,
    /// The plan in words, one line per problem.
    pub summary: String,
}

#[derive(Serialize, ToSchema)]
pub struct DeploymentView {
    pub id: Uuid,
    pub env: String,
    pub target: String,
    pub version: String,
    pub forced: bool,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl From<DeploymentRow> for DeploymentView {
    fn from(r: DeploymentRow) -> Self {
        Self {
            id: r.id,
            env: r.env,
            target: r.target,
            version: r.version,
            forced: r.forced,
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeploymentList {
    pub items: Vec<DeploymentView>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    pub target: Option<String>,
}

/// The version of `tv`'s target deployed in the environment now, and every constraint that
/// deploying `tv` there would break (in both directions).
pub async fn constraint_problems(
    tx: &TenantTx,
    actors: &Tenant,
    env: &str,
    tv: &TargetVersionRow,
) -> Result<(Option<String>, Vec<PlanProblem>), ApiError> {
    let current = tx.current_deployments(Some(env)).await?;
    let mut deployed = Deployed::new(env);
    let mut from_version = None;
    for d in &current {
        if d.target_id == tv.target_id {
            from_version = Some(d.version.clone());
        }
        deployed.insert(d.target.clone(), TargetVersionId(d.target_version_id));
    }
    let violations = actors
        .graph
        .send(CheckDeployment {
            deployed,
            candidate: TargetVersionId(tv.id),
        })
        .await
        .map_err(anyhow::Error::from)?
        .map_err(|_| ApiError::Unavailable("the version graph is loading; retry"))?
        .map_err(anyhow::Error::from)?;
    let problems = violations
        .into_iter()
        .map(|v| PlanProblem {
            kind: v.kind.as_str().to_owned(),
            message: v.message,
        })
        .collect();
    Ok((from_version, problems))
}

/// What the environment's binding of a target needs when the target moves to `tv`.
pub enum BoundCheck {
    Valid,
    Invalid(PlanProblem),
    Migrates(Box<PendingMigration>),
}

pub struct PendingMigration {
    pub source: RevisionRow,
    pub doc: serde_json::Value,
    pub steps: Vec<ChainStep>,
    pub described: MigratedConfig,
}

/// Checks the bound config against `tv`'s schema, migrating it first when `tv` reads another
/// schema version and a chain of migrations leads there.
pub async fn bound_config_for(
    tx: &TenantTx,
    actors: &Tenant,
    schemas: &SchemaCache,
    binding: &BindingRow,
    tv: &TargetVersionRow,
) -> Result<BoundCheck, ApiError> {
    let revision = tx
        .revision(binding.config_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("bound revision vanished"))?;
    let schema = tx
        .schema_version_by_id(tv.schema_version_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("schema version vanished"))?;
    let name = format!("{}#{}", binding.config_name, binding.revision);
    let from_schema = format!("{}@{}", tv.family, binding.schema_version);
    let to_schema = format!("{}@{}", schema.family, schema.version);
    let mut migrated = None;
    if binding.schema_version_id != tv.schema_version_id {
        if let Some(steps) = chain_between(
            tx,
            tv.family_id,
            binding.schema_version_id,
            tv.schema_version_id,
        )
        .await?
        {
            match run_chain(actors, steps.clone(), revision.canonical.clone()).await {
                Ok(doc) => migrated = Some((doc, steps)),
                Err(MigrationFailure::Stopped) => {
                    return Err(ApiError::Unavailable("the migration pool"))
                }
                Err(e) => {
                    return Ok(BoundCheck::Invalid(PlanProblem {
                        kind: "migration-failed".into(),
                        message: format!(
                            "{name} bound in {} cannot move to {to_schema}: {e}",
                            binding.env
                        ),
                    }))
                }
            }
        }
    }
    let doc = migrated
        .as_ref()
        .map_or(&revision.canonical, |(doc, _)| doc);
    let compiled = schemas
        .get_or_compile(&schema.hash, &schema.document)
        .map_err(|e| anyhow::anyhow!("stored schema does not compile: {e}"))?;
    let found = compiled.validate(doc);
    if let Some(first) = found.first() {
        return Ok(BoundCheck::Invalid(PlanProblem {
            kind: "binding-invalid".into(),
            message: format!(
                "{name} bound in {}{} fails schema {to_schema} of {}@{} with {} violation(s), first at {}: {}",
                binding.env,
                if migrated.is_some() { " (after migration)" } else { "" },
                tv.target,
                tv.version,
                found.len(),
                if first.pointer.is_empty() { "/" } else { &first.pointer },
                first.message
            ),
        }));
    }
    Ok(match migrated {
        None => BoundCheck::Valid,
        Some((doc, steps)) => BoundCheck::Migrates(Box::new(PendingMigration {
            described: describe(&revision, &from_schema, &to_schema, &steps, &doc),
            source: revision,
            doc,
            steps,
        })),
    })
}

/// Stores the migrated config and binds it for `tv` (audited).
pub async fn apply_migration(
    tx: &TenantTx,
    environment_id: Uuid,
    tv: &TargetVersionRow,
    migration: Box<PendingMigration>,
    actor: &str,
) -> Result<RevisionRow, ApiError> {
    let stored = store_migrated(
        tx,
        &migration.source,
        tv,
        &migration.doc,
        &migration.steps,
        actor,
    )
    .await?;
    let row = tx
        .insert_binding(NewBinding {
            environment_id,
            target_id: tv.target_id,
            target_version_id: tv.id,
            config_revision_id: stored.id,
            schema_version_id: tv.schema_version_id,
            created_by: actor,
        })
        .await?;
    enqueue_binding_created(tx, &row).await?;
    Ok(stored)
}

pub fn summarise(plan: &Plan) -> String {
    let head = format!(
        "{} in {}: {} -> {}",
        plan.target,
        plan.env,
        plan.from_version.as_deref().unwrap_or("(none)"),
        plan.to_version
    );
    let mut lines = if plan.problems.is_empty() {
        vec![format!("{head}: nothing breaks")]
    } else {
        vec![format!("{head}: {} problem(s)", plan.problems.len())]
    };
    lines.extend(
        plan.problems
            .iter()
            .map(|p| format!("- {}: {}", p.kind, p.message)),
    );
    lines.extend(plan.migrations.iter().map(|m| {
        format!(
            "- migrates {}#{} from {} to {} in {} step(s)",
            m.config,
            m.from_revision,
            m.from_schema,
            m.to_schema,
            m.steps.len()
        )
    }));
    lines.join("\n")
}

/// Sets the version a target runs in an environment, after checking what would break.
#[utoipa::path(operation_id = "setDeploymentVersion", tag = "deployments", request_body = SetVersionRequest,
    params(("env" = String, Path), ("target" = String, Path)),
    security(("bearer" = ["registry:write"])), responses(
    (status = 200, body = Plan, description = "Applied, forced, or a dry run"),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "`deployment_refused`, with the `plan`")))]
#[put("/v1/envs/{env}/targets/{target}/version")]
pub async fn set_version(
    auth: Authorized<perm::RegistryWrite>,
    directory: web::Data<Directory>,
    schemas: web::Data<SchemaCache>,
    path: web::Path<(String, String)>,
    body: web::Json<SetVersionRequest>,
) -> Result<HttpResponse, ApiError> {
    let (env, target) = path.into_inner();
    let env = parse_env(&env)?;
    let target = parse_target(&target)?;
    let body = body.into_inner();
    let actor = auth.principal.actor();
    let tx = auth.begin().await?;
    let tv = tx
        .target_version_by_name(target.as_str(), &body.version)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("target version {target}@{}", body.version)))?;
    let environment = tx.ensure_env(env.as_str()).await?;
    tx.lock_deployment_slot(environment.id, tv.target_id)
        .await?;
    let actors = directory.tenant(auth.principal.tenant).await?;
    let drift_was = drift_before(&tx, &actors, &schemas, env.as_str()).await?;

    let (from_version, mut problems) = constraint_problems(&tx, &actors, env.as_str(), &tv).await?;

    // The config bound to this target here must be valid for the new version's schema: as it
    // is, or migrated along the family's migrations when the schema version changes.
    let mut pending = None;
    let bindings = tx.current_bindings(Some(env.as_str())).await?;
    if let Some(binding) = bindings.iter().find(|b| b.target == tv.target) {
        match bound_config_for(&tx, &actors, &schemas, binding, &tv).await? {
            BoundCheck::Valid => {}
            BoundCheck::Invalid(problem) => problems.push(problem),
            BoundCheck::Migrates(migration) => pending = Some(migration),
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
        migrations: pending.iter().map(|p| p.described.clone()).collect(),
        summary: String::new(),
    };
    plan.summary = summarise(&plan);
    if body.dry_run {
        return Ok(HttpResponse::Ok().json(plan));
    }
    if !safe && !body.force {
        return Err(ApiError::DeploymentRefused {
            summary: format!("refused: {}", plan.summary.replace('\n', "; ")),
            plan: serde_json::to_value(&plan).map_err(anyhow::Error::from)?,
        });
    }
    plan.applied = true;
    plan.forced = !safe;
    // The deployment goes first: a binding it brings is then "made while it was current",
    // which is what a later rollback looks for.
    tx.insert_deployment(NewDeployment {
        environment_id: environment.id,
        target_id: tv.target_id,
        target_version_id: tv.id,
        forced: plan.forced,
        plan: &serde_json::to_value(&plan).map_err(anyhow::Error::from)?,
        created_by: &actor,
    })
    .await?;
    if let Some(migration) = pending {
        let stored = apply_migration(&tx, environment.id, &tv, migration, &actor).await?;
        if let Some(m) = plan.migrations.first_mut() {
            m.revision = Some(stored.revision);
            m.revision_id = Some(stored.id);
        }
    }
    let plan_json = serde_json::to_value(&plan).map_err(anyhow::Error::from)?;
    tx.record_audit(AuditRecord {
        actor: &actor,
        action: if plan.forced {
            "deployment.force"
        } else {
            "deployment.set"
        },
        object: &format!("deployment:{env}/{target}@{}", tv.version),
        before_hash: None,
        after_hash: None,
    })
    .await?;
    tx.enqueue("deployment.changed", plan_json).await?;
    record_drift_change(&tx, &actors, &schemas, env.as_str(), drift_was).await?;
    tx.commit().await?;
    refresh_drift(&actors, env.as_str()).await;
    Ok(HttpResponse::Ok().json(plan))
}

/// Deployment history of an environment, newest first.
#[utoipa::path(operation_id = "listDeploymentHistory", tag = "deployments", params(("env" = String, Path), HistoryQuery),
    security(("bearer" = ["registry:read"])), responses(
    (status = 200, body = DeploymentList),
    (status = 401, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/envs/{env}/deployments")]
pub async fn history(
    auth: Authorized<perm::RegistryRead>,
    env: web::Path<String>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let env = parse_env(&env)?;
    let tx = auth.begin().await?;
    let rows = tx
        .deployment_history(env.as_str(), query.target.as_deref(), 500)
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(DeploymentList {
        items: rows.into_iter().map(Into::into).collect(),
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(set_version).service(history);
}
