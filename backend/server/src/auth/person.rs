//! A person proved by a session of theirs, in any organisation or in none: what the routes about
//! people rather than one organisation's data take (listing and creating organisations, switching,
//! accepting invites). It opens no tenant data; API keys are refused.

use super::authorized::{Authentication, PersonalSession};
use crate::error::{ApiError, ErrorCode};
use actix_web::{dev::Payload, FromRequest, HttpMessage, HttpRequest};
use std::future::{ready, Ready};
use uuid::Uuid;
use versiqii_core::TenantId;

pub struct Person {
    pub user: Uuid,
    /// The organisation the session is for; `None` for a personal session.
    pub tenant: Option<TenantId>,
}

impl FromRequest for Person {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(person(req))
    }
}

fn person(req: &HttpRequest) -> Result<Person, ApiError> {
    let mut extensions = req.extensions_mut();
    if let Some(PersonalSession(user)) = extensions.remove::<PersonalSession>() {
        return Ok(Person { user, tenant: None });
    }
    let principal = match extensions.remove::<Authentication>() {
        Some(Authentication(outcome)) => outcome?,
        None => {
            return Err(ApiError::Unauthenticated(
                "send `Authorization: Bearer <access token>`".into(),
            ))
        }
    };
    if principal.kind != super::PrincipalKind::User {
        return Err(ApiError::Unprocessable {
            code: ErrorCode::PeopleOnly,
            detail: "only a person's session may do this, not an API key".into(),
        });
    }
    Ok(Person {
        user: principal.id,
        tenant: Some(principal.tenant),
    })
}
