//! Sign-up, login, refresh and logout: the routes that exist before a caller is authenticated.

use super::browser::Delivery;
use crate::app::SessionPolicy;
use crate::auth::authorized::Gatekeeper;
use crate::auth::{passwords, secrets};
use crate::error::{ApiError, ErrorCode, FieldError, Problem};
use crate::ops::{accounts, Ops};
use crate::rate_limit::RateLimiter;
use actix_web::{post, web, HttpRequest, HttpResponse};
use chrono::Utc;
use std::sync::Arc;
use uuid::Uuid;
use versiqii_api::ids;
use versiqii_api::v1::{
    LoginRequest, RefreshRequest, SignupRequest, SignupResponse, SwitchRequest, TenantView,
    TokenPair, UserView,
};
use versiqii_api::AuditAction;
use versiqii_core::{Email, Password, TenantId, TenantSlug};
use versiqii_store::Rotation;

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(signup, login, switch, refresh, logout),
    tags((name = "auth", description = "Sign-up, sessions and identity"))
)]
pub struct Doc;

/// No wait for an account's first failures in a minute; then 100 ms doubling per failure, at
/// most 5 s.
fn login_backoff(failures: u64, free: u32) -> std::time::Duration {
    let Some(over) = failures.checked_sub(u64::from(free)) else {
        return std::time::Duration::ZERO;
    };
    let ms = 100u64.saturating_mul(1u64 << over.min(16));
    std::time::Duration::from_millis(ms.min(5_000))
}

/// A session as the API answers it (sign-up, login, refresh, switch, invites, new organisations).
pub(crate) fn token_pair(session: accounts::Session) -> TokenPair {
    TokenPair {
        access_token: session.access_token,
        refresh_token: session.refresh_token,
        token_type: "Bearer".into(),
        expires_in: session.expires_in,
        tenant_id: session.tenant.map(Into::into),
        user_id: session.user.into(),
    }
}

/// Creates a person and, with `tenant_slug`, their first organisation (of which they are the
/// owner), and signs them in: a session in that organisation, or a personal one with none.
#[utoipa::path(operation_id = "signup", tag = "auth", request_body = SignupRequest, responses(
    (status = 201, body = SignupResponse),
    (status = 409, body = Problem, content_type = "application/problem+json",
        description = "`tenant_slug_taken` or `email_taken`"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json")))]
#[post("/v1/auth/signup")]
pub async fn signup(
    req: HttpRequest,
    gate: web::Data<Arc<Gatekeeper>>,
    ops: web::Data<Ops>,
    policy: web::Data<SessionPolicy>,
    limiter: web::Data<RateLimiter>,
    body: web::Json<SignupRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let mut errors = Vec::new();
    let organisation = organisation_to_create(&body, &mut errors);
    let email = Email::parse(&body.email)
        .map_err(|e| errors.push(FieldError::new("/email", e)))
        .ok();
    let password = Password::parse(body.password)
        .map_err(|e| errors.push(FieldError::new("/password", e)))
        .ok();
    let (Some(email), Some(password), true) = (email, password, errors.is_empty()) else {
        return Err(ApiError::Invalid(errors));
    };
    limiter
        .hit(
            &format!("signup:{}", gate.proxies.key(&req)),
            policy.signups_per_hour,
            3600,
        )
        .await?;

    let password_hash = passwords::hash(password.expose().to_owned()).await?;
    let user_id = Uuid::new_v4();
    let user_view = |role: Option<String>| UserView {
        id: ids::UserId::from(user_id),
        email: email.as_str().to_owned(),
        display_name: body.display_name.clone(),
        role,
        email_verified: false,
    };
    let Some((slug, name)) = organisation else {
        let person = accounts::PersonSignup {
            email: email.clone(),
            display_name: body.display_name.clone(),
            password_hash,
            refresh_ttl: policy.refresh_ttl,
        };
        let session = accounts::signup_person(&ops, user_id, person).await?;
        let mut tokens = token_pair(session);
        let cookies = Delivery::of(&req, &policy, &mut tokens);
        return Ok(cookies.respond(
            HttpResponse::Created(),
            SignupResponse {
                tenant: None,
                user: user_view(None),
                tokens,
            },
        ));
    };
    let w = ops
        .write_for_account(TenantId::new_random(), user_id)
        .await?;
    let signup = accounts::Signup {
        slug,
        name,
        email: email.clone(),
        display_name: body.display_name.clone(),
        password_hash,
        refresh_ttl: policy.refresh_ttl,
    };
    let (tenant, user, session) = accounts::signup(w, user_id, signup).await?;
    let mut tokens = token_pair(session);
    let cookies = Delivery::of(&req, &policy, &mut tokens);
    Ok(cookies.respond(
        HttpResponse::Created(),
        SignupResponse {
            tenant: Some(TenantView {
                id: ids::TenantId::from(tenant.id),
                slug: tenant.slug,
                name: tenant.name,
            }),
            user: user_view(Some(user.role)),
            tokens,
        },
    ))
}

/// The first organisation a sign-up asks for (its slug and trimmed name), if any; what is wrong
/// with it goes to `errors`.
fn organisation_to_create(
    body: &SignupRequest,
    errors: &mut Vec<FieldError>,
) -> Option<(TenantSlug, String)> {
    let Some(slug_text) = &body.tenant_slug else {
        if body.tenant_name.is_some() {
            errors.push(FieldError::new(
                "/tenant_name",
                "an organisation's name comes with its `tenant_slug`",
            ));
        }
        return None;
    };
    let slug = TenantSlug::parse(slug_text)
        .map_err(|e| errors.push(FieldError::new("/tenant_slug", e)))
        .ok();
    let name = body.tenant_name.as_deref().unwrap_or(slug_text).trim();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(FieldError::new(
            "/tenant_name",
            "a tenant name has 1 to 200 characters",
        ));
        return None;
    }
    slug.map(|slug| (slug, name.to_owned()))
}

