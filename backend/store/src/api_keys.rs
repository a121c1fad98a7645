use crate::{Store, StoreError, TenantTx};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, FromQueryResult};
use uuid::Uuid;
use versiqii_core::{Scope, TenantId};

pub struct NewApiKey<'a> {
    pub id: Uuid,
    pub name: &'a str,
    pub prefix: &'a str,
    pub key_hash: &'a [u8],
    pub scopes: &'a [Scope],
    /// The environments the key may act in (names, which hold no comma); every one when `None`.
    pub envs: Option<&'a [String]>,
    pub created_by: &'a str,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, FromQueryResult)]
pub struct ApiKeyRow {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    /// Comma-separated, as stored order.
    pub scopes: String,
    /// Comma-separated environment names; `None`: every environment.
    pub envs: Option<String>,
    pub created_by: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl ApiKeyRow {
    pub fn scopes(&self) -> Vec<Scope> {
        self.scopes
            .split(',')
            .filter_map(|s| s.parse().ok())
            .collect()
    }

    pub fn envs(&self) -> Option<Vec<String>> {
        split_envs(self.envs.as_deref())
    }
}

/// Stored environment names, `None` for "every one".
pub fn split_envs(envs: Option<&str>) -> Option<Vec<String>> {
    envs.map(|e| {
        e.split(',')
            .filter(|n| !n.is_empty())
            .map(str::to_owned)
            .collect()
    })
}

/// What authentication needs to know about a presented key.
#[derive(Debug, Clone, FromQueryResult)]
pub struct ApiKeyAuth {
    pub tenant_id: Uuid,
    pub id: Uuid,
    pub key_hash: Vec<u8>,
    pub scopes: String,
    pub envs: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

const COLUMNS: &str = "id, name, prefix, array_to_string(scopes, ',') as scopes, \
                       array_to_string(envs, ',') as envs, created_by, expires_at, last_used_at, \
                       created_at";

impl Store {
    pub async fn find_api_key(&self, key_hash: &[u8]) -> Result<Option<ApiKeyAuth>, StoreError> {
        Ok(ApiKeyAuth::find_by_statement(TenantTx::stmt(
            "select tenant_id, id, key_hash, array_to_string(scopes, ',') as scopes,
                    array_to_string(envs, ',') as envs, expires_at, revoked_at
             from auth_find_api_key($1)",
            [key_hash.to_vec().into()],
        ))
        .one(&self.app)
        .await?)
    }
}

impl TenantTx {
    pub async fn create_api_key(&self, key: NewApiKey<'_>) -> Result<ApiKeyRow, StoreError> {
        let TenantId(tenant) = self.tenant();
        let scopes: Vec<&str> = key.scopes.iter().map(|s| s.as_str()).collect();
        let row = ApiKeyRow::find_by_statement(Self::stmt(
            &format!(
                "insert into api_keys (tenant_id, id, name, prefix, key_hash, scopes, created_by, expires_at, envs)
                 values ($1, $2, $3, $4, $5, string_to_array($6, ','), $7, $8, string_to_array($9, ','))
                 returning {COLUMNS}"
            ),
            [
                tenant.into(),
                key.id.into(),
                key.name.into(),
                key.prefix.into(),
                key.key_hash.to_vec().into(),
                scopes.join(",").into(),
                key.created_by.into(),
                key.expires_at.into(),
                sea_orm::Value::from(key.envs.map(|e| e.join(","))),
            ],
        ))
        .one(self.connection())
        .await?;
        row.ok_or_else(|| StoreError::Db(sea_orm::DbErr::RecordNotInserted))
    }

    /// Keys that are not revoked, newest first.
    pub async fn list_api_keys(&self) -> Result<Vec<ApiKeyRow>, StoreError> {
        Ok(ApiKeyRow::find_by_statement(Self::stmt(
            &format!(
                "select {COLUMNS} from api_keys where revoked_at is null order by created_at desc, id"
            ),
            [],
        ))
        .all(self.connection())
        .await?)
    }

    /// Returns whether a live key was revoked (false: unknown here, or already revoked).
    pub async fn revoke_api_key(&self, id: Uuid) -> Result<bool, StoreError> {
        let res = self
            .connection()
            .execute(Self::stmt(
                "update api_keys set revoked_at = now() where id = $1 and revoked_at is null",
                [id.into()],
            ))
            .await?;
        Ok(res.rows_affected() == 1)
    }

    /// Minute granularity: enough to tell an unused key, without a write on every request.
    /// Tells every instance, at commit, to forget a revoked key it may have cached.
    pub async fn notify_api_key_revoked(&self, id: Uuid) -> Result<(), StoreError> {
        self.connection()
            .execute(Self::stmt(
                "select pg_notify($1, $2)",
                [
                    crate::CHANGES_CHANNEL.into(),
                    format!("api-key-revoked:{id}").into(),
                ],
            ))
            .await?;
        Ok(())
    }

    pub async fn touch_api_key(&self, id: Uuid) -> Result<(), StoreError> {
        self.connection()
            .execute(Self::stmt(
                "update api_keys set last_used_at = now() where id = $1
                 and (last_used_at is null or last_used_at < now() - interval '1 minute')",
                [id.into()],
            ))
            .await?;
        Ok(())
    }
}
