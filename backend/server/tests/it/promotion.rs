//! Promotion (`POST /v1/promotions`, `versiqii promote`): one environment's deployments and bound
//! configs copied to another in one transaction. A promotion refuses what a deployment of the
//! same version would refuse, and migrates a config exactly as `bindings create` would.

use crate::cli::{text, Cli};
use crate::harness::{assert_problem, block_on, Reply, TestApp};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{json, Value};

const SCHEMA_V1: &str = r#"{"type": "object", "required": ["timeout"],
  "properties": {"timeout": {"type": "integer", "maximum": 100}}}"#;
const SCHEMA_V2: &str = r#"{"type": "object", "required": ["timeout_ms"],
  "properties": {"timeout_ms": {"type": "integer"}}}"#;
const LENS: &str = "lens:\n  - rename: { source: timeout, destination: timeout_ms }\n";

struct World {
    app: TestApp,
    tok: String,
}

impl World {
    fn new(slug: &str) -> Self {
        let app = TestApp::spawn();
        let tok = app.signup(slug).access;
        let w = World { app, tok };
        for (version, schema) in [("v1", SCHEMA_V1), ("v2", SCHEMA_V2)] {
            let schema: Value = serde_json::from_str(schema).unwrap();
            let body = json!({"version": version, "schema": schema, "compat": "NONE"});
            w.ok(w.post("/v1/families/Svc/schemas", &body), 201);
        }
        let body = json!({"from": "v1", "to": "v2", "lens": LENS});
        w.ok(w.post("/v1/families/Svc/migrations", &body), 201);
        for env in ["staging", "prod"] {
            w.ok(w.post("/v1/envs", &json!({"name": env})), 201);
        }
        w
    }

    fn tok(&self) -> Option<&str> {
        Some(&self.tok)
    }

    fn post(&self, path: &str, body: &Value) -> Reply {
        self.app.post(path, self.tok(), body)
    }

    fn get(&self, path: &str) -> Value {
        self.ok(self.app.get(path, self.tok()), 200)
    }

    fn ok(&self, r: Reply, status: u16) -> Value {
        assert_eq!(r.status, status, "{}", r.body);
        r.body
    }

    fn target(&self, name: &str, version: &str, schema: &str) {
        let body =
            json!({"name": name, "family": "Svc", "version": version, "schema_version": schema});
        self.ok(self.post("/v1/targets", &body), 201);
    }

