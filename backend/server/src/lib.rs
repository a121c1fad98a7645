//! The Versiqii API server: actix-web, authentication, Casbin RBAC, problem+json errors, OpenAPI.

pub mod actors;
pub mod app;
pub mod auth;
mod changes;
mod client_addr;
pub mod compute;
pub mod config;
mod console;
pub mod env_configs;
pub mod error;
pub mod mail;
pub mod metering;
mod metrics;
pub mod migrating;
pub mod openapi;
pub mod ops;
pub mod portal;
pub mod quota;
mod rate_limit;
mod request_id;
pub mod routes;
pub mod schema_cache;
mod security_headers;
pub mod sla;
mod thread_cpu;
mod wake;
pub mod webhooks;

pub use app::{serve, AppState};
pub use config::Settings;
