use super::perm::Permission;
use super::rbac::Rbac;
use crate::auth::jwt::JwtKeys;
use crate::error::ApiError;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use actix_web::{dev::Payload, http::header, web, FromRequest, HttpRequest, ResponseError};
use std::future::{ready, Ready};
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Instant;
use subtle::ConstantTimeEq;
use uuid::Uuid;
use versiqii_core::{ApiKeySecret, Role, Scope, TenantId};
use versiqii_store::{Store, TenantTx};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalKind {
    User,
    ApiKey,
    /// An operator of the service looking at the tenant, read-only (an impersonation token
    /// from the operators' portal).
    Operator,
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub tenant: TenantId,
    pub id: Uuid,
    pub kind: PrincipalKind,
    pub role: Role,
    /// The environments an API key may act in; `None`: every one (and always for a person).
    pub envs: Option<Arc<[String]>>,
}

impl Principal {
    /// How the caller appears in audit events.
    pub fn actor(&self) -> String {
        match self.kind {
            PrincipalKind::User => format!("user:{}", self.id),
            PrincipalKind::ApiKey => format!("api_key:{}", self.id),
            PrincipalKind::Operator => format!("operator:{}", self.id),
        }
    }
}

/// What authentication needs from the application; kept apart from the handlers' state so no
/// handler can reach the pool around the checks.
pub struct Gatekeeper {
    pub(crate) store: Store,
    pub(crate) jwt: JwtKeys,
    pub(crate) rbac: Rbac,
    pub(crate) fair_share: super::fair_share::FairShare,
    pub(crate) budgets: super::budget::Budgets,
    pub(crate) keys: super::key_cache::KeyCache,
    pub(crate) failed_auth: super::failed_auth::FailedAuth,
    pub(crate) proxies: crate::client_addr::TrustedProxies,
    /// Counts each admitted request for usage metering.
    pub(crate) meter: Arc<crate::metering::Meter>,
    /// Each tenant's monthly call quota.
    pub(crate) calls: crate::quota::CallQuota,
    /// The tenants suspended by operators.
    pub(crate) suspended: super::suspended::Suspended,
    /// Counts each admitted request's status and latency for SLA metering.
    pub(crate) sla: Arc<crate::sla::SlaMeter>,
}

/// Proof that the caller is authenticated and allowed `P` in their tenant; the only way for a
/// handler to open a transaction on tenant data.
pub struct Authorized<P: Permission> {
    pub principal: Principal,
    store: Store,
    _perm: PhantomData<P>,
}

impl<P: Permission> Authorized<P> {
    /// A read-only look at the tenant's rows.
    pub async fn begin(&self) -> Result<TenantTx, ApiError> {
        Ok(self.store.begin_for(self.principal.tenant).await?)
    }

    /// A write in the caller's tenant, done by the caller: the only way a handler reaches an
    /// operation.
    pub async fn write(&self, ops: &crate::ops::Ops) -> Result<crate::ops::TenantWrite, ApiError> {
        self.ticket().open(ops).await
    }

    /// The person behind a session. An API key belongs to one organisation and is no person:
    /// 403 `people_only`, with `why` as the detail.
    pub fn person(&self, why: &str) -> Result<Uuid, ApiError> {
        // The code's status (403) is what answers, as for every coded error.
        self.person_id().ok_or_else(|| ApiError::Unprocessable {
            code: crate::error::ErrorCode::PeopleOnly,
            detail: why.to_owned(),
        })
    }

    /// The person behind a session; `None` for an API key.
    pub fn person_id(&self) -> Option<Uuid> {
        (self.principal.kind == PrincipalKind::User).then_some(self.principal.id)
    }

    /// An environment the caller may act in (bind, deploy, roll back, report, create): parsed,
    /// and for an API key limited to some environments, one of them (403 `env_not_allowed`).
    pub fn env_to_act_in(&self, text: &str) -> Result<versiqii_core::names::EnvName, ApiError> {
        let env = crate::routes::envs::parse_env(text)?;
        self.may_act_in(std::slice::from_ref(&env.as_str().to_owned()))?;
        Ok(env)
    }

