//! Deployments: which target version an environment is meant to run. A change is checked
//! against the VersionGraph in both directions and against the environment's binding of that
//! target before anything is written; the plan says in words what would break.

use crate::auth::{perm, Authorized};
use crate::error::{ApiError, Problem};
use crate::ops::{deployments, Ops};
use crate::routes::envs::parse_env;
use crate::routes::targets::parse_target;
use actix_web::{get, put, web, HttpResponse};
use versiqii_api::v1::{DeploymentList, DeploymentView, HistoryQuery, Plan, SetVersionRequest};
use versiqii_store::DeploymentRow;

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(set_version, history),
    tags((name = "deployments", description = "What each environment is meant to run"))
)]
pub struct Doc;

fn deployment_view(r: DeploymentRow) -> DeploymentView {
    DeploymentView {
        id: r.id.into(),
        env: r.env,
        target: r.target,
        version: r.version,
        forced: r.forced,
        created_by: r.created_by,
        created_at: r.created_at,
    }
}

/// Sets the version a target runs in an environment, after checking what would break.
#[utoipa::path(operation_id = "setDeploymentVersion", tag = "deployments", request_body = SetVersionRequest,
    params(("env" = String, Path, pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 100), ("target" = String, Path, pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 100)),
    security(("bearer" = ["registry:write"])), responses(
    (status = 200, body = Plan, description = "Applied, forced, or a dry run"),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "`deployment_refused`, with the `plan`"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "`compute_time_exceeded`: the check took longer than one task may")))]
#[put("/v1/envs/{env}/targets/{target}/version")]
pub async fn set_version(
    auth: Authorized<perm::RegistryWrite>,
    ops: web::Data<Ops>,
    path: web::Path<(String, String)>,
    body: web::Json<SetVersionRequest>,
) -> Result<HttpResponse, ApiError> {
    let (env, target) = path.into_inner();
    let body = body.into_inner();
    let req = deployments::SetVersion {
        env: auth.env_to_act_in(&env)?,
        target: parse_target(&target)?,
        version: body.version,
        dry_run: body.dry_run,
        force: body.force,
    };
    let plan = deployments::set_version(auth.write(&ops).await?, req).await?;
    Ok(HttpResponse::Ok().json(plan))
}

/// Deployment history of an environment, newest first.
#[utoipa::path(operation_id = "listDeploymentHistory", tag = "deployments", params(("env" = String, Path, pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$", max_length = 100), HistoryQuery),
    security(("bearer" = ["registry:read"])), responses(
    (status = 200, body = DeploymentList),
    (status = 401, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/envs/{env}/deployments")]
pub async fn history(
    auth: Authorized<perm::RegistryRead>,
    env: web::Path<String>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let env = parse_env(&env)?;
    let tx = auth.begin().await?;
    let rows = tx
        .deployment_history(env.as_str(), query.target.as_deref(), 500)
        .await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(DeploymentList {
        items: rows.into_iter().map(deployment_view).collect(),
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(set_version).service(history);
}
