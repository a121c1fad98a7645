//! The operator principal: a session token of the portal's own (`vqop_…`), looked up through
//! the portal's pool, and a clearance the handler names in its signature
//! (`OperatorAuth<Admin>`), as tenant handlers name their permission.

use super::Portal;
use crate::auth::secrets::{hash_token, OPERATOR_TOKEN};
use crate::error::ApiError;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use std::marker::PhantomData;
use uuid::Uuid;

/// What an operator may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum OperatorRole {
    /// Reads tenants, usage and invoices, and looks at a tenant read-only.
    Support,
    /// Also changes plans, grants credits, suspends and resumes.
    Admin,
}

impl OperatorRole {
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "support" => Some(Self::Support),
            "admin" => Some(Self::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Support => "support",
            Self::Admin => "admin",
        }
    }
}

pub trait Clearance {
    const NEEDS: OperatorRole;
}

pub struct Support;
pub struct Admin;

impl Clearance for Support {
    const NEEDS: OperatorRole = OperatorRole::Support;
}
impl Clearance for Admin {
    const NEEDS: OperatorRole = OperatorRole::Admin;
}

#[derive(Debug, Clone)]
pub struct Operator {
    pub id: Uuid,
    pub email: String,
    pub display_name: Option<String>,
    pub role: OperatorRole,
    /// SHA-256 of the session's token (to end it).
    pub token_hash: [u8; 32],
}

impl Operator {
    /// How audit rows and events name the operator.
    pub fn actor(&self) -> String {
        format!("operator:{}", self.id)
    }
}

/// Proof that an operator with clearance `C` signed in.
pub struct OperatorAuth<C: Clearance> {
    pub operator: Operator,
    _clearance: PhantomData<C>,
}

impl<C: Clearance + 'static> FromRequest for OperatorAuth<C> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let portal = req.app_data::<web::Data<Portal>>().cloned();
        let token = crate::auth::authorized::bearer(req);
        Box::pin(async move {
            let portal = portal.ok_or_else(|| anyhow::anyhow!("portal not configured"))?;
            let store = portal.store()?;
            let token = token?;
            if !OPERATOR_TOKEN.shape_ok(&token) {
                return Err(ApiError::Unauthenticated(
                    "send an operator's session token (`vqop_…`, from POST /ops/v1/auth/login)"
                        .into(),
                ));
            }
            let hash = hash_token(&token);
            let row = store.session_operator(&hash).await?.ok_or_else(|| {
                ApiError::Unauthenticated("the session has ended or expired; sign in again".into())
            })?;
            let role = OperatorRole::parse(&row.role)
                .ok_or_else(|| anyhow::anyhow!("operator {} has role {}", row.id, row.role))?;
            if role < C::NEEDS {
                return Err(ApiError::Forbidden {
                    object: "the operators' portal",
                    action: "admin actions",
                });
            }
            Ok(Self {
                operator: Operator {
                    id: row.id,
                    email: row.email,
                    display_name: row.display_name,
                    role,
                    token_hash: hash,
                },
                _clearance: PhantomData,
            })
        })
    }
}
