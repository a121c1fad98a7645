//! One module per resource, each with `configure()`, `#[utoipa::path]` on every handler and its
//! part of the OpenAPI document, `Doc`.

pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod bindings;
pub mod configs;
pub mod constraints;
pub mod deployments;
pub mod drift;
pub mod envs;
pub mod families;
pub mod health;
pub mod invites;
pub mod me;
pub mod members;
pub mod migrations;
pub mod password;
pub mod rollback;
pub mod targets;
pub mod verification;

use actix_web::web;
use utoipa::OpenApi;

pub fn configure(cfg: &mut web::ServiceConfig) {
    health::configure(cfg);
    auth::configure(cfg);
    password::configure(cfg);
    verification::configure(cfg);
    me::configure(cfg);
    members::configure(cfg);
    invites::configure(cfg);
    api_keys::configure(cfg);
    audit::configure(cfg);
    families::configure(cfg);
    targets::configure(cfg);
    configs::configure(cfg);
    envs::configure(cfg);
    bindings::configure(cfg);
    constraints::configure(cfg);
    deployments::configure(cfg);
    drift::configure(cfg);
    migrations::configure(cfg);
    rollback::configure(cfg);
}

/// Every module's part of the OpenAPI document, in the order its tags are listed (a module whose
/// handlers share another's tag declares none).
pub fn docs() -> Vec<utoipa::openapi::OpenApi> {
    vec![
        auth::Doc::openapi(),
        password::Doc::openapi(),
        verification::Doc::openapi(),
        me::Doc::openapi(),
        members::Doc::openapi(),
        invites::Doc::openapi(),
        api_keys::Doc::openapi(),
        audit::Doc::openapi(),
        families::Doc::openapi(),
        targets::Doc::openapi(),
        configs::Doc::openapi(),
        envs::Doc::openapi(),
        bindings::Doc::openapi(),
        constraints::Doc::openapi(),
        deployments::Doc::openapi(),
        migrations::Doc::openapi(),
        rollback::Doc::openapi(),
        drift::Doc::openapi(),
        health::Doc::openapi(),
    ]
}
