//! Accounts: a sign-up creates a tenant with its owner; a login opens a session. Both are
//! audited writes of the tenant they belong to, through the same unit of work as every other.

use super::{Actor, Ops, TenantWrite};
use crate::auth::secrets;
use crate::error::{ApiError, ErrorCode};
use chrono::Utc;
use uuid::Uuid;
use versiqii_api::AuditAction;
use versiqii_core::{Email, Role, TenantId, TenantSlug};
use versiqii_store::{NewUser, StoreError, TenantRow, UserRow};

/// A session as issued: the refresh token is shown once and stored only hashed.
pub struct Session {
    pub access_token: String,
    pub refresh_token: String,
    pub expires_in: u64,
    /// `None` for a personal session (a person with no organisation).
    pub tenant: Option<Uuid>,
    pub user: Uuid,
}

pub struct Signup {
    pub slug: TenantSlug,
    /// Trimmed, 1 to 200 characters.
    pub name: String,
    pub email: Email,
    pub display_name: Option<String>,
    /// The password's hash (hashing is slow and runs before the write opens).
    pub password_hash: String,
    pub refresh_ttl: chrono::Duration,
}

impl Ops {
    /// A write in `user`'s tenant done by that user, for the accounts routes: a sign-up (the
    /// tenant does not exist yet) or a login once the password checked out (or did not, to
    /// audit the failure). The request itself is the authorization.
    pub(crate) async fn write_for_account(
        &self,
        tenant: TenantId,
        user: Uuid,
    ) -> Result<TenantWrite, ApiError> {
        TenantWrite::open(self, tenant, Actor::new(format!("user:{user}"))).await
    }
}

async fn issue_session(
    w: &TenantWrite,
    refresh_ttl: chrono::Duration,
    user: Uuid,
    role: Role,
) -> Result<Session, ApiError> {
    let refresh_token = secrets::REFRESH_TOKEN.generate();
    let expires = Utc::now() + refresh_ttl;
    w.tx()
        .create_refresh_token(user, &secrets::hash_token(&refresh_token), expires)
        .await?;
    let jwt = &w.ops().gate.jwt;
    Ok(Session {
        access_token: jwt.issue(user, w.tx().tenant().0, role)?,
        refresh_token,
        expires_in: jwt.ttl_secs,
        tenant: Some(w.tx().tenant().0),
        user,
    })
}

/// A personal session for `user`, stored in `conn`'s transaction: for a person who belongs to no
/// organisation (yet, or any more) and proved who they are.
pub async fn issue_personal_session<C: sea_orm::ConnectionTrait>(
    ops: &Ops,
    conn: &C,
    refresh_ttl: chrono::Duration,
    user: Uuid,
) -> Result<Session, ApiError> {
    let refresh_token = secrets::REFRESH_TOKEN.generate();
    versiqii_store::create_person_session(
        conn,
        user,
        &secrets::hash_token(&refresh_token),
        Utc::now() + refresh_ttl,
    )
    .await?;
    let jwt = &ops.gate.jwt;
    Ok(Session {
        access_token: jwt.issue_personal(user)?,
        refresh_token,
        expires_in: jwt.ttl_secs,
        tenant: None,
        user,
    })
}

/// A sign-up without an organisation: the person, their verification mail (where the service
/// asks for verified emails) and a personal session, all kept or none.
pub struct PersonSignup {
    pub email: Email,
    pub display_name: Option<String>,
    pub password_hash: String,
    pub refresh_ttl: chrono::Duration,
}

/// Creates a person who belongs to no organisation and signs them in (a personal session).
pub async fn signup_person(ops: &Ops, user: Uuid, req: PersonSignup) -> Result<Session, ApiError> {
    let tx = ops.store.begin_untenanted().await?;
    versiqii_store::create_person(
        &tx,
        user,
        req.email.as_str(),
        req.display_name.as_deref(),
        &req.password_hash,
    )
    .await
    .map_err(|e| {
        taken(
            e,
            ErrorCode::EmailTaken,
            "an account with this email already exists",
        )
    })?;
    if ops.require_verified_email {
        ops.queue_verification(&tx, user, None).await?;
    }
    let session = issue_personal_session(ops, &tx, req.refresh_ttl, user).await?;
    tx.commit().await.map_err(StoreError::from)?;
    Ok(session)
}

