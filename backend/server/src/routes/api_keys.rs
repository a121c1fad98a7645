use crate::auth::{perm, Authorized};
use crate::error::{ApiError, FieldError, Problem};
use crate::ops::{api_keys, Ops};
use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;
use versiqii_core::Scope;
use versiqii_store::ApiKeyRow;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiKeyRequest {
    /// What the key is for, e.g. `github-actions`.
    pub name: String,
    /// `read`, `write` and/or `admin`; the widest one decides what the key may do.
    #[schema(value_type = Vec<String>)]
    pub scopes: Vec<String>,
    /// When the key stops working; never when absent.
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Serialize, ToSchema)]
pub struct ApiKeyView {
    pub id: Uuid,
    pub name: String,
    /// The key's first characters, to tell keys apart; not secret.
    pub prefix: String,
    pub scopes: Vec<String>,
    pub created_by: String,
    pub expires_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedApiKey {
    #[serde(flatten)]
    pub key_info: ApiKeyView,
    /// The secret, shown only in this response. Send it as `Authorization: Bearer <key>`.
    pub key: String,
}

#[derive(Serialize, ToSchema)]
pub struct ApiKeyList {
    pub items: Vec<ApiKeyView>,
}

impl From<ApiKeyRow> for ApiKeyView {
    fn from(row: ApiKeyRow) -> Self {
        let scopes = row.scopes().iter().map(|s| s.as_str().to_owned()).collect();
        Self {
            id: row.id,
            name: row.name,
            prefix: row.prefix,
            scopes,
            created_by: row.created_by,
            expires_at: row.expires_at,
            last_used_at: row.last_used_at,
            created_at: row.created_at,
        }
    }
}

fn parse_new(body: &NewApiKeyRequest) -> Result<Vec<Scope>, ApiError> {
    let mut errors = Vec::new();
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(FieldError::new("/name", "a name has 1 to 200 characters"));
    }
    let mut scopes = Vec::new();
    for (i, s) in body.scopes.iter().enumerate() {
        match s.parse::<Scope>() {
            Ok(scope) if !scopes.contains(&scope) => scopes.push(scope),
            Ok(_) => {}
            Err(e) => errors.push(FieldError::new(&format!("/scopes/{i}"), e)),
        }
    }
    if body.scopes.is_empty() {
        errors.push(FieldError::new(
            "/scopes",
            "give at least one scope: read, write or admin",
        ));
    }
    if body.expires_at.is_some_and(|at| at <= Utc::now()) {
        errors.push(FieldError::new(
            "/expires_at",
            "the expiry must be in the future",
        ));
    }
    if errors.is_empty() {
        scopes.sort();
        Ok(scopes)
    } else {
        Err(ApiError::Invalid(errors))
    }
}

/// Creates an API key for pipelines. The secret is in the response once and never again.
#[utoipa::path(operation_id = "createApiKey", tag = "api-keys", request_body = NewApiKeyRequest,
    security(("bearer" = ["api-keys:write"])), responses(
    (status = 201, body = CreatedApiKey),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/v1/api-keys")]
pub async fn create(
    auth: Authorized<perm::ApiKeysWrite>,
    ops: web::Data<Ops>,
    body: web::Json<NewApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let scopes = parse_new(&body)?;
    let req = api_keys::CreateKey {
        name: body.name.trim().to_owned(),
        scopes,
        expires_at: body.expires_at,
    };
    let created = api_keys::create(auth.write(&ops).await?, req).await?;
    Ok(HttpResponse::Created().json(CreatedApiKey {
        key_info: created.row.into(),
        key: created.secret,
    }))
}

/// The tenant's live (unrevoked) API keys, newest first. Secrets are never listed.
#[utoipa::path(operation_id = "listApiKeys", tag = "api-keys", security(("bearer" = ["api-keys:read"])), responses(
    (status = 200, body = ApiKeyList),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/api-keys")]
pub async fn list(auth: Authorized<perm::ApiKeysRead>) -> Result<HttpResponse, ApiError> {
    let tx = auth.begin().await?;
    let rows = tx.list_api_keys().await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(ApiKeyList {
        items: rows.into_iter().map(Into::into).collect(),
    }))
}

/// Revokes a key at once; requests with it get 401 from then on.
#[utoipa::path(operation_id = "revokeApiKey", tag = "api-keys", params(("id" = Uuid, Path, description = "The key's id")),
    security(("bearer" = ["api-keys:write"])), responses(
    (status = 204, description = "Revoked"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/v1/api-keys/{id}")]
pub async fn revoke(
    auth: Authorized<perm::ApiKeysWrite>,
    ops: web::Data<Ops>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    api_keys::revoke(auth.write(&ops).await?, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create).service(list).service(revoke);
}
