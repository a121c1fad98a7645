//! A tenant's registry out as one archive and into an empty tenant from one (docs/archive.md).
//! An import checks everything before it writes anything, then writes every row in one
//! transaction: a refused archive leaves no trace but nothing.

use super::{Actor, GraphChange, Ops, TenantWrite};
use crate::error::{ApiError, ErrorCode};
use crate::quota::Quota;
use versiqii_api::events::TenantImported;
use versiqii_api::AuditAction;
use versiqii_core::archive::{self, ArchiveError, Packed, TenantRows};
use versiqii_core::TenantId;

/// An archive may unpack to this many times its compressed size (JSON compresses well).
const UNPACK_RATIO: u64 = 16;

pub struct Exported {
    pub packed: Packed,
    pub rows: TenantRows,
}

fn invalid(e: ArchiveError) -> ApiError {
    ApiError::Unprocessable {
        code: ErrorCode::ArchiveInvalid,
        detail: e.0,
    }
}

/// Reads the tenant's registry and packs it; then records the export in the audit chain (after
/// packing, so the archive carries the chain as it was before its own export).
pub async fn export(ops: &Ops, tenant: TenantId, actor: Actor) -> Result<Exported, ApiError> {
    // One snapshot: rows read in several statements agree with each other.
    let tx = ops.store.begin_snapshot_for(tenant).await?;
    let rows = tx.export_rows().await?;
    tx.commit().await?;
    // What an import would refuse is not exported: the stored rows themselves disagree.
    archive::verify_rows(&rows)
        .map_err(|e| anyhow::anyhow!("the tenant's rows do not verify: {e}"))?;
    // Serialising and compressing take a while: off the request workers.
    let (packed, rows) = tokio::task::spawn_blocking(move || {
        let (counts, files) = rows.to_files()?;
        Ok::<_, ArchiveError>((archive::pack(counts, &files)?, rows))
    })
    .await
    .map_err(anyhow::Error::from)?
    .map_err(|e| anyhow::anyhow!(e))?;
    let mut w = TenantWrite::open(ops, tenant, actor).await?;
    w.audit(
        AuditAction::TenantExport,
        "archive",
        None,
        Some(&packed.manifest_sha256),
    );
    w.commit().await?;
    Ok(Exported { packed, rows })
}

pub struct Imported {
    pub manifest_sha256: String,
    /// Rows per data file, as the manifest counts them (and the rows agree).
    pub counts: std::collections::BTreeMap<String, u64>,
    pub rows: TenantRows,
}

/// Checks an archive whole: its files against the manifest, its rows (hashes recomputed,
/// references, numbering) and its audit evidence. Writes nothing.
pub fn check(max_archive_bytes: usize, body: &[u8]) -> Result<Imported, ApiError> {
    let max = (max_archive_bytes as u64).saturating_mul(UNPACK_RATIO);
    let unpacked = archive::unpack(body, max).map_err(invalid)?;
    let rows = TenantRows::from_archive(&unpacked).map_err(invalid)?;
    archive::verify_rows(&rows).map_err(invalid)?;
    versiqii_store::verify_evidence(&rows.evidence).map_err(|e| invalid(ArchiveError(e)))?;
    Ok(Imported {
        manifest_sha256: unpacked.manifest_sha256,
        counts: unpacked.manifest.counts,
        rows,
    })
}

/// Imports a checked archive into `w`'s tenant, which must hold no registry data. With
/// `dry_run`, everything is checked (the tenant's emptiness and plan quotas too) and the write
/// rolls back.
pub async fn import(mut w: TenantWrite, archive: &Imported, dry_run: bool) -> Result<(), ApiError> {
    // Two imports into one tenant wait for each other: the second then finds it not empty.
    w.tx().lock_import().await?;
    if !w.tx().registry_is_empty().await? {
        return Err(ApiError::Conflict {
            code: ErrorCode::TenantNotEmpty,
            detail: "the organisation already holds registry data; import into an empty one".into(),
        });
    }
    let rows = &archive.rows;
    let plan = w.tx().plan_name().await?;
    for (quota, count) in [
        (Quota::Configs, rows.configs.len()),
        (Quota::Targets, rows.targets.len()),
    ] {
        if let Some(limit) = w.ops().plans.limit(&plan, quota) {
            if count as u64 > limit {
                return Err(ApiError::QuotaExceeded(format!(
                    "the archive holds {count} {}; the {plan} plan allows {limit}",
                    quota.noun()
                )));
            }
        }
    }
    if dry_run {
        return Ok(());
    }
    w.tx().import_rows(rows).await?;
    w.audit(
        AuditAction::TenantImport,
        "archive",
        None,
        Some(&archive.manifest_sha256),
    );
    w.emit(TenantImported {
        manifest_sha256: archive.manifest_sha256.clone(),
        families: rows.families.len() as u64,
        targets: rows.targets.len() as u64,
        configs: rows.configs.len() as u64,
        revisions: rows.revisions.len() as u64,
        environments: rows.environments.len() as u64,
    });
    // The graph reloads and every environment's drift is computed afresh on its next query.
    w.graph_changed(GraphChange::Reload);
    w.commit().await
}
