//! Environments (bindings and deployments also create theirs on first use).

use super::TenantWrite;
use crate::error::{ApiError, ErrorCode};
use versiqii_api::events::EnvironmentCreated;
use versiqii_api::AuditAction;
use versiqii_core::names::EnvName;
use versiqii_store::EnvRow;

pub async fn create(mut w: TenantWrite, name: EnvName) -> Result<EnvRow, ApiError> {
    let row = w
        .tx()
        .create_env(name.as_str())
        .await?
        .ok_or_else(|| ApiError::Conflict {
            code: ErrorCode::EnvExists,
            detail: format!("environment {name} already exists"),
        })?;
    w.audit(AuditAction::EnvCreate, format!("env:{name}"), None, None);
    w.emit(EnvironmentCreated {
        environment_id: row.id,
        env: row.name.clone(),
    });
    w.commit().await?;
    Ok(row)
}
