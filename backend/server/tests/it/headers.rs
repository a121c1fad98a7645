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

/// Logins from behind a trusted proxy count per forwarded client; anyone else's
/// X-Forwarded-For is ignored, so a client cannot dodge its limit by naming itself another.
#[test]
fn login_limits_count_the_forwarded_client_only_behind_a_trusted_proxy() {
    fn attempts(app: &TestApp, forwarded_for: &str, email: &str, n: usize) -> Vec<u16> {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        (0..n)
            .map(|_| {
                agent
                    .post(&format!("{}/v1/auth/login", app.url))
                    .header("X-Forwarded-For", forwarded_for)
                    .header("Content-Type", "application/json")
                    .send(json!({"email": email, "password": "wrong horse battery"}).to_string())
                    .unwrap()
                    .status()
                    .as_u16()
            })
            .collect()
    }
    let limited = |trusted: bool| {
        TestApp::spawn_with(move |s| {
            s.auth.login_attempts_per_minute = 3;
            if trusted {
                s.http.trusted_proxies = vec!["127.0.0.0/8".into()];
            }
        })
    };

    let behind_proxy = limited(true);
    let a = attempts(&behind_proxy, "198.51.100.1", "a@x.test", 4);
    assert_eq!(
        a,
        [401, 401, 401, 429],
        "the forwarded client has its own budget"
    );
    let b = attempts(&behind_proxy, "198.51.100.2", "b@x.test", 1);
    assert_eq!(
        b,
        [401],
        "another forwarded client is not limited by the first"
    );

    let direct = limited(false);
    let a = attempts(&direct, "198.51.100.1", "a@x.test", 3);
    assert_eq!(a, [401, 401, 401]);
    let b = attempts(&direct, "198.51.100.2", "b@x.test", 1);
    assert_eq!(
        b,
        [429],
        "an untrusted X-Forwarded-For does not make a new client"
    );
}

/// Failing on purpose against someone's account slows attempts on it, but does not lock its
/// owner out (a per-account limit would: this test fails with one).
#[test]
fn an_attacker_cannot_lock_an_account_owner_out() {
    let app = TestApp::spawn_with(|s| {
        s.auth.login_attempts_per_minute = 3;
        s.http.trusted_proxies = vec!["127.0.0.0/8".into()];
    });
    app.signup("victim-co");
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let login = |from: &str, password: &str| {
        agent
            .post(&format!("{}/v1/auth/login", app.url))
            .header("X-Forwarded-For", from)
            .header("Content-Type", "application/json")
            .send(json!({"email": "owner@victim-co.test", "password": password}).to_string())
            .unwrap()
            .status()
            .as_u16()
    };
    for attacker in 1..=6 {
        assert_eq!(
            login(&format!("203.0.113.{attacker}"), "guess guess guess"),
            401
        );
    }
    assert_eq!(login("198.51.100.50", "correct horse battery"), 200);
}

/// Guessing tokens costs the guesser: past its budget of failures, a client's credentials are
/// refused unchecked until the minute is over, while other clients go on.
#[test]
fn a_client_failing_to_authenticate_is_refused_past_its_budget() {
    let app = TestApp::spawn_with(|s| {
        s.auth.failed_auth_per_minute = 5;
        s.http.trusted_proxies = vec!["127.0.0.0/8".into()];
    });
    let s = app.signup("guessed-co");
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let call = |from: &str, token: &str| {
        agent
            .get(&format!("{}/v1/bindings", app.url))
            .header("X-Forwarded-For", from)
            .header("Authorization", &format!("Bearer {token}"))
            .call()
            .unwrap()
            .status()
            .as_u16()
    };
    let guesses: Vec<u16> = (0..7)
        .map(|i| call("203.0.113.7", &format!("guess-{i}")))
        .collect();
    assert_eq!(guesses, [401, 401, 401, 401, 401, 429, 429]);
    // Even a right token from that client waits out the minute; another client is served.
    assert_eq!(call("203.0.113.7", &s.access), 429);
    assert_eq!(call("198.51.100.8", &s.access), 200);
}
