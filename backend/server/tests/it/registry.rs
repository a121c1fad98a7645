//! The registry through the API: schemas with compatibility, targets, content-addressed
//! configs, and bindings that only ever hold valid configs.

use crate::harness::{assert_problem, TestApp};
use serde_json::{json, Value};

const PAYMENTS: &str = include_str!("../../../../examples/openapi_payments.json");
const GOOD: &str = include_str!("../../../../examples/payment_service.yaml");
const BROKEN: &str = include_str!("../../../../examples/payment_service.broken.yaml");

fn schema() -> Value {
    serde_json::from_str(PAYMENTS).unwrap()
}

fn add_schema(
    app: &TestApp,
    token: &str,
    family: &str,
    version: &str,
    schema: &Value,
) -> crate::harness::Reply {
    app.post(
        &format!("/v1/families/{family}/schemas"),
        Some(token),
        &json!({"version": version, "schema": schema}),
    )
}

/// Registers the seed's family, target and a valid config; returns (target version id, config id).
pub fn seed(app: &TestApp, token: &str) -> (String, String) {
    assert_eq!(
        add_schema(app, token, "OpenAPI-Payments", "2025-07", &schema()).status,
        201
    );
    let t = app.post(
        "/v1/targets",
        Some(token),
        &json!({"name": "payment-api", "family": "OpenAPI-Payments", "version": "3.2.1"}),
    );
    assert_eq!(t.status, 201, "{}", t.body);
    assert_eq!(t.body["schema_version"], "2025-07");
    assert_eq!(t.body["scheme"], "semver");
    let tv = t.body["id"].as_str().unwrap().to_owned();
    let c = app.post(
        "/v1/configs",
        Some(token),
        &json!({"target": tv, "name": "payment_service.yaml", "content": GOOD}),
    );
    assert_eq!(c.status, 201, "{}", c.body);
    assert_eq!(c.body["revision"], 1);
    (tv, c.body["id"].as_str().unwrap().to_owned())
}

