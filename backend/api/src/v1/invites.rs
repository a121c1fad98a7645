//! Invites into the session's organisation (`/v1/invites`), and accepting one from its mailed
//! link (`/v1/invites/accept`, signed in or by signing up).

use crate::ids::{InviteId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The body of `POST /v1/invites`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewInviteRequest {
    /// Who to invite. No line breaks or other control characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[^@\s]+@[^@\s.][^@\s]*\.[^@\s]*[^@\s.]$",
            max_length = 254
        )
    )]
    pub email: String,
    /// The role they get on accepting: `owner`, `admin`, `editor` or `viewer`. Only an owner
    /// invites an owner.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^(owner|admin|editor|viewer)$")
    )]
    pub role: String,
}

/// An invite. Its link's token is never shown again (only mailed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteView {
    #[cfg_attr(feature = "openapi", schema(value_type = uuid::Uuid))]
    pub id: InviteId,
    pub email: String,
    /// `owner`, `admin`, `editor` or `viewer`.
    pub role: String,
    /// `pending` (the link works), `expired` (resend it), `accepted` or `revoked`.
    pub state: String,
    /// Who invited: `user:<id>` or `api_key:<id>`.
    pub invited_by: String,
    pub created_at: DateTime<Utc>,
    /// When the latest link stops working.
    pub expires_at: DateTime<Utc>,
    /// Mails queued for it: 1, and one more per resend.
    pub send_count: u32,
    pub last_sent_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<uuid::Uuid>))]
    pub accepted_by: Option<UserId>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InviteList {
    /// Newest first, in every state.
    pub items: Vec<InviteView>,
}

/// The body of `POST /v1/invites/accept`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AcceptInviteRequest {
    /// The token from the mailed link (`…/invites/accept?token=<token>`).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub token: String,
}

/// The body of `POST /v1/invites/accept/signup`: a new person with the invite's email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AcceptInviteSignupRequest {
    /// The token from the mailed link (`…/invites/accept?token=<token>`).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub token: String,
    /// At least 12 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 12, max_length = 1024))]
    pub password: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub display_name: Option<String>,
}
