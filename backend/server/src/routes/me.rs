//! Who a token belongs to.

use crate::auth::{perm, Authorized, PrincipalKind};
use crate::error::{ApiError, Problem};
use actix_web::{get, web, HttpResponse};
use versiqii_api::ids::TenantId;
use versiqii_api::v1::Me;

/// This module's part of the OpenAPI document (its tag is `auth`'s).
#[derive(utoipa::OpenApi)]
#[openapi(paths(me))]
pub struct Doc;

/// Who the bearer token belongs to, in which tenant, with which role.
#[utoipa::path(operation_id = "getMe", tag = "auth", security(("bearer" = ["session:read"])), responses(
    (status = 200, body = Me),
    (status = 401, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/me")]
pub async fn me(auth: Authorized<perm::SessionRead>) -> Result<HttpResponse, ApiError> {
    let tx = auth.begin().await?;
    let tenant = tx
        .tenant_row()
        .await?
        .ok_or_else(|| ApiError::Unauthenticated("this tenant no longer exists".into()))?;
    tx.commit().await?;
    let p = &auth.principal;
    Ok(HttpResponse::Ok().json(Me {
        tenant_id: TenantId::from(p.tenant.0),
        tenant_slug: tenant.slug,
        subject: p.id,
        kind: match p.kind {
            PrincipalKind::User => Me::USER,
            PrincipalKind::ApiKey => Me::API_KEY,
            PrincipalKind::Operator => Me::OPERATOR,
        }
        .to_owned(),
        role: p.role.to_string(),
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(me);
}