    /// A config revision for `name@version`; its id.
    fn config(&self, name: &str, version: &str, content: &str) -> String {
        let body = json!({"target": format!("{name}@{version}"), "name": format!("{name}.json"),
                          "content": content});
        self.ok(self.post("/v1/configs", &body), 201)["id"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    fn bind(&self, revision: &str, env: &str, version: Option<&str>) -> Value {
        let mut body = json!({"config_id": revision, "env": env});
        if let Some(v) = version {
            body["version"] = json!(v);
        }
        self.ok(self.post("/v1/bindings", &body), 201)
    }

    fn set(&self, env: &str, target: &str, body: Value) -> Reply {
        let path = format!("/v1/envs/{env}/targets/{target}/version");
        self.app
            .request("PUT", &path, self.tok(), Some(&body.to_string()))
    }

    fn deploy(&self, env: &str, target: &str, version: &str) {
        self.ok(self.set(env, target, json!({"version": version})), 200);
    }

    fn promote(&self, body: Value) -> Reply {
        self.post("/v1/promotions", &body)
    }

    fn history(&self, env: &str) -> Vec<Value> {
        self.get(&format!("/v1/envs/{env}/deployments"))["items"]
            .as_array()
            .unwrap()
            .clone()
    }

    fn bindings(&self, env: &str) -> Vec<Value> {
        self.get(&format!("/v1/bindings?env={env}"))["items"]
            .as_array()
            .unwrap()
            .clone()
    }

    /// The outbox's event types (with their payloads), oldest first.
    fn outbox(&self) -> Vec<(String, Value)> {
        block_on(self.app.owner_db().query_all(Statement::from_string(
            DbBackend::Postgres,
            "select topic, payload from outbox order by id".to_owned(),
        )))
        .unwrap()
        .iter()
        .map(|r| {
            (
                r.try_get("", "topic").unwrap(),
                r.try_get("", "payload").unwrap(),
            )
        })
        .collect()
    }

    fn hash_of(&self, revision: &str) -> String {
        block_on(self.app.owner_db().query_one(Statement::from_string(
            DbBackend::Postgres,
            format!("select hash from config_revisions where id = '{revision}'"),
        )))
        .unwrap()
        .unwrap()
        .try_get("", "hash")
        .unwrap()
    }

    /// Three targets deployed in staging at 1.0.0, each with its config bound.
    fn three_in_staging(&self) {
        for name in ["alpha", "bravo", "charlie"] {
            self.target(name, "1.0.0", "v1");
            let revision = self.config(name, "1.0.0", "{\"timeout\": 5}");
            self.bind(&revision, "staging", None);
            self.deploy("staging", name, "1.0.0");
        }
    }
}

fn count(events: &[(String, Value)], topic: &str) -> usize {
    events.iter().filter(|(t, _)| t == topic).count()
}

#[test]
fn promoting_to_an_empty_environment_copies_deployments_and_bindings() {
    let w = World::new("promo-copy");
    w.three_in_staging();
    let before = w.outbox().len();

    // A dry run plans every target and writes nothing.
    let plan = w.ok(
        w.promote(json!({"from": "staging", "to": "prod", "dry_run": true})),
        200,
    );
    assert_eq!(plan["safe"], true, "{plan}");
    assert_eq!(plan["applied"], false, "{plan}");
    assert_eq!(plan["targets"].as_array().unwrap().len(), 3, "{plan}");
    assert!(
        plan["summary"]
            .as_str()
            .unwrap()
            .starts_with("promotion of 3 target(s) from staging to prod: nothing breaks"),
        "{plan}"
    );
    assert!(w.history("prod").is_empty());
    assert!(w.bindings("prod").is_empty());
    assert_eq!(w.outbox().len(), before, "a dry run stores no event");

    let done = w.ok(w.promote(json!({"from": "staging", "to": "prod"})), 200);
    assert_eq!(done["applied"], true, "{done}");
    assert_eq!(done["forced"], false, "{done}");
    for (i, name) in ["alpha", "bravo", "charlie"].iter().enumerate() {
        let t = &done["targets"][i];
        assert_eq!(t["target"], *name, "{done}");
        assert_eq!(t["env"], "prod");
        assert_eq!(t["from_version"], Value::Null);
        assert_eq!(t["to_version"], "1.0.0");
        assert_eq!(t["config"]["migrated"], false, "{t}");
    }
    let history = w.history("prod");
    assert_eq!(history.len(), 3);
    assert!(history.iter().all(|d| d["forced"] == false));
    let (staging, prod) = (w.bindings("staging"), w.bindings("prod"));
    assert_eq!(prod.len(), 3);
    for (s, p) in staging.iter().zip(&prod) {
        assert_eq!(s["config_id"], p["config_id"], "the same revision is bound");
        assert_eq!(s["target"], p["target"]);
    }
    let drift = w.get("/v1/drifts?env=prod");
    assert_eq!(drift["items"].as_array().unwrap().len(), 3, "{drift}");
    for row in drift["items"].as_array().unwrap() {
        assert_eq!(
            row["dimensions"],
            json!({"schema": false, "dependency": false, "config": false, "environment": false}),
            "{row}"
        );
    }

    // Events: one promotion.applied naming the targets, and what the separate calls emit.
    let events: Vec<(String, Value)> = w.outbox().into_iter().skip(before).collect();
    assert_eq!(count(&events, "promotion.applied"), 1, "{events:?}");
    assert_eq!(count(&events, "deployment.changed"), 3, "{events:?}");
    assert_eq!(count(&events, "binding.created"), 3, "{events:?}");
    let applied = &events
        .iter()
        .find(|(t, _)| t == "promotion.applied")
        .unwrap()
        .1["data"];
    assert_eq!(
        applied["targets"],
        json!(["alpha@1.0.0", "bravo@1.0.0", "charlie@1.0.0"])
    );
    assert_eq!(applied["from"], "staging");
    assert_eq!(applied["forced"], false);
    // Audit: one row per target, with the bound revision's hash.
    let audit = w.get("/v1/audit");
    let rows: Vec<&Value> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "promotion.apply")
        .collect();
    assert_eq!(rows.len(), 3, "{audit}");
    let objects: Vec<&str> = rows.iter().map(|r| r["object"].as_str().unwrap()).collect();
    assert!(
        objects.contains(&"deployment:prod/bravo@1.0.0"),
        "{objects:?}"
    );
    let bravo = prod.iter().find(|b| b["target"] == "bravo@1.0.0").unwrap();
    let row = rows
        .iter()
        .find(|r| r["object"] == "deployment:prod/bravo@1.0.0")
        .unwrap();
    assert_eq!(
        row["after_hash"],
        json!(w.hash_of(bravo["config_id"].as_str().unwrap()))
    );

    // Again: nothing to promote, an answer rather than an error, and nothing written.
    let seen = w.outbox().len();
    let again = w.ok(w.promote(json!({"from": "staging", "to": "prod"})), 200);
    assert_eq!(again["targets"], json!([]), "{again}");
    assert_eq!(again["unchanged"], json!(["alpha", "bravo", "charlie"]));
    assert_eq!(again["applied"], false);
    assert!(again["summary"]
        .as_str()
        .unwrap()
        .starts_with("nothing to promote"));
    assert_eq!(w.history("prod").len(), 3);
    assert_eq!(w.outbox().len(), seen);
}

#[test]
fn a_subset_of_targets_and_bad_requests() {
    let w = World::new("promo-subset");
    w.three_in_staging();
    let done = w.ok(
        w.promote(json!({"from": "staging", "to": "prod", "targets": ["bravo"]})),
        200,
    );
    assert_eq!(done["targets"].as_array().unwrap().len(), 1, "{done}");
    let history = w.history("prod");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0]["target"], "bravo");
    assert_eq!(w.bindings("prod").len(), 1);

    let same = w.promote(json!({"from": "prod", "to": "prod"}));
    assert_problem(&same, 400, "same_environment");
    let unknown = w.promote(json!({"from": "qa", "to": "prod"}));
    assert_problem(&unknown, 404, "not_found");
    let unknown = w.promote(json!({"from": "staging", "to": "preprod"}));
    assert_problem(&unknown, 404, "not_found");
    // A target that exists but is not deployed in the source, and one that does not exist.
    w.target("delta", "1.0.0", "v1");
    for name in ["delta", "nope"] {
        let r = w.promote(json!({"from": "staging", "to": "prod", "targets": [name]}));
        assert_problem(&r, 404, "not_found");
    }
    let r = w.promote(json!({"from": "staging", "to": "prod", "targets": ["no good"]}));
    assert_problem(&r, 400, "invalid_name");
    let r = w.promote(json!({"from": "staging", "to": "prod", "extra": 1}));
    assert_eq!(r.status, 400, "{}", r.body);
    // A key limited to prod may promote into it (reading staging); one limited to staging may
    // not write prod.
    for (env, status) in [("prod", 200), ("staging", 403)] {
        let body = json!({"name": format!("k-{env}"), "scopes": ["write"], "environments": [env]});
        let made = w.ok(w.post("/v1/api-keys", &body), 201);
        let key = made["key"].as_str().unwrap();
        let body = json!({"from": "staging", "to": "prod", "targets": ["alpha"], "dry_run": true});
        let r = w.app.post("/v1/promotions", Some(key), &body);
        assert_eq!(r.status, status, "{}", r.body);
    }
    assert_eq!(w.history("prod").len(), 1, "nothing else was written");
}