#[test]
fn hello_world_binds_a_valid_config_and_refuses_a_broken_one() {
    let app = TestApp::spawn();
    let s = app.signup("hello-co");
    let (tv, cfg) = seed(&app, &s.access);
    let b = app.post(
        "/v1/bindings",
        Some(&s.access),
        &json!({"config_id": cfg, "env": "prod-eu"}),
    );
    assert_eq!(b.status, 201, "{}", b.body);
    assert_eq!(b.body["env"], "prod-eu");
    assert_eq!(b.body["target"], "payment-api@3.2.1");
    assert_eq!(b.body["schema_version"], "2025-07");

    let bad = app.post(
        "/v1/configs",
        Some(&s.access),
        &json!({"target": "payment-api@3.2.1", "name": "payment_service.yaml", "content": BROKEN}),
    );
    assert_eq!(
        bad.status, 201,
        "storing an invalid config is allowed; binding it is not"
    );
    let bad_id = bad.body["id"].as_str().unwrap();
    let r = app.post(
        "/v1/bindings",
        Some(&s.access),
        &json!({"config_id": bad_id, "env": "prod-eu"}),
    );
    assert_problem(&r, 422, "config_invalid");
    let pointers: Vec<&str> = r.body["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers.len(), 2, "{}", r.body);
    assert!(
        pointers.contains(&"/timeout_ms") && pointers.contains(&"/features/max_rules"),
        "{pointers:?}"
    );
    assert!(r.body["violations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|v| v["keyword"] == "maximum"));

    // Still exactly one binding, the valid one.
    let list = app.get("/v1/bindings?env=prod-eu", Some(&s.access));
    let items = list.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["config_id"], cfg.as_str());
    assert_eq!(items[0]["target_version_id"], tv.as_str());
    let audit = app.get("/v1/audit", Some(&s.access));
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        &actions[..5],
        &[
            "config.create",
            "binding.create",
            "config.create",
            "target_version.create",
            "schema.add"
        ]
    );
}

#[test]
fn incompatible_schemas_are_refused_with_every_break() {
    let app = TestApp::spawn();
    let s = app.signup("compat-co");
    let v1 = schema();
    assert_eq!(add_schema(&app, &s.access, "Pay", "v1", &v1).status, 201);
    // Idempotent for the same content; immutable for other content.
    assert_eq!(add_schema(&app, &s.access, "Pay", "v1", &v1).status, 200);
    let mut other = v1.clone();
    other["title"] = json!("changed");
    assert_problem(
        &add_schema(&app, &s.access, "Pay", "v1", &other),
        409,
        "schema_version_exists",
    );

    let mut v2 = v1.clone();
    v2["properties"]["timeout_ms"]["maximum"] = json!(1000);
    v2["properties"]["features"]["required"] = json!(["max_rules"]);
    v2["properties"]
        .as_object_mut()
        .unwrap()
        .remove("scan_depth");
    v2["required"] = json!(["timeout_ms", "features"]);
    let r = add_schema(&app, &s.access, "Pay", "v2", &v2);
    assert_problem(&r, 409, "schema_incompatible");
    let rules: Vec<(&str, &str)> = r.body["report"]["breaks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["pointer"].as_str().unwrap(), b["rule"].as_str().unwrap()))
        .collect();
    assert!(
        rules.contains(&("/timeout_ms", "maximum-decreased")),
        "{rules:?}"
    );
    assert!(
        rules.contains(&("/scan_depth", "property-removed")),
        "{rules:?}"
    );
    assert!(
        rules.iter().any(|(_, rule)| *rule == "required-added"),
        "{rules:?}"
    );
    assert!(r.body["report"]["breaks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|b| b["against"] == "v1" && b["message"].as_str().unwrap().len() > 10));

    // A dry run shows the same report and stores nothing.
    let dry = app.post(
        "/v1/families/Pay/schemas",
        Some(&s.access),
        &json!({"version": "v2", "schema": v2, "dry_run": true}),
    );
    assert_eq!(dry.status, 200);
    assert_eq!(dry.body["stored"], false);
    assert_eq!(dry.body["report"]["compatible"], false);
    assert_eq!(
        app.get("/v1/families/Pay", Some(&s.access)).body["versions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // With NONE the family accepts it, and the level sticks.
    let none = app.post(
        "/v1/families/Pay/schemas",
        Some(&s.access),
        &json!({"version": "v2", "schema": v2, "compat": "NONE"}),
    );
    assert_eq!(none.status, 201, "{}", none.body);
    let fam = app.get("/v1/families/Pay", Some(&s.access));
    assert_eq!(fam.body["compat_level"], "NONE");
    assert_eq!(fam.body["latest_version"], "v2");
    let shown = app.get("/v1/families/Pay/schemas/v2", Some(&s.access));
    assert_eq!(shown.body["schema"], v2);
    assert_eq!(shown.body["report"]["level"], "NONE");

    assert_problem(
        &add_schema(&app, &s.access, "Pay", "v3", &json!({"type": 12})),
        400,
        "schema_invalid",
    );
    assert_problem(
        &add_schema(
            &app,
            &s.access,
            "Pay",
            "v3",
            &json!({"properties": {"a": {"minimum": "x"}}}),
        ),
        400,
        "schema_invalid",
    );
    assert_problem(
        &add_schema(&app, &s.access, "bad%20family", "v3", &v1),
        400,
        "invalid_name",
    );
    assert_problem(
        &app.post(
            "/v1/families/Pay/schemas",
            Some(&s.access),
            &json!({"version": "v3", "schema": v1, "compat": "SIDEWAYS"}),
        ),
        422,
        "invalid_input",
    );
}

#[test]
fn configs_are_content_addressed_with_lineage_and_diffs() {
    let app = TestApp::spawn();
    let s = app.signup("content-co");
    let (tv, first) = seed(&app, &s.access);
    let first_hash = app
        .get(&format!("/v1/configs/{first}"), Some(&s.access))
        .body["hash"]
        .clone();
    // The same data as JSON, keys in another order: the same revision comes back.
    let as_json = r#"{"features": {"max_rules": 32, "use_heuristics": true}, "timeout_ms": 5000, "scan_depth": 3}"#;
    let same = app.post(
        "/v1/configs",
        Some(&s.access),
        &json!({"target": tv, "name": "payment_service.yaml", "content": as_json}),
    );
    assert_eq!(same.status, 200, "{}", same.body);
    assert_eq!(same.body["id"], first.as_str());
    assert_eq!(same.body["hash"], first_hash);

    let changed = "scan_depth: 4\ntimeout_ms: 3000\nfeatures:\n  use_heuristics: false\n";
    let second = app.post(
        "/v1/configs",
        Some(&s.access),
        &json!({"target": tv, "name": "payment_service.yaml", "content": changed}),
    );
    assert_eq!(second.status, 201);
    assert_eq!(second.body["revision"], 2);
    assert_eq!(second.body["parent_id"], first.as_str());
    let second_id = second.body["id"].as_str().unwrap();

    let shown = app.get(&format!("/v1/configs/{first}"), Some(&s.access));
    assert_eq!(
        shown.body["original"], GOOD,
        "the original text is kept as written"
    );
    assert_eq!(shown.body["format"], "yaml");
    let history = app.get(&format!("/v1/configs/{second_id}/history"), Some(&s.access));
    let revs: Vec<i64> = history.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["revision"].as_i64().unwrap())
        .collect();
    assert_eq!(revs, vec![2, 1]);

    let diff = app.get(
        &format!("/v1/configs/diff?from={first}&to={second_id}"),
        Some(&s.access),
    );
    assert_eq!(diff.status, 200, "{}", diff.body);
    let changes: Vec<(&str, &str)> = diff.body["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["pointer"].as_str().unwrap(), c["op"].as_str().unwrap()))
        .collect();
    assert_eq!(
        changes,
        vec![
            ("/features/max_rules", "removed"),
            ("/features/use_heuristics", "changed"),
            ("/scan_depth", "changed"),
            ("/timeout_ms", "changed")
        ]
    );
    assert!(diff.body["unified"]
        .as_str()
        .unwrap()
        .contains("+  \"timeout_ms\": 3000"));
    let list = app.get("/v1/configs", Some(&s.access));
    assert_eq!(list.body["items"][0]["latest_revision"], 2);
}

#[test]
fn bad_registry_input_is_refused_cleanly() {
    let app = TestApp::spawn();
    let s = app.signup("badreg-co");
    let (tv, _) = seed(&app, &s.access);
    let post = |content: &str| {
        app.post(
            "/v1/configs",
            Some(&s.access),
            &json!({"target": tv, "name": "x.yaml", "content": content}),
        )
    };
    let r = post("a: [1, 2\nb: {");
    assert_problem(&r, 400, "invalid_document");
    assert!(
        r.body["detail"].as_str().unwrap().contains("line"),
        "{}",
        r.body
    );
    assert_problem(&post("[1, 2, 3]"), 400, "invalid_document");
    assert_problem(
        &post(&format!("a: \"{}\"", "x".repeat(300 * 1024))),
        413,
        "config_too_large",
    );
    let unknown = app.post(
        "/v1/configs",
        Some(&s.access),
        &json!({"target": "payment-api@9.9.9", "content": "a: 1"}),
    );
    assert_problem(&unknown, 404, "not_found");
    let bad_ver = app.post(
        "/v1/targets",
        Some(&s.access),
        &json!({"name": "payment-api", "family": "OpenAPI-Payments", "version": "latest"}),
    );
    assert_problem(&bad_ver, 422, "invalid_input");
    let dup = app.post(
        "/v1/targets",
        Some(&s.access),
        &json!({"name": "payment-api", "family": "OpenAPI-Payments", "version": "3.2.1"}),
    );
    assert_problem(&dup, 409, "target_version_exists");
    let no_family = app.post(
        "/v1/targets",
        Some(&s.access),
        &json!({"name": "db", "family": "Nope", "version": "14"}),
    );
    assert_problem(&no_family, 404, "not_found");
    assert_problem(
        &app.post(
            "/v1/bindings",
            Some(&s.access),
            &json!({"config_id": "00000000-0000-4000-8000-000000000000", "env": "prod"}),
        ),
        404,
        "not_found",
    );
    assert_problem(
        &app.post("/v1/envs", Some(&s.access), &json!({"name": "no spaces"})),
        400,
        "invalid_name",
    );
    assert_eq!(
        app.post("/v1/envs", Some(&s.access), &json!({"name": "staging"}))
            .status,
        201
    );
    assert_problem(
        &app.post("/v1/envs", Some(&s.access), &json!({"name": "staging"})),
        409,
        "env_exists",
    );
    // Nothing half-written: only the seed's config lineage exists.
    let configs = app.get("/v1/configs", Some(&s.access));
    assert_eq!(
        configs.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        configs.body
    );
}

#[test]
fn one_tenant_never_sees_anothers_registry() {
    let app = TestApp::spawn();
    let a = app.signup("reg-a");
    let b = app.signup("reg-b");
    let (_, cfg) = seed(&app, &a.access);
    for path in [
        "/v1/families",
        "/v1/targets",
        "/v1/configs",
        "/v1/bindings",
        "/v1/envs",
    ] {
        let r = app.get(path, Some(&b.access));
        assert_eq!(r.status, 200);
        assert_eq!(
            r.body["items"].as_array().unwrap().len(),
            0,
            "{path}: {}",
            r.body
        );
    }
    assert_problem(
        &app.get(&format!("/v1/configs/{cfg}"), Some(&b.access)),
        404,
        "not_found",
    );
    assert_problem(
        &app.post(
            "/v1/bindings",
            Some(&b.access),
            &json!({"config_id": cfg, "env": "prod"}),
        ),
        404,
        "not_found",
    );
    assert_problem(
        &app.get(
            "/v1/targets/payment-api/versions/3.2.1/schema",
            Some(&b.access),
        ),
        404,
        "not_found",
    );
    // B can register the same names independently.
    let (_, b_cfg) = seed(&app, &b.access);
    assert_ne!(b_cfg, cfg);
}
