//! What deployments and rollbacks share: the plan of a change (constraints both ways, the bound
//! config against the new version's schema, migrated where a chain leads there) and its
//! application.

use super::TenantWrite;
use crate::actors::{CheckDeployment, CheckTogether, MigrationFailure, Tenant};
use crate::error::ApiError;
use crate::migrating::{binding_created, chain_between, describe, run_chain, store_migrated};
use uuid::Uuid;
use versiqii_api::events::DeploymentProblem;
use versiqii_api::v1::{MigratedConfig, Plan, PlanProblem};
use versiqii_core::graph::{Deployed, TargetVersionId};
use versiqii_store::{
    BindingRow, NewBinding, NewDeployment, RevisionRow, SchemaVersionRow, TargetVersionRow,
    TenantTx,
};

pub use crate::actors::ChainStep;

/// What the plan broke (when forced), as events name it.
pub fn event_problems(plan: &Plan) -> Vec<DeploymentProblem> {
    plan.problems
        .iter()
        .map(|p| DeploymentProblem {
            kind: p.kind.clone(),
            message: p.message.clone(),
        })
        .collect()
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

/// For each of `tvs` (of distinct targets): the version its target runs in the environment now,
/// and every constraint it would break if all of `tvs` were deployed there together. With one
/// version this is `constraint_problems`' answer.
pub async fn constraint_problems_together(
    tx: &TenantTx,
    actors: &Tenant,
    env: &str,
    tvs: &[&TargetVersionRow],
) -> Result<Vec<(Option<String>, Vec<PlanProblem>)>, ApiError> {
    let current = tx.current_deployments(Some(env)).await?;
    let mut deployed = Deployed::new(env);
    for d in &current {
        deployed.insert(d.target.clone(), TargetVersionId(d.target_version_id));
    }
    let from: Vec<Option<String>> = tvs
        .iter()
        .map(|tv| {
            current
                .iter()
                .find(|d| d.target_id == tv.target_id)
                .map(|d| d.version.clone())
        })
        .collect();
    let violations = actors
        .graph
        .send(CheckTogether {
            deployed,
            candidates: tvs
                .iter()
                .map(|tv| (tv.target.clone(), TargetVersionId(tv.id)))
                .collect(),
        })
        .await
        .map_err(anyhow::Error::from)?
        .map_err(|_| ApiError::Unavailable("the version graph is loading; retry"))?
        .map_err(anyhow::Error::from)?;
    Ok(from
        .into_iter()
        .zip(violations)
        .map(|(from, found)| {
            let problems = found
                .into_iter()
                .map(|v| PlanProblem {
                    kind: v.kind.as_str().to_owned(),
                    message: v.message,
                })
                .collect();
            (from, problems)
        })
        .collect())
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

/// The revision `binding` binds, and the schema version `tv` reads.
pub async fn bound_revision_and_schema(
    tx: &TenantTx,
    binding: &BindingRow,
    tv: &TargetVersionRow,
) -> Result<(RevisionRow, SchemaVersionRow), ApiError> {
    let revision = tx
        .revision(binding.config_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("bound revision vanished"))?;
    let schema = tx
        .schema_version_by_id(tv.schema_version_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("schema version vanished"))?;
    Ok((revision, schema))
}

/// Checks the bound config against `tv`'s schema, migrating it first when `tv` reads another
/// schema version and a chain of migrations leads there.
pub async fn bound_config_for(
    w: &TenantWrite,
    actors: &Tenant,
    binding: &BindingRow,
    tv: &TargetVersionRow,
) -> Result<BoundCheck, ApiError> {
    let tx = w.tx();
    let (revision, schema) = bound_revision_and_schema(tx, binding, tv).await?;
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
                Err(MigrationFailure::Busy { retry_after }) => {
                    return Err(ApiError::ComputeBusy { retry_after })
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
    let found = w.ops().violations(w.tenant(), &schema, doc).await?;
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
            described: describe(w, &revision, &from_schema, &to_schema, &steps, &doc).await?,
            source: revision,
            doc,
            steps,
        })),
    })
}

