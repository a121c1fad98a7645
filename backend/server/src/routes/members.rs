//! The members of the session's organisation, and the caller's own organisations.

use crate::app::SessionPolicy;
use crate::auth::{perm, Authorized, Person};
use crate::error::{ApiError, Problem};
use crate::ops::{accounts, members, Ops};
use crate::rate_limit::RateLimiter;
use actix_web::{delete, get, post, put, web, HttpRequest, HttpResponse};
use versiqii_api::v1::{
    MemberList, MemberRoleRequest, MemberView, NewOrganisationRequest, OrganisationCreated,
    OrganisationList, OrganisationView, TenantView,
};
use versiqii_core::{Role, TenantId, TenantSlug};
use versiqii_store::MemberRow;

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(organisations, create_organisation, list, set_role, remove, leave),
    tags((name = "members", description = "Organisations, their members and roles"))
)]
pub struct Doc;

fn member_view(row: MemberRow) -> MemberView {
    MemberView {
        user_id: row.user_id.into(),
        email: row.email,
        display_name: row.display_name,
        role: row.role,
        joined_at: row.joined_at,
    }
}

/// Why an API key may not do what only a person's session may.
const PEOPLE_ONLY: &str = "only a person's session may do this, not an API key";

/// The organisations the caller belongs to, with their role in each (`current` marks the
/// session's).
#[utoipa::path(operation_id = "listOrganisations", tag = "members",
    security(("bearer" = ["session:read"])), responses(
    (status = 200, body = OrganisationList),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "`people_only`: an API key has no organisations")))]
#[get("/v1/orgs")]
pub async fn organisations(person: Person, ops: web::Data<Ops>) -> Result<HttpResponse, ApiError> {
    let (user, current) = (person.user, person.tenant.map(|t| t.0));
    let items = ops
        .store
        .organisations(user)
        .await?
        .into_iter()
        .map(|o| OrganisationView {
            id: o.tenant_id.into(),
            current: Some(o.tenant_id) == current,
            slug: o.slug,
            name: o.name,
            role: o.role,
            joined_at: o.joined_at,
        })
        .collect();
    Ok(HttpResponse::Ok().json(OrganisationList { items }))
}

/// Creates another organisation, owned by the caller, and answers a session in it.
#[utoipa::path(operation_id = "createOrganisation", tag = "members",
    request_body = NewOrganisationRequest,
    security(("bearer" = ["session:read"])), responses(
    (status = 201, body = OrganisationCreated),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "`people_only`: an API key makes no organisations"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "`tenant_slug_taken`"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "`invalid_input`: the slug or name")))]
#[post("/v1/orgs")]
pub async fn create_organisation(
    req: HttpRequest,
    person: Person,
    ops: web::Data<Ops>,
    policy: web::Data<SessionPolicy>,
    limiter: web::Data<RateLimiter>,
    body: web::Json<NewOrganisationRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = person.user;
    let body = body.into_inner();
    let slug = TenantSlug::parse(&body.slug).map_err(|e| ApiError::invalid("/slug", e))?;
    let name = body.name.unwrap_or_else(|| body.slug.clone());
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ApiError::invalid("/name", "a name has 1 to 200 characters"));
    }
    // As many new organisations as sign-ups, per client.
    limiter
        .hit(
            &format!("signup:{}", ops.gate.proxies.key(&req)),
            policy.signups_per_hour,
            3600,
        )
        .await?;
    let w = ops.write_for_account(TenantId::new_random(), user).await?;
    let (tenant, session) =
        accounts::create_organisation(w, user, &slug, name, policy.refresh_ttl).await?;
    let mut tokens = super::auth::token_pair(session);
    let cookies = super::browser::Delivery::of(&req, &policy, &mut tokens);
    Ok(cookies.respond(
        HttpResponse::Created(),
        OrganisationCreated {
            organisation: TenantView {
                id: tenant.id.into(),
                slug: tenant.slug,
                name: tenant.name,
            },
            tokens,
        },
    ))
}

/// The organisation's members: owners first, then by when they joined.
#[utoipa::path(operation_id = "listMembers", tag = "members",
    security(("bearer" = ["members:read"])), responses(
    (status = 200, body = MemberList),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json")))]
#[get("/v1/members")]
pub async fn list(auth: Authorized<perm::MembersRead>) -> Result<HttpResponse, ApiError> {
    let tx = auth.begin().await?;
    let items = tx.members().await?.into_iter().map(member_view).collect();
    tx.commit().await?;
    Ok(HttpResponse::Ok().json(MemberList { items }))
}

/// Changes a member's role. Only an owner grants or takes away `owner`; the last owner keeps it.
#[utoipa::path(operation_id = "setMemberRole", tag = "members", request_body = MemberRoleRequest,
    params(("user_id" = Uuid, Path)),
    security(("bearer" = ["members:write"])), responses(
    (status = 200, body = MemberView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "`forbidden`: managing members, or owners, needs a higher role"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "`last_owner`"),
    (status = 422, body = Problem, content_type = "application/problem+json", description = "`invalid_input`: not a role")))]
#[put("/v1/members/{user_id}/role")]
pub async fn set_role(
    auth: Authorized<perm::MembersWrite>,
    ops: web::Data<Ops>,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<MemberRoleRequest>,
) -> Result<HttpResponse, ApiError> {
    let user = super::id_in_path(&req, &path, "user_id")?;
    let role: Role = body
        .role
        .parse()
        .map_err(|_| ApiError::invalid("/role", "a role is owner, admin, editor or viewer"))?;
    let caller = auth.principal.role;
    let row = members::set_role(auth.write(&ops).await?, caller, user, role).await?;
    Ok(HttpResponse::Ok().json(member_view(row)))
}

/// Removes a member; their sessions in the organisation end.
#[utoipa::path(operation_id = "removeMember", tag = "members", params(("user_id" = Uuid, Path)),
    security(("bearer" = ["members:write"])), responses(
    (status = 204, description = "Removed"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "`last_owner`")))]
#[delete("/v1/members/{user_id}")]
pub async fn remove(
    auth: Authorized<perm::MembersWrite>,
    ops: web::Data<Ops>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let user = super::id_in_path(&req, &path, "user_id")?;
    let caller = auth.principal.role;
    members::remove(auth.write(&ops).await?, caller, user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The caller leaves the session's organisation (the last owner cannot).
#[utoipa::path(operation_id = "leaveOrganisation", tag = "members",
    security(("bearer" = ["session:read"])), responses(
    (status = 204, description = "Left; the session's refresh token no longer works"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json", description = "`people_only`"),
    (status = 409, body = Problem, content_type = "application/problem+json", description = "`last_owner`")))]
#[post("/v1/members/leave")]
pub async fn leave(
    auth: Authorized<perm::SessionRead>,
    ops: web::Data<Ops>,
) -> Result<HttpResponse, ApiError> {
    let user = auth.person(PEOPLE_ONLY)?;
    members::leave(auth.write(&ops).await?, user).await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    // `leave` before `{user_id}`, so "leave" is never read as an id.
    cfg.service(organisations)
        .service(create_organisation)
        .service(list)
        .service(leave)
        .service(set_role)
        .service(remove);
}