#[test]
fn a_promotion_refuses_what_a_deployment_would_refuse() {
    let w = World::new("promo-refuse");
    for name in ["app", "db"] {
        for (version, schema) in [("1.0.0", "v1"), ("2.0.0", "v1")] {
            w.target(name, version, schema);
        }
    }
    let body = json!({"from": "app@2.0.0", "kind": "requires", "target": "db", "range": ">=2"});
    w.ok(w.post("/v1/constraints", &body), 201);
    w.deploy("staging", "db", "2.0.0");
    w.deploy("staging", "app", "2.0.0");
    w.deploy("prod", "db", "1.0.0");

    // Moving both together breaks nothing: app@2.0.0 is checked against db@2.0.0.
    let both = w.ok(
        w.promote(json!({"from": "staging", "to": "prod", "dry_run": true})),
        200,
    );
    assert_eq!(both["safe"], true, "{both}");

    // app alone breaks its constraint in prod: the same problem `deployments set` gives.
    let alone = w.ok(
        w.set("prod", "app", json!({"version": "2.0.0", "dry_run": true})),
        200,
    );
    assert_eq!(alone["safe"], false, "{alone}");
    let seen = w.outbox().len();
    let refused = w.promote(json!({"from": "staging", "to": "prod", "targets": ["app"]}));
    assert_problem(&refused, 409, "deployment_refused");
    let plan = &refused.body["plan"];
    assert_eq!(plan["targets"][0]["problems"], alone["problems"], "{plan}");
    assert_eq!(plan["targets"][0]["problems"][0]["kind"], "requires-unmet");
    assert_eq!(plan["applied"], false);
    // Nothing written but the refusal's event.
    assert_eq!(w.history("prod").len(), 1);
    let events: Vec<String> = w.outbox().into_iter().skip(seen).map(|(t, _)| t).collect();
    assert_eq!(events, ["promotion.refused"]);

    // Forced: written, and flagged forced in the history, the plan, the events and the audit.
    let forced = w.ok(
        w.promote(json!({"from": "staging", "to": "prod", "targets": ["app"], "force": true})),
        200,
    );
    assert_eq!(forced["applied"], true, "{forced}");
    assert_eq!(forced["forced"], true);
    assert_eq!(forced["targets"][0]["forced"], true);
    let history = w.history("prod");
    assert_eq!(history[0]["target"], "app");
    assert_eq!(history[0]["forced"], true);
    let events: Vec<(String, Value)> = w.outbox().into_iter().skip(seen + 1).collect();
    let applied = &events
        .iter()
        .find(|(t, _)| t == "promotion.applied")
        .unwrap()
        .1["data"];
    assert_eq!(applied["forced"], true);
    assert_eq!(applied["problems"][0]["target"], "app");
    let audit = w.get("/v1/audit");
    assert!(
        audit["items"].as_array().unwrap().iter().any(|e| e["action"] == "promotion.force"
            && e["object"] == "deployment:prod/app@2.0.0"),
        "{audit}"
    );
    let drift = w.get("/v1/drifts?env=prod&target=app");
    assert_eq!(
        drift["items"][0]["dimensions"]["dependency"], true,
        "{drift}"
    );

    // The rest follows: db moves, app is left as it is, and the dependency drift clears.
    let rest = w.ok(w.promote(json!({"from": "staging", "to": "prod"})), 200);
    assert_eq!(rest["safe"], true, "{rest}");
    assert_eq!(rest["unchanged"], json!(["app"]));
    assert_eq!(rest["targets"][0]["target"], "db");
    let drift = w.get("/v1/drifts?env=prod&target=app");
    assert_eq!(
        drift["items"][0]["dimensions"]["dependency"], false,
        "{drift}"
    );
}

