//! One module per resource, each with `configure()` and `#[utoipa::path]` on every handler.

pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod health;
pub mod me;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    health::configure(cfg);
    auth::configure(cfg);
    me::configure(cfg);
    api_keys::configure(cfg);
    audit::configure(cfg);
}
