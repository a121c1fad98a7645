use crate::app::Probes;
use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct Health {
    pub status: &'static str,
    pub postgres: Option<bool>,
    pub redis: Option<bool>,
}

/// Alive: the process answers. Says nothing about dependencies.
#[utoipa::path(operation_id = "getHealth", tag = "operations", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok",
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
    let health = Health {
        status: if pg.is_ok() && redis {
            "ok"
        } else {
            "unavailable"
        },
        postgres: Some(pg.is_ok()),
        redis: Some(redis),
    };
    if health.status == "ok" {
        HttpResponse::Ok().json(health)
    } else {
        HttpResponse::ServiceUnavailable().json(health)
    }
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(healthz).service(readyz);
}
