//! Promotion: what one environment runs, with its bound configs, copied to another in one
//! transaction. Each target's move is planned as a deployment is (constraints both ways, but
//! against the destination as it will be once every promoted version runs there) and its config
//! as a binding is (validated for the promoted version, migrated when that version reads another
//! schema than the config was written for). The whole is refused, or forced, as one plan.

use super::bindings::{prepare, Migration};
use super::plan::{
    apply_migration, bound_config_for, bound_revision_and_schema, constraint_problems_together,
    draft, insert_deployment, mark_applied, BoundCheck, PendingMigration,
};
use super::TenantWrite;
use crate::error::{ApiError, ErrorCode};
use crate::migrating::binding_created;
use std::collections::BTreeSet;
use uuid::Uuid;
use versiqii_api::events::{
    DeploymentChanged, PromotionApplied, PromotionProblem, PromotionRefused,
};
use versiqii_api::v1::{PlanProblem, PromotedConfig, PromotedTarget, PromotionPlan};
use versiqii_api::AuditAction;
use versiqii_core::canonical::content_hash;
use versiqii_core::names::{EnvName, TargetName};
use versiqii_store::{BindingRow, NewBinding, RevisionRow, TargetVersionRow};

pub struct Promote {
    pub from: EnvName,
    pub to: EnvName,
    /// Only these targets; empty: every one deployed in `from`.
    pub targets: Vec<TargetName>,
    /// Only plan.
    pub dry_run: bool,
    /// Record the promotion even if it breaks something.
    pub force: bool,
}

/// What becomes of a promoted target's config in the destination.
enum ConfigMove {
    /// The source binds none: the destination's own binding is checked as a deployment checks
    /// it (and migrated like one).
    Kept(Option<BoundCheck>),
    /// The source's bound revision, valid for the promoted version as it is.
    Binds(Box<RevisionRow>),
    /// The source's bound revision, migrated for the promoted version.
    Migrates(Box<PendingMigration>),
    /// The source's bound revision cannot be bound for the promoted version (the plan says why).
    Refused(PlanProblem),
}

struct Step {
    tv: TargetVersionRow,
    config: ConfigMove,
    /// The destination's binding of the target now.
    current: Option<BindingRow>,
}

impl Step {
    /// The config the destination would bind, as a bound revision's (name, hash).
    fn bound(&self) -> Option<(&str, String)> {
        match &self.config {
            ConfigMove::Binds(r) => Some((&r.name, r.hash.clone())),
            ConfigMove::Migrates(m) => Some((&m.source.name, content_hash(&m.doc))),
            ConfigMove::Kept(_) | ConfigMove::Refused(..) => None,
        }
    }

    /// Whether the destination binds this already (for the promoted version).
    fn binding_unchanged(&self) -> bool {
        match (&self.config, &self.current) {
            (ConfigMove::Kept(None | Some(BoundCheck::Valid)), _) => true,
            (ConfigMove::Kept(_) | ConfigMove::Refused(..), _) => false,
            (_, None) => false,
            (_, Some(current)) => {
                current.target_version_id == self.tv.id
                    && self.bound().is_some_and(|(name, hash)| {
                        current.config_name == name && current.config_hash == hash
                    })
            }
        }
    }
}

