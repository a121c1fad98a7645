//! One module per resource, each with `configure()` and `#[utoipa::path]` on every handler.

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
pub mod me;
pub mod migrations;
pub mod rollback;
pub mod targets;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    health::configure(cfg);
    auth::configure(cfg);
    me::configure(cfg);
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
