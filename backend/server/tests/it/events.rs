//! The event catalogue as subscribers will see it: each write stores exactly one outbox row of
//! its event type, in the write's transaction, whose payload validates against the type's
//! published JSON Schema (spec/events.json) at the published version.

use crate::harness::{block_on, TestApp};
use chrono::Datelike;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{json, Value};
use versiqii_core::schema::CompiledSchema;

const SCHEMA_V1: &str = r#"{"type": "object", "required": ["timeout"],
  "properties": {"timeout": {"type": "integer", "maximum": 100}}}"#;
const SCHEMA_V2: &str = r#"{"type": "object", "required": ["timeout_ms"],
  "properties": {"timeout_ms": {"type": "integer"}}}"#;
const LENS: &str = "lens:\n  - rename: { source: timeout, destination: timeout_ms }\n";

/// The published catalogue, as subscribers read it.
fn catalogue() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../spec/events.json");
    let text = std::fs::read_to_string(path).expect("spec/events.json");
    let doc: Value = serde_json::from_str(&text).expect("spec/events.json is JSON");
    doc["events"].as_array().expect("events").clone()
}

fn outbox(app: &TestApp) -> Vec<(i64, String, Value)> {
    let db = app.owner_db();
    block_on(db.query_all(Statement::from_string(
        DbBackend::Postgres,
        "select id, topic, payload from outbox order by id".to_owned(),
    )))
    .unwrap()
    .iter()
    .map(|r| {
        (
            r.try_get("", "id").unwrap(),
            r.try_get("", "topic").unwrap(),
            r.try_get("", "payload").unwrap(),
        )
    })
    .collect()
}

/// One tenant walked through every kind of write, in an order where each write can happen.
struct Story {
    app: TestApp,
    owner: String,
    key: String,
    key_id: String,
    /// The revision the story uploaded.
    revision: Value,
    /// The webhook endpoint the story made.
    webhook: String,
}

/// The writes of the story, each named by the event type it must emit.
const STEPS: &[&str] = &[
    "api_key.created",
    "schema.added",
    "target_version.created",
    "config.created",
    "environment.created",
    "binding.created",
    "deployment.changed",
    "observation.recorded",
    "drift.changed",
    "constraint.created",
    "constraint.deleted",
    "migration.added",
    "config.migrated",
    "deployment.rolled_back",
    "api_key.revoked",
    "binding.refused",
    "deployment.refused",
    "promotion.applied",
    "promotion.refused",
    "webhook_endpoint.created",
    "webhook.test",
    "webhook_endpoint.updated",
    "webhook_endpoint.disabled",
    "webhook_endpoint.deleted",
    "quota.warning",
    "invoice.finalized",
    "tenant.imported",
];

impl Story {
    fn new(slug: &str) -> Self {
        let app = TestApp::spawn();
        let s = app.signup(slug);
        Story {
            app,
            owner: s.access,
            key: String::new(),
            key_id: String::new(),
            revision: Value::Null,
            webhook: String::new(),
        }
    }

    fn ok(&self, r: crate::harness::Reply, status: u16) -> Value {
        assert_eq!(r.status, status, "{}", r.body);
        r.body
    }