/// Stores the migrated config and binds it for `tv`.
pub async fn apply_migration(
    w: &mut TenantWrite,
    environment_id: Uuid,
    tv: &TargetVersionRow,
    migration: Box<PendingMigration>,
) -> Result<RevisionRow, ApiError> {
    let stored = store_migrated(w, &migration.source, tv, &migration.doc, &migration.steps).await?;
    let actor = w.actor().to_string();
    let row = w
        .tx()
        .insert_binding(NewBinding {
            environment_id,
            target_id: tv.target_id,
            target_version_id: tv.id,
            config_revision_id: stored.id,
            schema_version_id: tv.schema_version_id,
            created_by: &actor,
        })
        .await?;
    w.emit(binding_created(&row));
    Ok(stored)
}

/// The plan of moving a target in an environment, before anything is applied: safe when
/// nothing breaks, with its summary in words.
pub fn draft(
    env: &str,
    target: &str,
    from_version: Option<String>,
    to_version: &str,
    problems: Vec<PlanProblem>,
    migrations: Vec<MigratedConfig>,
) -> Plan {
    let mut plan = Plan {
        env: env.to_owned(),
        target: target.to_owned(),
        from_version,
        to_version: to_version.to_owned(),
        safe: problems.is_empty(),
        applied: false,
        forced: false,
        problems,
        migrations,
        summary: String::new(),
    };
    plan.summary = summarise(&plan);
    plan
}

/// Refuses an unsafe plan unless it is forced; the refusal carries `shown` (the plan, or the
/// view it is part of). Otherwise the plan is applied, and forced when unsafe.
pub fn apply_or_refuse(
    plan: &Plan,
    force: bool,
    shown: &impl serde::Serialize,
) -> Result<(), ApiError> {
    if plan.safe || force {
        return Ok(());
    }
    Err(ApiError::DeploymentRefused {
        summary: format!("refused: {}", plan.summary.replace('\n', "; ")),
        plan: serde_json::to_value(shown).map_err(anyhow::Error::from)?,
    })
}

/// Records an applied (or forced) move of `tv`'s target in an environment. The write's locks
/// come in the one order every write takes them (deployment slot, held already; the config
/// lineage when a bound config migrates; the environment's drift), then the deployment row,
/// which records `recorded` (the plan, or the view it is part of). The deployment goes before
/// any binding the move brings: that binding is then "made while it was current", which is
/// what a later rollback looks for.
pub async fn record_deployment(
    w: &mut TenantWrite,
    env: &str,
    environment_id: Uuid,
    tv: &TargetVersionRow,
    migrating: Option<&PendingMigration>,
    forced: bool,
    recorded: &impl serde::Serialize,
) -> Result<(), ApiError> {
    if let Some(migration) = migrating {
        w.tx().lock_config(migration.source.config_id).await?;
    }
    w.touch_env(env).await?;
    insert_deployment(w, environment_id, tv, forced, recorded).await
}

/// The deployment row alone, for a write that took its locks already (in the one order).
pub async fn insert_deployment(
    w: &mut TenantWrite,
    environment_id: Uuid,
    tv: &TargetVersionRow,
    forced: bool,
    recorded: &impl serde::Serialize,
) -> Result<(), ApiError> {
    let actor = w.actor().to_string();
    w.tx()
        .insert_deployment(NewDeployment {
            environment_id,
            target_id: tv.target_id,
            target_version_id: tv.id,
            forced,
            plan: &serde_json::to_value(recorded).map_err(anyhow::Error::from)?,
            created_by: &actor,
        })
        .await?;
    Ok(())
}

pub fn mark_applied(plan: &mut Plan) {
    plan.applied = true;
    plan.forced = !plan.safe;
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
