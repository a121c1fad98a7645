//! Config migrations end to end through the CLI: lenses on schema-version edges, automatic
//! migration on bind and deploy (multi-hop, up and down), rollback to the original, and the
//! WASM sandbox's refusals through the API.

use crate::cli::KeyedCli;
use crate::harness::{assert_problem, TestApp};
use serde_json::{json, Value};

const V1: &str = r#"{"type": "object", "additionalProperties": false,
  "required": ["timeout", "mode"],
  "properties": {"timeout": {"type": "integer"}, "mode": {"enum": ["fast", "safe"]}}}"#;
const V2: &str = r#"{"type": "object", "additionalProperties": false,
  "required": ["timeout_ms", "retries", "mode"],
  "properties": {"timeout_ms": {"type": "integer"}, "retries": {"type": "integer"},
                 "mode": {"enum": ["speedy", "careful"]}}}"#;
const V3: &str = r#"{"type": "object", "additionalProperties": false,
  "required": ["timeout_ms", "retry", "mode"],
  "properties": {"timeout_ms": {"type": "integer"},
                 "retry": {"type": "object", "required": ["retries"],
                           "properties": {"retries": {"type": "integer"}}},
                 "mode": {"enum": ["speedy", "careful"]}}}"#;
const LENS_1_2: &str = "lens:
  - rename: { source: timeout, destination: timeout_ms }
  - add: { name: retries, default: 3 }
  - convert:
      name: mode
      mapping:
        - { fast: speedy, safe: careful }
        - { speedy: fast, careful: safe }
";
const LENS_2_3: &str = "lens:\n  - plunge: { host: retry, name: retries }\n";

/// The shared CLI session, with the bench of helpers these tests add.
struct Scenario(KeyedCli);

impl std::ops::Deref for Scenario {
    type Target = KeyedCli;
    fn deref(&self) -> &KeyedCli {
        &self.0
    }
}

impl Scenario {
    fn new(slug: &str) -> Self {
        let app = TestApp::spawn_with(|s| {
            s.migrations.deadline_ms = 200;
            s.migrations.fuel = 1 << 40;
        });
        Scenario(KeyedCli::new(app, slug, "migrations"))
    }

    /// The config bound to payment-api in `env`: (revision number, target, data).
    fn bound(&self, env: &str) -> (i64, String, Value) {
        let list = self.json(&["bindings", "list", "--env", env]);
        let item = &list[0];
        let id = item["config_id"].as_str().unwrap();
        let revision = self.json(&["configs", "show", id]);
        (
            item["revision"].as_i64().unwrap(),
            item["target"].as_str().unwrap().to_owned(),
            revision["data"].clone(),
        )
    }
}

fn setup_payments(s: &Scenario) -> String {
    for (version, schema) in [("v1", V1), ("v2", V2), ("v3", V3)] {
        let file = s.file(&format!("{version}.json"), schema);
        s.ok(&[
            "schemas",
            "add",
            "--family",
            "Payments",
            "--version",
            version,
            "--compat",
            "NONE",
            &file,
        ]);
    }
    for (version, schema) in [("1.0.0", "v1"), ("2.0.0", "v2"), ("3.0.0", "v3")] {
        s.ok(&[
            "targets",
            "create",
            "--name",
            "payment-api",
            "--family",
            "Payments",
            "--version",
            version,
            "--schema-version",
            schema,
        ]);
    }
    let config = s.file("payments.yaml", "timeout: 30\nmode: fast\n");
    s.ok(&[
        "configs",
        "create",
        "--target",
        "payment-api@1.0.0",
        &config,
    ])
    .trim()
    .to_owned()
}

