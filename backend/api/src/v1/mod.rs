//! Request and response bodies of the `/v1` API, one module per resource.
//!
//! Each type is the server's wire shape, field for field: the same names, serde attributes and
//! doc comments (which become the OpenAPI descriptions). Requests deny unknown fields; responses
//! do not, so an older client still reads a newer server. Ids are typed ([`crate::ids`]); JSON
//! stays `serde_json::Value` only where the API carries free-form documents (schemas, configs,
//! compatibility reports).

pub mod api_keys;
pub mod archive;
pub mod audit;
pub mod auth;
pub mod billing;
pub mod bindings;
pub mod configs;
pub mod constraints;
pub mod deployments;
pub mod drift;
pub mod envs;
pub mod families;
pub mod health;
pub mod invites;
pub mod members;
pub mod migrations;
pub mod password;
pub mod promotions;
pub mod sla;
pub mod targets;
pub mod usage;
pub mod validate;
pub mod webhooks;

pub use api_keys::*;
pub use archive::*;
pub use audit::*;
pub use auth::*;
pub use billing::*;
pub use bindings::*;
pub use configs::*;
pub use constraints::*;
pub use deployments::*;
pub use drift::*;
pub use envs::*;
pub use families::*;
pub use health::*;
pub use invites::*;
pub use members::*;
pub use migrations::*;
pub use password::*;
pub use promotions::*;
pub use sla::*;
pub use targets::*;
pub use usage::*;
pub use validate::*;
pub use webhooks::*;

#[cfg(all(test, feature = "openapi"))]
mod spec_tests;
#[cfg(test)]
mod wire_tests;
