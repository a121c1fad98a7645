//! Declaring a target version: a version of a target (created with its first version) that
//! reads one schema version of the target's family.

use super::{GraphChange, TenantWrite};
use crate::error::{ApiError, ErrorCode};
use versiqii_api::events::TargetVersionCreated;
use versiqii_api::reference::TargetVersionRef;
use versiqii_api::AuditAction;
use versiqii_core::graph::{TargetVersion, TargetVersionId};
use versiqii_core::names::{FamilyName, TargetName};
use versiqii_core::version::Version;
use versiqii_store::{NewTargetVersion, TargetVersionRow, TenantTx};

/// A target version by its id or name.
pub async fn resolve(
    tx: &TenantTx,
    reference: &TargetVersionRef,
) -> Result<TargetVersionRow, ApiError> {
    let found = match reference {
        TargetVersionRef::Id(id) => tx.target_version(id.into_uuid()).await?,
        TargetVersionRef::Name(r) => tx.target_version_by_name(r.name(), r.version()).await?,
    };
    found.ok_or_else(|| ApiError::not_found(format!("target version {reference}")))
}

pub struct DeclareVersion {
    pub name: TargetName,
    pub family: FamilyName,
    pub version: Version,
    /// The schema version it reads (default: the family's latest).
    pub schema_version: Option<String>,
}

pub async fn create(mut w: TenantWrite, req: DeclareVersion) -> Result<TargetVersionRow, ApiError> {
    let (name, family, version) = (&req.name, &req.family, &req.version);
    let fam = w.tx().family(family.as_str()).await?.ok_or_else(|| {
        ApiError::not_found(format!("family {family} (add a schema to create it)"))
    })?;
    let schema = match &req.schema_version {
        Some(label) => w.tx().schema_version(fam.name.as_str(), label).await?,
        None => w.tx().schema_versions(fam.id).await?.pop(),
    }
    .ok_or_else(|| {
        ApiError::not_found(format!(
            "schema version {family}@{}",
            req.schema_version.as_deref().unwrap_or("(latest)")
        ))
    })?;
    let target_id = match w.tx().target(name.as_str()).await? {
        Some(t) if t.family_id != fam.id => {
            return Err(ApiError::Conflict {
                code: ErrorCode::TargetFamilyMismatch,
                detail: format!("target {name} belongs to family {}, not {family}", t.family),
            })
        }
        Some(t) => t.id,
        None => {
            super::quotas::claim(&mut w, crate::quota::Quota::Targets).await?;
            w.tx().create_target(name.as_str(), fam.id).await?
        }
    };
    if w.tx()
        .target_version_by_name(name.as_str(), &version.to_string())
        .await?
        .is_some()
    {
        return Err(ApiError::Conflict {
            code: ErrorCode::TargetVersionExists,
            detail: format!("{name}@{version} is already declared"),
        });
    }
    let row = w
        .tx()
        .insert_target_version(NewTargetVersion {
            target_id,
            version: &version.to_string(),
            scheme: version.scheme().as_str(),
            schema_version_id: schema.id,
        })
        .await?;
    w.audit(
        AuditAction::TargetVersionCreate,
        format!("target:{name}@{version}"),
        None,
        Some(&schema.hash),
    );
    w.emit(TargetVersionCreated {
        target_version_id: row.id,
        target: row.target.clone(),
        version: row.version.clone(),
        family: row.family.clone(),
        schema_version: row.schema_version.clone(),
    });
    w.graph_changed(GraphChange::Added(TargetVersion {
        id: TargetVersionId(row.id),
        target: row.target.clone(),
        version: req.version,
    }));
    w.commit().await?;
    Ok(row)
}
