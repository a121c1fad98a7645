//! A forgotten password (`/v1/auth/password/*`): a reset link by mail, then a new password.

use serde::{Deserialize, Serialize};

/// The body of `POST /v1/auth/password/forgot`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ForgotPasswordRequest {
    /// The account's email. No line breaks or other control characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[^@\s]+@[^@\s.][^@\s]*\.[^@\s]*[^@\s.]$",
            max_length = 254
        )
    )]
    pub email: String,
}

/// The answer of `POST /v1/auth/password/forgot`: the same whether or not the email has an
/// account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForgotPasswordAccepted {
    /// Always the same sentence.
    pub message: String,
}

impl ForgotPasswordAccepted {
    /// The one answer.
    pub const MESSAGE: &'static str = "If an account has this email, a link to reset its \
                                       password is on its way; it works once, for one hour.";
}

/// The body of `POST /v1/auth/password/reset`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    /// The token from the mailed link (`…/reset?token=<token>`).
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 200))]
    pub token: String,
    /// The new password: at least 12 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 12, max_length = 1024))]
    pub password: String,
}

/// The body of `POST /v1/auth/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct VerifyEmailRequest {
    /// The token of the link mailed at sign-up (`vqv_…`).
    #[cfg_attr(feature = "openapi", schema(max_length = 100))]
    pub token: String,
}

/// The answer of `POST /v1/auth/verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmailVerified {
    pub email_verified: bool,
}
