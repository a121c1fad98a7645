//! Invites: an admin invites an email with a role; a mail carries a single-use link (only the
//! token's SHA-256 is stored) that works for 7 days. The invitee accepts it signed in as the
//! person with that email, or by signing up with it; either way they join with the invite's
//! role and get a session there. Only an owner invites an owner (or resends or revokes an
//! invite for one), as only an owner grants `owner`. Each step is audited in the inviting
//! organisation; the mail is queued in the same transaction as the invite.

use super::{accounts, Actor, Ops, TenantWrite};
use crate::auth::secrets;
use crate::error::{ApiError, ErrorCode};
use crate::mail::templates::Template;
use chrono::{DateTime, Utc};
use uuid::Uuid;
use versiqii_api::AuditAction;
use versiqii_core::{Email, Role, TenantId};
use versiqii_store::{InviteByToken, InviteRow, NewInvite, NewUser, StoreError};

/// How long an invite link works.
pub const INVITE_VALID_DAYS: u32 = 7;

/// An invite's state at `now`: `pending`, `expired`, `accepted` or `revoked`.
pub fn state(row: &InviteRow, now: DateTime<Utc>) -> &'static str {
    if row.accepted_at.is_some() {
        "accepted"
    } else if row.revoked_at.is_some() {
        "revoked"
    } else if row.expires_at <= now {
        "expired"
    } else {
        "pending"
    }
}

fn coded(code: ErrorCode, detail: &str) -> ApiError {
    // The code's status is what answers (404, 409, 410 or 403), as for every coded error.
    ApiError::Conflict {
        code,
        detail: detail.to_owned(),
    }
}

pub fn invalid_link() -> ApiError {
    coded(
        ErrorCode::InviteInvalid,
        "the invite link is unknown, revoked or replaced by a newer one; ask for a new invite",
    )
}

fn used() -> ApiError {
    coded(
        ErrorCode::InviteUsed,
        "the invite was accepted already; an invite works once",
    )
}

fn expired() -> ApiError {
    coded(
        ErrorCode::InviteExpired,
        "the invite link has expired (it works for 7 days); ask the organisation's admins to \
         resend it",
    )
}

fn owners_only() -> ApiError {
    ApiError::Forbidden {
        object: "owners",
        action: "invite",
    }
}

/// Refuses a link that no longer opens the organisation (the same checks before and after the
/// row is locked).
fn check_open(
    accepted: Option<DateTime<Utc>>,
    revoked: Option<DateTime<Utc>>,
    expires: DateTime<Utc>,
) -> Result<(), ApiError> {
    if revoked.is_some() {
        return Err(invalid_link());
    }
    if accepted.is_some() {
        return Err(used());
    }
    if expires <= Utc::now() {
        return Err(expired());
    }
    Ok(())
}

fn parse_role(text: &str) -> Result<Role, ApiError> {
    text.parse()
        .map_err(|_| anyhow::anyhow!("a stored invite has the role `{text}`").into())
}

/// Who creates, resends or revokes an invite: their role there, and the person (none for an
/// API key), whose name the mail shows.
#[derive(Debug, Clone, Copy)]
pub struct Inviter {
    pub role: Role,
    pub user: Option<Uuid>,
}

/// Queues the invite mail for `row` with the link for `token`.
async fn queue_mail(
    w: &TenantWrite,
    inviter: Inviter,
    row: &InviteRow,
    token: &str,
) -> Result<(), ApiError> {
    let organisation = w
        .tx()
        .tenant_row()
        .await?
        .map(|t| t.name)
        .ok_or_else(|| anyhow::anyhow!("the tenant of a write has no row"))?;
    let name = match inviter.user {
        Some(user) => w.tx().member_name(user).await?,
        None => None,
    };
    let ops = w.ops();
    let template = Template::Invite {
        link: ops.mail.link("/invites/accept", token),
        organisation,
        inviter: name,
        role: row.role.clone(),
        valid_days: INVITE_VALID_DAYS,
    };
    let to = Email::parse(&row.email).map_err(|e| anyhow::anyhow!("a stored invite: {e}"))?;
    ops.mail
        .enqueue(w.tx().connection(), &to, &template)
        .await?;
    Ok(())
}

fn new_expiry() -> DateTime<Utc> {
    Utc::now() + chrono::Duration::days(i64::from(INVITE_VALID_DAYS))
}

