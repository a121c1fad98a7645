//! Sessions in a browser: the console never holds a refresh token. A request that says
//! `X-Versiqii-Session: cookie` gets its session's refresh token as an `HttpOnly; Secure;
//! SameSite=Strict` cookie scoped to `/v1/auth/cookie` (the body's `refresh_token` is then empty),
//! and keeps the access token in memory only. The cookie is used at two routes, each also asking
//! for the double-submitted CSRF token (a readable cookie echoed in `X-CSRF-Token`) and refusing a
//! cross-site fetch: a page elsewhere can neither send the cookie nor read the answer.

use super::auth::{rotate_refresh, token_pair};
use crate::app::SessionPolicy;
use crate::auth::authorized::Gatekeeper;
use crate::auth::secrets;
use crate::error::{ApiError, ErrorCode, Problem};
use actix_web::cookie::{time::Duration as CookieAge, Cookie, SameSite};
use actix_web::{post, web, HttpRequest, HttpResponse, HttpResponseBuilder};
use serde::Serialize;
use std::sync::Arc;
use subtle::ConstantTimeEq;
use versiqii_api::v1::TokenPair;

/// This module's part of the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(cookie_refresh, cookie_logout))]
pub struct Doc;

/// The header asking for the refresh token as a cookie.
pub const TRANSPORT_HEADER: &str = "x-versiqii-session";
pub const REFRESH_COOKIE: &str = "vq_refresh";
pub const CSRF_COOKIE: &str = "vq_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
const COOKIE_PATH: &str = "/v1/auth/cookie";

/// The cookies a session answer sets, when the request asked for them.
pub(crate) struct Delivery(Vec<Cookie<'static>>);

impl Delivery {
    /// Moves `tokens`' refresh token into cookies when the request asked for that transport.
    pub(crate) fn of(req: &HttpRequest, policy: &SessionPolicy, tokens: &mut TokenPair) -> Self {
        let wants_cookie = req
            .headers()
            .get(TRANSPORT_HEADER)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"cookie"));
        if !wants_cookie {
            return Delivery(Vec::new());
        }
        let refresh = std::mem::take(&mut tokens.refresh_token);
        Delivery(session_cookies(refresh, policy.refresh_ttl))
    }

    /// The answer, with its cookies.
    pub(crate) fn respond(
        self,
        mut builder: HttpResponseBuilder,
        body: impl Serialize,
    ) -> HttpResponse {
        for cookie in self.0 {
            builder.cookie(cookie);
        }
        builder.json(body)
    }
}

fn session_cookies(refresh: String, ttl: chrono::Duration) -> Vec<Cookie<'static>> {
    let age = CookieAge::seconds(ttl.num_seconds());
    let refresh = Cookie::build(REFRESH_COOKIE, refresh)
        .path(COOKIE_PATH)
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .max_age(age)
        .finish();
    // Readable by the console's script, which echoes it: a page on another site cannot.
    let csrf = Cookie::build(CSRF_COOKIE, secrets::CSRF_TOKEN.generate())
        .path("/")
        .secure(true)
        .same_site(SameSite::Strict)
        .max_age(age)
        .finish();
    vec![refresh, csrf]
}

fn cleared() -> Vec<Cookie<'static>> {
    let mut refresh = Cookie::build(REFRESH_COOKIE, "")
        .path(COOKIE_PATH)
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .finish();
    refresh.make_removal();
    let mut csrf = Cookie::build(CSRF_COOKIE, "")
        .path("/")
        .secure(true)
        .same_site(SameSite::Strict)
        .finish();
    csrf.make_removal();
    vec![refresh, csrf]
}

/// The refresh cookie of a request that proved it comes from the console itself.
fn refresh_cookie(req: &HttpRequest) -> Result<Option<String>, ApiError> {
    let refused = |why: &str| ApiError::Unprocessable {
        code: ErrorCode::CsrfRefused,
        detail: why.to_owned(),
    };
    if let Some(site) = req.headers().get("sec-fetch-site") {
        if !matches!(site.as_bytes(), b"same-origin" | b"none") {
            return Err(refused(
                "a cookie session is used only from the console's own pages",
            ));
        }
    }
    let expected = req.cookie(CSRF_COOKIE).map(|c| c.value().to_owned());
    let sent = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    match (expected, sent) {
        (Some(expected), Some(sent))
            if !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(sent.as_bytes())) => {}
        _ => {
            return Err(refused(
                "send the `vq_csrf` cookie's value in `X-CSRF-Token` with a cookie session",
            ))
        }
    }
    Ok(req
        .cookie(REFRESH_COOKIE)
        .map(|c| c.value().to_owned())
        .filter(|v| !v.is_empty()))
}

/// Trades the refresh cookie for a new access token (and a new cookie): how the console signs
/// itself back in after a reload.
#[utoipa::path(operation_id = "refreshCookieSession", tag = "auth",
    params(
        ("X-CSRF-Token" = String, Header, description = "The `vq_csrf` cookie's value"),
    ),
    responses(
    (status = 200, body = TokenPair, description = "A new access token; `refresh_token` is empty: the new one is in the `vq_refresh` cookie"),
    (status = 401, body = Problem, content_type = "application/problem+json",
        description = "No session cookie, or one unknown, expired or used (the cookies are cleared)"),
    (status = 403, body = Problem, content_type = "application/problem+json",
        description = "`csrf_refused`: no matching `X-CSRF-Token`, or a cross-site request")))]
#[post("/v1/auth/cookie/refresh")]
pub async fn cookie_refresh(
    req: HttpRequest,
    gate: web::Data<Arc<Gatekeeper>>,
    policy: web::Data<SessionPolicy>,
) -> Result<HttpResponse, ApiError> {
    let Some(token) = refresh_cookie(&req)? else {
        return Err(ApiError::Unauthenticated(
            "no session cookie: sign in".into(),
        ));
    };
    let session = match rotate_refresh(&gate, &policy, &token).await {
        Ok(session) => session,
        Err(e @ ApiError::Unauthenticated(_)) => {
            let mut res = actix_web::ResponseError::error_response(&e);
            for cookie in cleared() {
                let _ = res.add_cookie(&cookie);
            }
            return Ok(res);
        }
        Err(e) => return Err(e),
    };
    let mut tokens = token_pair(session);
    let refresh = std::mem::take(&mut tokens.refresh_token);
    Ok(Delivery(session_cookies(refresh, policy.refresh_ttl)).respond(HttpResponse::Ok(), tokens))
}

/// Ends the cookie's session and clears the cookies. Always 204 once the CSRF check passes.
#[utoipa::path(operation_id = "logoutCookieSession", tag = "auth",
    params(
        ("X-CSRF-Token" = String, Header, description = "The `vq_csrf` cookie's value"),
    ),
    responses(
    (status = 204, description = "The session is over; the cookies are cleared"),
    (status = 403, body = Problem, content_type = "application/problem+json",
        description = "`csrf_refused`: no matching `X-CSRF-Token`, or a cross-site request")))]
#[post("/v1/auth/cookie/logout")]
pub async fn cookie_logout(
    req: HttpRequest,
    gate: web::Data<Arc<Gatekeeper>>,
) -> Result<HttpResponse, ApiError> {
    if let Some(token) = refresh_cookie(&req)? {
        super::auth::revoke_refresh(&gate, &token).await?;
    }
    let mut res = HttpResponse::NoContent();
    for cookie in cleared() {
        res.cookie(cookie);
    }
    Ok(res.finish())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(cookie_refresh).service(cookie_logout);
}
