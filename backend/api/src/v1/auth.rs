//! Sign-up, login, refresh and logout (`/v1/auth/*`), and who a token belongs to (`/v1/me`).

use crate::ids::{TenantId, UserId};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignupRequest {
    /// The first organisation's URL-safe name: 2 to 63 lowercase letters, digits or hyphens.
    /// Without it the person belongs to no organisation yet: their session may create one or
    /// accept an invite.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[a-z0-9][a-z0-9-]{1,62}$"))]
    pub tenant_slug: Option<String>,
    /// Display name of the organisation; the slug when absent. Only with `tenant_slug`.
    #[cfg_attr(feature = "openapi", schema(pattern = r"\S", max_length = 200))]
    pub tenant_name: Option<String>,
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[^@\s]+@[^@\s.][^@\s]*\.[^@\s]*[^@\s.]$",
            max_length = 254
        )
    )]
    pub email: String,
    /// At least 12 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 12, max_length = 1024))]
    pub password: String,
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
    /// The organisation (its slug) the session is for; the one the person joined first when
    /// absent. A session is for one organisation at a time: `POST /v1/auth/switch` moves it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[a-z0-9][a-z0-9-]{1,62}$"))]
    pub organisation: Option<String>,
}

/// The body of `POST /v1/auth/switch`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SwitchRequest {
    /// The organisation's slug.
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[a-z0-9][a-z0-9-]{1,62}$"))]
    pub organisation: String,
}

// Also the body of `POST /v1/auth/logout`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    pub refresh_token: String,
}

// The answer of login and refresh, and part of signup's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TokenPair {
    /// A JWT for `Authorization: Bearer`, valid for `expires_in` seconds.
    pub access_token: String,
    /// Opaque; trade it at `/v1/auth/refresh` for a new pair. Each one works once.
    pub refresh_token: String,
    // Always `Bearer`.
    pub token_type: String,
    pub expires_in: u64,
    /// The organisation the session is for; `null` for a person's session with no organisation
    /// (it may list and create organisations and accept invites, nothing else).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<uuid::Uuid>))]
    pub tenant_id: Option<TenantId>,
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub user_id: UserId,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TenantView {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub id: TenantId,
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserView {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub id: UserId,
    pub email: String,
    pub display_name: Option<String>,
    /// The person's role in the session's organisation; `null` when it is for none.
    pub role: Option<String>,
    /// False until the person opens the verification link mailed at sign-up; API keys and
    /// invites need it.
    #[serde(default)]
    pub email_verified: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignupResponse {
    /// The first organisation; `null` when the sign-up made none.
    pub tenant: Option<TenantView>,
    pub user: UserView,
    pub tokens: TokenPair,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub tenant_id: TenantId,
    pub tenant_slug: String,
    /// The user's or the API key's id.
    // A `UserId` or an `ApiKeyId` as `kind` says, hence untyped.
    pub subject: Uuid,
    /// `user`, `api_key`, or `operator` (an operator's read-only look).
    pub kind: String,
    pub role: String,
}

impl Me {
    /// `kind` for a user's access token.
    pub const USER: &'static str = "user";
    /// `kind` for an API key.
    pub const API_KEY: &'static str = "api_key";
    /// `kind` for an operator's read-only look at the organisation.
    pub const OPERATOR: &'static str = "operator";
}
