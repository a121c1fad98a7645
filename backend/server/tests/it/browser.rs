//! The console's side of the server: sessions whose refresh token lives in an HttpOnly cookie
//! (never in the page), the CSRF check on the two cookie routes, and the console served at `/`
//! with its own security policy and a fallback for its routes.

use crate::harness::TestApp;
use serde_json::{json, Value};
use std::collections::HashMap;

/// One answer, with every `Set-Cookie` kept (the harness's reply keeps one value per header).
struct Answer {
    status: u16,
    body: Value,
    cookies: HashMap<String, String>,
    headers: HashMap<String, String>,
}

fn send(app: &TestApp, path: &str, headers: &[(&str, &str)], body: Option<Value>) -> Answer {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let url = format!("{}{path}", app.url);
    let resp = match body {
        Some(body) => {
            let mut req = agent.post(&url).header("Content-Type", "application/json");
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            req.send(body.to_string())
        }
        None => {
            let mut req = agent.get(&url);
            for (k, v) in headers {
                req = req.header(*k, *v);
            }
            req.call()
        }
    }
    .expect("transport");
    let status = resp.status().as_u16();
    let cookies = resp
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(|v| {
            let name = v.split('=').next().unwrap_or_default().to_owned();
            (name, v.to_owned())
        })
        .collect();
    let headers = resp
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let text = resp.into_body().read_to_string().unwrap_or_default();
    Answer {
        status,
        body: serde_json::from_str(&text).unwrap_or(Value::String(text)),
        cookies,
        headers,
    }
}

/// A cookie's value as a browser would send it back.
fn value(set_cookie: &str) -> String {
    let pair = set_cookie.split(';').next().unwrap();
    pair.split_once('=').unwrap().1.to_owned()
}

fn cookie_refresh(
    app: &TestApp,
    refresh: &str,
    csrf_cookie: &str,
    csrf_header: Option<&str>,
) -> Answer {
    let cookie = format!("vq_refresh={refresh}; vq_csrf={csrf_cookie}");
    let mut headers = vec![
        ("Cookie", cookie.as_str()),
        ("Sec-Fetch-Site", "same-origin"),
    ];
    if let Some(h) = csrf_header {
        headers.push(("X-CSRF-Token", h));
    }
    send(app, "/v1/auth/cookie/refresh", &headers, Some(json!({})))
}

#[test]
fn a_console_session_keeps_its_refresh_token_in_an_http_only_cookie() {
    let app = TestApp::spawn();
    app.signup("cookie-co");
    let login = send(
        &app,
        "/v1/auth/login",
        &[("X-Versiqii-Session", "cookie")],
        Some(json!({"email": "owner@cookie-co.test", "password": "correct horse battery"})),
    );
    assert_eq!(login.status, 200, "{}", login.body);
    assert_eq!(login.body["refresh_token"], "", "the page never sees it");
    let access = login.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/v1/me", Some(&access)).status, 200);
    let refresh_cookie = &login.cookies["vq_refresh"];
    for attr in [
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/v1/auth/cookie",
        "Max-Age=",
    ] {
        assert!(
            refresh_cookie.contains(attr),
            "{attr} missing: {refresh_cookie}"
        );
    }
    let csrf_cookie = &login.cookies["vq_csrf"];
    assert!(
        !csrf_cookie.contains("HttpOnly"),
        "the page reads it: {csrf_cookie}"
    );
    assert!(csrf_cookie.contains("SameSite=Strict") && csrf_cookie.contains("Path=/"));
    let (refresh, csrf) = (value(refresh_cookie), value(csrf_cookie));
    assert!(refresh.starts_with("vqr_") && csrf.starts_with("vqc_"));

    // Without the echoed CSRF token, with a wrong one, or from another site: refused, and the
    // session is untouched.
    let none = cookie_refresh(&app, &refresh, &csrf, None);
    assert_eq!(
        (none.status, none.body["code"].clone()),
        (403, json!("csrf_refused"))
    );
    let wrong = cookie_refresh(&app, &refresh, &csrf, Some("vqc_not-the-one"));
    assert_eq!(wrong.status, 403);
    let cross = send(
        &app,
        "/v1/auth/cookie/refresh",
        &[
            ("Cookie", &format!("vq_refresh={refresh}; vq_csrf={csrf}")),
            ("X-CSRF-Token", &csrf),
            ("Sec-Fetch-Site", "cross-site"),
        ],
        Some(json!({})),
    );
    assert_eq!(
        (cross.status, cross.body["code"].clone()),
        (403, json!("csrf_refused"))
    );

    // The console's own call: a new access token and a rotated cookie.
    let renewed = cookie_refresh(&app, &refresh, &csrf, Some(&csrf));
    assert_eq!(renewed.status, 200, "{}", renewed.body);
    assert_eq!(renewed.body["refresh_token"], "");
    let next = value(&renewed.cookies["vq_refresh"]);
    assert_ne!(next, refresh);
    let next_csrf = value(&renewed.cookies["vq_csrf"]);
    let access = renewed.body["access_token"].as_str().unwrap();
    assert_eq!(app.get("/v1/me", Some(access)).status, 200);

    // The newer cookie used, then the old one again: it leaked; refused, the cookies cleared,
    // and the newest ends too.
    let used = cookie_refresh(&app, &next, &next_csrf, Some(&next_csrf));
    assert_eq!(used.status, 200, "{}", used.body);
    let next = value(&used.cookies["vq_refresh"]);
    let next_csrf = value(&used.cookies["vq_csrf"]);
    let replay = cookie_refresh(&app, &refresh, &csrf, Some(&csrf));
    assert_eq!(replay.status, 401, "{}", replay.body);
    assert!(
        replay.cookies["vq_refresh"].contains("Max-Age=0"),
        "{:?}",
        replay.cookies
    );
    assert_eq!(
        cookie_refresh(&app, &next, &next_csrf, Some(&next_csrf)).status,
        401
    );
}