    fn run(&mut self, step: &str) {
        let k = Some(self.key.as_str());
        match step {
            "api_key.created" => {
                let (id, key) = self.app.api_key(&self.owner, &["write"]);
                (self.key_id, self.key) = (id, key);
            }
            "schema.added" => {
                let schema: Value = serde_json::from_str(SCHEMA_V1).unwrap();
                let body = json!({"version": "v1", "schema": schema});
                self.ok(self.app.post("/v1/families/Svc/schemas", k, &body), 201);
            }
            "target_version.created" => {
                let body = json!({"name": "svc", "family": "Svc", "version": "1.0.0"});
                self.ok(self.app.post("/v1/targets", k, &body), 201);
            }
            "config.created" => {
                let body = json!({"target": "svc@1.0.0", "content": "{\"timeout\": 5}"});
                self.revision = self.ok(self.app.post("/v1/configs", k, &body), 201)["id"].clone();
            }
            "environment.created" => {
                self.ok(self.app.post("/v1/envs", k, &json!({"name": "prod"})), 201);
            }
            "binding.created" => {
                let body = json!({"config_id": self.revision, "env": "prod"});
                self.ok(self.app.post("/v1/bindings", k, &body), 201);
            }
            "deployment.changed" => {
                let r = self.app.request(
                    "PUT",
                    "/v1/envs/prod/targets/svc/version",
                    k,
                    Some(r#"{"version": "1.0.0"}"#),
                );
                self.ok(r, 200);
            }
            "observation.recorded" => {
                // What runs is what is deployed: no drift.
                let body = json!({"target": "svc", "version": "1.0.0"});
                self.ok(self.app.post("/v1/envs/prod/observations", k, &body), 201);
            }
            "drift.changed" => {
                // A cluster reports another version: environment drift in one cell.
                let body = json!({"target": "svc", "version": "0.9.0"});
                self.ok(self.app.post("/v1/envs/prod/observations", k, &body), 201);
            }
            "constraint.created" => {
                let body = json!({"from": "svc@1.0.0", "kind": "requires", "target": "db", "range": ">=1"});
                self.ok(self.app.post("/v1/constraints", k, &body), 201);
            }
            "constraint.deleted" => {
                let list = self.ok(self.app.get("/v1/constraints", k), 200);
                let id = list["items"][0]["id"].as_str().unwrap().to_owned();
                self.ok(self.app.delete(&format!("/v1/constraints/{id}"), k), 204);
            }
            "migration.added" => {
                let schema: Value = serde_json::from_str(SCHEMA_V2).unwrap();
                let body = json!({"version": "v2", "schema": schema, "compat": "NONE"});
                self.ok(self.app.post("/v1/families/Svc/schemas", k, &body), 201);
                let body = json!({"name": "svc", "family": "Svc", "version": "2.0.0", "schema_version": "v2"});
                self.ok(self.app.post("/v1/targets", k, &body), 201);
                let body = json!({"from": "v1", "to": "v2", "lens": LENS});
                self.ok(self.app.post("/v1/families/Svc/migrations", k, &body), 201);
            }
            "config.migrated" => {
                let body =
                    json!({"config_id": self.revision, "env": "staging", "version": "2.0.0"});
                let bound = self.ok(self.app.post("/v1/bindings", k, &body), 201);
                assert!(bound["migrated"].is_object(), "{bound}");
            }
            "deployment.rolled_back" => {
                let r = self.app.request(
                    "PUT",
                    "/v1/envs/prod/targets/svc/version",
                    k,
                    Some(r#"{"version": "2.0.0"}"#),
                );
                self.ok(r, 200);
                let r = self
                    .app
                    .post("/v1/envs/prod/targets/svc/rollback", k, &json!({}));
                self.ok(r, 200);
            }
            "api_key.revoked" => {
                let path = format!("/v1/api-keys/{}", self.key_id);
                self.ok(self.app.delete(&path, Some(&self.owner)), 204);
            }
            "binding.refused" => {
                // A v3 that requires `retries`, reached from v1 through v2: svc's config fails
                // it after migrating.
                let o = Some(self.owner.as_str());
                let schema = json!({"type": "object", "required": ["retries"],
                                    "properties": {"retries": {"type": "integer"}}});
                let body = json!({"version": "v3", "schema": schema, "compat": "NONE"});
                self.ok(self.app.post("/v1/families/Svc/schemas", o, &body), 201);
                let body = json!({"name": "svc", "family": "Svc", "version": "3.0.0", "schema_version": "v3"});
                self.ok(self.app.post("/v1/targets", o, &body), 201);
                let lens = "lens:\n  - rename: { source: timeout_ms, destination: timeout_v3 }\n";
                let body = json!({"from": "v2", "to": "v3", "lens": lens});
                self.ok(self.app.post("/v1/families/Svc/migrations", o, &body), 201);
                let body = json!({"config_id": self.revision, "env": "prod", "version": "3.0.0"});
                let r = self.app.post("/v1/bindings", o, &body);
                assert_eq!(r.status, 422, "{}", r.body);
                assert_eq!(r.body["code"], "config_invalid");
            }
            "deployment.refused" => {
                let r = self.app.request(
                    "PUT",
                    "/v1/envs/prod/targets/svc/version",
                    Some(&self.owner),
                    Some(r#"{"version": "3.0.0"}"#),
                );
                assert_eq!(r.status, 409, "{}", r.body);
                assert_eq!(r.body["code"], "deployment_refused");
            }
            "promotion.applied" => {
                // Staging runs 2.0.0 with the config migrated for it (config.migrated's step);
                // prod runs 1.0.0 (rolled back): promoted together.
                let o = Some(self.owner.as_str());
                let r = self.app.request(
                    "PUT",
                    "/v1/envs/staging/targets/svc/version",
                    o,
                    Some(r#"{"version": "2.0.0"}"#),
                );
                self.ok(r, 200);
                let body = json!({"from": "staging", "to": "prod"});
                let done = self.ok(self.app.post("/v1/promotions", o, &body), 200);
                assert_eq!(done["applied"], true, "{done}");
            }
            "promotion.refused" => {
                // Staging forced onto 3.0.0, whose schema svc's config fails after migrating.
                let o = Some(self.owner.as_str());
                let r = self.app.request(
                    "PUT",
                    "/v1/envs/staging/targets/svc/version",
                    o,
                    Some(r#"{"version": "3.0.0", "force": true}"#),
                );
                self.ok(r, 200);
                let body = json!({"from": "staging", "to": "prod"});
                let r = self.app.post("/v1/promotions", o, &body);
                assert_eq!(r.status, 409, "{}", r.body);
                assert_eq!(r.body["code"], "deployment_refused");
            }
            "webhook_endpoint.created" => {
                let body = json!({"url": "http://127.0.0.1:9/hook"});
                let made = self.ok(self.app.post("/v1/webhooks", Some(&self.owner), &body), 201);
                self.webhook = made["id"].as_str().unwrap().to_owned();
            }
            "webhook.test" => {
                let path = format!("/v1/webhooks/{}/test", self.webhook);
                self.ok(self.app.post(&path, Some(&self.owner), &json!({})), 202);
            }
            "webhook_endpoint.updated" => {
                let path = format!("/v1/webhooks/{}", self.webhook);
                let body = json!({"description": "changed"}).to_string();
                self.ok(
                    self.app
                        .request("PATCH", &path, Some(&self.owner), Some(&body)),
                    200,
                );
            }
            "webhook_endpoint.disabled" => {
                // Two failed attempts, as the dispatcher records them, with no grace: the second
                // disables the endpoint (the event is written by the database function).
                let db = self.app.owner_db();
                block_on(db.execute_unprepared("select webhook_fanout(1000)")).unwrap();
                for _ in 0..2 {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    block_on(db.execute_unprepared(
                        "select webhook_record(c.delivery_id, c.claim, 'failed', 500, 1, null,
                                               'test', 'story', 1, 0)
                           from webhook_claim(1, 60) c",
                    ))
                    .unwrap();
                }
            }
            "webhook_endpoint.deleted" => {
                let path = format!("/v1/webhooks/{}", self.webhook);
                self.ok(self.app.delete(&path, Some(&self.owner)), 204);
            }
            "quota.warning" => {
                // 19 targets held (`free` allows 25): the 20th is 80%.
                block_on(self.app.owner_db().execute_unprepared(
                    "insert into targets (tenant_id, id, name, family_id)
                     select tenant_id, gen_random_uuid(), 'q' || g, family_id
                       from targets, generate_series(1, 18) g where name = 'svc'",
                ))
                .unwrap();
                // The story's key was revoked by now: the owner declares it.
                let body = json!({"name": "q20", "family": "Svc", "version": "1.0.0"});
                self.ok(self.app.post("/v1/targets", Some(&self.owner), &body), 201);
            }
            "invoice.finalized" => {
                // Last month's invoice of a team tenant that existed then, finalized by an
                // operator's billing run.
                block_on(self.app.owner_db().execute_unprepared(
                    "update tenants set plan = 'team', created_at = now() - interval '70 days'",
                ))
                .unwrap();
                let op = crate::operators::provision(&self.app, "events@ops.test", "admin");
                let token = crate::operators::sign_in(&self.app, &op);
                let last = (chrono::Utc::now().date_naive().with_day(1).unwrap()
                    - chrono::Duration::days(1))
                .format("%Y-%m")
                .to_string();
                let body = json!({"period": last, "finalize": true});
                let run = self.ok(
                    self.app.post("/ops/v1/billing/run", Some(&token), &body),
                    200,
                );
                assert_eq!(run["finalized"], 1, "{run}");
            }
            "tenant.imported" => {
                // The story's registry, into a new organisation of the same installation.
                let (status, _, archive) = self.app.get_bytes("/v1/export", Some(&self.owner));
                assert_eq!(status, 200);
                let fresh = self.app.signup("ev-imported-into");
                let r = self.app.post_bytes(
                    "/v1/import",
                    Some(&fresh.access),
                    "application/zstd",
                    &archive,
                );
                self.ok(r, 201);
            }
            other => panic!("no step for {other}"),
        }
    }
}

/// Runs the story up to the write that causes `event_type`, and checks that write stored
/// exactly one outbox row of that type, valid against its published schema.
fn emits_exactly_one(event_type: &str) {
    let entry = catalogue()
        .into_iter()
        .find(|e| e["type"] == event_type)
        .unwrap_or_else(|| panic!("{event_type} is not in spec/events.json"));
    let schema = CompiledSchema::compile(&entry["schema"]).expect("the published schema compiles");
    let mut story = Story::new(&format!("ev-{}", event_type.replace(['.', '_'], "-")));
    let at = STEPS.iter().position(|s| *s == event_type).unwrap();
    for step in &STEPS[..at] {
        story.run(step);
    }
    let seen = outbox(&story.app).last().map_or(0, |row| row.0);
    story.run(event_type);
    let new: Vec<Value> = outbox(&story.app)
        .into_iter()
        .filter(|(id, topic, _)| *id > seen && topic == event_type)
        .map(|(_, _, payload)| payload)
        .collect();
    assert_eq!(new.len(), 1, "{event_type}: {new:?}");
    let payload = &new[0];
    assert_eq!(payload["type"], event_type);
    assert_eq!(payload["version"], entry["version"], "{payload}");
    let violations = schema.validate(&payload["data"]);
    assert!(
        violations.is_empty(),
        "{event_type}: {violations:?} in {payload}"
    );
}

macro_rules! event_tests {
    ($($name:ident => $ty:literal,)*) => {
        $( #[test] fn $name() { emits_exactly_one($ty); } )*

        #[test]
        fn every_catalogued_type_has_a_test() {
            let tested = [$($ty),*];
            for entry in catalogue() {
                let ty = entry["type"].as_str().unwrap().to_owned();
                assert!(tested.contains(&ty.as_str()), "no test for {ty}");
                assert!(STEPS.contains(&ty.as_str()), "no step for {ty}");
            }
        }
    };
}

event_tests! {
    api_key_created_is_one_valid_event => "api_key.created",
    schema_added_is_one_valid_event => "schema.added",
    target_version_created_is_one_valid_event => "target_version.created",
    config_created_is_one_valid_event => "config.created",
    environment_created_is_one_valid_event => "environment.created",
    binding_created_is_one_valid_event => "binding.created",
    deployment_changed_is_one_valid_event => "deployment.changed",
    observation_recorded_is_one_valid_event => "observation.recorded",
    drift_changed_is_one_valid_event => "drift.changed",
    constraint_created_is_one_valid_event => "constraint.created",
    constraint_deleted_is_one_valid_event => "constraint.deleted",
    migration_added_is_one_valid_event => "migration.added",
    binding_refused_is_one_valid_event => "binding.refused",
    deployment_refused_is_one_valid_event => "deployment.refused",
    promotion_applied_is_one_valid_event => "promotion.applied",
    promotion_refused_is_one_valid_event => "promotion.refused",
    webhook_endpoint_created_is_one_valid_event => "webhook_endpoint.created",
    webhook_test_is_one_valid_event => "webhook.test",
    webhook_endpoint_updated_is_one_valid_event => "webhook_endpoint.updated",
    webhook_endpoint_disabled_is_one_valid_event => "webhook_endpoint.disabled",
    webhook_endpoint_deleted_is_one_valid_event => "webhook_endpoint.deleted",
    config_migrated_is_one_valid_event => "config.migrated",
    deployment_rolled_back_is_one_valid_event => "deployment.rolled_back",
    api_key_revoked_is_one_valid_event => "api_key.revoked",
    quota_warning_is_one_valid_event => "quota.warning",
    invoice_finalized_is_one_valid_event => "invoice.finalized",
    tenant_imported_is_one_valid_event => "tenant.imported",
}

/// A write that fails stores none of its events (the outbox commits or vanishes with the
/// change): only the refusal itself is recorded, as one `binding.refused` event.
#[test]
fn a_refused_write_stores_no_event() {
    let mut story = Story::new("ev-refused");
    for step in &STEPS[..6] {
        story.run(step);
    }
    let before = outbox(&story.app).len();
    // Invalid for v1's schema (timeout over its maximum): 422, nothing stored.
    let body = json!({"target": "svc@1.0.0", "content": "{\"timeout\": 500}"});
    let created = story.ok(story.app.post("/v1/configs", Some(&story.key), &body), 201);
    let after_config = outbox(&story.app).len();
    assert_eq!(after_config, before + 1);
    let body = json!({"config_id": created["id"], "env": "prod"});
    let r = story.app.post("/v1/bindings", Some(&story.key), &body);
    assert_eq!(r.status, 422, "{}", r.body);
    let new: Vec<String> = outbox(&story.app)
        .into_iter()
        .skip(after_config)
        .map(|(_, topic, _)| topic)
        .collect();
    assert_eq!(new, ["binding.refused"]);
    let bindings = block_on(story.app.owner_db().query_one(Statement::from_string(
        DbBackend::Postgres,
        format!(
            "select count(*) from bindings where config_revision_id = '{}'",
            created["id"].as_str().unwrap()
        ),
    )))
    .unwrap()
    .unwrap()
    .try_get_by_index::<i64>(0)
    .unwrap();
    assert_eq!(bindings, 0, "the refused binding stored nothing");
}
