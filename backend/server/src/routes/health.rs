//! Liveness and readiness.

use crate::app::Probes;
use actix_web::{get, web, HttpResponse};
use versiqii_api::v1::Health;

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(healthz, readyz),
    tags((name = "operations", description = "Liveness and readiness"))
)]
pub struct Doc;

/// Alive: the process answers. Says nothing about dependencies.
#[utoipa::path(operation_id = "getHealth", tag = "operations", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
        postgres: None,
        redis: None,
    })
}

/// Ready: Postgres and Redis both answer. 503 otherwise, naming which one does not.
#[utoipa::path(operation_id = "getReadiness", tag = "operations", responses(
    (status = 200, body = Health), (status = 503, body = Health)))]
#[get("/readyz")]
pub async fn readyz(probes: web::Data<Probes>) -> HttpResponse {
    let (pg, redis) = futures_util::future::join(probes.store.ping(), probes.limiter.ping()).await;
    let ready = pg.is_ok() && redis;
    let health = Health {
        status: if ready { "ok" } else { "unavailable" }.into(),
        postgres: Some(pg.is_ok()),
        redis: Some(redis),
    };
    if ready {
        HttpResponse::Ok().json(health)
    } else {
        HttpResponse::ServiceUnavailable().json(health)
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(healthz).service(readyz);
}
