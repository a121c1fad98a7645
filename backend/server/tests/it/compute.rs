//! CPU work off the HTTP workers, fairly: checks run on the bounded pool with per-tenant slots
//! and a time limit, regexes on a linear-time engine, and diffs within their limits.

use crate::harness::{assert_problem, TestApp};
use serde_json::{json, Value};

/// A family `F` whose schema is `schema`, a target `svc@1.0.0` reading it; returns the target
/// version's id.
fn registry(app: &TestApp, token: &str, schema: Value) -> String {
    let s = app.post(
        "/v1/families/F/schemas",
        Some(token),
        &json!({"version": "v1", "compat": "NONE", "schema": schema}),
    );
    assert_eq!(s.status, 201, "{}", s.body);
    let t = app.post(
        "/v1/targets",
        Some(token),
        &json!({"name": "svc", "family": "F", "version": "1.0.0"}),
    );
    assert_eq!(t.status, 201, "{}", t.body);
    t.body["id"].as_str().unwrap().to_owned()
}

fn config(app: &TestApp, token: &str, target: &str, data: &Value) -> String {
    let c = app.post(
        "/v1/configs",
        Some(token),
        &json!({"target": target, "name": "svc.json", "content": data.to_string()}),
    );
    assert!(c.status == 201 || c.status == 200, "{}", c.body);
    c.body["id"].as_str().unwrap().to_owned()
}

/// Two revisions of about 200 KB that differ in each of 20,000 places.
fn large_pair() -> (Value, Value) {
    let items = |sign: i64| -> Value {
        (0..20_000i64)
            .map(|i| json!({"k": sign * (i + 1)}))
            .collect()
    };
    (json!({"items": items(1)}), json!({"items": items(-1)}))
}

#[test]
fn patterns_that_need_backtracking_are_refused_and_evil_ones_answer_at_once() {
    let app = TestApp::spawn();
    let s = app.signup("regex-co");
    let refused = app.post(
        "/v1/families/F/schemas",
        Some(&s.access),
        &json!({"version": "v1", "schema": {"type": "object",
                "properties": {"name": {"type": "string", "pattern": "^(?!admin)(a+)+$"}}}}),
    );
    assert_problem(&refused, 400, "schema_invalid");
    let error = &refused.body["errors"][0];
    assert_eq!(
        error["pointer"], "/schema/properties/name/pattern",
        "{}",
        refused.body
    );
    assert!(
        error["message"].as_str().unwrap().contains("linear-time"),
        "{}",
        refused.body
    );
    assert_eq!(
        app.get("/v1/families", Some(&s.access)).body["items"],
        json!([])
    );

    // `^(a+)+$` and `^(x+x+)+y$` on strings made to make a backtracking engine explode.
    let target = registry(
        &app,
        &s.access,
        json!({"type": "object",
               "properties": {"name": {"type": "string", "pattern": "^(a+)+$"}},
               "patternProperties": {"^(x+x+)+y$": {"type": "integer"}}}),
    );
    let evil = json!({"name": format!("{}b", "a".repeat(5000)),
                      format!("{}z", "x".repeat(5000)): 1});
    let cfg = config(&app, &s.access, &target, &evil);
    let bound = app.post(
        "/v1/bindings",
        Some(&s.access),
        &json!({"config_id": cfg, "env": "prod"}),
    );
    assert_problem(&bound, 422, "config_invalid");
    assert_eq!(bound.body["violations"][0]["keyword"], "pattern");
}