    /// Whether the caller may act in every one of `envs` (an API key's own limit, for the keys
    /// it creates: a key never makes a wider one).
    pub fn may_act_in(&self, envs: &[String]) -> Result<(), ApiError> {
        let Some(allowed) = &self.principal.envs else {
            return Ok(());
        };
        match envs.iter().find(|e| !allowed.contains(e)) {
            None => Ok(()),
            Some(env) => Err(ApiError::Unprocessable {
                code: crate::error::ErrorCode::EnvNotAllowed,
                detail: format!(
                    "this API key is limited to the environments {}; it may not act in `{env}`",
                    allowed.join(", ")
                ),
            }),
        }
    }

    /// The environments the caller is limited to; `None`: every one.
    pub fn env_limit(&self) -> Option<&[String]> {
        self.principal.envs.as_deref()
    }

    /// The caller's write, to be opened by an operation after slow work done outside it.
    pub fn ticket(&self) -> crate::ops::WriteTicket {
        crate::ops::WriteTicket::new(
            self.principal.tenant,
            crate::ops::Actor::new(self.principal.actor()),
        )
    }
}

impl<P: Permission + 'static> FromRequest for Authorized<P> {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    /// Synchronous on purpose: authentication already ran in [`authenticate_request`], so this
    /// resolves before any other extractor (a bad body never answers before a missing token).
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(authorize::<P>(req))
    }
}

fn authorize<P: Permission>(req: &HttpRequest) -> Result<Authorized<P>, ApiError> {
    let gate = req
        .app_data::<web::Data<Arc<Gatekeeper>>>()
        .ok_or_else(|| anyhow::anyhow!("gatekeeper not configured"))?;
    let outcome = req.extensions_mut().remove::<Authentication>();
    let principal = match outcome {
        Some(Authentication(result)) => result?,
        None => {
            return Err(ApiError::Unauthenticated(
                "send `Authorization: Bearer <token or API key>`".into(),
            ))
        }
    };
    if !gate
        .rbac
        .allows(principal.role, principal.tenant, P::OBJECT, P::ACTION)
    {
        return Err(ApiError::Forbidden {
            object: P::OBJECT,
            action: P::ACTION,
        });
    }
    Ok(Authorized {
        principal,
        store: gate.store.clone(),
        _perm: PhantomData,
    })
}

/// The outcome of authenticating a request that carried an Authorization header.
pub(super) struct Authentication(pub(super) Result<Principal, ApiError>);

/// A valid personal session's person (an access token for no organisation).
#[derive(Clone, Copy)]
pub(super) struct PersonalSession(pub(super) Uuid);

/// Who a valid credential belongs to.
enum Caller {
    /// A member of an organisation (a session there) or an organisation's API key.
    Member(Principal),
    /// A person's session for no organisation.
    Person(Uuid),
}

fn no_organisation() -> ApiError {
    ApiError::Unprocessable {
        code: crate::error::ErrorCode::NoOrganisation,
        detail: "this session is for no organisation: create one (POST /v1/orgs) or accept an \
                 invite, then use the session that answers"
            .into(),
    }
}