/// Exchanges an email and password for a token pair.
#[utoipa::path(operation_id = "login", tag = "auth", request_body = LoginRequest, responses(
    (status = 200, body = TokenPair, description = "A session in the organisation asked for, or the person's first; a personal session (`tenant_id` null) for a person in none who asked for none"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json",
        description = "`not_a_member`: the password is right, but the person is not a member of that organisation"),
    (status = 429, body = Problem, content_type = "application/problem+json")))]
#[post("/v1/auth/login")]
pub async fn login(
    req: HttpRequest,
    gate: web::Data<Arc<Gatekeeper>>,
    ops: web::Data<Ops>,
    policy: web::Data<SessionPolicy>,
    limiter: web::Data<RateLimiter>,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let email = Email::parse(&body.email).map_err(|_| ApiError::InvalidCredentials)?;
    let per_minute = policy.login_attempts_per_minute;
    limiter
        .hit(
            &format!("login-ip:{}", gate.proxies.key(&req)),
            per_minute,
            60,
        )
        .await?;
    // An account's failed logins slow further attempts on it instead of refusing them, so an
    // attacker failing on purpose cannot lock its owner out (the owner waits seconds at most).
    let failures_key = format!("login-failed:{}", email.as_str());
    let failures = limiter.count(&failures_key, 60).await?;
    tokio::time::sleep(login_backoff(failures, per_minute)).await;
    let found = gate.store.find_login(email.as_str()).await?;
    let stored = found.as_ref().map(|f| f.password_hash.clone());
    if !passwords::verify(body.password, stored).await? {
        limiter.bump(&failures_key, 60).await?;
        if let Some(f) = &found {
            // Audited off the response's path, in each of the person's organisations: a write
            // only for existing accounts would otherwise tell, by the answer's time, which
            // emails have one.
            let (ops, user) = (ops.get_ref().clone(), f.user_id);
            actix_web::rt::spawn(async move {
                let audited = async {
                    for org in ops.store.organisations(user).await? {
                        let w = ops.write_for_account(TenantId(org.tenant_id), user).await?;
                        accounts::login_failed(w, user).await?;
                    }
                    Ok::<(), ApiError>(())
                };
                if let Err(e) = audited.await {
                    tracing::warn!(error = %e, "could not audit a failed login");
                }
            });
        }
        return Err(ApiError::InvalidCredentials);
    }
    let found = found.ok_or(ApiError::InvalidCredentials)?;
    let orgs = gate.store.organisations(found.user_id).await?;
    if orgs.is_empty() && body.organisation.is_none() {
        // A person with no organisation signs in all the same, to create one or accept an invite.
        let tx = gate.store.begin_untenanted().await?;
        let session =
            accounts::issue_personal_session(&ops, &tx, policy.refresh_ttl, found.user_id).await?;
        tx.commit()
            .await
            .map_err(versiqii_store::StoreError::from)?;
        return Ok(session_answer(&req, &policy, HttpResponse::Ok(), session));
    }
    let tenant = organisation_of(&orgs, body.organisation.as_deref())?;
    let w = ops.write_for_account(tenant, found.user_id).await?;
    let session = accounts::login(
        w,
        found.user_id,
        policy.refresh_ttl,
        AuditAction::SessionLogin,
    )
    .await?
    .ok_or_else(|| not_a_member(body.organisation.as_deref()))?;
    Ok(session_answer(&req, &policy, HttpResponse::Ok(), session))
}