#[test]
fn signing_out_of_the_console_ends_the_session_and_clears_the_cookies() {
    let app = TestApp::spawn();
    let signup = send(
        &app,
        "/v1/auth/signup",
        &[("X-Versiqii-Session", "cookie")],
        Some(
            json!({"tenant_slug": "cookie-out", "email": "owner@cookie-out.test",
                    "password": "correct horse battery"}),
        ),
    );
    assert_eq!(signup.status, 201, "{}", signup.body);
    assert_eq!(signup.body["tokens"]["refresh_token"], "");
    let refresh = value(&signup.cookies["vq_refresh"]);
    let csrf = value(&signup.cookies["vq_csrf"]);
    let cookie = format!("vq_refresh={refresh}; vq_csrf={csrf}");
    let refused = send(
        &app,
        "/v1/auth/cookie/logout",
        &[("Cookie", &cookie)],
        Some(json!({})),
    );
    assert_eq!(refused.status, 403, "no CSRF token, no logout");
    let out = send(
        &app,
        "/v1/auth/cookie/logout",
        &[("Cookie", &cookie), ("X-CSRF-Token", &csrf)],
        Some(json!({})),
    );
    assert_eq!(out.status, 204);
    assert!(out.cookies["vq_refresh"].contains("Max-Age=0"));
    assert!(out.cookies["vq_csrf"].contains("Max-Age=0"));
    assert_eq!(
        cookie_refresh(&app, &refresh, &csrf, Some(&csrf)).status,
        401
    );
    // Without the header, a session answer carries no cookie at all (the CLI's way).
    let plain = send(
        &app,
        "/v1/auth/login",
        &[],
        Some(json!({"email": "owner@cookie-out.test", "password": "correct horse battery"})),
    );
    assert!(plain.cookies.is_empty());
    assert!(plain.body["refresh_token"]
        .as_str()
        .unwrap()
        .starts_with("vqr_"));
}

#[test]
fn the_console_is_served_at_the_root_with_a_fallback_for_its_routes() {
    let app = TestApp::spawn();
    for path in ["/", "/families/payments", "/envs/prod-eu/drift"] {
        let page = send(&app, path, &[], None);
        assert_eq!(page.status, 200, "{path}");
        assert!(
            page.headers["content-type"].starts_with("text/html"),
            "{path}"
        );
        let csp = &page.headers["content-security-policy"];
        assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
        assert!(
            page.body.as_str().unwrap().contains("<title>Versiqii"),
            "{path}"
        );
    }
    // The API keeps its answers: problem+json for what does not exist, files are not pages.
    let api = send(&app, "/v1/nothing-here", &[], None);
    assert_eq!(
        (api.status, api.body["code"].clone()),
        (404, json!("not_found"))
    );
    assert_eq!(send(&app, "/assets/missing-1234.js", &[], None).status, 404);
    assert_eq!(send(&app, "/openapi.json", &[], None).status, 200);
}