pub async fn promote(mut w: TenantWrite, req: Promote) -> Result<PromotionPlan, ApiError> {
    if req.from == req.to {
        return Err(ApiError::BadRequest {
            code: ErrorCode::SameEnvironment,
            detail: format!(
                "from and to are both {}: promote to another environment",
                req.to
            ),
        });
    }
    let (from, to) = (req.from.as_str(), req.to.as_str());
    let mut found = Vec::with_capacity(2);
    for env in [from, to] {
        let row = w.tx().env(env).await?;
        found.push(row.ok_or_else(|| ApiError::not_found(format!("environment {env}")))?);
    }
    let destination = found.swap_remove(1);
    let mut chosen = w.tx().current_deployments(Some(from)).await?;
    if !req.targets.is_empty() {
        let wanted: BTreeSet<&str> = req.targets.iter().map(|t| t.as_str()).collect();
        if let Some(missing) = wanted
            .iter()
            .find(|name| !chosen.iter().any(|d| d.target == **name))
        {
            return Err(ApiError::not_found(format!(
                "a deployment of {missing} in {from}"
            )));
        }
        chosen.retain(|d| wanted.contains(d.target.as_str()));
    }
    let ids: Vec<Uuid> = chosen.iter().map(|d| d.target_version_id).collect();
    let mut tvs = w.tx().target_versions(&ids).await?;
    tvs.sort_by(|a, b| a.target.cmp(&b.target));
    // Every slot in one order (as the targets' ids sort), so two promotions into one environment
    // wait for each other rather than deadlock.
    let mut slots: Vec<Uuid> = tvs.iter().map(|tv| tv.target_id).collect();
    slots.sort();
    for slot in slots {
        w.tx().lock_deployment_slot(destination.id, slot).await?;
    }
    let actors = w.actors().await?;
    let source_bindings = w.tx().current_bindings(Some(from)).await?;
    let mut destination_bindings = w.tx().current_bindings(Some(to)).await?;
    let current_versions = w.tx().current_deployments(Some(to)).await?;

    let mut steps = Vec::with_capacity(tvs.len());
    let mut unchanged = Vec::new();
    for tv in tvs {
        let current = destination_bindings
            .iter()
            .position(|b| b.target_id == tv.target_id)
            .map(|i| destination_bindings.swap_remove(i));
        let config = match source_bindings.iter().find(|b| b.target_id == tv.target_id) {
            Some(binding) => config_move(&w, &actors, binding, &tv).await?,
            None => ConfigMove::Kept(match &current {
                Some(binding) => Some(bound_config_for(&w, &actors, binding, &tv).await?),
                None => None,
            }),
        };
        let step = Step {
            tv,
            config,
            current,
        };
        let runs = current_versions
            .iter()
            .any(|d| d.target_version_id == step.tv.id);
        if runs && step.binding_unchanged() {
            unchanged.push(step.tv.target.clone());
        } else {
            steps.push(step);
        }
    }

    let moving: Vec<&TargetVersionRow> = steps.iter().map(|s| &s.tv).collect();
    let checked = constraint_problems_together(w.tx(), &actors, to, &moving).await?;
    let mut targets = Vec::with_capacity(steps.len());
    for (step, (from_version, mut problems)) in steps.iter().zip(checked) {
        let mut migrations = Vec::new();
        let config = match &step.config {
            ConfigMove::Kept(Some(BoundCheck::Invalid(problem))) => {
                problems.push(problem.clone());
                None
            }
            ConfigMove::Kept(Some(BoundCheck::Migrates(m))) => {
                migrations.push(m.described.clone());
                None
            }
            ConfigMove::Kept(_) => None,
            ConfigMove::Binds(r) => Some(promoted(r, false)),
            ConfigMove::Migrates(m) => {
                migrations.push(m.described.clone());
                Some(promoted(&m.source, true))
            }
            // Named by the problem; nothing is bound.
            ConfigMove::Refused(problem) => {
                problems.push(problem.clone());
                None
            }
        };
        let plan = draft(
            to,
            &step.tv.target,
            from_version,
            &step.tv.version,
            problems,
            migrations,
        );
        targets.push(PromotedTarget { plan, config });
    }
    let mut view = PromotionPlan {
        from: from.to_owned(),
        to: to.to_owned(),
        safe: targets.iter().all(|t| t.plan.safe),
        applied: false,
        forced: false,
        targets,
        unchanged,
        summary: String::new(),
    };
    view.summary = summary(&view);
    if req.dry_run || view.targets.is_empty() {
        return Ok(view);
    }
    if !view.safe && !req.force {
        let refusal = ApiError::DeploymentRefused {
            summary: refusal_detail(&view),
            plan: serde_json::to_value(&view).map_err(anyhow::Error::from)?,
        };
        let event = PromotionRefused {
            from: view.from.clone(),
            to: view.to.clone(),
            targets: moved(&view),
            problems: problems(&view),
            summary: view.summary.clone(),
        };
        return Err(w.refuse(event, refusal).await);
    }
    view.applied = true;
    view.forced = !view.safe;
    for target in &mut view.targets {
        mark_applied(&mut target.plan);
    }
    view.summary = summary(&view);
    apply(&mut w, destination.id, steps, &mut view).await?;
    w.emit(PromotionApplied {
        from: view.from.clone(),
        to: view.to.clone(),
        targets: moved(&view),
        forced: view.forced,
        problems: problems(&view),
        summary: view.summary.clone(),
    });
    w.commit().await?;
    Ok(view)
}

