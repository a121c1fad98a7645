//! Versiqii's domain: values that are parsed once at the edge and valid afterwards. No IO here.

pub mod api_key;
pub mod archive;
pub mod avro;
pub mod billing;
pub mod canonical;
pub mod compat;
pub mod contract;
pub mod document;
pub mod drift;
pub mod egress;
pub mod graph;
pub mod identity;
pub mod names;
pub mod protobuf;
pub mod role;
pub mod schema;
pub mod sla;
pub mod totp;
pub mod version;
pub mod webhook;

pub use api_key::{ApiKeyError, ApiKeySecret};
pub use compat::{CompatLevel, CompatReport};
pub use identity::{Email, IdentityError, Password, TenantId, TenantSlug};
pub use role::{Role, Scope};