/// Middleware: authenticates any request that carries credentials, before extraction.
pub async fn authenticate_request(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let mut slot = None;
    // The operators' portal has its own principal, checked by its own extractor: an operator's
    // token is no tenant's, and must not count as a tenant's failed sign-in.
    let portal = req.path().starts_with("/ops/");
    // The admitted tenant and when it was admitted: its answer's status and latency count for
    // its SLA (budget and fair-share waits are the tenant's own pacing, not the service's).
    let mut admitted_at = None;
    if req.headers().contains_key(header::AUTHORIZATION) && !portal {
        let gate = req.app_data::<web::Data<Arc<Gatekeeper>>>().cloned();
        let outcome = match &gate {
            Some(gate) => {
                let client = gate.proxies.key(req.request());
                if let Some(retry_after) = gate.failed_auth.refused(&client) {
                    let response = ApiError::RateLimited { retry_after }.error_response();
                    return Ok(req.into_response(response).map_into_right_body());
                }
                let outcome = match bearer(req.request()) {
                    Ok(token) => authenticate(gate, token).await,
                    Err(e) => Err(e),
                };
                if outcome.is_err() {
                    gate.failed_auth.failed(&client);
                }
                match outcome {
                    Ok(Caller::Member(principal)) => Ok(principal),
                    Ok(Caller::Person(user)) => {
                        // Only [`super::person::Person`] takes it; every tenant route refuses.
                        req.extensions_mut().insert(PersonalSession(user));
                        Err(no_organisation())
                    }
                    Err(e) => Err(e),
                }
            }
            None => Err(ApiError::Internal(anyhow::anyhow!(
                "gatekeeper not configured"
            ))),
        };
        let outcome = match (&gate, outcome) {
            (Some(gate), Ok(principal)) => gate.standing(principal, req.method()),
            (_, outcome) => outcome,
        };
        if let (Some(gate), Ok(principal)) = (&gate, &outcome) {
            if principal.kind == PrincipalKind::Operator {
                // An operator's look is not the tenant's usage, and waits for no budget.
                req.extensions_mut().insert(Authentication(outcome));
                return next
                    .call(req)
                    .await
                    .map(ServiceResponse::map_into_left_body);
            }
            let admitted = match gate.within_budget(principal.tenant).await {
                Ok(()) => {
                    gate.calls
                        .admit(principal.tenant, &gate.store, &gate.meter)
                        .await
                }
                Err(refused) => Err(refused),
            };
            if let Err(refused) = admitted {
                // Answered here, before any handler (public ones included) does any work.
                let response = refused.error_response();
                return Ok(req.into_response(response).map_into_right_body());
            }
            slot = gate.fair_share.enter(principal.tenant).await;
            let kind = crate::metering::Kind::of(req.method().as_str(), req.path());
            gate.meter.count(principal.tenant.0, kind);
            admitted_at = Some((gate.clone(), principal.tenant, Instant::now()));
        }
        req.extensions_mut().insert(Authentication(outcome));
    }
    let response = next.call(req).await;
    drop(slot);
    if let Some((gate, tenant, started)) = admitted_at {
        let status = match &response {
            Ok(res) => res.status(),
            Err(e) => e.as_response_error().status_code(),
        };
        gate.sla
            .record(tenant.0, status.as_u16(), started.elapsed());
    }
    response.map(ServiceResponse::map_into_left_body)
}

impl Gatekeeper {
    /// Refuses a suspended tenant's callers (an operator may still look), and an operator's
    /// look anything but reading.
    fn standing(
        &self,
        principal: Principal,
        method: &actix_web::http::Method,
    ) -> Result<Principal, ApiError> {
        use actix_web::http::Method;
        if principal.kind == PrincipalKind::Operator {
            return if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
                Ok(principal)
            } else {
                Err(ApiError::ImpersonationReadOnly)
            };
        }
        if self.suspended.contains(principal.tenant) {
            return Err(ApiError::TenantSuspended(
                "its keys and sessions are refused until the service's operators resume it; \
                 its data is kept"
                    .into(),
            ));
        }
        Ok(principal)
    }

    /// Waits for the tenant's turn in its plan's request budget, or refuses (429).
    async fn within_budget(&self, tenant: TenantId) -> Result<(), ApiError> {
        use super::budget::Admission;
        if self.budgets.unlimited() {
            return Ok(());
        }
        if self.budgets.claim_plan_read(tenant, Instant::now()) {
            match self.store.tenant_plan(tenant).await {
                Ok(plan) => {
                    let plan = plan.as_deref().unwrap_or("free");
                    self.budgets.set_plan(tenant, plan, Instant::now())
                }
                Err(e) => {
                    // The bucket keeps its rate; the plan is read again in a few seconds.
                    tracing::warn!(error = %e, "reading a tenant's plan");
                    self.budgets.plan_read_failed(tenant, Instant::now());
                }
            }
        }
        match self.budgets.admit(tenant, Instant::now()) {
            Admission::Now => Ok(()),
            Admission::After(wait) => {
                actix_web::rt::time::sleep(wait).await;
                Ok(())
            }
            Admission::Refused(after) => {
                // Answered no sooner than the longest admitted wait: a client that ignores
                // Retry-After gets its refusals no faster than it would get answers, so
                // refusals cannot become a flood of their own. Waiting costs no CPU.
                actix_web::rt::time::sleep(self.budgets.max_wait()).await;
                Err(ApiError::RateLimited {
                    retry_after: (after.as_secs_f64().ceil() as u64).max(1),
                })
            }
        }
    }
}

pub(crate) fn bearer(req: &HttpRequest) -> Result<String, ApiError> {
    let value = req.headers().get(header::AUTHORIZATION).ok_or_else(|| {
        ApiError::Unauthenticated("send `Authorization: Bearer <token or API key>`".into())
    })?;
    let text = value
        .to_str()
        .map_err(|_| ApiError::Unauthenticated("the Authorization header is not text".into()))?;
    let token = text
        .strip_prefix("Bearer ")
        .or_else(|| text.strip_prefix("bearer "))
        .ok_or_else(|| {
            ApiError::Unauthenticated("the Authorization scheme must be Bearer".into())
        })?;
    Ok(token.trim().to_owned())
}