/// What binding the source's `binding` for `tv` takes, as `bindings create` would bind it; a
/// config that does not fit is a problem of the plan, not an error.
async fn config_move(
    w: &TenantWrite,
    actors: &crate::actors::Tenant,
    binding: &BindingRow,
    tv: &TargetVersionRow,
) -> Result<ConfigMove, ApiError> {
    let tx = w.tx();
    let (revision, schema) = bound_revision_and_schema(tx, binding, tv).await?;
    let written_for = tx
        .target_version(revision.target_version_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("target version vanished"))?;
    let name = format!("{}#{}", revision.name, revision.revision);
    let to_schema = format!("{}@{}", schema.family, schema.version);
    let problem = |kind: &str, message: String| PlanProblem {
        kind: kind.to_owned(),
        message,
    };
    Ok(
        match prepare(w, actors, &revision, &written_for, tv, &schema, false).await {
            Ok(None) => ConfigMove::Binds(Box::new(revision)),
            Ok(Some(Migration {
                doc,
                steps,
                described,
            })) => ConfigMove::Migrates(Box::new(PendingMigration {
                source: revision,
                doc,
                steps,
                described,
            })),
            Err((
                ApiError::ConfigInvalid {
                    count, violations, ..
                },
                after_migration,
            )) => {
                let first = violations.first();
                let at = first.map_or("/", |v| {
                    if v.pointer.is_empty() {
                        "/"
                    } else {
                        &v.pointer
                    }
                });
                let message = format!(
                    "{name} bound in {}{} fails schema {to_schema} of {}@{} with {count} violation(s), first at {at}: {}",
                    binding.env,
                    if after_migration { " (after migration)" } else { "" },
                    tv.target,
                    tv.version,
                    first.map_or("", |v| v.message.as_str()),
                );
                ConfigMove::Refused(problem("binding-invalid", message))
            }
            Err((
                ApiError::Conflict { detail, .. } | ApiError::Unprocessable { detail, .. },
                _,
            )) => {
                let message = format!(
                    "{name} bound in {} cannot move to {to_schema}: {detail}",
                    binding.env
                );
                ConfigMove::Refused(problem("migration-failed", message))
            }
            Err((other, _)) => return Err(other),
        },
    )
}

/// Writes an applied (or forced) promotion: locks in the one order every write takes them
/// (deployment slots, held already; config lineages; the destination's drift), then per target
/// its deployment row (when the version moves) before the binding it brings.
async fn apply(
    w: &mut TenantWrite,
    environment_id: Uuid,
    steps: Vec<Step>,
    view: &mut PromotionPlan,
) -> Result<(), ApiError> {
    let mut lineages: Vec<Uuid> = steps
        .iter()
        .filter_map(|s| match &s.config {
            ConfigMove::Migrates(m) | ConfigMove::Kept(Some(BoundCheck::Migrates(m))) => {
                Some(m.source.config_id)
            }
            _ => None,
        })
        .collect();
    lineages.sort();
    lineages.dedup();
    for lineage in lineages {
        w.tx().lock_config(lineage).await?;
    }
    w.touch_env(&view.to).await?;
    let actor = w.actor().to_string();
    for (step, target) in steps.into_iter().zip(view.targets.iter_mut()) {
        let tv = &step.tv;
        let moves = target.plan.from_version.as_deref() != Some(tv.version.as_str());
        if moves {
            insert_deployment(w, environment_id, tv, target.plan.forced, &*target).await?;
        }
        let unchanged = step.binding_unchanged();
        let mut migrated_configs = Vec::new();
        let bound = match step.config {
            // The destination binds that content for this version already.
            ConfigMove::Migrates(_) if unchanged => {
                let current = step.current.as_ref();
                if let (Some(c), Some(config)) = (current, target.config.as_mut()) {
                    config.revision = c.revision;
                    config.revision_id = c.config_id.into();
                }
                current.map(|b| b.config_hash.clone())
            }
            ConfigMove::Migrates(m) | ConfigMove::Kept(Some(BoundCheck::Migrates(m))) => {
                let stored = apply_migration(w, environment_id, tv, m).await?;
                migrated_configs.push(format!("{}#{}", stored.name, stored.revision));
                if let Some(m) = target.plan.migrations.first_mut() {
                    m.revision = Some(stored.revision);
                    m.revision_id = Some(stored.id.into());
                }
                if let Some(config) = target.config.as_mut() {
                    config.revision = stored.revision;
                    config.revision_id = stored.id.into();
                }
                Some(stored.hash)
            }
            ConfigMove::Binds(revision) if !unchanged => {
                let row = w
                    .tx()
                    .insert_binding(NewBinding {
                        environment_id,
                        target_id: tv.target_id,
                        target_version_id: tv.id,
                        config_revision_id: revision.id,
                        schema_version_id: tv.schema_version_id,
                        created_by: &actor,
                    })
                    .await?;
                w.emit(binding_created(&row));
                Some(revision.hash)
            }
            ConfigMove::Binds(revision) => Some(revision.hash),
            // A config that failed (forced) leaves the destination's binding as it is, as a
            // forced deployment does: a binding always records the schema its config passed.
            _ => step.current.as_ref().map(|b| b.config_hash.clone()),
        };
        w.audit(
            if target.plan.forced {
                AuditAction::PromotionForce
            } else {
                AuditAction::PromotionApply
            },
            format!("deployment:{}/{}@{}", view.to, tv.target, tv.version),
            None,
            bound.as_deref(),
        );
        if moves {
            w.emit(DeploymentChanged {
                env: view.to.clone(),
                target: tv.target.clone(),
                from_version: target.plan.from_version.clone(),
                to_version: target.plan.to_version.clone(),
                forced: target.plan.forced,
                problems: super::plan::event_problems(&target.plan),
                migrated_configs,
                summary: target.plan.summary.clone(),
            });
        }
    }
    Ok(())
}

