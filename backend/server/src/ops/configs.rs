//! Storing a config revision for a target version. The same data as the lineage's latest
//! revision (in any key order or format) is not stored twice.

use super::{TenantWrite, Written};
use crate::error::ApiError;
use versiqii_api::events::ConfigCreated;
use versiqii_api::reference::TargetVersionRef;
use versiqii_api::AuditAction;
use versiqii_core::canonical::content_hash;
use versiqii_core::document::Format;
use versiqii_core::names::ConfigName;
use versiqii_store::{NewRevision, RevisionRow};

pub struct CreateConfig {
    pub target: TargetVersionRef,
    /// The lineage's name (default: the target's).
    pub name: Option<String>,
    /// The text as uploaded, and what it parsed to (a JSON object).
    pub content: String,
    pub data: serde_json::Value,
    pub format: Format,
}

pub async fn create(
    mut w: TenantWrite,
    req: CreateConfig,
) -> Result<Written<RevisionRow>, ApiError> {
    let hash = content_hash(&req.data);
    let target = super::targets::resolve(w.tx(), &req.target).await?;
    let name = ConfigName::parse(req.name.as_deref().unwrap_or(&target.target))
        .map_err(|e| ApiError::InvalidName(e.to_string()))?;
    if !w.tx().config_exists(name.as_str()).await? {
        super::quotas::claim(&mut w, crate::quota::Quota::Configs).await?;
    }
    let config_id = w.tx().config_for_update(name.as_str()).await?;
    let latest = w.tx().latest_revision(config_id).await?;
    if let Some(latest) = &latest {
        if latest.hash == hash && latest.target_version_id == target.id {
            return Ok(Written::Existing(latest.clone()));
        }
    }
    let actor = w.actor().to_string();
    let row = w
        .tx()
        .insert_revision(NewRevision {
            config_id,
            hash: &hash,
            target_version_id: target.id,
            format: req.format.as_str(),
            original: &req.content,
            canonical: &req.data,
            parent_id: latest.as_ref().map(|l| l.id),
            migrated_by: None,
            created_by: &actor,
        })
        .await?;
    w.audit(
        AuditAction::ConfigCreate,
        format!("config:{name}#{}", row.revision),
        latest.as_ref().map(|l| l.hash.as_str()),
        Some(&hash),
    );
    w.emit(ConfigCreated {
        revision_id: row.id,
        config: row.name.clone(),
        revision: row.revision,
        hash: row.hash.clone(),
        target: format!("{}@{}", row.target, row.target_version),
        previous_revision_id: latest.map(|l| l.id),
    });
    w.commit().await?;
    Ok(Written::Created(row))
}
