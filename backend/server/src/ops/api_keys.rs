//! API keys for pipelines: created with their secret shown once, revoked at once everywhere.

use super::TenantWrite;
use crate::auth::secrets;
use crate::error::ApiError;
use chrono::{DateTime, Utc};
use uuid::Uuid;
use versiqii_api::events::{ApiKeyCreated, ApiKeyRevoked};
use versiqii_api::AuditAction;
use versiqii_core::Scope;
use versiqii_store::{ApiKeyRow, NewApiKey};

pub struct CreateKey {
    /// The person creating it (`None` for an admin API key): their email must be verified.
    pub by_person: Option<Uuid>,
    /// Trimmed, 1 to 200 characters.
    pub name: String,
    pub scopes: Vec<Scope>,
    /// Valid environment names, each once; `None`: every environment.
    pub envs: Option<Vec<String>>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// The stored key and its secret, which is shown this once and never stored.
pub struct CreatedKey {
    pub row: ApiKeyRow,
    pub secret: String,
}

pub async fn create(mut w: TenantWrite, req: CreateKey) -> Result<CreatedKey, ApiError> {
    if let Some(person) = req.by_person {
        super::verification::require_verified(&w, person, "create API keys").await?;
    }
    let secret = secrets::new_api_key();
    let id = Uuid::new_v4();
    let actor = w.actor().to_string();
    let row = w
        .tx()
        .create_api_key(NewApiKey {
            id,
            name: &req.name,
            prefix: &secret.display_prefix(),
            key_hash: &secret.hash(),
            scopes: &req.scopes,
            envs: req.envs.as_deref(),
            created_by: &actor,
            expires_at: req.expires_at,
        })
        .await?;
    w.audit(
        AuditAction::ApiKeyCreate,
        format!("api_key:{id}"),
        None,
        Some(&hex::encode(secret.hash())),
    );
    w.emit(ApiKeyCreated {
        api_key_id: id,
        name: row.name.clone(),
        prefix: row.prefix.clone(),
        scopes: row.scopes().iter().map(|s| s.as_str().to_owned()).collect(),
        expires_at: row.expires_at,
        created_by: actor,
    });
    w.commit().await?;
    Ok(CreatedKey {
        row,
        secret: secret.expose().to_owned(),
    })
}

pub async fn revoke(mut w: TenantWrite, id: Uuid) -> Result<(), ApiError> {
    if !w.tx().revoke_api_key(id).await? {
        return Err(ApiError::NotFound(format!("API key {id}")));
    }
    w.audit(
        AuditAction::ApiKeyRevoke,
        format!("api_key:{id}"),
        None,
        None,
    );
    let revoked_by = w.actor().to_string();
    w.emit(ApiKeyRevoked {
        api_key_id: id,
        revoked_by,
    });
    w.key_revoked(id);
    w.commit().await
}