async fn authenticate(gate: &Gatekeeper, token: String) -> Result<Caller, ApiError> {
    if ApiKeySecret::looks_like(&token) {
        return authenticate_key(gate, &token).await.map(Caller::Member);
    }
    let claims = gate.jwt.verify(&token).map_err(|e| {
        use jsonwebtoken::errors::ErrorKind as K;
        let why = match e.kind() {
            K::ExpiredSignature => "the access token has expired; refresh it",
            K::InvalidAudience => "the access token is for another audience",
            K::InvalidIssuer => "the access token is from another issuer",
            K::InvalidAlgorithm => "the access token uses an algorithm this server does not accept",
            K::InvalidSignature => "the access token's signature does not verify",
            _ => "the access token is malformed",
        };
        ApiError::Unauthenticated(why.into())
    })?;
    Ok(match (claims.tid, claims.role) {
        (Some(tenant), Some(role)) => Caller::Member(Principal {
            tenant: TenantId(tenant),
            id: claims.sub,
            kind: if claims.imp {
                PrincipalKind::Operator
            } else {
                PrincipalKind::User
            },
            role: if claims.imp { Role::Viewer } else { role },
            envs: None,
        }),
        (None, None) => Caller::Person(claims.sub),
        _ => {
            return Err(ApiError::Unauthenticated(
                "the access token is malformed".into(),
            ))
        }
    })
}

/// Looks the key up, checks it, and remembers it briefly.
async fn verify_key(gate: &Gatekeeper, hash: &[u8; 32]) -> Result<Principal, ApiError> {
    let epoch = gate.keys.epoch();
    let found = gate.store.find_api_key(hash).await?;
    let Some(row) = found else {
        gate.keys.count(super::key_cache::Lookup::Unknown);
        gate.keys.remember_unknown(*hash);
        return Err(ApiError::InvalidApiKey("unknown API key".into()));
    };
    gate.keys.count(super::key_cache::Lookup::Found);
    if !bool::from(row.key_hash.as_slice().ct_eq(hash.as_slice())) {
        return Err(ApiError::InvalidApiKey("unknown API key".into()));
    }
    if row.revoked_at.is_some() {
        return Err(ApiError::InvalidApiKey("this API key was revoked".into()));
    }
    if row.expires_at.is_some_and(|at| at <= chrono::Utc::now()) {
        return Err(ApiError::InvalidApiKey("this API key has expired".into()));
    }
    let scopes: Vec<Scope> = row
        .scopes
        .split(',')
        .filter_map(|s| s.parse().ok())
        .collect();
    let role = Scope::effective_role(&scopes)
        .ok_or_else(|| ApiError::InvalidApiKey("this API key has no scopes".into()))?;
    let principal = Principal {
        tenant: TenantId(row.tenant_id),
        id: row.id,
        kind: PrincipalKind::ApiKey,
        role,
        envs: versiqii_store::split_envs(row.envs.as_deref()).map(Arc::from),
    };
    gate.keys
        .put(epoch, *hash, principal.clone(), row.expires_at);
    Ok(principal)
}

async fn authenticate_key(gate: &Gatekeeper, token: &str) -> Result<Principal, ApiError> {
    // Shape and checksum first: a mistyped key never costs a query.
    let key = ApiKeySecret::parse(token).map_err(|e| ApiError::InvalidApiKey(e.to_string()))?;
    let hash = key.hash();
    if gate.keys.known_unknown(&hash) {
        gate.keys.count(super::key_cache::Lookup::RememberedUnknown);
        return Err(ApiError::InvalidApiKey("unknown API key".into()));
    }
    let principal = match gate.keys.get(&hash) {
        Some(principal) => principal,
        None => verify_key(gate, &hash).await?,
    };
    // Recording use is bookkeeping: it must not slow or fail the request, and once a minute
    // per key is precise enough for "last used".
    if gate.keys.should_touch(principal.id) {
        let store = gate.store.clone();
        let tenant = principal.tenant;
        let id = principal.id;
        actix_web::rt::spawn(async move {
            let touched = async {
                let tx = store.begin_for(tenant).await?;
                tx.touch_api_key(id).await?;
                tx.commit().await
            };
            if let Err(e) = touched.await {
                tracing::warn!(error = %e, "recording API key use");
            }
        });
    }
    Ok(principal)
}
