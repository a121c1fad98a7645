//! Environments: where targets are deployed (`prod-eu`, `staging`).

use crate::auth::{perm, Authorized};
use crate::error::{ApiError, Problem};
use crate::ops::{envs, Ops};
use actix_web::{get, post, web, HttpResponse};
use versiqii_api::v1::{EnvList, EnvView, NewEnvRequest};
use versiqii_core::names::EnvName;
use versiqii_store::EnvRow;

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(create, list),
    tags((name = "environments", description = "Where targets are deployed"))
)]
pub struct Doc;

fn env_view(row: EnvRow) -> EnvView {
    EnvView {
        name: row.name,
        created_at: row.created_at,
    }
}

pub fn parse_env(text: &str) -> Result<EnvName, ApiError> {
    EnvName::parse(text).map_err(|e| ApiError::InvalidName(e.to_string()))
}

/// Creates an environment (bindings also create theirs on first use).
#[utoipa::path(operation_id = "createEnvironment", tag = "environments", request_body = NewEnvRequest,
    security(("bearer" = ["registry:write"])), responses(
    (status = 201, body = EnvView),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "`env_exists`")))]
#[post("/v1/envs")]
pub async fn create(
    auth: Authorized<perm::RegistryWrite>,
    ops: web::Data<Ops>,
    body: web::Json<NewEnvRequest>,
) -> Result<HttpResponse, ApiError> {
    let name = auth.env_to_act_in(&body.name)?;
    let row = envs::create(auth.write(&ops).await?, name).await?;
    Ok(HttpResponse::Created().json(env_view(row)))
}

/// Every environment.
#[utoipa::path(operation_id = "listEnvironments", tag = "environments", security(("bearer" = ["registry:read"])), responses(
    (status = 200, body = EnvList),
    (status = 401, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/envs")]
pub async fn list(auth: Authorized<perm::RegistryRead>) -> Result<HttpResponse, ApiError> {
    let tx = auth.begin().await?;
    let rows = tx.list_envs().await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(EnvList {
        items: rows.into_iter().map(env_view).collect(),
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create).service(list);
}
