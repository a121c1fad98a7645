//! Tenants as operators see and change them: list and search, one tenant's month, plan changes,
//! credits, suspension, and a read-only look. Every change is recorded in the operators' chain
//! and, through the tenant's write path, in the tenant's.

use super::{Admin, OperatorAuth, Portal, Support};
use crate::auth::authorized::Gatekeeper;
use crate::error::{ApiError, Problem};
use crate::ops::{tenancy, Ops};
use crate::quota::month_start;
use actix_web::{get, post, put, web, HttpResponse};
use chrono::Utc;
use std::sync::Arc;
use uuid::Uuid;
use versiqii_api::ops::{
    CreditRequest, CreditView, Impersonation, PlanChangeRequest, ReasonRequest, TenantDetail,
    TenantPage, TenantQuery, TenantSummaryView, UsageFigureView,
};
use versiqii_core::TenantId;
use versiqii_store::{CreditRow, TenantSummary};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, show, set_plan, suspend, resume, grant_credit, impersonate),
    tags((name = "tenants", description = "Every tenant, and what operators change in one"))
)]
pub struct Doc;

fn view(t: TenantSummary) -> TenantSummaryView {
    TenantSummaryView {
        id: t.id,
        slug: t.slug,
        name: t.name,
        plan: t.plan,
        created_at: t.created_at,
        suspended_at: t.suspended_at,
        suspended_reason: t.suspended_reason,
        members: t.members,
        owner_email: t.owner_email,
    }
}

fn credit_view(c: CreditRow) -> CreditView {
    CreditView {
        id: c.id,
        amount_cents: c.amount_cents,
        reason: c.reason,
        granted_by: c.granted_by,
        created_at: c.created_at,
    }
}

/// A reason for the audit chains: one line, 1 to 500 characters.
fn reason(text: &str) -> Result<&str, ApiError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 500 || text.chars().any(char::is_control) {
        return Err(ApiError::invalid(
            "/reason",
            "say why in one line of 1 to 500 characters",
        ));
    }
    Ok(text)
}

async fn summary(portal: &Portal, id: Uuid) -> Result<TenantSummary, ApiError> {
    portal
        .store()?
        .tenant(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("tenant {id}")))
}

/// Tenants, newest first; `q` searches slugs, names and members' emails.
#[utoipa::path(operation_id = "opsListTenants", tag = "tenants", params(TenantQuery),
    security(("operator" = [])), responses(
    (status = 200, body = TenantPage),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
#[get("/ops/v1/tenants")]
pub async fn list(
    _auth: OperatorAuth<Support>,
    portal: web::Data<Portal>,
    query: web::Query<TenantQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::invalid("/limit", "from 1 to 200"));
    }
    let q = query.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    if q.is_some_and(|q| q.chars().count() > 200) {
        return Err(ApiError::invalid("/q", "at most 200 characters"));
    }
    let rows = portal.store()?.tenants(q, limit, query.before).await?;
    let next_before = (rows.len() == limit as usize)
        .then(|| rows.last().map(|t| t.created_at))
        .flatten();
    Ok(HttpResponse::Ok().json(TenantPage {
        items: rows.into_iter().map(view).collect(),
        next_before,
    }))
}

