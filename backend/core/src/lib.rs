//! Versiqii's domain: values that are parsed once at the edge and valid afterwards. No IO here.

pub mod api_key;
pub mod identity;
pub mod role;

pub use api_key::{ApiKeyError, ApiKeySecret};
pub use identity::{Email, IdentityError, Password, TenantId, TenantSlug};
pub use role::{Role, Scope};