/// A session as the answer's body, its refresh token in cookies when the request asked for
/// them (`X-Versiqii-Session: cookie`, the console).
pub(crate) fn session_answer(
    req: &HttpRequest,
    policy: &SessionPolicy,
    builder: actix_web::HttpResponseBuilder,
    session: accounts::Session,
) -> HttpResponse {
    let mut tokens = token_pair(session);
    let cookies = Delivery::of(req, policy, &mut tokens);
    cookies.respond(builder, tokens)
}

fn not_a_member(slug: Option<&str>) -> ApiError {
    ApiError::Unprocessable {
        code: ErrorCode::NotAMember,
        detail: match slug {
            Some(slug) => format!("you are not a member of the organisation `{slug}`"),
            None => "you are not a member of any organisation; accept an invite or sign up one"
                .to_owned(),
        },
    }
}

/// The organisation a person's session is for, among theirs: `slug`'s, or the one they joined
/// first.
fn organisation_of(
    orgs: &[versiqii_store::OrganisationRow],
    slug: Option<&str>,
) -> Result<TenantId, ApiError> {
    let chosen = match slug {
        Some(slug) => orgs.iter().find(|o| o.slug == slug),
        None => orgs.first(),
    };
    chosen
        .map(|o| TenantId(o.tenant_id))
        .ok_or_else(|| not_a_member(slug))
}

/// Moves the caller's session to another of their organisations (or a personal session into
/// one): a new token pair for it (the old pair stays valid for what it was for until it expires
/// or logs out).
#[utoipa::path(operation_id = "switchOrganisation", tag = "auth", request_body = SwitchRequest,
    security(("bearer" = ["session:read"])), responses(
    (status = 200, body = TokenPair),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json",
        description = "`not_a_member` of that organisation, or `people_only` for an API key")))]
#[post("/v1/auth/switch")]
pub async fn switch(
    req: HttpRequest,
    person: crate::auth::Person,
    gate: web::Data<Arc<Gatekeeper>>,
    ops: web::Data<Ops>,
    policy: web::Data<SessionPolicy>,
    body: web::Json<SwitchRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = person.user;
    let slug = body.into_inner().organisation;
    let orgs = gate.store.organisations(user).await?;
    let tenant = organisation_of(&orgs, Some(&slug))?;
    let w = ops.write_for_account(tenant, user).await?;
    let session = accounts::login(w, user, policy.refresh_ttl, AuditAction::SessionSwitch)
        .await?
        .ok_or_else(|| not_a_member(Some(&slug)))?;
    Ok(session_answer(&req, &policy, HttpResponse::Ok(), session))
}