fn taken(err: StoreError, code: ErrorCode, detail: &str) -> ApiError {
    match err {
        StoreError::Conflict(_) => ApiError::Conflict {
            code,
            detail: detail.to_owned(),
        },
        other => other.into(),
    }
}

/// Creates the tenant and its owner, and signs the owner in.
pub async fn signup(
    mut w: TenantWrite,
    user_id: Uuid,
    req: Signup,
) -> Result<(TenantRow, UserRow, Session), ApiError> {
    let tenant = w
        .tx()
        .create_tenant(req.slug.as_str(), &req.name)
        .await
        .map_err(|e| {
            taken(
                e,
                ErrorCode::TenantSlugTaken,
                "a tenant with this slug already exists",
            )
        })?;
    let user = w
        .tx()
        .create_user(NewUser {
            id: user_id,
            email: req.email.as_str(),
            display_name: req.display_name.as_deref(),
            password_hash: &req.password_hash,
            role: Role::Owner,
            email_verified: false,
        })
        .await
        .map_err(|e| {
            taken(
                e,
                ErrorCode::EmailTaken,
                "an account with this email already exists",
            )
        })?;
    w.audit(
        AuditAction::TenantCreate,
        format!("tenant:{}", tenant.id),
        None,
        None,
    );
    // The verification mail is queued with the account: both are kept, or neither. (Where
    // the service does not ask for verified emails, it sends no mail asking for one.)
    let ops = w.ops().clone();
    if ops.require_verified_email {
        ops.queue_verification(w.tx().connection(), user_id, Some(&tenant.name))
            .await?;
    }
    let session = issue_session(&w, req.refresh_ttl, user_id, Role::Owner).await?;
    w.commit().await?;
    Ok((tenant, user, session))
}

/// Records a wrong password for an existing account, in its tenant's audit log.
pub async fn login_failed(mut w: TenantWrite, user: Uuid) -> Result<(), ApiError> {
    w.audit(
        AuditAction::SessionLoginFailed,
        format!("user:{user}"),
        None,
        None,
    );
    w.commit().await
}

/// Opens a session in the write's tenant for a person who proved who they are (a password
/// that checked out, or a session of theirs in another organisation: `how` says which); `None`
/// when they are not (or no longer) a member there.
pub async fn login(
    mut w: TenantWrite,
    user: Uuid,
    refresh_ttl: chrono::Duration,
    how: AuditAction,
) -> Result<Option<Session>, ApiError> {
    let Some(role) = w.tx().membership_role(user).await? else {
        return Ok(None);
    };
    w.audit(how, format!("user:{user}"), None, None);
    let session = issue_session(&w, refresh_ttl, user, role).await?;
    w.commit().await?;
    Ok(Some(session))
}

/// A person already signed in creates another organisation, of which they are the owner, and
/// gets a session there.
pub async fn create_organisation(
    mut w: TenantWrite,
    user: Uuid,
    slug: &TenantSlug,
    name: &str,
    refresh_ttl: chrono::Duration,
) -> Result<(TenantRow, Session), ApiError> {
    let tenant = w
        .tx()
        .create_tenant(slug.as_str(), name)
        .await
        .map_err(|e| {
            taken(
                e,
                ErrorCode::TenantSlugTaken,
                "a tenant with this slug already exists",
            )
        })?;
    w.tx().add_member(user, Role::Owner).await?;
    w.audit(
        AuditAction::TenantCreate,
        format!("tenant:{}", tenant.id),
        None,
        None,
    );
    let session = issue_session(&w, refresh_ttl, user, Role::Owner).await?;
    w.commit().await?;
    Ok((tenant, session))
}
