use crate::harness::{assert_problem, TestApp};
use serde_json::json;

#[test]
fn bad_bodies_get_problem_json_never_500() {
    let app = TestApp::spawn_with(|s| s.http.max_body_bytes = 4096);
    let s = app.signup("input-co");

    let r = app.request(
        "POST",
        "/v1/api-keys",
        Some(&s.access),
        Some("{\"name\": \"ci\","),
    );
    assert_problem(&r, 400, "malformed_json");

    let r = app.request(
        "POST",
        "/v1/api-keys",
        Some(&s.access),
        Some(r#"{"name":"ci","scopes":["read"],"admin":true}"#),
    );
    assert_problem(&r, 400, "invalid_body");
    assert!(r.body["detail"]
        .as_str()
        .unwrap()
        .contains("unknown field `admin`"));

    let r = app.request(
        "POST",
        "/v1/api-keys",
        Some(&s.access),
        Some(r#"{"name": 5, "scopes": []}"#),
    );
    assert_problem(&r, 400, "invalid_body");

    let huge = json!({"name": "x".repeat(10_000), "scopes": ["read"]}).to_string();
    let r = app.request("POST", "/v1/api-keys", Some(&s.access), Some(&huge));
    assert_problem(&r, 413, "payload_too_large");

    let r = app.post(
        "/v1/api-keys",
        Some(&s.access),
        &json!({"name": " ", "scopes": ["read", "root"], "expires_at": "2000-01-01T00:00:00Z"}),
    );
    assert_problem(&r, 422, "invalid_input");
    let pointers: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, vec!["/name", "/scopes/1", "/expires_at"]);

    let r = app.post(
        "/v1/auth/signup",
        None,
        &json!({"tenant_slug": "Bad Slug", "email": "nope", "password": "short"}),
    );
    assert_problem(&r, 422, "invalid_input");
    assert_eq!(r.body["errors"].as_array().unwrap().len(), 3);

    assert_problem(
        &app.delete("/v1/api-keys/not-a-uuid", Some(&s.access)),
        400,
        "invalid_path",
    );
    assert_problem(
        &app.get("/v1/audit?limit=lots", Some(&s.access)),
        400,
        "invalid_query",
    );
    assert_problem(
        &app.get("/v1/audit?limit=0", Some(&s.access)),
        422,
        "invalid_input",
    );
    assert_problem(&app.get("/v1/nothing-here", None), 404, "not_found");
    // Nothing was written by any of the refused requests.
    assert_eq!(
        app.get("/v1/api-keys", Some(&s.access)).body["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn wrong_content_type_is_415() {
    let app = TestApp::spawn();
    let url = format!("{}/v1/auth/login", app.url);
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let resp = agent
        .post(&url)
        .header("Content-Type", "text/plain")
        .send("hello")
        .unwrap();
    assert_eq!(resp.status().as_u16(), 415);
    let body: serde_json::Value =
        serde_json::from_str(&resp.into_body().read_to_string().unwrap()).unwrap();
    assert_eq!(body["code"], "unsupported_media_type");
}

#[test]
fn undeclared_methods_on_documented_paths_are_405_with_allow() {
    let app = TestApp::spawn();
    let s = app.signup("methods-co");
    for (method, path, token, allow) in [
        ("PATCH", "/healthz", None, "GET"),
        ("DELETE", "/v1/me", Some(s.access.as_str()), "GET"),
        ("PUT", "/v1/api-keys", Some(s.access.as_str()), "GET, POST"),
        (
            "PATCH",
            "/v1/api-keys/not-even-a-uuid",
            Some(s.access.as_str()),
            "DELETE",
        ),
        // The literal route wins over `/v1/configs/{id}`.
        ("POST", "/v1/configs/diff", Some(s.access.as_str()), "GET"),
        (
            "GET",
            "/v1/envs/prod/targets/api/version",
            Some(s.access.as_str()),
            "PUT",
        ),
    ] {
        let r = app.request(method, path, token, None);
        assert_problem(&r, 405, "method_not_allowed");
        assert_eq!(r.header("allow"), Some(allow), "{method} {path}");
    }
    // Paths the document does not have stay 404, whatever the method.
    assert_problem(
        &app.request("PATCH", "/v1/nothing-here", None, None),
        404,
        "not_found",
    );
    assert_problem(
        &app.request("GET", "/v1/me/extra", Some(&s.access), None),
        404,
        "not_found",
    );
}

#[test]
fn text_with_nul_is_400_not_500() {
    // Postgres keeps no U+0000 in `text` or `jsonb`: refused as the input's fault, nothing stored.
    let app = TestApp::spawn();
    let s = app.signup("nul-co");
    let t = Some(s.access.as_str());
    let r = app.post(
        "/v1/api-keys",
        t,
        &json!({"name": "ci\u{0}", "scopes": ["read"]}),
    );
    assert_problem(&r, 400, "invalid_body");
    let r = app.post(
        "/v1/auth/signup",
        None,
        &json!({"tenant_slug": "nul-two", "email": "a@nul-two.test",
                "password": "correct horse battery", "tenant_name": "x\u{0}y"}),
    );
    assert_problem(&r, 400, "invalid_body");
    let r = app.post(
        "/v1/families/Svc/schemas",
        t,
        &json!({"version": "v1", "schema": {"properties": {"a\u{0}": {}}}}),
    );
    assert_problem(&r, 400, "invalid_body");
    let r = app.post(
        "/v1/families/Svc/schemas",
        t,
        &json!({"version": "v1", "schema": {"type": "object"}}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app.post(
        "/v1/targets",
        t,
        &json!({"name": "api", "family": "Svc", "version": "1.0.0"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    for (format, content) in [("json", r#"{"a\u0000": 1}"#), ("yaml", "a: \"x\\0y\"\n")] {
        let r = app.post(
            "/v1/configs",
            t,
            &json!({"target": "api@1.0.0", "format": format, "content": content}),
        );
        assert_problem(&r, 400, "invalid_body");
    }
    assert_eq!(app.get("/v1/configs", t).body["items"], json!([]));
    assert_eq!(
        app.get("/v1/api-keys", t).body["items"]
            .as_array()
            .map(Vec::len),
        Some(0)
    );
}