#[test]
fn a_promoted_config_is_migrated_as_bindings_create_would() {
    let w = World::new("promo-migrate");
    w.target("svc", "1.0.0", "v1");
    w.target("svc", "2.0.0", "v2");
    let revision = w.config("svc", "1.0.0", "{\"timeout\": 5}");
    // Staging runs 2.0.0 (reading v2) with the v1 config bound for 1.0.0.
    w.deploy("staging", "svc", "2.0.0");
    w.bind(&revision, "staging", Some("1.0.0"));
    // What `bindings create` makes of that config for 2.0.0, elsewhere.
    w.ok(w.post("/v1/envs", &json!({"name": "mirror"})), 201);
    let mirrored = w.bind(&revision, "mirror", Some("2.0.0"));
    let expected = mirrored["config_id"].as_str().unwrap().to_owned();
    assert!(mirrored["migrated"].is_object(), "{mirrored}");

    let plan = w.ok(
        w.promote(json!({"from": "staging", "to": "prod", "dry_run": true})),
        200,
    );
    let target = &plan["targets"][0];
    assert_eq!(target["config"]["migrated"], true, "{plan}");
    assert_eq!(target["migrations"][0]["from_schema"], "Svc@v1", "{plan}");
    assert_eq!(target["migrations"][0]["to_schema"], "Svc@v2", "{plan}");
    assert_eq!(
        target["migrations"][0]["diff"], mirrored["migrated"]["diff"],
        "the same migration"
    );

    let done = w.ok(w.promote(json!({"from": "staging", "to": "prod"})), 200);
    let bound = &w.bindings("prod")[0];
    let promoted = bound["config_id"].as_str().unwrap();
    assert_eq!(w.hash_of(promoted), w.hash_of(&expected));
    assert_eq!(promoted, expected, "known content is reused, not copied");
    assert_eq!(bound["schema_version"], "v2", "{bound}");
    assert_eq!(
        done["targets"][0]["config"]["revision_id"], promoted,
        "{done}"
    );
    let drift = w.get("/v1/drifts?env=prod");
    assert_eq!(drift["items"][0]["dimensions"]["schema"], false, "{drift}");

    // A config that fails the promoted version's schema after migrating is a problem of the
    // plan, as it is for bindings create (422 there): refused, nothing written. v3 requires
    // `retries`, which no migration brings.
    let schema = json!({"type": "object", "required": ["retries"],
                        "properties": {"retries": {"type": "integer"}}});
    let body = json!({"version": "v3", "schema": schema, "compat": "NONE"});
    w.ok(w.post("/v1/families/Svc/schemas", &body), 201);
    let lens = "lens:\n  - rename: { source: timeout_ms, destination: timeout_v3 }\n";
    let body = json!({"from": "v2", "to": "v3", "lens": lens});
    w.ok(w.post("/v1/families/Svc/migrations", &body), 201);
    w.target("svc", "3.0.0", "v3");
    let r = w.post(
        "/v1/bindings",
        &json!({"config_id": revision, "env": "mirror", "version": "3.0.0"}),
    );
    assert_problem(&r, 422, "config_invalid");
    w.ok(
        w.set("staging", "svc", json!({"version": "3.0.0", "force": true})),
        200,
    );
    let refused = w.promote(json!({"from": "staging", "to": "prod"}));
    assert_problem(&refused, 409, "deployment_refused");
    let problem = &refused.body["plan"]["targets"][0]["problems"][0];
    assert_eq!(problem["kind"], "binding-invalid", "{}", refused.body);
    assert!(
        problem["message"]
            .as_str()
            .unwrap()
            .contains("(after migration) fails schema Svc@v3"),
        "{problem}"
    );
    assert_eq!(w.history("prod").len(), 1);
}

