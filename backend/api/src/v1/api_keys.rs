//! API keys for pipelines (`/v1/api-keys`).

use crate::ids::ApiKeyId;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewApiKeyRequest {
    /// What the key is for, e.g. `github-actions`.
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S", max_length = 200))]
    pub name: String,
    /// `read`, `write` and/or `admin`; the widest one decides what the key may do.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub scopes: Vec<String>,
    /// When the key stops working; never when absent.
    pub expires_at: Option<DateTime<Utc>>,
    /// The environments the key may act in (bind, deploy, roll back, report observations,
    /// create), 1 to 64 names; every environment when absent. A key limited to some may only
    /// create keys limited to those.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_items = 64, min_items = 1))]
    pub environments: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyView {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub id: ApiKeyId,
    pub name: String,
    /// The key's first characters, to tell keys apart; not secret.
    pub prefix: String,
    pub scopes: Vec<String>,
    /// The environments the key may act in; `null`: every one.
    #[serde(default)]
    pub environments: Option<Vec<String>>,
    pub created_by: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub key_info: ApiKeyView,
    /// The secret, shown only in this response. Send it as `Authorization: Bearer <key>`.
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiKeyList {
    pub items: Vec<ApiKeyView>,
}