/// The refusal in one line: the promotion's first line and its first problems (the plan in the
/// problem document has them all).
fn refusal_detail(view: &PromotionPlan) -> String {
    const SHOWN: usize = 10;
    let all = problems(view);
    let mut parts = vec![format!(
        "refused: {}",
        view.summary.lines().next().unwrap_or_default()
    )];
    parts.extend(
        all.iter()
            .take(SHOWN)
            .map(|p| format!("{}: {}: {}", p.target, p.kind, p.message)),
    );
    if all.len() > SHOWN {
        parts.push(format!("and {} more", all.len() - SHOWN));
    }
    parts.join("; ")
}

fn promoted(revision: &RevisionRow, migrated: bool) -> PromotedConfig {
    PromotedConfig {
        config: revision.name.clone(),
        revision: revision.revision,
        revision_id: revision.id.into(),
        migrated,
    }
}

fn moved(view: &PromotionPlan) -> Vec<String> {
    view.targets
        .iter()
        .map(|t| format!("{}@{}", t.plan.target, t.plan.to_version))
        .collect()
}

fn problems(view: &PromotionPlan) -> Vec<PromotionProblem> {
    view.targets
        .iter()
        .flat_map(|t| {
            t.plan.problems.iter().map(|p| PromotionProblem {
                target: t.plan.target.clone(),
                kind: p.kind.clone(),
                message: p.message.clone(),
            })
        })
        .collect()
}

/// One line for the whole promotion, then each target's plan in words.
fn summary(view: &PromotionPlan) -> String {
    let (from, to) = (&view.from, &view.to);
    if view.targets.is_empty() {
        return format!("nothing to promote: {to} runs what {from} runs, with the same configs");
    }
    let broken: usize = view.targets.iter().map(|t| t.plan.problems.len()).sum();
    let mut lines = vec![format!(
        "promotion of {} target(s) from {from} to {to}: {}",
        view.targets.len(),
        if broken == 0 {
            "nothing breaks".to_owned()
        } else {
            format!("{broken} problem(s)")
        }
    )];
    for target in &view.targets {
        lines.push(target.plan.summary.clone());
        if let Some(c) = &target.config {
            lines.push(format!(
                "- binds {}#{}{}",
                c.config,
                c.revision,
                if c.migrated { " (migrated)" } else { "" }
            ));
        }
    }
    if !view.unchanged.is_empty() {
        lines.push(format!("unchanged: {}", view.unchanged.join(", ")));
    }
    lines.join("\n")
}