/// One tenant: who and what it is, its usage this month and the credits it was granted.
#[utoipa::path(operation_id = "opsShowTenant", tag = "tenants",
    params(("id" = Uuid, Path, description = "The tenant's id")),
    security(("operator" = [])), responses(
    (status = 200, body = TenantDetail),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json")))]
#[get("/ops/v1/tenants/{id}")]
pub async fn show(
    _auth: OperatorAuth<Support>,
    portal: web::Data<Portal>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let tenant = summary(&portal, id).await?;
    let store = portal.store()?;
    let from = month_start(Utc::now().date_naive());
    let to = from
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(from);
    let usage = store.tenant_usage(id, from, to).await?;
    let credits = store.tenant_credits(id).await?;
    Ok(HttpResponse::Ok().json(TenantDetail {
        tenant: view(tenant),
        usage: usage
            .into_iter()
            .map(|u| UsageFigureView {
                kind: u.kind,
                value: u.value,
            })
            .collect(),
        credits: credits.into_iter().map(credit_view).collect(),
    }))
}

/// Moves a tenant to another plan, from now on (its quotas, rate and prices).
#[utoipa::path(operation_id = "opsSetPlan", tag = "tenants", request_body = PlanChangeRequest,
    params(("id" = Uuid, Path, description = "The tenant's id")),
    security(("operator" = [])), responses(
    (status = 200, body = TenantSummaryView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
#[put("/ops/v1/tenants/{id}/plan")]
pub async fn set_plan(
    auth: OperatorAuth<Admin>,
    portal: web::Data<Portal>,
    ops: web::Data<Ops>,
    id: web::Path<Uuid>,
    body: web::Json<PlanChangeRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let why = reason(&body.reason)?;
    summary(&portal, id).await?;
    let w = ops
        .write_as_operator(TenantId(id), auth.operator.id)
        .await?;
    let before = tenancy::set_plan(w, &body.plan).await?;
    portal
        .record(
            &auth.operator,
            "tenant.plan_change",
            &format!("tenant:{id}"),
            Some(id),
            Some(&format!("{before} -> {}: {why}", body.plan)),
        )
        .await?;
    Ok(HttpResponse::Ok().json(view(summary(&portal, id).await?)))
}

/// Suspends the tenant (`Some(reason)`) or resumes it (`None`), records a change in the
/// operators' chain, and refuses (or admits) its callers on this instance at once; the others
/// follow when the notification reaches them.
async fn set_suspension(
    auth: &OperatorAuth<Admin>,
    portal: &Portal,
    ops: &Ops,
    gate: &Gatekeeper,
    id: Uuid,
    suspension: Option<&str>,
    why: &str,
) -> Result<HttpResponse, ApiError> {
    summary(portal, id).await?;
    let w = ops
        .write_as_operator(TenantId(id), auth.operator.id)
        .await?;
    if tenancy::set_suspended(w, suspension).await? {
        let action = if suspension.is_some() {
            "tenant.suspend"
        } else {
            "tenant.resume"
        };
        portal
            .record(
                &auth.operator,
                action,
                &format!("tenant:{id}"),
                Some(id),
                Some(why),
            )
            .await?;
    }
    gate.suspended.reload(&gate.store).await;
    Ok(HttpResponse::Ok().json(view(summary(portal, id).await?)))
}

/// Suspends a tenant: its API keys and sessions get 403 `tenant_suspended` on every instance;
/// its data is kept and nothing else changes.
#[utoipa::path(operation_id = "opsSuspendTenant", tag = "tenants", request_body = ReasonRequest,
    params(("id" = Uuid, Path, description = "The tenant's id")),
    security(("operator" = [])), responses(
    (status = 200, body = TenantSummaryView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/ops/v1/tenants/{id}/suspend")]
pub async fn suspend(
    auth: OperatorAuth<Admin>,
    portal: web::Data<Portal>,
    ops: web::Data<Ops>,
    gate: web::Data<Arc<Gatekeeper>>,
    id: web::Path<Uuid>,
    body: web::Json<ReasonRequest>,
) -> Result<HttpResponse, ApiError> {
    let why = reason(&body.reason)?;
    set_suspension(&auth, &portal, &ops, &gate, id.into_inner(), Some(why), why).await
}

/// Resumes a suspended tenant: its keys and sessions work again, its data as it was.
#[utoipa::path(operation_id = "opsResumeTenant", tag = "tenants", request_body = ReasonRequest,
    params(("id" = Uuid, Path, description = "The tenant's id")),
    security(("operator" = [])), responses(
    (status = 200, body = TenantSummaryView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/ops/v1/tenants/{id}/resume")]
pub async fn resume(
    auth: OperatorAuth<Admin>,
    portal: web::Data<Portal>,
    ops: web::Data<Ops>,
    gate: web::Data<Arc<Gatekeeper>>,
    id: web::Path<Uuid>,
    body: web::Json<ReasonRequest>,
) -> Result<HttpResponse, ApiError> {
    let why = reason(&body.reason)?;
    set_suspension(&auth, &portal, &ops, &gate, id.into_inner(), None, why).await
}

/// Grants a tenant a credit, taken off its next invoices until used up.
#[utoipa::path(operation_id = "opsGrantCredit", tag = "tenants", request_body = CreditRequest,
    params(("id" = Uuid, Path, description = "The tenant's id")),
    security(("operator" = [])), responses(
    (status = 201, body = CreditView),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/ops/v1/tenants/{id}/credits")]
pub async fn grant_credit(
    auth: OperatorAuth<Admin>,
    portal: web::Data<Portal>,
    ops: web::Data<Ops>,
    id: web::Path<Uuid>,
    body: web::Json<CreditRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let why = reason(&body.reason)?;
    if !(1..=100_000_000_000).contains(&body.amount_cents) {
        return Err(ApiError::invalid(
            "/amount_cents",
            "from 1 to 100000000000 minor units",
        ));
    }
    summary(&portal, id).await?;
    let w = ops
        .write_as_operator(TenantId(id), auth.operator.id)
        .await?;
    let credit = tenancy::grant_credit(w, body.amount_cents, why).await?;
    portal
        .record(
            &auth.operator,
            "credit.grant",
            &format!("credit:{}", credit.id),
            Some(id),
            Some(&format!("{}: {why}", body.amount_cents)),
        )
        .await?;
    Ok(HttpResponse::Created().json(credit_view(credit)))
}

/// Starts a read-only look at a tenant: an access token for the tenants' API that reads as a
/// viewer and is refused any change (403 `impersonation_read_only`), for a few minutes. The
/// look is recorded in the operators' chain and in the tenant's own.
#[utoipa::path(operation_id = "opsImpersonate", tag = "tenants", request_body = ReasonRequest,
    params(("id" = Uuid, Path, description = "The tenant's id")),
    security(("operator" = [])), responses(
    (status = 201, body = Impersonation),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json")))]
#[post("/ops/v1/tenants/{id}/impersonate")]
pub async fn impersonate(
    auth: OperatorAuth<Support>,
    portal: web::Data<Portal>,
    ops: web::Data<Ops>,
    gate: web::Data<Arc<Gatekeeper>>,
    id: web::Path<Uuid>,
    body: web::Json<ReasonRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let why = reason(&body.reason)?;
    let tenant = summary(&portal, id).await?;
    let w = ops
        .write_as_operator(TenantId(id), auth.operator.id)
        .await?;
    tenancy::note_impersonation(w, why).await?;
    portal
        .record(
            &auth.operator,
            "impersonation.start",
            &format!("tenant:{id}"),
            Some(id),
            Some(why),
        )
        .await?;
    let token = gate
        .jwt
        .issue_impersonation(auth.operator.id, id, portal.impersonation_secs)?;
    Ok(HttpResponse::Created().json(Impersonation {
        access_token: token,
        expires_at: Utc::now() + chrono::Duration::seconds(portal.impersonation_secs as i64),
        tenant_id: id,
        tenant_slug: tenant.slug,
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(list)
        .service(show)
        .service(set_plan)
        .service(suspend)
        .service(resume)
        .service(grant_credit)
        .service(impersonate);
}
