//! Bindings: a config revision bound to an environment for the target version it was written
//! for, only ever after it validated against that version's schema.

use crate::auth::{perm, Authorized};
use crate::error::{ApiError, Problem};
use crate::ops::{bindings, Ops};
use crate::routes::envs::parse_env;
use actix_web::{get, post, web, HttpResponse};
use versiqii_api::v1::{BindingList, BindingQuery, BindingView, NewBindingRequest};
use versiqii_store::BindingRow;

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(create, list),
    tags((name = "bindings", description = "Validated configs bound to environments"))
)]
pub struct Doc;

fn binding_view(r: BindingRow) -> BindingView {
    BindingView {
        id: r.id.into(),
        env: r.env,
        config_id: r.config_id.into(),
        config_name: r.config_name,
        revision: r.revision,
        target: format!("{}@{}", r.target, r.target_version),
        target_version_id: r.target_version_id.into(),
        schema_version: r.schema_version,
        created_by: r.created_by,
        created_at: r.created_at,
        migrated: None,
    }
}

/// Validates a config revision against the schema its target version reads and binds it to the
/// environment. A config that fails gets 422 with every violation, and nothing is stored.
/// Bound for a version whose schema differs from the one it was written for, the config is
/// migrated first (the response's `migrated` shows the steps and the diff).
#[utoipa::path(operation_id = "createBinding", tag = "bindings", request_body = NewBindingRequest,
    security(("bearer" = ["registry:write"])), responses(
    (status = 201, body = BindingView),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "Unknown config revision or target version"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "`migration_required` (with `no_migrate`) or `no_migration_path`"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "`config_invalid`, with `violations`, `migration_failed`, `migration_output_too_large` or `migration_chain_too_long`, or `compute_time_exceeded`: the check took longer than one task may")))]
#[post("/v1/bindings")]
pub async fn create(
    auth: Authorized<perm::RegistryWrite>,
    ops: web::Data<Ops>,
    body: web::Json<NewBindingRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let req = bindings::Bind {
        revision_id: body.config_id.into_uuid(),
        env: auth.env_to_act_in(&body.env)?,
        version: body.version,
        no_migrate: body.no_migrate,
    };
    let bound = bindings::bind(auth.write(&ops).await?, req).await?;
    let mut view = binding_view(bound.binding);
    view.migrated = bound.migrated;
    Ok(HttpResponse::Created().json(view))
}

/// The current binding of each target in each environment (or in one).
#[utoipa::path(operation_id = "listBindings", tag = "bindings", params(BindingQuery), security(("bearer" = ["registry:read"])), responses(
    (status = 200, body = BindingList),
    (status = 401, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/bindings")]
pub async fn list(
    auth: Authorized<perm::RegistryRead>,
    query: web::Query<BindingQuery>,
) -> Result<HttpResponse, ApiError> {
    let env = query.env.as_deref().map(parse_env).transpose()?;
    let tx = auth.begin().await?;
    let rows = tx
        .current_bindings(env.as_ref().map(|e| e.as_str()))
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(BindingList {
        items: rows.into_iter().map(binding_view).collect(),
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create).service(list);
}