/// Trades a refresh token for a new pair. The old token stops working; presenting it again
/// revokes every session of that user, since it must have leaked.
#[utoipa::path(operation_id = "refreshSession", tag = "auth", request_body = RefreshRequest, responses(
    (status = 200, body = TokenPair),
    (status = 401, body = Problem, content_type = "application/problem+json")))]
#[post("/v1/auth/refresh")]
pub async fn refresh(
    gate: web::Data<Arc<Gatekeeper>>,
    policy: web::Data<SessionPolicy>,
    body: web::Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let token = body.into_inner().refresh_token;
    let session = rotate_refresh(&gate, &policy, &token).await?;
    Ok(HttpResponse::Ok().json(token_pair(session)))
}

/// Trades a refresh token (an organisation's session or a personal one) for a new session; a
/// token presented twice ends every session of its person there.
pub(crate) async fn rotate_refresh(
    gate: &Gatekeeper,
    policy: &SessionPolicy,
    token: &str,
) -> Result<accounts::Session, ApiError> {
    let refused =
        || ApiError::Unauthenticated("the refresh token is unknown, expired or used".into());
    if !secrets::REFRESH_TOKEN.shape_ok(token) {
        return Err(refused());
    }
    let old_hash = secrets::hash_token(token);
    let next = secrets::REFRESH_TOKEN.generate();
    let expires = Utc::now() + policy.refresh_ttl;
    let Some(tenant) = gate.store.find_refresh_tenant(&old_hash).await? else {
        // Not an organisation's session: a personal one, or nothing.
        let user = gate
            .store
            .rotate_person_session(&old_hash, &secrets::hash_token(&next), expires)
            .await?
            .ok_or_else(refused)?;
        return Ok(accounts::Session {
            access_token: gate.jwt.issue_personal(user)?,
            refresh_token: next,
            expires_in: gate.jwt.ttl_secs,
            tenant: None,
            user,
        });
    };
    let tx = gate.store.begin_for(tenant).await?;
    let rotation = tx
        .rotate_refresh_token(&old_hash, &secrets::hash_token(&next), expires)
        .await?;
    let Rotation::Rotated { user_id } = rotation else {
        // Commit: a reused token's family revocation must stick.
        tx.commit().await?;
        return Err(refused());
    };
    let role = tx.membership_role(user_id).await?.ok_or_else(refused)?;
    let access = gate.jwt.issue(user_id, tenant.0, role)?;
    tx.commit().await?;
    Ok(accounts::Session {
        access_token: access,
        refresh_token: next,
        expires_in: gate.jwt.ttl_secs,
        tenant: Some(tenant.0),
        user: user_id,
    })
}

/// Ends a session by revoking its refresh token. Always 204, so it reveals nothing.
#[utoipa::path(operation_id = "logout", tag = "auth", request_body = RefreshRequest, responses(
    (status = 204, description = "The session is over")))]
#[post("/v1/auth/logout")]
pub async fn logout(
    gate: web::Data<Arc<Gatekeeper>>,
    body: web::Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    revoke_refresh(&gate, &body.into_inner().refresh_token).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Ends the session of a refresh token (an organisation's or a personal one), if it is one.
pub(crate) async fn revoke_refresh(gate: &Gatekeeper, token: &str) -> Result<(), ApiError> {
    if !secrets::REFRESH_TOKEN.shape_ok(token) {
        return Ok(());
    }
    let hash = secrets::hash_token(token);
    if let Some(tenant) = gate.store.find_refresh_tenant(&hash).await? {
        let tx = gate.store.begin_for(tenant).await?;
        tx.revoke_refresh_token(&hash).await?;
        tx.commit().await?;
    } else {
        gate.store.revoke_person_session(&hash).await?;
    }
    Ok(())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(signup)
        .service(login)
        .service(switch)
        .service(refresh)
        .service(logout);
}
