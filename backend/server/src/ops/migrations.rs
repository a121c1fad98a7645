//! Adding the migration of one edge between a family's schema versions. It must load (a lens
//! that parses; a module without imports and with the ABI's exports), and it is dry-run on
//! every config bound with the from-version.

use super::{Ops, WriteTicket, Written};
use crate::actors::{load_program, ChainStep};
use crate::compute::Task;
use crate::error::{ApiError, ErrorCode};
use crate::migrating::run_chain;
use sha2::{Digest, Sha256};
use std::sync::Arc;
use uuid::Uuid;
use versiqii_api::events::MigrationAdded;
use versiqii_api::v1::{DryRunResult, MigrationView};
use versiqii_api::AuditAction;
use versiqii_core::names::FamilyName;
use versiqii_migrate::Direction;
use versiqii_store::{FamilyRow, MigrationRow, NewMigration, SchemaVersionRow, TenantTx};

/// Bound configs dry-run when a migration is added; more are counted, not run.
const MAX_DRY_RUN: usize = 100;

pub struct AddMigration {
    pub family: FamilyName,
    pub from: String,
    pub to: String,
    /// `lens` or `wasm`.
    pub kind: &'static str,
    /// The lens text or the module's bytes.
    pub source: Vec<u8>,
    pub dry_run: bool,
}

/// A stored migration as the API shows it (without a dry run).
pub fn migration_view(m: MigrationRow) -> MigrationView {
    MigrationView {
        id: Some(m.id.into()),
        family: m.family,
        from: m.from_version,
        to: m.to_version,
        kind: m.kind,
        hash: m.hash,
        created_by: Some(m.created_by),
        created_at: Some(m.created_at),
        stored: true,
        dry_run: Vec::new(),
        failing: 0,
        not_dry_run: 0,
    }
}

/// Loads the program and dry-runs it on the bound configs holding no transaction and no lock
/// (programs may run for up to their deadline each), then stores it in a write of its own.
pub async fn add(
    ops: &Ops,
    ticket: WriteTicket,
    req: AddMigration,
) -> Result<Written<MigrationView>, ApiError> {
    let (family, kind) = (&req.family, req.kind);
    let hash = hex::encode(Sha256::digest(&req.source));
    let checked = Arc::new(req.source);
    load_in_sandbox(ops, &ticket, kind, checked.clone()).await?;
    let read = ticket.read(ops).await?;
    let fam = read
        .family(family.as_str())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("family {family}")))?;
    let from = schema_version_of(&read, family, &req.from).await?;
    let to = schema_version_of(&read, family, &req.to).await?;

    let actors = ops.directory.tenant(ticket.tenant()).await?;
    let step = trial_step(family, kind, &hash, checked.clone(), &from, &to);
    refuse_reverse_edge(&read, &fam, &from, &to).await?;
    let bound = read.current_bindings_on_schema(from.id).await?;
    let not_dry_run = bound.len().saturating_sub(MAX_DRY_RUN);
    let bound: Vec<_> = bound.into_iter().take(MAX_DRY_RUN).collect();
    let ids: Vec<Uuid> = bound.iter().map(|b| b.config_id).collect();
    let revisions: std::collections::HashMap<Uuid, serde_json::Value> = read
        .revisions(&ids)
        .await?
        .into_iter()
        .map(|r| (r.id, r.canonical))
        .collect();
    read.commit().await?;

    // No transaction from here until the write: programs run for up to their deadline each.
    let mut results = Vec::new();
    for binding in bound {
        let canonical = revisions
            .get(&binding.config_id)
            .cloned()
            .ok_or_else(|| anyhow::anyhow!("bound revision vanished"))?;
        let config = format!("{}#{}", binding.config_name, binding.revision);
        let mut result = DryRunResult {
            env: binding.env.clone(),
            target: binding.target.clone(),
            config,
            ok: true,
            error: None,
            violations: Vec::new(),
        };
        match run_chain(&actors, vec![step.clone()], canonical).await {
            Err(e) => {
                result.ok = false;
                result.error = Some(e.to_string());
            }
            Ok(migrated) => {
                result.violations = violation_views(ops, &ticket, &to, &migrated).await?;
                result.ok = result.violations.is_empty();
            }
        }
        results.push(result);
    }
    let failing = results.iter().filter(|r| !r.ok).count();

    if req.dry_run {
        return Ok(Written::Existing(MigrationView {
            id: None,
            family: family.to_string(),
            from: from.version,
            to: to.version,
            kind: kind.to_owned(),
            hash,
            created_by: None,
            created_at: None,
            stored: false,
            dry_run: results,
            failing,
            not_dry_run,
        }));
    }
    let mut w = ticket.open(ops).await?;
    // The family's migrations change one at a time; the edge is checked again under its lock.
    let fam = w
        .tx()
        .family_for_update(family.as_str())
        .await?
        .ok_or_else(|| ApiError::not_found(format!("family {family}")))?;
    refuse_reverse_edge(w.tx(), &fam, &from, &to).await?;
    let actor = w.actor().to_string();
    let row = w
        .tx()
        .insert_migration(NewMigration {
            family_id: fam.id,
            from_schema_version_id: from.id,
            to_schema_version_id: to.id,
            kind,
            source: &checked,
            hash: &hash,
            created_by: &actor,
        })
        .await?
        .ok_or_else(|| ApiError::Conflict {
            code: crate::error::ErrorCode::MigrationExists,
            detail: format!(
                "{family} already has a migration from {} to {}",
                from.version, to.version
            ),
        })?;
    w.audit(
        AuditAction::MigrationAdd,
        format!("migration:{family}/{}->{}", from.version, to.version),
        None,
        Some(&hash),
    );
    w.emit(MigrationAdded {
        migration_id: row.id,
        family: family.to_string(),
        from: from.version.clone(),
        to: to.version.clone(),
        kind: kind.to_owned(),
        hash: hash.clone(),
        failing,
    });
    w.commit().await?;
    let mut view = migration_view(row);
    view.dry_run = results;
    view.failing = failing;
    view.not_dry_run = not_dry_run;
    Ok(Written::Created(view))
}