/// Invites `email` with `role` and mails the link.
pub async fn create(
    mut w: TenantWrite,
    inviter: Inviter,
    email: &Email,
    role: Role,
) -> Result<InviteRow, ApiError> {
    if role == Role::Owner && inviter.role != Role::Owner {
        return Err(owners_only());
    }
    if let Some(person) = inviter.user {
        super::verification::require_verified(&w, person, "invite others").await?;
    }
    if w.tx().member_with_email(email.as_str()).await? {
        return Err(coded(
            ErrorCode::AlreadyMember,
            "a member of the organisation has this email already; change their role instead",
        ));
    }
    super::quotas::claim(&mut w, crate::quota::Quota::Seats).await?;
    let token = secrets::INVITE_TOKEN.generate();
    let id = Uuid::new_v4();
    let invited_by = w.actor().as_str().to_owned();
    let row = w
        .tx()
        .create_invite(NewInvite {
            id,
            email: email.as_str(),
            role: role.as_str(),
            token_hash: &secrets::hash_token(&token),
            invited_by: &invited_by,
            expires_at: new_expiry(),
        })
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => coded(
                ErrorCode::InviteExists,
                "an open invite for this email exists (maybe expired): resend it or revoke it",
            ),
            other => other.into(),
        })?;
    queue_mail(&w, inviter, &row, &token).await?;
    w.audit(
        AuditAction::InviteCreate,
        format!("invite:{id}"),
        None,
        Some(&format!("role:{}", row.role)),
    );
    w.commit().await?;
    Ok(row)
}

/// The invite, locked; refuses touching an invite for an owner unless the caller is one.
async fn lock(w: &TenantWrite, inviter: Inviter, id: Uuid) -> Result<InviteRow, ApiError> {
    let row = w
        .tx()
        .invite_for_update(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("invite {id}")))?;
    if row.role == Role::Owner.as_str() && inviter.role != Role::Owner {
        return Err(owners_only());
    }
    Ok(row)
}

/// A new link (the old one stops working) for 7 more days, mailed again. An expired invite may
/// be resent; an accepted or revoked one may not.
pub async fn resend(mut w: TenantWrite, inviter: Inviter, id: Uuid) -> Result<InviteRow, ApiError> {
    let row = lock(&w, inviter, id).await?;
    if row.accepted_at.is_some() {
        return Err(used());
    }
    if row.revoked_at.is_some() {
        return Err(coded(
            ErrorCode::InviteRevoked,
            "the invite was revoked; create a new one",
        ));
    }
    let token = secrets::INVITE_TOKEN.generate();
    let row = w
        .tx()
        .renew_invite(id, &secrets::hash_token(&token), new_expiry())
        .await?;
    queue_mail(&w, inviter, &row, &token).await?;
    w.audit(
        AuditAction::InviteResend,
        format!("invite:{id}"),
        None,
        Some(&format!("sent:{}", row.send_count)),
    );
    w.commit().await?;
    Ok(row)
}

/// Revokes an open invite: its link stops working. Revoking a revoked invite changes nothing;
/// an accepted one cannot be revoked (remove the member instead).
pub async fn revoke(mut w: TenantWrite, inviter: Inviter, id: Uuid) -> Result<(), ApiError> {
    let row = lock(&w, inviter, id).await?;
    if row.accepted_at.is_some() {
        return Err(used());
    }
    if row.revoked_at.is_some() {
        return Ok(());
    }
    w.tx().revoke_invite(id).await?;
    w.audit(
        AuditAction::InviteRevoke,
        format!("invite:{id}"),
        Some(&format!("role:{}", row.role)),
        None,
    );
    w.commit().await
}

/// A new person's account, from an invite's link.
pub struct InviteSignup {
    pub display_name: Option<String>,
    /// The password's hash (hashing is slow and runs before the write opens).
    pub password_hash: String,
}

impl Ops {
    /// The invite a link names, still open; what the caller may not use is refused with its
    /// code (revoked or unknown: `invite_invalid`; accepted: `invite_used`; expired:
    /// `invite_expired`).
    async fn open_invite(&self, token: &str) -> Result<(InviteByToken, Vec<u8>), ApiError> {
        if !secrets::INVITE_TOKEN.shape_ok(token) {
            return Err(invalid_link());
        }
        let hash = secrets::hash_token(token);
        let found = self
            .store
            .invite_by_token(&hash)
            .await?
            .ok_or_else(invalid_link)?;
        check_open(found.accepted_at, found.revoked_at, found.expires_at)?;
        Ok((found, hash.to_vec()))
    }