#[test]
fn the_cli_prints_the_plan_then_applies_it() {
    let w = World::new("promo-cli");
    w.three_in_staging();
    let cli = Cli::new(&w.app);
    let run = |args: &[&str]| {
        let out = cli.run(args, &[("VERSIQII_TOKEN", &w.tok)], None);
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };
    let (code, out, err) = run(&[
        "promote",
        "--from",
        "staging",
        "--to",
        "prod",
        "--target",
        "alpha",
        "--dry-run",
    ]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.starts_with("promotion of 1 target(s) from staging to prod: nothing breaks\n"),
        "{out}"
    );
    assert!(
        out.contains("plan for alpha in prod: (none) -> 1.0.0"),
        "{out}"
    );
    assert!(out.contains("binds alpha.json#1"), "{out}");
    assert!(
        out.trim_end().ends_with("dry run: nothing changed"),
        "{out}"
    );
    assert!(w.history("prod").is_empty());

    let (code, out, err) = run(&["promote", "--from", "staging", "--to", "prod"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.trim_end().ends_with("applied"), "{out}");
    assert_eq!(w.history("prod").len(), 3);

    let (code, out, err) = run(&[
        "--output", "json", "promote", "--from", "staging", "--to", "prod",
    ]);
    assert_eq!(code, Some(0), "{err}");
    let json: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["targets"], json!([]), "{json}");

    let (code, _, err) = run(&["promote", "--from", "prod", "--to", "prod"]);
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
}