/// An edge runs both ways: its reverse would never be used, so it is refused too.
async fn refuse_reverse_edge(
    tx: &TenantTx,
    fam: &FamilyRow,
    from: &SchemaVersionRow,
    to: &SchemaVersionRow,
) -> Result<(), ApiError> {
    let reversed = tx
        .migrations_of_family(fam.id)
        .await?
        .iter()
        .any(|m| m.from_schema_version_id == to.id && m.to_schema_version_id == from.id);
    if reversed {
        return Err(ApiError::Conflict {
            code: ErrorCode::MigrationExists,
            detail: format!(
                "{} already has a migration from {} to {}; it also runs down",
                fam.name, to.version, from.version
            ),
        });
    }
    Ok(())
}

/// A migration not stored, run on a sample config: for writing one (the console's live preview).
pub struct PreviewMigration {
    pub family: FamilyName,
    pub from: String,
    pub to: String,
    /// `lens` or `wasm`.
    pub kind: &'static str,
    pub source: Vec<u8>,
    pub sample: serde_json::Value,
}

/// Loads the program in the sandbox and runs it on the sample, then validates the output against
/// the to-version's schema. A program that fails is an answer (`ok: false`), not an error.
pub async fn preview(
    ops: &Ops,
    ticket: WriteTicket,
    req: PreviewMigration,
) -> Result<versiqii_api::v1::MigrationPreview, ApiError> {
    let (family, kind) = (&req.family, req.kind);
    let hash = hex::encode(Sha256::digest(&req.source));
    let source = Arc::new(req.source);
    load_in_sandbox(ops, &ticket, kind, source.clone()).await?;
    let read = ticket.read(ops).await?;
    let from = schema_version_of(&read, family, &req.from).await?;
    let to = schema_version_of(&read, family, &req.to).await?;
    read.commit().await?;
    let step = trial_step(family, kind, &hash, source, &from, &to);
    let actors = ops.directory.tenant(ticket.tenant()).await?;
    Ok(match run_chain(&actors, vec![step], req.sample).await {
        Err(e) => versiqii_api::v1::MigrationPreview {
            ok: false,
            output: None,
            error: Some(e.to_string()),
            violations: Vec::new(),
        },
        Ok(migrated) => {
            let violations = violation_views(ops, &ticket, &to, &migrated).await?;
            versiqii_api::v1::MigrationPreview {
                ok: violations.is_empty(),
                output: Some(migrated),
                error: None,
                violations,
            }
        }
    })
}

/// Loads a lens or module in the sandbox, on the compute pool, to see that it loads at all.
async fn load_in_sandbox(
    ops: &Ops,
    ticket: &WriteTicket,
    kind: &'static str,
    source: Arc<Vec<u8>>,
) -> Result<(), ApiError> {
    let runtime = ops.migrations.runtime.clone();
    // Compiling a WASM module is the costliest load: it gets a few tasks' time.
    let limit = ops.compute.task_limit() * 4;
    ops.compute
        .run_within(ticket.tenant(), Task::Migration, limit, move || {
            load_program(&runtime, kind, &source)
        })
        .await?
        .map_err(|message| ApiError::Unprocessable {
            code: ErrorCode::MigrationInvalid,
            detail: format!("the {kind} does not load: {message}"),
        })?;
    Ok(())
}

async fn schema_version_of(
    read: &TenantTx,
    family: &FamilyName,
    version: &str,
) -> Result<SchemaVersionRow, ApiError> {
    read.schema_version(family.as_str(), version)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("schema version {family}@{version}")))
}

/// A migration not stored yet, as one step `up` from `from` to `to` (a dry run or a preview).
fn trial_step(
    family: &FamilyName,
    kind: &str,
    hash: &str,
    source: Arc<Vec<u8>>,
    from: &SchemaVersionRow,
    to: &SchemaVersionRow,
) -> ChainStep {
    ChainStep {
        migration_id: Uuid::nil(),
        kind: kind.to_owned(),
        hash: hash.to_owned(),
        source,
        direction: Direction::Up,
        from: format!("{family}@{}", from.version),
        to: format!("{family}@{}", to.version),
    }
}

/// Where a migrated config breaks the to-version's schema, as the API shows it.
async fn violation_views(
    ops: &Ops,
    ticket: &WriteTicket,
    to: &SchemaVersionRow,
    migrated: &serde_json::Value,
) -> Result<Vec<versiqii_api::ViolationView>, ApiError> {
    Ok(ops
        .violations(ticket.tenant(), to, migrated)
        .await?
        .into_iter()
        .map(crate::error::violation_view)
        .collect())
}
