//! API keys limited to environments: a pipeline's key for staging binds, deploys, rolls back and
//! reports in staging and nowhere else (403 `env_not_allowed`), and never makes a wider key.

use crate::cli::{text, Cli};
use crate::harness::{assert_problem, TestApp};
use serde_json::json;

fn key(
    app: &TestApp,
    token: &str,
    scopes: &[&str],
    envs: Option<&[&str]>,
) -> crate::harness::Reply {
    let mut body = json!({"name": "pipeline", "scopes": scopes});
    if let Some(envs) = envs {
        body["environments"] = json!(envs);
    }
    app.post("/v1/api-keys", Some(token), &body)
}

#[test]
fn a_staging_key_acts_in_staging_only() {
    let app = TestApp::spawn();
    let s = app.signup("env-keys");
    let owner = Some(s.access.as_str());
    let schema = app.post(
        "/v1/families/F/schemas",
        owner,
        &json!({"version": "v1", "schema": {"type": "object"}}),
    );
    assert_eq!(schema.status, 201, "{}", schema.body);
    for v in ["1.0.0", "1.1.0"] {
        let r = app.post(
            "/v1/targets",
            owner,
            &json!({"name": "svc", "family": "F", "version": v}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let config = app.post(
        "/v1/configs",
        owner,
        &json!({"target": "svc@1.0.0", "content": "{\"a\": 1}"}),
    );
    assert_eq!(config.status, 201, "{}", config.body);
    let config_id = config.body["id"].as_str().unwrap().to_owned();

    let created = key(&app, &s.access, &["write"], Some(&["staging", "staging"]));
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["environments"], json!(["staging"]));
    let staging = created.body["key"].as_str().unwrap().to_owned();
    let listed = app.get("/v1/api-keys", owner);
    let mine = listed.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["id"] == created.body["id"])
        .unwrap()
        .clone();
    assert_eq!(mine["environments"], json!(["staging"]));

    // In staging: every write works.
    let bind = |env: &str| {
        app.post(
            "/v1/bindings",
            Some(&staging),
            &json!({"config_id": config_id, "env": env}),
        )
    };
    assert_eq!(bind("staging").status, 201);
    let deploy = |env: &str| {
        app.request(
            "PUT",
            &format!("/v1/envs/{env}/targets/svc/version"),
            Some(&staging),
            Some(&json!({"version": "1.0.0"}).to_string()),
        )
    };
    assert_eq!(deploy("staging").status, 200);
    let observe = |env: &str| {
        app.post(
            &format!("/v1/envs/{env}/observations"),
            Some(&staging),
            &json!({"target": "svc", "version": "1.0.0"}),
        )
    };
    assert!(observe("staging").status < 300);

    // Anywhere else: refused with a code that says why, and nothing is written.
    let refused = bind("prod-eu");
    assert_problem(&refused, 403, "env_not_allowed");
    assert!(refused.body["detail"].as_str().unwrap().contains("staging"));
    assert_problem(&deploy("prod-eu"), 403, "env_not_allowed");
    assert_problem(&observe("prod-eu"), 403, "env_not_allowed");
    assert_problem(
        &app.post(
            "/v1/envs/prod-eu/targets/svc/rollback",
            Some(&staging),
            &json!({}),
        ),
        403,
        "env_not_allowed",
    );
    assert_problem(
        &app.post("/v1/envs", Some(&staging), &json!({"name": "prod-eu"})),
        403,
        "env_not_allowed",
    );
    let bindings = app.get("/v1/bindings?env=prod-eu", owner);
    assert_eq!(bindings.body["items"], json!([]), "{}", bindings.body);
    // Reading stays as the scope allows.
    assert_eq!(app.get("/v1/bindings", Some(&staging)).status, 200);
    // The owner's session is limited by nothing.
    let by_owner = app.post(
        "/v1/bindings",
        owner,
        &json!({"config_id": config_id, "env": "prod-eu"}),
    );
    assert_eq!(by_owner.status, 201, "{}", by_owner.body);
}

#[test]
fn a_limited_key_never_makes_a_wider_one() {
    let app = TestApp::spawn();
    let s = app.signup("env-keys-admin");
    let admin = key(&app, &s.access, &["admin"], Some(&["staging", "qa"]));
    assert_eq!(admin.status, 201, "{}", admin.body);
    let admin = admin.body["key"].as_str().unwrap().to_owned();
    assert_problem(&key(&app, &admin, &["read"], None), 403, "env_not_allowed");
    assert_problem(
        &key(&app, &admin, &["read"], Some(&["prod"])),
        403,
        "env_not_allowed",
    );
    let narrower = key(&app, &admin, &["read"], Some(&["qa"]));
    assert_eq!(narrower.status, 201, "{}", narrower.body);
    // Bad lists are the input's fault.
    assert_problem(
        &key(&app, &s.access, &["read"], Some(&[])),
        422,
        "invalid_input",
    );
    assert_problem(
        &key(&app, &s.access, &["read"], Some(&["no spaces"])),
        422,
        "invalid_input",
    );
}

#[test]
fn the_cli_creates_an_environment_limited_key() {
    let app = TestApp::spawn();
    let s = app.signup("env-keys-cli");
    let cli = Cli::new(&app);
    let env = [("VERSIQII_TOKEN", s.access.as_str())];
    let out = cli.run(
        &[
            "api-keys", "create", "--name", "ci", "--scope", "write", "--env", "staging",
            "--output", "json",
        ],
        &env,
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let created: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(created["environments"], json!(["staging"]));
    let out = cli.run(&["api-keys", "list"], &env, None);
    assert!(
        text(&out.stdout).contains("ENVIRONMENTS"),
        "{}",
        text(&out.stdout)
    );
    assert!(
        text(&out.stdout).contains("staging"),
        "{}",
        text(&out.stdout)
    );
}
