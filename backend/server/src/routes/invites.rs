//! Invites into the session's organisation (`/v1/invites`), and accepting one from its mailed
//! link: signed in (`/v1/invites/accept`) or by signing up (`/v1/invites/accept/signup`, before
//! the caller is authenticated, like sign-up). Acceptance is rate-limited per client.

use crate::app::SessionPolicy;
use crate::auth::authorized::Gatekeeper;
use crate::auth::{passwords, perm, Authorized, Person};
use crate::error::{ApiError, FieldError, Problem};
use crate::ops::invites::{self, Inviter};
use crate::ops::Ops;
use crate::rate_limit::RateLimiter;
use actix_web::{delete, get, post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use std::sync::Arc;
use versiqii_api::v1::{
    AcceptInviteRequest, AcceptInviteSignupRequest, InviteList, InviteView, NewInviteRequest,
    TokenPair,
};
use versiqii_core::{Email, Password, Role};
use versiqii_store::InviteRow;

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(create, list, resend, revoke, accept, accept_signup),
    tags((name = "invites", description = "Inviting people into the organisation, and accepting an invite"))
)]
pub struct Doc;

const HOUR: u64 = 3600;

fn invite_view(row: InviteRow) -> InviteView {
    InviteView {
        state: invites::state(&row, Utc::now()).to_owned(),
        id: row.id.into(),
        email: row.email,
        role: row.role,
        invited_by: row.invited_by,
        created_at: row.created_at,
        expires_at: row.expires_at,
        send_count: u32::try_from(row.send_count).unwrap_or(0),
        last_sent_at: row.last_sent_at,
        accepted_at: row.accepted_at,
        accepted_by: row.accepted_by.map(Into::into),
        revoked_at: row.revoked_at,
    }
}

fn inviter<P: perm::Permission>(auth: &Authorized<P>) -> Inviter {
    Inviter {
        role: auth.principal.role,
        user: auth.person_id(),
    }
}

/// Invites an email into the organisation with a role and mails the link (it works once, for 7
/// days). Only an owner invites an owner. One open invite per email: another is refused.
#[utoipa::path(operation_id = "createInvite", tag = "invites", request_body = NewInviteRequest,
    security(("bearer" = ["members:write"])), responses(
    (status = 201, body = InviteView, description = "Invited; the mail is on its way"),
    (status = 402, body = Problem, content_type = "application/problem+json", description = "The plan's quota is reached (`quota_exceeded`)"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json",
        description = "`forbidden`: inviting needs admin, inviting an owner needs owner"),
    (status = 409, body = Problem, content_type = "application/problem+json",
        description = "`invite_exists`: an open invite for that email exists (resend or revoke it); \
            `already_member`: a member has that email"),
    (status = 422, body = Problem, content_type = "application/problem+json",
        description = "`invalid_input`: not an email address or not a role")))]
#[post("/v1/invites")]
pub async fn create(
    auth: Authorized<perm::MembersWrite>,
    ops: web::Data<Ops>,
    body: web::Json<NewInviteRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = Vec::new();
    // A control character would end up in a mail header; refused before the address parser.
    let email = if body.email.chars().any(char::is_control) || body.email.trim() != body.email {
        errors.push(FieldError::new(
            "/email",
            "an email address holds no line breaks, other control characters or surrounding \
             blanks",
        ));
        None
    } else {
        Email::parse(&body.email)
            .map_err(|e| errors.push(FieldError::new("/email", e)))
            .ok()
    };
    let role = body
        .role
        .parse::<Role>()
        .map_err(|_| {
            errors.push(FieldError::new(
                "/role",
                "a role is owner, admin, editor or viewer",
            ))
        })
        .ok();
    let (Some(email), Some(role), true) = (email, role, errors.is_empty()) else {
        return Err(ApiError::Invalid(errors));
    };
    let who = inviter(&auth);
    let row = invites::create(auth.write(&ops).await?, who, &email, role).await?;
    Ok(HttpResponse::Created().json(invite_view(row)))
}

/// The organisation's invites in every state (`pending`, `expired`, `accepted`, `revoked`),
/// newest first.
#[utoipa::path(operation_id = "listInvites", tag = "invites",
    security(("bearer" = ["members:read"])), responses(
    (status = 200, body = InviteList),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/invites")]
pub async fn list(auth: Authorized<perm::MembersRead>) -> Result<HttpResponse, ApiError> {
    let tx = auth.begin().await?;
    let items = tx.invites().await?.into_iter().map(invite_view).collect();
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(InviteList { items }))
}

/// Mails a new link for an open (pending or expired) invite: the old link stops working, the
/// new one works for 7 days.
#[utoipa::path(operation_id = "resendInvite", tag = "invites", params(("id" = Uuid, Path)),
    security(("bearer" = ["members:write"])), responses(
    (status = 200, body = InviteView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json",
        description = "`forbidden`: an invite for an owner is an owner's to resend"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json",
        description = "`invite_used` (accepted) or `invite_revoked`")))]
#[post("/v1/invites/{id}/resend")]
pub async fn resend(
    auth: Authorized<perm::MembersWrite>,
    ops: web::Data<Ops>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = super::id_in_path(&req, &path, "id")?;
    let who = inviter(&auth);
    let row = invites::resend(auth.write(&ops).await?, who, id).await?;
    Ok(HttpResponse::Ok().json(invite_view(row)))
}

/// Revokes an invite: its link stops working (revoking it again changes nothing).
#[utoipa::path(operation_id = "revokeInvite", tag = "invites", params(("id" = Uuid, Path)),
    security(("bearer" = ["members:write"])), responses(
    (status = 204, description = "Revoked"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json",
        description = "`forbidden`: an invite for an owner is an owner's to revoke"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json",
        description = "`invite_used`: accepted already (remove the member instead)")))]