#[test]
fn a_diff_of_two_large_revisions_is_cut_at_its_limits_and_says_so() {
    let app = TestApp::spawn();
    let s = app.signup("diff-co");
    let target = registry(&app, &s.access, json!({"type": "object"}));
    let (a, b) = large_pair();
    let from = config(&app, &s.access, &target, &a);
    let to = config(&app, &s.access, &target, &b);
    let d = app.get(
        &format!("/v1/configs/diff?from={from}&to={to}"),
        Some(&s.access),
    );
    assert_eq!(d.status, 200, "{}", d.body);
    assert_eq!(d.body["truncated"], true);
    let changes = d.body["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1000);
    assert_eq!(changes[0]["pointer"], "/items/0/k");
    let unified = d.body["unified"].as_str().unwrap();
    assert!(unified.len() <= (1 << 20) + 200, "{} bytes", unified.len());
    assert!(unified.ends_with("compare the revisions' documents for the rest\n"));
    // A small diff is whole.
    let small = config(&app, &s.access, &target, &json!({"items": [1]}));
    let again = config(&app, &s.access, &target, &json!({"items": [2]}));
    let d = app.get(
        &format!("/v1/configs/diff?from={small}&to={again}"),
        Some(&s.access),
    );
    assert_eq!(d.body["truncated"], false, "{}", d.body);
    assert_eq!(d.body["changes"].as_array().unwrap().len(), 1);
}

/// A limit no real task can meet: checks are refused with their code, and nothing is stored.
#[test]
fn a_check_over_the_time_limit_is_refused_and_stores_nothing() {
    let app = TestApp::spawn_with(|s| s.compute.task_ms = 0);
    let s = app.signup("slow-co");
    // Large enough that compiling it cannot finish before the first look at the task.
    let properties: serde_json::Map<String, Value> = (0..2000)
        .map(|i| (format!("p{i}"), json!({"type": "string", "maxLength": i})))
        .collect();
    let added = app.post(
        "/v1/families/F/schemas",
        Some(&s.access),
        &json!({"version": "v1", "schema": {"type": "object", "properties": properties}}),
    );
    assert_problem(&added, 422, "compute_time_exceeded");
    assert!(
        added.body["detail"]
            .as_str()
            .unwrap()
            .starts_with("compiling the schema took longer than 0 ms"),
        "{}",
        added.body
    );
    assert_eq!(
        app.get("/v1/families", Some(&s.access)).body["items"],
        json!([])
    );

    // With a usable limit the registry is set up; then the limit drops to nothing on a second
    // instance over the same database, whose bind is refused.
    let app = TestApp::spawn();
    let s = app.signup("slow-co");
    let target = registry(
        &app,
        &s.access,
        json!({"type": "object", "properties": {"items": {"type": "array",
               "items": {"type": "object", "properties": {"k": {"type": "integer"}}}}}}),
    );
    // Large enough that its validation cannot finish between the task's start and the first
    // look at its result.
    let cfg = config(&app, &s.access, &target, &large_pair().0);
    let strict = app.another_instance_with(|s| s.compute.task_ms = 0);
    let bound = strict.post(
        "/v1/bindings",
        Some(&s.access),
        &json!({"config_id": cfg, "env": "prod"}),
    );
    assert_problem(&bound, 422, "compute_time_exceeded");
    assert!(bound.body["detail"]
        .as_str()
        .unwrap()
        .starts_with("validating the config took longer than 0 ms"));
    assert_eq!(
        app.get("/v1/bindings?env=prod", Some(&s.access)).body["items"],
        json!([])
    );
    // The same bind on the first instance goes through.
    let bound = app.post(
        "/v1/bindings",
        Some(&s.access),
        &json!({"config_id": cfg, "env": "prod"}),
    );
    assert_eq!(bound.status, 201, "{}", bound.body);
}

/// One HTTP worker, two pool threads, one slot per tenant: tenant A's six large diffs queue
/// behind each other on one thread while tenant B's diff is answered on the other. Were the
/// diffs run on the worker, B would wait for all of A's.
#[test]
fn one_tenant_flooding_expensive_diffs_does_not_hold_up_another() {
    let app = TestApp::spawn_with(|s| {
        s.compute.threads = 2;
        s.compute.per_tenant = 1;
        s.compute.queue_ms = 120_000;
        s.compute.task_ms = 60_000;
        s.tenants.max_inflight = 8;
    });
    let a = app.signup("flood-a");
    let b = app.signup("flood-b");
    let target = registry(&app, &a.access, json!({"type": "object"}));
    let (x, y) = large_pair();
    let from = config(&app, &a.access, &target, &x);
    let to = config(&app, &a.access, &target, &y);
    let b_target = registry(&app, &b.access, json!({"type": "object"}));
    let b_from = config(&app, &b.access, &b_target, &json!({"n": 1}));
    let b_to = config(&app, &b.access, &b_target, &json!({"n": 2}));

    let done = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let flood: Vec<_> = (0..6)
            .map(|_| {
                scope.spawn(|| {
                    let r = app.get(
                        &format!("/v1/configs/diff?from={from}&to={to}"),
                        Some(&a.access),
                    );
                    done.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    r.status
                })
            })
            .collect();
        std::thread::sleep(std::time::Duration::from_millis(100));
        let r = app.get(
            &format!("/v1/configs/diff?from={b_from}&to={b_to}"),
            Some(&b.access),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let finished = done.load(std::sync::atomic::Ordering::SeqCst);
        assert!(
            finished <= 3,
            "tenant B waited for {finished} of tenant A's 6 diffs"
        );
        for h in flood {
            assert_eq!(h.join().unwrap(), 200);
        }
    });
}
