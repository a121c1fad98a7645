//! Organisations a person belongs to (`/v1/orgs`) and the members of the session's
//! organisation (`/v1/members`).

use crate::ids::{TenantId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One of the caller's organisations, with their role there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganisationView {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub id: TenantId,
    pub slug: String,
    pub name: String,
    /// `owner`, `admin`, `editor` or `viewer`.
    pub role: String,
    pub joined_at: DateTime<Utc>,
    /// True for the organisation the presented token is for.
    pub current: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganisationList {
    pub items: Vec<OrganisationView>,
}

/// A member of the organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberView {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub user_id: UserId,
    pub email: String,
    pub display_name: Option<String>,
    /// `owner`, `admin`, `editor` or `viewer`.
    pub role: String,
    pub joined_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberList {
    pub items: Vec<MemberView>,
}

/// The body of `PUT /v1/members/{user_id}/role`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MemberRoleRequest {
    /// `owner`, `admin`, `editor` or `viewer`. Only an owner grants or takes away `owner`.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^(owner|admin|editor|viewer)$")
    )]
    pub role: String,
}
