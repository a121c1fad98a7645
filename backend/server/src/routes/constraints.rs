//! Constraints between target versions: the edges of the tenant's VersionGraph.

use crate::auth::{perm, Authorized};
use crate::error::{ApiError, Problem};
use crate::ops::{constraints, Ops};
use crate::routes::targets::parse_target;
use actix_web::{delete, get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;
use versiqii_store::ConstraintRow;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConstraintRequest {
    /// The constrained target version: `name@version` or its id.
    pub from: String,
    /// `requires` (needs `target` in `range`) or `accepts` (accepts consumer `target` in `range`).
    pub kind: String,
    pub target: String,
    /// Cargo/npm semver syntax (`>=1.5, <2`, `^1.2`, `1.x || 2.x`); exact or intervals for dates.
    pub range: String,
}

#[derive(Serialize, ToSchema)]
pub struct ConstraintView {
    pub id: Uuid,
    /// `name@version`.
    pub from: String,
    pub from_id: Uuid,
    pub kind: String,
    pub target: String,
    pub range: String,
    pub created_at: DateTime<Utc>,
}

impl From<ConstraintRow> for ConstraintView {
    fn from(r: ConstraintRow) -> Self {
        Self {
            id: r.id,
            from: format!("{}@{}", r.from_target, r.from_version),
            from_id: r.target_version_id,
            kind: r.kind,
            target: r.other_target,
            range: r.range,
            created_at: r.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct ConstraintList {
    pub items: Vec<ConstraintView>,
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ConstraintQuery {
    /// Only constraints from or about this target.
    pub target: Option<String>,
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
        from: body.from,
        kind: if body.kind == "accepts" {
            "accepts"
        } else {
            "requires"
        },
        target: other,
        range: body.range,
    };
    let row = constraints::create(auth.write(&ops).await?, req).await?;
    Ok(HttpResponse::Created().json(ConstraintView::from(row)))
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
        items: rows.into_iter().map(Into::into).collect(),
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