#[delete("/v1/invites/{id}")]
pub async fn revoke(
    auth: Authorized<perm::MembersWrite>,
    ops: web::Data<Ops>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = super::id_in_path(&req, &path, "id")?;
    let who = inviter(&auth);
    invites::revoke(auth.write(&ops).await?, who, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

async fn limit_acceptance(
    req: &HttpRequest,
    gate: &Gatekeeper,
    policy: &SessionPolicy,
    limiter: &RateLimiter,
) -> Result<(), ApiError> {
    limiter
        .hit(
            &format!("invite-accept:{}", gate.proxies.key(req)),
            policy.invite_accepts_per_hour,
            HOUR,
        )
        .await
}

/// Accepts an invite signed in, with a session of any of the person's organisations (or a
/// personal one, for a person in none): they join
/// the invite's organisation with its role, and the answer is a session there (as `switch`).
/// The invite must be for the person's email.
#[utoipa::path(operation_id = "acceptInvite", tag = "invites", request_body = AcceptInviteRequest,
    security(("bearer" = ["session:read"])), responses(
    (status = 200, body = TokenPair, description = "A member now; a session in the invite's organisation"),
    (status = 402, body = Problem, content_type = "application/problem+json", description = "The plan's quota is reached (`quota_exceeded`)"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json",
        description = "`invite_for_another_email`, or `people_only` for an API key"),
    (status = 404, body = Problem, content_type = "application/problem+json",
        description = "`invite_invalid`: unknown, revoked or replaced by a newer link"),
    (status = 409, body = Problem, content_type = "application/problem+json",
        description = "`invite_used`: accepted already; `already_member`"),
    (status = 410, body = Problem, content_type = "application/problem+json",
        description = "`invite_expired`"),
    (status = 429, body = Problem, content_type = "application/problem+json",
        description = "`rate_limited`: too many attempts from this client")))]
#[post("/v1/invites/accept")]
pub async fn accept(
    req: HttpRequest,
    person: Person,
    gate: web::Data<Arc<Gatekeeper>>,
    ops: web::Data<Ops>,
    policy: web::Data<SessionPolicy>,
    limiter: web::Data<RateLimiter>,
    body: web::Json<AcceptInviteRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = person.user;
    limit_acceptance(&req, &gate, &policy, &limiter).await?;
    let session = ops
        .accept_invite(body.token.trim(), user, policy.refresh_ttl)
        .await?;
    Ok(super::auth::session_answer(
        &req,
        &policy,
        HttpResponse::Ok(),
        session,
    ))
}

/// Accepts an invite by signing up: a new person with the invite's email and this password,
/// a member of the invite's organisation with its role, signed in there. When the email has
/// an account already, sign in and accept signed in instead.
#[utoipa::path(operation_id = "acceptInviteBySignup", tag = "invites",
    request_body = AcceptInviteSignupRequest, responses(
    (status = 201, body = TokenPair, description = "Signed up, a member, and signed in there"),
    (status = 402, body = Problem, content_type = "application/problem+json", description = "The plan's quota is reached (`quota_exceeded`)"),
    (status = 404, body = Problem, content_type = "application/problem+json",
        description = "`invite_invalid`: unknown, revoked or replaced by a newer link"),
    (status = 409, body = Problem, content_type = "application/problem+json",
        description = "`email_taken`: sign in and accept signed in; `invite_used`"),
    (status = 410, body = Problem, content_type = "application/problem+json",
        description = "`invite_expired`"),
    (status = 422, body = Problem, content_type = "application/problem+json",
        description = "`invalid_input`: the password or display name breaks the policy"),
    (status = 429, body = Problem, content_type = "application/problem+json",
        description = "`rate_limited`: too many attempts from this client")))]
#[post("/v1/invites/accept/signup")]
pub async fn accept_signup(
    req: HttpRequest,
    gate: web::Data<Arc<Gatekeeper>>,
    ops: web::Data<Ops>,
    policy: web::Data<SessionPolicy>,
    limiter: web::Data<RateLimiter>,
    body: web::Json<AcceptInviteSignupRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = Vec::new();
    let password = Password::parse(body.password)
        .map_err(|e| errors.push(FieldError::new("/password", e)))
        .ok();
    let display_name = body.display_name.map(|d| d.trim().to_owned());
    if let Some(name) = &display_name {
        if name.is_empty() || name.chars().count() > 200 || name.chars().any(char::is_control) {
            errors.push(FieldError::new(
                "/display_name",
                "a display name has 1 to 200 characters and no control characters",
            ));
        }
    }
    let (Some(password), true) = (password, errors.is_empty()) else {
        return Err(ApiError::Invalid(errors));
    };
    limit_acceptance(&req, &gate, &policy, &limiter).await?;
    let token = body.token.trim();
    if !crate::auth::secrets::INVITE_TOKEN.shape_ok(token) {
        return Err(invites::invalid_link());
    }
    let password_hash = passwords::hash(password.expose().to_owned()).await?;
    let session = ops
        .accept_invite_by_signup(
            token,
            invites::InviteSignup {
                display_name,
                password_hash,
            },
            policy.refresh_ttl,
        )
        .await?;
    Ok(super::auth::session_answer(
        &req,
        &policy,
        HttpResponse::Created(),
        session,
    ))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    // `accept` before `{id}`, so "accept" is never read as an id.
    cfg.service(accept_signup)
        .service(accept)
        .service(list)
        .service(create)
        .service(resend)
        .service(revoke);
}
