use crate::auth::{perm, Authorized, PrincipalKind};
use crate::error::{ApiError, Problem};
use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub tenant_id: Uuid,
    pub tenant_slug: String,
    /// The user's or the API key's id.
    pub subject: Uuid,
    /// `user` or `api_key`.
    pub kind: &'static str,
    pub role: String,
}

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
        tenant_id: p.tenant.0,
        tenant_slug: tenant.slug,
        subject: p.id,
        kind: match p.kind {
            PrincipalKind::User => "user",
            PrincipalKind::ApiKey => "api_key",
        },
        role: p.role.to_string(),
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(me);
}