#[test]
fn lenses_migrate_on_bind_and_deploy_and_rollback_restores_the_original() {
    let s = Scenario::new("lens-co");
    let original = json!({"timeout": 30, "mode": "fast"});
    let config = setup_payments(&s);
    s.ok(&["bindings", "create", "--config", &config, "--env", "prod"]);
    s.ok(&[
        "env",
        "set-target",
        "--env",
        "prod",
        "--target",
        "payment-api",
        "--version",
        "1.0.0",
    ]);

    // Without a migration there is no way from v1 to v2.
    let (code, _, err) = s.run(&[
        "bindings",
        "create",
        "--config",
        &config,
        "--env",
        "staging",
        "--version",
        "2.0.0",
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("no chain of migrations"), "{err}");

    // Adding the lens dry-runs it on the configs bound with v1 (prod's).
    let lens = s.file("1-2.lens.yaml", LENS_1_2);
    let out = s.ok(&[
        "migrations",
        "add",
        "--family",
        "Payments",
        "--from",
        "v1",
        "--to",
        "v2",
        "--lens",
        &lens,
    ]);
    assert!(
        out.contains("added lens migration Payments v1 -> v2"),
        "{out}"
    );
    assert!(out.contains("ok   payments.yaml#1 in prod"), "{out}");
    let lens = s.file("2-3.lens.yaml", LENS_2_3);
    s.ok(&[
        "migrations",
        "add",
        "--family",
        "Payments",
        "--from",
        "v2",
        "--to",
        "v3",
        "--lens",
        &lens,
    ]);
    // An edge runs both ways, so its reverse is refused.
    let (code, _, err) = s.run(&[
        "migrations",
        "add",
        "--family",
        "Payments",
        "--from",
        "v3",
        "--to",
        "v2",
        "--lens",
        &lens,
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("already has a migration from v2 to v3"),
        "{err}"
    );
    let listed = s.json(&["migrations", "list", "--family", "Payments"]);
    assert_eq!(listed.as_array().unwrap().len(), 2);

    // --no-migrate refuses; without it the config is migrated, validated, stored and bound.
    let (code, _, err) = s.run(&[
        "bindings",
        "create",
        "--config",
        &config,
        "--env",
        "staging",
        "--version",
        "2.0.0",
        "--no-migrate",
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("bind without no_migrate"), "{err}");
    let (code, out, err) = s.run(&[
        "bindings",
        "create",
        "--config",
        &config,
        "--env",
        "staging",
        "--version",
        "2.0.0",
    ]);
    assert_eq!(code, Some(0), "{out} {err}");
    assert!(
        err.contains("migrated payments.yaml#1 from Payments@v1 to Payments@v2 as #2 (lens up)"),
        "{err}"
    );
    let (revision, target, data) = s.bound("staging");
    assert_eq!((revision, target.as_str()), (2, "payment-api@2.0.0"));
    assert_eq!(
        data,
        json!({"timeout_ms": 30, "retries": 3, "mode": "speedy"})
    );
    let staging = s.json(&["bindings", "list", "--env", "staging"]);
    let migrated = s.json(&["configs", "show", staging[0]["config_id"].as_str().unwrap()]);
    assert_eq!(migrated["parent_id"].as_str(), Some(config.as_str()));
    assert_eq!(migrated["migrated_by"][0]["direction"], "up");

    // Two hops: v1 -> v2 -> v3.
    s.ok(&[
        "bindings",
        "create",
        "--config",
        &config,
        "--env",
        "qa",
        "--version",
        "3.0.0",
    ]);
    let (_, target, data) = s.bound("qa");
    assert_eq!(target, "payment-api@3.0.0");
    assert_eq!(
        data,
        json!({"timeout_ms": 30, "retry": {"retries": 3}, "mode": "speedy"})
    );

    // Deploying 2.0.0 to prod migrates prod's binding; the dry run shows the diff and changes
    // nothing.
    let out = s.ok(&[
        "env",
        "set-target",
        "--env",
        "prod",
        "--target",
        "payment-api",
        "--version",
        "2.0.0",
        "--dry-run",
    ]);
    assert!(
        out.contains("migrates payments.yaml#1 from Payments@v1 to Payments@v2"),
        "{out}"
    );
    assert!(out.contains("+  \"timeout_ms\": 30"), "{out}");
    assert!(out.contains("-  \"timeout\": 30"), "{out}");
    assert!(out.contains("dry run: nothing changed"), "{out}");
    assert_eq!(
        s.bound("prod"),
        (1, "payment-api@1.0.0".into(), original.clone())
    );
    s.ok(&[
        "env",
        "set-target",
        "--env",
        "prod",
        "--target",
        "payment-api",
        "--version",
        "2.0.0",
    ]);
    let (_, target, data) = s.bound("prod");
    assert_eq!(target, "payment-api@2.0.0");
    assert_eq!(
        data,
        json!({"timeout_ms": 30, "retries": 3, "mode": "speedy"})
    );

    // One call rolls prod back to 1.0.0 with the original revision.
    let out = s.ok(&[
        "rollback",
        "--env",
        "prod",
        "--target",
        "payment-api",
        "--dry-run",
    ]);
    assert!(out.contains("2.0.0 -> 1.0.0"), "{out}");
    assert!(out.contains("would bind payments.yaml#1"), "{out}");
    assert_eq!(s.bound("prod").1, "payment-api@2.0.0");
    let out = s.ok(&["rollback", "--env", "prod", "--target", "payment-api"]);
    assert!(out.contains("applied"), "{out}");
    assert_eq!(
        s.bound("prod"),
        (1, "payment-api@1.0.0".into(), original.clone())
    );
    let history = s.json(&["env", "history", "--env", "prod"]);
    let versions: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["version"].as_str().unwrap())
        .collect();
    assert_eq!(versions, ["1.0.0", "2.0.0", "1.0.0"]);
    let audit = s.app.get("/v1/audit", Some(&s.owner));
    assert!(audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["action"] == "deployment.rollback"));
    // Two migrations wrote new revisions (#2 for staging, #3 for qa); the deployment to 2.0.0
    // reused #2 and is not audited as a migration again.
    let migrations_audited = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "config.migrate")
        .count();
    assert_eq!(migrations_audited, 2);

    // Rolling qa (never deployed at 1.0.0) back to 1.0.0 migrates its v3 config down two hops,
    // arriving at the original content: the original revision is bound again, not a copy.
    s.ok(&[
        "env",
        "set-target",
        "--env",
        "qa",
        "--target",
        "payment-api",
        "--version",
        "3.0.0",
    ]);
    let out = s.ok(&[
        "rollback",
        "--env",
        "qa",
        "--target",
        "payment-api",
        "--to-version",
        "1.0.0",
    ]);
    assert!(out.contains("lens down, lens down"), "{out}");
    assert_eq!(s.bound("qa"), (1, "payment-api@1.0.0".into(), original));

    // Nothing before the first deployment.
    let (code, _, err) = s.run(&["rollback", "--env", "staging", "--target", "payment-api"]);
    assert_eq!(code, Some(1), "{err}");
}

