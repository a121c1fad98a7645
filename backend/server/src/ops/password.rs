//! A forgotten password: a single-use link by mail (only the token's SHA-256 is stored; it
//! expires after an hour), then a new password, which ends every session of the person. The
//! request never tells whether an email has an account: it does the same work and gives the same
//! answer either way, and the mail goes out from the outbox after commit.

use super::{Actor, Ops, TenantWrite};
use crate::auth::secrets;
use crate::error::{ApiError, ErrorCode};
use crate::mail::templates::Template;
use chrono::Utc;
use versiqii_api::AuditAction;
use versiqii_core::Email;
use versiqii_store::StoreError;

/// How long a reset link works.
pub const RESET_VALID_MINUTES: u32 = 60;

pub fn invalid_token() -> ApiError {
    ApiError::BadRequest {
        code: ErrorCode::ResetTokenInvalid,
        detail: "the password reset link is unknown, already used or expired; ask for a new one"
            .into(),
    }
}

impl Ops {
    /// Queues a reset mail for `email` if it has an account. Rendering and sealing the mail,
    /// making the token and the look-up happen either way; only the two inserts differ.
    pub async fn forgot_password(&self, email: &Email) -> Result<(), ApiError> {
        let token = secrets::RESET_TOKEN.generate();
        let template = Template::PasswordReset {
            link: self.mail.link("/reset", &token),
            valid_minutes: RESET_VALID_MINUTES,
        };
        let prepared = self.mail.prepare(email, &template)?;
        let expires = Utc::now() + chrono::Duration::minutes(i64::from(RESET_VALID_MINUTES));
        let tx = self.store.begin_untenanted().await?;
        let user = versiqii_store::request_password_reset(
            &tx,
            email.as_str(),
            &secrets::hash_token(&token),
            expires,
        )
        .await?;
        if user.is_some() {
            // The same transaction as the token: both are kept, or neither.
            self.mail.enqueue_prepared(&tx, prepared).await?;
        }
        tx.commit().await.map_err(StoreError::from)?;
        Ok(())
    }

    /// Sets a new password (its hash) from a reset token: once, within the hour. Every session
    /// of the person ends and their other links stop working; the reset is audited in each of
    /// their organisations (atomically with the change in the first).
    pub async fn reset_password(&self, token: &str, password_hash: &str) -> Result<(), ApiError> {
        if !secrets::RESET_TOKEN.shape_ok(token) {
            return Err(invalid_token());
        }
        let hash = secrets::hash_token(token);
        let (user, tenants) = self
            .store
            .password_reset_find(&hash)
            .await?
            .ok_or_else(invalid_token)?;
        let actor = || Actor::new(format!("user:{user}"));
        let Some((first, rest)) = tenants.split_first() else {
            let tx = self.store.begin_untenanted().await?;
            versiqii_store::use_password_reset(&tx, &hash, password_hash)
                .await?
                .ok_or_else(invalid_token)?;
            tx.commit().await.map_err(StoreError::from)?;
            return Ok(());
        };
        let mut w = TenantWrite::open(self, *first, actor()).await?;
        // Used in between by a concurrent request: this one changes nothing (rolled back).
        if versiqii_store::use_password_reset(w.tx().connection(), &hash, password_hash).await?
            != Some(user)
        {
            return Err(invalid_token());
        }
        w.audit(
            AuditAction::PasswordReset,
            format!("user:{user}"),
            None,
            None,
        );
        w.commit().await?;
        for tenant in rest {
            let audited = async {
                let mut w = TenantWrite::open(self, *tenant, actor()).await?;
                w.audit(
                    AuditAction::PasswordReset,
                    format!("user:{user}"),
                    None,
                    None,
                );
                w.commit().await
            };
            if let Err(e) = audited.await {
                tracing::warn!(error = %e, %tenant, "could not audit a password reset");
            }
        }
        Ok(())
    }
}
