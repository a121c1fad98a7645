//! Every response carries the usual security headers; API responses, which carry tokens, keys
//! and tenant data, are never stored by a cache.

use crate::harness::TestApp;
use serde_json::json;

#[test]
fn responses_carry_security_headers_and_api_responses_are_not_stored() {
    let app = TestApp::spawn();
    let signup = app.post(
        "/v1/auth/signup",
        None,
        &json!({"tenant_slug": "headers-co", "email": "owner@headers-co.test", "password": "correct horse battery"}),
    );
    assert_eq!(signup.status, 201);
    let token = signup.body["tokens"]["access_token"].as_str().unwrap();
    let key = app.post(
        "/v1/api-keys",
        Some(token),
        &json!({"name": "ci", "scopes": ["read"]}),
    );
    let refused = app.get("/v1/bindings", None);
    assert_eq!(refused.status, 401);
    for r in [&signup, &key, &refused] {
        assert_eq!(r.header("cache-control"), Some("no-store"));
        assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(r.header("x-frame-options"), Some("DENY"));
        assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
        assert_eq!(
            r.header("content-security-policy"),
            Some("default-src 'none'; frame-ancestors 'none'")
        );
    }
    let health = app.get("/healthz", None);
    assert_eq!(health.header("x-content-type-options"), Some("nosniff"));
}
