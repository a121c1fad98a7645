//! Rollback in one call: a target in an environment goes back to an earlier deployment's
//! version together with the config that was bound while it ran (migrated down where the
//! schema moved on), constraints checked, in one transaction, audited.

use crate::auth::{perm, Authorized};
use crate::error::{ApiError, Problem};
use crate::ops::Ops;
use crate::routes::targets::parse_target;
use actix_web::{post, web, HttpResponse};
use versiqii_api::v1::{RollbackPlan, RollbackRequest};

/// This module's part of the OpenAPI document (its tag is `migrations`').
#[derive(utoipa::OpenApi)]
#[openapi(paths(rollback))]
pub struct Doc;

/// Rolls a target back to an earlier deployment's version and config.
#[utoipa::path(operation_id = "rollbackTarget", tag = "migrations", request_body = RollbackRequest,
    params(("env" = String, Path, pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 100), ("target" = String, Path, pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 100)),
    security(("bearer" = ["registry:write"])), responses(
    (status = 200, body = RollbackPlan, description = "Rolled back, forced, or a dry run"),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "`nothing_to_roll_back` or `deployment_refused`, with the `plan`"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "`compute_time_exceeded`: the check took longer than one task may")))]
#[post("/v1/envs/{env}/targets/{target}/rollback")]
pub async fn rollback(
    auth: Authorized<perm::RegistryWrite>,
    ops: web::Data<Ops>,
    path: web::Path<(String, String)>,
    body: web::Json<RollbackRequest>,
) -> Result<HttpResponse, ApiError> {
    let (env, target) = path.into_inner();
    let (env, target) = (auth.env_to_act_in(&env)?, parse_target(&target)?);
    let w = auth.write(&ops).await?;
    let view = crate::ops::rollback::rollback(w, env, target, body.into_inner()).await?;
    Ok(HttpResponse::Ok().json(view))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(rollback);
}