    /// Locks the invite in its tenant's write and checks it again (a resend, revoke or another
    /// acceptance may have come in between): its role.
    async fn lock_open(w: &TenantWrite, hash: &[u8]) -> Result<(InviteRow, Role), ApiError> {
        let row = w
            .tx()
            .invite_by_token_for_update(hash)
            .await?
            .ok_or_else(invalid_link)?;
        check_open(row.accepted_at, row.revoked_at, row.expires_at)?;
        let role = parse_role(&row.role)?;
        Ok((row, role))
    }

    /// Accepts an invite as `user` (signed in, in any organisation): they join the invite's
    /// organisation with its role, and get a session there. The invite must be for their
    /// email (403 `invite_for_another_email`).
    pub async fn accept_invite(
        &self,
        token: &str,
        user: Uuid,
        refresh_ttl: chrono::Duration,
    ) -> Result<accounts::Session, ApiError> {
        let (found, hash) = self.open_invite(token).await?;
        let owner_of_email = self.store.find_login(&found.email).await?;
        if owner_of_email.map(|l| l.user_id) != Some(user) {
            return Err(ApiError::Unprocessable {
                code: ErrorCode::InviteForAnotherEmail,
                detail: "this invite is for another email than yours: sign in as the person it \
                         is for, or sign up with it"
                    .into(),
            });
        }
        let mut w = TenantWrite::open(
            self,
            TenantId(found.tenant_id),
            Actor::new(format!("user:{user}")),
        )
        .await?;
        let (row, role) = Self::lock_open(&w, &hash).await?;
        if w.tx().membership_role(user).await?.is_some() {
            return Err(coded(
                ErrorCode::AlreadyMember,
                "you are a member of this organisation already; switch to it",
            ));
        }
        super::quotas::claim_accepted_seat(&mut w).await?;
        w.tx().add_member(user, role).await?;
        Self::mark_accepted(&mut w, &row, user).await?;
        accounts::login(w, user, refresh_ttl, AuditAction::SessionLogin)
            .await?
            .ok_or_else(|| anyhow::anyhow!("a member just added is no member").into())
    }

    /// Accepts an invite by signing up: a new person with the invite's email (409
    /// `email_taken` when one exists: they sign in and accept instead), a member with its role,
    /// signed in there.
    pub async fn accept_invite_by_signup(
        &self,
        token: &str,
        signup: InviteSignup,
        refresh_ttl: chrono::Duration,
    ) -> Result<accounts::Session, ApiError> {
        let (found, hash) = self.open_invite(token).await?;
        let user = Uuid::new_v4();
        let mut w = TenantWrite::open(
            self,
            TenantId(found.tenant_id),
            Actor::new(format!("user:{user}")),
        )
        .await?;
        let (row, role) = Self::lock_open(&w, &hash).await?;
        super::quotas::claim_accepted_seat(&mut w).await?;
        w.tx()
            .create_user(NewUser {
                id: user,
                email: &row.email,
                display_name: signup.display_name.as_deref(),
                password_hash: &signup.password_hash,
                role,
                // The invite's link reached this address: that proves it.
                email_verified: true,
            })
            .await
            .map_err(|e| match e {
                StoreError::Conflict(_) => ApiError::Conflict {
                    code: ErrorCode::EmailTaken,
                    detail: "an account with this email exists: sign in and accept the invite \
                             signed in"
                        .into(),
                },
                other => other.into(),
            })?;
        Self::mark_accepted(&mut w, &row, user).await?;
        accounts::login(w, user, refresh_ttl, AuditAction::SessionLogin)
            .await?
            .ok_or_else(|| anyhow::anyhow!("a member just added is no member").into())
    }

    async fn mark_accepted(
        w: &mut TenantWrite,
        row: &InviteRow,
        user: Uuid,
    ) -> Result<(), ApiError> {
        if !w.tx().accept_invite(row.id, user).await? {
            return Err(used());
        }
        w.audit(
            AuditAction::InviteAccept,
            format!("invite:{}", row.id),
            None,
            Some(&format!("member:{user}:role:{}", row.role)),
        );
        Ok(())
    }
}
