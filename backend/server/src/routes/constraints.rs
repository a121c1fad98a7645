//! Constraints between target versions: the edges of the tenant's VersionGraph.

use crate::auth::{perm, Authorized};
use crate::error::{ApiError, Problem};
use crate::ops::{constraints, Ops};
use crate::routes::targets::parse_target;
use actix_web::{delete, get, post, web, HttpResponse};
use uuid::Uuid;
use versiqii_api::v1::{ConstraintList, ConstraintQuery, ConstraintView, NewConstraintRequest};
use versiqii_store::ConstraintRow;

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(create, list, remove),
    tags((name = "graph", description = "Constraints between target versions (the VersionGraph)"))
)]
pub struct Doc;

fn constraint_view(r: ConstraintRow) -> ConstraintView {
    ConstraintView {
        id: r.id.into(),
        from: format!("{}@{}", r.from_target, r.from_version),
        from_id: r.target_version_id.into(),
        kind: r.kind,
        target: r.other_target,
        range: r.range,
        created_at: r.created_at,
    }
}

/// Adds a constraint edge. One that would close a dependency cycle is refused, naming it.
#[utoipa::path(operation_id = "createConstraint", tag = "graph", request_body = NewConstraintRequest,
    security(("bearer" = ["registry:write"])), responses(
    (status = 201, body = ConstraintView),
    (status = 400, body = Problem, content_type = "application/problem+json"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "`constraint_cycle` or `conflict`"),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/v1/constraints")]
pub async fn create(
    auth: Authorized<perm::RegistryWrite>,
    ops: web::Data<Ops>,
    body: web::Json<NewConstraintRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let other = parse_target(&body.target)?;
    if body.kind != "requires" && body.kind != "accepts" {
        return Err(ApiError::invalid(
            "/kind",
            "kind is `requires` or `accepts`",
        ));
    }
    let req = constraints::AddConstraint {
        from: crate::routes::targets::parse_target_version_ref(&body.from)?,
        kind: if body.kind == "accepts" {
            "accepts"
        } else {
            "requires"
        },
        target: other,
        range: body.range,
    };
    let row = constraints::create(auth.write(&ops).await?, req).await?;
    Ok(HttpResponse::Created().json(constraint_view(row)))
}

/// Constraints, optionally only those from or about one target.
#[utoipa::path(operation_id = "listConstraints", tag = "graph", params(ConstraintQuery), security(("bearer" = ["registry:read"])), responses(
    (status = 200, body = ConstraintList),
    (status = 401, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/constraints")]
pub async fn list(
    auth: Authorized<perm::RegistryRead>,
    query: web::Query<ConstraintQuery>,
) -> Result<HttpResponse, ApiError> {
    let tx = auth.begin().await?;
    let rows = tx.constraints(query.target.as_deref()).await?;
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(ConstraintList {
        items: rows.into_iter().map(constraint_view).collect(),
    }))
}

/// Removes a constraint edge.
#[utoipa::path(operation_id = "deleteConstraint", tag = "graph", params(("id" = Uuid, Path)), security(("bearer" = ["registry:write"])), responses(
    (status = 204, description = "Removed"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
#[delete("/v1/constraints/{id}")]
pub async fn remove(
    auth: Authorized<perm::RegistryWrite>,
    ops: web::Data<Ops>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    constraints::delete(auth.write(&ops).await?, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(create).service(list).service(remove);
}
