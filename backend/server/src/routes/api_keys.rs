//! API keys for pipelines.

use crate::auth::{perm, Authorized};
use crate::error::{ApiError, FieldError, Problem};
use crate::ops::{api_keys, Ops};
use actix_web::{delete, get, post, web, HttpResponse};
use chrono::Utc;
use uuid::Uuid;
use versiqii_api::v1::{ApiKeyList, ApiKeyView, CreatedApiKey, NewApiKeyRequest};
use versiqii_core::Scope;
use versiqii_store::ApiKeyRow;

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(create, list, revoke),
    tags((name = "api-keys", description = "Keys for pipelines"))
)]
pub struct Doc;

fn api_key_view(row: ApiKeyRow) -> ApiKeyView {
    let scopes = row.scopes().iter().map(|s| s.as_str().to_owned()).collect();
    let environments = row.envs();
    ApiKeyView {
        id: row.id.into(),
        name: row.name,
        prefix: row.prefix,
        scopes,
        environments,
        created_by: row.created_by,
        expires_at: row.expires_at,
        last_used_at: row.last_used_at,
        created_at: row.created_at,
    }
}

/// A new key's environments: valid names, each once, 1 to 64 of them; `None`: every one.
fn parse_envs(body: &NewApiKeyRequest, errors: &mut Vec<FieldError>) -> Option<Vec<String>> {
    let given = body.environments.as_ref()?;
    if given.is_empty() || given.len() > 64 {
        errors.push(FieldError::new(
            "/environments",
            "name 1 to 64 environments, or leave it out for every one",
        ));
    }
    let mut envs: Vec<String> = Vec::new();
    for (i, text) in given.iter().enumerate() {
        match crate::routes::envs::parse_env(text) {
            Ok(env) if !envs.iter().any(|e| e == env.as_str()) => {
                envs.push(env.as_str().to_owned())
            }
            Ok(_) => {}
            Err(_) => errors.push(FieldError::new(
                &format!("/environments/{i}"),
                "an environment name: letters, digits, '.', '_' or '-', at most 100",
            )),
        }
    }
    envs.sort();
    Some(envs)
}

fn parse_new(body: &NewApiKeyRequest) -> Result<(Vec<Scope>, Option<Vec<String>>), ApiError> {
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
    let envs = parse_envs(body, &mut errors);
    if errors.is_empty() {
        scopes.sort();
        Ok((scopes, envs))
    } else {
        Err(ApiError::Invalid(errors))
    }
}

/// Creates an API key for pipelines. The secret is in the response once and never again.
#[utoipa::path(operation_id = "createApiKey", tag = "api-keys", request_body = NewApiKeyRequest,
    security(("bearer" = ["api-keys:write"])), responses(
    (status = 201, body = CreatedApiKey),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden`; `email_unverified`: the person has not verified their email yet; `env_not_allowed`: a key limited to some environments asked for a key beyond them"),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/v1/api-keys")]
pub async fn create(
    auth: Authorized<perm::ApiKeysWrite>,
    ops: web::Data<Ops>,
    body: web::Json<NewApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let (scopes, envs) = parse_new(&body)?;
    // A key limited to some environments makes only keys limited to (some of) them.
    match (&envs, auth.env_limit()) {
        (Some(envs), _) => auth.may_act_in(envs)?,
        (None, Some(limit)) => {
            return Err(ApiError::Unprocessable {
                code: crate::error::ErrorCode::EnvNotAllowed,
                detail: format!(
                    "this API key is limited to the environments {}; a key it creates must name \
                     some of them in `environments`",
                    limit.join(", ")
                ),
            })
        }
        (None, None) => {}
    }
    let req = api_keys::CreateKey {
        by_person: auth.person_id(),
        name: body.name.trim().to_owned(),
        scopes,
        envs,
        expires_at: body.expires_at,
    };
    let created = api_keys::create(auth.write(&ops).await?, req).await?;
    Ok(HttpResponse::Created().json(CreatedApiKey {
        key_info: api_key_view(created.row),
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
        items: rows.into_iter().map(api_key_view).collect(),
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
