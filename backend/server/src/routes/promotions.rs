//! Promotion: what one environment runs, with its bound configs, copied to another in one
//! transaction, planned in words first; refused or forced as a whole, like a deployment.

use crate::auth::{perm, Authorized};
use crate::error::{ApiError, Problem};
use crate::ops::{promotion, Ops};
use crate::routes::envs::parse_env;
use crate::routes::targets::parse_target;
use actix_web::{post, web, HttpResponse};
use versiqii_api::v1::{PromotionPlan, PromotionRequest};

/// This module's part of the OpenAPI document (its tag is `deployments`').
#[derive(utoipa::OpenApi)]
#[openapi(paths(promote))]
pub struct Doc;

/// Copies one environment's deployments and bound configs to another, after checking what
/// would break there.
#[utoipa::path(operation_id = "promoteEnvironment", tag = "deployments", request_body = PromotionRequest,
    security(("bearer" = ["registry:write"])), responses(
    (status = 200, body = PromotionPlan, description = "Applied, forced, a dry run, or nothing to promote (no targets)"),
    (status = 400, body = Problem, content_type = "application/problem+json", description = "`same_environment`, or a name that does not parse"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json", description = "An environment, or a named target's deployment in `from`"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "`deployment_refused`, with the promotion's plan"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "`compute_time_exceeded`: a check took longer than one task may")))]
#[post("/v1/promotions")]
pub async fn promote(
    auth: Authorized<perm::RegistryWrite>,
    ops: web::Data<Ops>,
    body: web::Json<PromotionRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let targets = body
        .targets
        .iter()
        .map(|t| parse_target(t))
        .collect::<Result<Vec<_>, _>>()?;
    // Only the destination is written to: a key limited to it may promote into it.
    let req = promotion::Promote {
        from: parse_env(&body.from)?,
        to: auth.env_to_act_in(&body.to)?,
        targets,
        dry_run: body.dry_run,
        force: body.force,
    };
    let view = promotion::promote(auth.write(&ops).await?, req).await?;
    Ok(HttpResponse::Ok().json(view))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(promote);
}
