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

/// The body of `POST /v1/orgs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewOrganisationRequest {
    /// The organisation's URL-safe name: 2 to 63 lowercase letters, digits or hyphens.
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[a-z0-9][a-z0-9-]{1,62}$"))]
    pub slug: String,
    /// Display name; the slug when absent.
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S", max_length = 200))]
    pub name: Option<String>,
}

/// A new organisation and the caller's session in it (they are its owner).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganisationCreated {
    pub organisation: crate::v1::TenantView,
    pub tokens: crate::v1::TokenPair,
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