#[test]
fn a_migration_that_breaks_bound_configs_is_reported_and_a_failing_bind_stores_nothing() {
    let s = Scenario::new("lens-fail-co");
    let config = setup_payments(&s);
    s.ok(&["bindings", "create", "--config", &config, "--env", "prod"]);
    // Renames timeout but adds no retries: v2 requires them.
    let lens = s.file(
        "short.lens.yaml",
        "lens:\n  - rename: { source: timeout, destination: timeout_ms }\n",
    );
    let (code, out, err) = s.run(&[
        "migrations",
        "add",
        "--family",
        "Payments",
        "--from",
        "v1",
        "--to",
        "v2",
        "--lens",
        &lens,
    ]);
    assert_eq!(code, Some(1), "{out} {err}");
    assert!(out.contains("FAIL payments.yaml#1 in prod"), "{out}");
    assert!(out.contains("retries"), "{out}");

    let before = s
        .json(&["configs", "history", &config])
        .as_array()
        .unwrap()
        .len();
    let (code, _, err) = s.run(&[
        "bindings",
        "create",
        "--config",
        &config,
        "--env",
        "staging",
        "--version",
        "2.0.0",
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("after migration"), "{err}");
    let after = s
        .json(&["configs", "history", &config])
        .as_array()
        .unwrap()
        .len();
    assert_eq!(before, after, "a failed migration stored a revision");
    let staging = s.json(&["bindings", "list", "--env", "staging"]);
    assert!(staging.as_array().unwrap().is_empty());

    // Bad usage is exit 2 with one line, before any request.
    for args in [
        &[
            "migrations",
            "add",
            "--family",
            "Payments",
            "--from",
            "v1",
            "--to",
            "v2",
        ][..],
        &[
            "migrations",
            "add",
            "--family",
            "Payments",
            "--from",
            "v1",
            "--to",
            "v2",
            "--lens",
            "/nonexistent.yaml",
        ],
        &[
            "rollback",
            "--env",
            "prod",
            "--target",
            "payment-api",
            "--to-version",
            "1.0.0",
            "--to-deployment",
            "x",
        ],
        &[
            "rollback",
            "--env",
            "prod",
            "--target",
            "payment-api",
            "--to-deployment",
            "not-a-uuid",
        ],
    ] {
        let (code, _, err) = s.run(args);
        assert_eq!(code, Some(2), "{args:?}: {err}");
    }

    // A lens that does not parse is refused when added.
    let bad = s.file("bad.lens.yaml", "lens:\n  - teleport: { name: x }\n");
    let (code, _, err) = s.run(&[
        "migrations",
        "add",
        "--family",
        "Payments",
        "--from",
        "v2",
        "--to",
        "v3",
        "--lens",
        &bad,
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("does not load"), "{err}");
}

fn wasm_body(from: &str, to: &str, wat: &str) -> Value {
    use base64::Engine;
    json!({"from": from, "to": to,
           "wasm": base64::engine::general_purpose::STANDARD.encode(wat)})
}

#[test]
fn wasm_migrations_run_sandboxed_and_a_trap_changes_nothing() {
    let s = Scenario::new("wasm-co");
    let (app, key) = (&s.app, s.key.as_str());
    for (version, schema) in [
        ("v1", r#"{"type":"object","required":["timeout"]}"#),
        (
            "v2",
            r#"{"type":"object","required":["timeout_ms"],"not":{"required":["timeout"]}}"#,
        ),
        ("v3", r#"{"type":"object"}"#),
    ] {
        let r = app.post(
            "/v1/families/Legacy/schemas",
            Some(key),
            &json!({"version": version, "schema": serde_json::from_str::<Value>(schema).unwrap(), "compat": "NONE"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
    for (version, schema) in [("1", "v1"), ("2", "v2"), ("3", "v3")] {
        let r = app.post(
            "/v1/targets",
            Some(key),
            &json!({"name": "legacy", "family": "Legacy", "version": format!("{version}.0.0"), "schema_version": schema}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let r = app.post(
        "/v1/configs",
        Some(key),
        &json!({"target": "legacy@1.0.0", "content": "{\"timeout\": 5, \"name\": \"timeout\"}"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let config = r.body["id"].as_str().unwrap().to_owned();

    // A module that imports anything is refused when added.
    for import in [
        r#"(import "wasi_snapshot_preview1" "fd_write" (func (param i32 i32 i32 i32) (result i32)))"#,
        r#"(import "env" "f" (func))"#,
    ] {
        let wat = format!("(module {import} (memory (export \"memory\") 1))");
        let r = app.post(
            "/v1/families/Legacy/migrations",
            Some(key),
            &wasm_body("v1", "v2", &wat),
        );
        assert_problem(&r, 422, "migration_invalid");
        assert!(
            r.body["detail"].as_str().unwrap().contains("import"),
            "{}",
            r.body
        );
    }

    // The CLI sends a module file base64-encoded; a dry run stores nothing.
    let echo = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../examples/migrations/echo.wat"
    );
    let out = s.ok(&[
        "migrations",
        "add",
        "--family",
        "Legacy",
        "--from",
        "v1",
        "--to",
        "v3",
        "--wasm",
        echo,
        "--dry-run",
    ]);
    assert!(
        out.contains("dry run of wasm migration Legacy v1 -> v3"),
        "{out}"
    );
    let listed = s.json(&["migrations", "list", "--family", "Legacy"]);
    assert!(listed.as_array().unwrap().is_empty(), "{listed}");

    // The example module renames the top-level key only.
    let rename = include_str!("../../../../examples/migrations/rename_timeout.wat");
    let r = app.post(
        "/v1/families/Legacy/migrations",
        Some(key),
        &wasm_body("v1", "v2", rename),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let r = app.post(
        "/v1/bindings",
        Some(key),
        &json!({"config_id": config, "env": "prod", "version": "2.0.0"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let migrated = app.get(
        &format!(
            "/v1/configs/{}",
            r.body["migrated"]["revision_id"].as_str().unwrap()
        ),
        Some(key),
    );
    assert_eq!(
        migrated.body["data"],
        json!({"timeout_ms": 5, "name": "timeout"})
    );

    // A module that never returns is stopped at the deadline: a clear error, nothing stored.
    let spin = r#"(module (memory (export "memory") 1)
        (func (export "alloc") (param i32) (result i32) (i32.const 1024))
        (func (export "migrate") (param i32 i32 i32) (result i64) (loop $l (br $l)) (i64.const 0)))"#;
    let r = app.post(
        "/v1/families/Legacy/migrations",
        Some(key),
        &wasm_body("v2", "v3", spin),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.body["failing"], 1,
        "prod's v2 config fails the dry run: {}",
        r.body
    );
    let revisions = |app: &TestApp| {
        app.get(&format!("/v1/configs/{config}/history"), Some(key))
            .body["items"]
            .as_array()
            .unwrap()
            .len()
    };
    let before = revisions(app);
    let r = app.post(
        "/v1/bindings",
        Some(key),
        &json!({"config_id": config, "env": "qa", "version": "3.0.0"}),
    );
    assert_problem(&r, 422, "migration_failed");
    let detail = r.body["detail"].as_str().unwrap();
    assert!(detail.contains("deadline"), "{detail}");
    assert_eq!(revisions(app), before);
    let qa = app.get("/v1/bindings?env=qa", Some(key));
    assert!(qa.body["items"].as_array().unwrap().is_empty());

    // Three runs in a row over the limits (the dry run and two binds) quarantine the module:
    // the next bind is refused without running it.
    let bind_v3 = || {
        app.post(
            "/v1/bindings",
            Some(key),
            &json!({"config_id": config, "env": "qa", "version": "3.0.0"}),
        )
    };
    let r = bind_v3();
    assert_problem(&r, 422, "migration_failed");
    let r = bind_v3();
    assert_problem(&r, 422, "migration_quarantined");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("Legacy@v2 -> Legacy@v3"),
        "{}",
        r.body
    );
    assert_eq!(revisions(app), before);
}

/// A lens previewed on a sample: its output and where that output breaks the to-version, stored
/// nowhere; a program that does not load, or a sample over the caps, is refused.
#[test]
fn a_migration_is_previewed_on_a_sample_without_storing_anything() {
    let app = TestApp::spawn();
    let s = app.signup("preview-co");
    let owner = Some(s.access.as_str());
    for (version, schema) in [("v1", V1_SCHEMA_FOR_PREVIEW), ("v2", V2_SCHEMA_FOR_PREVIEW)] {
        let r = app.post(
            "/v1/families/Payments/schemas",
            owner,
            &json!({"version": version, "compat": "NONE",
                    "schema": serde_json::from_str::<Value>(schema).unwrap()}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let preview = |sample: Value, lens: &str| {
        app.post(
            "/v1/families/Payments/migrations/preview",
            owner,
            &json!({"from": "v1", "to": "v2", "lens": lens, "sample": sample}),
        )
    };
    let good = preview(
        json!({"timeout": 30}),
        "lens:\n  - rename: { source: timeout, destination: timeout_ms }\n",
    );
    assert_eq!(good.status, 200, "{}", good.body);
    assert_eq!(good.body["ok"], true, "{}", good.body);
    assert_eq!(good.body["output"], json!({"timeout_ms": 30}));

    // The output does not fit v2: shown with its violations, still 200.
    let short = preview(
        json!({"timeout": 30}),
        "lens:\n  - rename: { source: timeout, destination: wait }\n",
    );
    assert_eq!(short.status, 200, "{}", short.body);
    assert_eq!(short.body["ok"], false);
    assert_eq!(short.body["output"], json!({"wait": 30}));
    assert!(
        !short.body["violations"].as_array().unwrap().is_empty(),
        "{}",
        short.body
    );

    assert_problem(
        &preview(json!({}), "lens: [[[not a lens"),
        422,
        "migration_invalid",
    );
    let mut deep = json!(1);
    for _ in 0..70 {
        deep = json!([deep]);
    }
    assert_problem(&preview(deep, "lens: []\n"), 422, "document_too_deep");
    // Nothing was stored.
    let list = app.get("/v1/families/Payments/migrations", owner);
    assert_eq!(list.body["items"], json!([]), "{}", list.body);
}

const V1_SCHEMA_FOR_PREVIEW: &str =
    r#"{"type": "object", "properties": {"timeout": {"type": "integer"}}}"#;
const V2_SCHEMA_FOR_PREVIEW: &str = r#"{"type": "object", "required": ["timeout_ms"], "properties": {"timeout_ms": {"type": "integer"}}}"#;
