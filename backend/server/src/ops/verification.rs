//! Email verification: a new person proves their email by a single-use link (only its SHA-256
//! is stored; it works for 48 hours) before they may create API keys or invite others. The mail
//! is queued in the transaction that makes the person, so a sign-up and its mail are kept or
//! lost together.

use super::{Ops, TenantWrite};
use crate::auth::secrets;
use crate::error::{ApiError, ErrorCode};
use crate::mail::templates::Template;
use chrono::Utc;
use sea_orm::ConnectionTrait;
use uuid::Uuid;
use versiqii_core::Email;
use versiqii_store::StoreError;

/// How long a verification link works.
pub const VERIFY_VALID_HOURS: u32 = 48;

fn invalid_token() -> ApiError {
    ApiError::BadRequest {
        code: ErrorCode::VerificationTokenInvalid,
        detail: "the verification link is unknown, already used or expired; ask for a new one \
                 (`versiqii auth resend-verification`)"
            .into(),
    }
}

impl Ops {
    /// Queues a verification mail for `user` in `conn`'s transaction; `false` when their email
    /// is verified already (nothing is queued).
    pub async fn queue_verification<C: ConnectionTrait>(
        &self,
        conn: &C,
        user: Uuid,
        organisation: Option<&str>,
    ) -> Result<bool, ApiError> {
        let token = secrets::VERIFY_TOKEN.generate();
        let expires = Utc::now() + chrono::Duration::hours(i64::from(VERIFY_VALID_HOURS));
        let Some(email) = versiqii_store::request_email_verification(
            conn,
            user,
            &secrets::hash_token(&token),
            expires,
        )
        .await?
        else {
            return Ok(false);
        };
        let email = Email::parse(&email).map_err(|e| anyhow::anyhow!("stored email: {e}"))?;
        let template = Template::EmailVerification {
            link: self.mail.link("/verify", &token),
            organisation: organisation.map(str::to_owned),
            valid_hours: VERIFY_VALID_HOURS,
        };
        self.mail.enqueue(conn, &email, &template).await?;
        Ok(true)
    }

    /// Verifies the email of the person a link was sent to: once, within its 48 hours.
    pub async fn verify_email(&self, token: &str) -> Result<Uuid, ApiError> {
        if !secrets::VERIFY_TOKEN.shape_ok(token) {
            return Err(invalid_token());
        }
        let tx = self.store.begin_untenanted().await?;
        let user = versiqii_store::use_email_verification(&tx, &secrets::hash_token(token)).await?;
        tx.commit().await.map_err(StoreError::from)?;
        user.ok_or_else(invalid_token)
    }

    /// A new link for a person whose email is not verified yet (their earlier links stop
    /// working); 409 `email_already_verified` otherwise.
    pub async fn resend_verification(
        &self,
        user: Uuid,
        organisation: Option<&str>,
    ) -> Result<(), ApiError> {
        let tx = self.store.begin_untenanted().await?;
        if !self.queue_verification(&tx, user, organisation).await? {
            return Err(ApiError::Conflict {
                code: ErrorCode::EmailAlreadyVerified,
                detail: "your email is verified already".into(),
            });
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }
}

/// Refuses a person whose email is not verified yet (when the service asks for it): what they
/// would do (create an API key, invite someone) reaches beyond their own account.
pub async fn require_verified(w: &TenantWrite, user: Uuid, doing: &str) -> Result<(), ApiError> {
    if !w.ops().require_verified_email || w.tx().email_verified(user).await? {
        return Ok(());
    }
    Err(ApiError::Unprocessable {
        code: ErrorCode::EmailUnverified,
        detail: format!(
            "verify your email before you {doing}: open the link mailed to you at sign-up, or \
             ask for a new one (`versiqii auth resend-verification`)"
        ),
    })
}
