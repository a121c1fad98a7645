//! The control plane end to end through the CLI: constraints, deployments with plans, forced
//! changes, observations, and the drift matrix in all four dimensions.

use crate::cli::{text, Cli};
use crate::harness::TestApp;
use serde_json::{json, Value};

#[test]
fn drift_matrix_shows_all_four_dimensions_for_a_real_scenario() {
    let app = TestApp::spawn();
    let cli = Cli::new(&app);
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let s = app.signup("drift-co");
    let (_, key) = app.api_key(&s.access, &["write"]);
    let env = [("VERSIQII_TOKEN", key.as_str())];
    let run = |args: &[&str]| {
        let out = cli.run(args, &env, None);
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    };
    let ok = |args: &[&str]| {
        let (code, out, err) = run(args);
        assert_eq!(code, Some(0), "{args:?}: {out} {err}");
        out.trim().to_owned()
    };

    // Two families: payments (the seed's schema) and auth (anything goes).
    ok(&[
        "schemas",
        "add",
        "--family",
        "Payments",
        "--version",
        "v1",
        &format!("{root}/examples/openapi_payments.json"),
    ]);
    let mut v2: Value =
        serde_json::from_str(include_str!("../../../../examples/openapi_payments.json")).unwrap();
    v2["properties"]["timeout_ms"]["maximum"] = json!(4000);
    let v2_file = std::env::temp_dir().join(format!("payments-v2-{}.json", app.db_name));
    std::fs::write(&v2_file, v2.to_string()).unwrap();
    ok(&[
        "schemas",
        "add",
        "--family",
        "Payments",
        "--version",
        "v2",
        "--compat",
        "NONE",
        v2_file.to_str().unwrap(),
    ]);
    let any = std::env::temp_dir().join(format!("any-{}.json", app.db_name));
    std::fs::write(&any, r#"{"type": "object"}"#).unwrap();
    ok(&[
        "schemas",
        "add",
        "--family",
        "Auth",
        "--version",
        "v1",
        any.to_str().unwrap(),
    ]);

    ok(&[
        "targets",
        "create",
        "--name",
        "payment-api",
        "--family",
        "Payments",
        "--version",
        "3.2.1",
        "--schema-version",
        "v1",
    ]);
    ok(&[
        "targets",
        "create",
        "--name",
        "payment-api",
        "--family",
        "Payments",
        "--version",
        "3.3.0",
        "--schema-version",
        "v2",
    ]);
    ok(&[
        "targets",
        "create",
        "--name",
        "auth",
        "--family",
        "Auth",
        "--version",
        "1.5.0",
    ]);
    ok(&[
        "targets",
        "create",
        "--name",
        "auth",
        "--family",
        "Auth",
        "--version",
        "2.1.0",
    ]);

    // payment-api 3.x needs auth >=1.5, <2; a link back from auth to payment-api closes a cycle.
    ok(&[
        "graphs",
        "link",
        "--from",
        "payment-api@3.2.1",
        "--requires",
        "auth",
        "--range",
        ">=1.5, <2",
    ]);
    ok(&[
        "graphs",
        "link",
        "--from",
        "payment-api@3.3.0",
        "--requires",
        "auth",
        "--range",
        ">=1.5, <2",
    ]);
    let (code, _, err) = run(&[
        "graphs",
        "link",
        "--from",
        "auth@1.5.0",
        "--requires",
        "payment-api",
        "--range",
        "^3",
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("cycle") && err.contains("auth@1.5.0"), "{err}");

    // Deploy auth 1.5 and payment-api 3.2.1 (with its config bound): all consistent.
    ok(&[
        "env",
        "set-target",
        "--env",
        "prod-eu",
        "--target",
        "auth",
        "--version",
        "1.5.0",
    ]);
    ok(&[
        "env",
        "set-target",
        "--env",
        "prod-eu",
        "--target",
        "payment-api",
        "--version",
        "3.2.1",
    ]);
    let cfg = ok(&[
        "configs",
        "create",
        "--target",
        "payment-api@3.2.1",
        &format!("{root}/examples/payment_service.yaml"),
    ]);
    ok(&["bindings", "create", "--config", &cfg, "--env", "prod-eu"]);

    // Upgrading auth to 2.1 breaks payment-api's constraint: refused, with the plan in words.
    let (code, _, err) = run(&[
        "env",
        "set-target",
        "--env",
        "prod-eu",
        "--target",
        "auth",
        "--version",
        "2.1.0",
    ]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("payment-api@3.2.1 requires auth"), "{err}");
    let (_, out, _) = run(&[
        "env",
        "set-target",
        "--env",
        "prod-eu",
        "--target",
        "auth",
        "--version",
        "2.1.0",
        "--dry-run",
    ]);
    assert!(out.contains("dry run"), "{out}");
    // A dry run changed nothing; the history still shows 1.5.0 on top.
    let hist = app.get("/v1/envs/prod-eu/deployments?target=auth", Some(&key));
    assert_eq!(hist.body["items"][0]["version"], "1.5.0");

    // payment-api 3.3.0 reads schema v2, where the bound config's timeout (5000) is too high.
    let (code, _, err) = run(&[
        "env",
        "set-target",
        "--env",
        "prod-eu",
        "--target",
        "payment-api",
        "--version",
        "3.3.0",
    ]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("binding-invalid") && err.contains("/timeout_ms"),
        "{err}"
    );

    // No drift yet.
    let matrix = app.get("/v1/drifts?env=prod-eu", Some(&key));
    assert_eq!(matrix.status, 200, "{}", matrix.body);
    for row in matrix.body["items"].as_array().unwrap() {
        assert_eq!(
            row["dimensions"],
            json!({"schema": false, "dependency": false, "config": false, "environment": false}),
            "{row}"
        );
    }

    // Force both changes: schema and dependency drift appear.
    ok(&[
        "env",
        "set-target",
        "--env",
        "prod-eu",
        "--target",
        "payment-api",
        "--version",
        "3.3.0",
        "--force",
    ]);
    ok(&[
        "env",
        "set-target",
        "--env",
        "prod-eu",
        "--target",
        "auth",
        "--version",
        "2.1.0",
        "--force",
    ]);
    // The cluster reports it still runs 3.2.1, with a config other than the bound one.
    ok(&[
        "report",
        "--env",
        "prod-eu",
        "--target",
        "payment-api",
        "--version",
        "3.2.1",
        "--config-hash",
        &"ab".repeat(32),
    ]);

    let (code, out, err) = run(&["drifts", "list", "--env", "prod-eu", "--output", "json"]);
    assert_eq!(code, Some(0), "{err}");
    let rows: Value = serde_json::from_str(&out).unwrap();
    let pay = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["target"] == "payment-api")
        .unwrap();
    assert_eq!(
        pay["dimensions"],
        json!({"schema": true, "dependency": true, "config": true, "environment": true}),
        "{pay}"
    );
    assert_eq!(pay["desired_version"], "3.3.0");
    assert_eq!(pay["observed_version"], "3.2.1");
    let details = pay["details"].to_string();
    assert!(
        details.contains("/timeout_ms") && details.contains("requires auth"),
        "{details}"
    );
    let auth_row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["target"] == "auth")
        .unwrap();
    assert_eq!(
        auth_row["dimensions"]["dependency"], false,
        "auth itself requires nothing"
    );

    // Filtering by dimension, and the table form.
    let only = app.get("/v1/drifts?dimension=environment", Some(&key));
    assert_eq!(only.body["items"].as_array().unwrap().len(), 1);
    let table = ok(&["drifts", "list"]);
    assert!(
        table.contains("DRIFT") && table.contains("payment-api"),
        "{table}"
    );

    // Impact: moving auth back to 1.5.0 is safe; payment-api 3.3.0 everywhere breaks the binding.
    let back = app.get("/v1/impact?target=auth&version=1.5.0", Some(&key));
    assert_eq!(back.body["safe"], true, "{}", back.body);
    let pay_impact = app.get("/v1/impact?target=payment-api&version=3.3.0", Some(&key));
    assert_eq!(pay_impact.body["safe"], false, "{}", pay_impact.body);
    assert!(
        pay_impact
            .body
            .to_string()
            .contains("payment_service.yaml#1"),
        "{}",
        pay_impact.body
    );

    // The history shows forced deployments.
    let hist = app.get("/v1/envs/prod-eu/deployments", Some(&key));
    assert_eq!(hist.body["items"][0]["forced"], true);

    // Each change of a cell's drift wrote one outbox event in the write's own transaction:
    // schema + dependency (forced payment-api), then config + environment (the report).
    let owner = app.owner_db();
    let events = crate::harness::block_on(sea_orm::ConnectionTrait::query_all(
        &owner,
        sea_orm::Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "select payload from outbox where topic = 'drift.changed' order by id".to_owned(),
        ),
    ))
    .unwrap();
    // Stored as typed events: `{type, version, data}`.
    let payloads: Vec<Value> = events
        .iter()
        .map(|r| r.try_get::<Value>("", "payload").unwrap())
        .inspect(|p| {
            assert_eq!(
                (&p["type"], &p["version"]),
                (&json!("drift.changed"), &json!(1))
            )
        })
        .map(|p| p["data"].clone())
        .collect();
    let pay: Vec<&Value> = payloads
        .iter()
        .filter(|p| p["target"] == "payment-api")
        .collect();
    assert_eq!(pay.len(), 3, "{payloads:?}");
    assert_eq!(
        pay[0]["after"],
        json!({"schema": true, "dependency": false, "config": false, "environment": false})
    );
    assert_eq!(
        pay[1]["after"]["dependency"], true,
        "auth's forced upgrade broke payment-api's constraint"
    );
    assert_eq!(
        pay[2]["after"],
        json!({"schema": true, "dependency": true, "config": true, "environment": true})
    );
    assert_eq!(pay[2]["before"], pay[1]["after"]);
}

#[test]
fn a_crashed_graph_actor_is_restarted_and_an_evicted_tenant_comes_back() {
    use versiqii_core::TenantId;
    let app = TestApp::spawn_with(|s| s.tenants.idle_secs = 1);
    let s = app.signup("actor-co");
    let tok = Some(s.access.as_str());
    assert_eq!(
        app.post(
            "/v1/families/F/schemas",
            tok,
            &json!({"version": "v1", "schema": {"type": "object"}})
        )
        .status,
        201
    );
    for (name, version) in [("a", "1.0.0"), ("b", "1.0.0"), ("b", "2.0.0")] {
        let r = app.post(
            "/v1/targets",
            tok,
            &json!({"name": name, "family": "F", "version": version}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let link = app.post(
        "/v1/constraints",
        tok,
        &json!({"from": "a@1.0.0", "kind": "requires", "target": "b", "range": "^1"}),
    );
    assert_eq!(link.status, 201, "{}", link.body);
    let impact = |app: &TestApp| app.get("/v1/impact?target=b&version=2.0.0", tok).body;
    let put = |app: &TestApp, t: &str, v: &str| {
        app.request(
            "PUT",
            &format!("/v1/envs/prod/targets/{t}/version"),
            tok,
            Some(&json!({"version": v}).to_string()),
        )
    };
    assert_eq!(put(&app, "b", "1.0.0").status, 200);
    assert_eq!(put(&app, "a", "1.0.0").status, 200);
    let before = impact(&app);
    assert_eq!(before["safe"], false, "{before}");

    // Crash the graph actor; the supervisor restarts it and it reloads the same graph.
    let tenant = TenantId(s.tenant_id.parse().unwrap());
    assert!(app.crash_graph(tenant), "the actor crashed");
    let mut after = impact(&app);
    for _ in 0..50 {
        if after["environments"].is_array() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        after = impact(&app);
    }
    assert_eq!(after, before);

    // Idle past the eviction time: the tenant's actors go, and come back with the same state.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    assert_eq!(app.live_tenants(), 0, "the idle tenant was evicted");
    assert_eq!(impact(&app), before);
    assert_eq!(app.live_tenants(), 1);
    assert_eq!(
        put(&app, "b", "2.0.0").status,
        409,
        "the reloaded graph still refuses"
    );
}

/// Family F (v1, any object), target svc at 1.0.0 and 1.1.0, prod running svc@1.1.0: four
/// requests of the tenant.
fn svc_runs_1_1_in_prod(app: &TestApp, tok: Option<&str>) {
    let schema = app.post(
        "/v1/families/F/schemas",
        tok,
        &json!({"version": "v1", "schema": {"type": "object"}}),
    );
    assert_eq!(schema.status, 201, "{}", schema.body);
    for v in ["1.0.0", "1.1.0"] {
        let r = app.post(
            "/v1/targets",
            tok,
            &json!({"name": "svc", "family": "F", "version": v}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let put = app.request(
        "PUT",
        "/v1/envs/prod/targets/svc/version",
        tok,
        Some(&json!({"version": "1.1.0"}).to_string()),
    );
    assert_eq!(put.status, 200, "{}", put.body);
}

#[test]
fn a_dead_drift_actor_is_replaced_and_drift_stays_current() {
    use versiqii_core::TenantId;
    let app = TestApp::spawn();
    let s = app.signup("dead-drift-co");
    let tok = Some(s.access.as_str());
    svc_runs_1_1_in_prod(&app, tok);
    let environment_drift = |app: &TestApp| {
        let r = app.get("/v1/drifts?env=prod&target=svc", tok);
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["items"][0]["dimensions"]["environment"].clone()
    };
    // Loaded into the actor's matrix: nothing observed, no environment drift.
    assert_eq!(environment_drift(&app), json!(false));

    let tenant = TenantId(s.tenant_id.parse().unwrap());
    assert!(app.crash_drift(tenant), "the drift actor died");
    // A write after the death: a dead actor cannot refresh its matrix, so a reader of the old
    // one would miss it. The tenant's actors are started afresh and the read sees the write.
    let seen = app.post(
        "/v1/envs/prod/observations",
        tok,
        &json!({"target": "svc", "version": "1.0.0"}),
    );
    assert_eq!(seen.status, 201, "{}", seen.body);
    assert_eq!(environment_drift(&app), json!(true));
}

#[test]
fn two_instances_on_one_database_agree() {
    let one = TestApp::spawn();
    let two = one.another_instance();
    let s = one.signup("twin-co");
    let tok = Some(s.access.as_str());
    assert_eq!(
        one.post(
            "/v1/families/F/schemas",
            tok,
            &json!({"version": "v1", "schema": {"type": "object"}})
        )
        .status,
        201
    );
    for (name, version) in [("a", "1.0.0"), ("b", "1.0.0"), ("b", "2.0.0")] {
        assert_eq!(
            one.post(
                "/v1/targets",
                tok,
                &json!({"name": name, "family": "F", "version": version})
            )
            .status,
            201
        );
    }
    // Both instances load the tenant's graph before the change.
    assert_eq!(
        two.get("/v1/impact?target=b&version=2.0.0", tok).body["safe"],
        true
    );
    assert_eq!(
        one.get("/v1/impact?target=b&version=2.0.0", tok).body["safe"],
        true
    );
    let put = |app: &TestApp, t: &str, v: &str| {
        app.request(
            "PUT",
            &format!("/v1/envs/prod/targets/{t}/version"),
            tok,
            Some(&json!({"version": v}).to_string()),
        )
    };
    assert_eq!(put(&one, "b", "1.0.0").status, 200);
    assert_eq!(put(&one, "a", "1.0.0").status, 200);
    // Both hold the tenant's drift matrix in memory from here on.
    assert_eq!(
        one.get("/v1/drifts", tok).body,
        two.get("/v1/drifts", tok).body
    );

    // A constraint written through one is in the other's graph within a second (LISTEN/NOTIFY).
    let link = one.post(
        "/v1/constraints",
        tok,
        &json!({"from": "a@1.0.0", "kind": "requires", "target": "b", "range": "^1"}),
    );
    assert_eq!(link.status, 201, "{}", link.body);
    let started = std::time::Instant::now();
    let mut seen = false;
    while started.elapsed() < std::time::Duration::from_secs(1) {
        if two.get("/v1/impact?target=b&version=2.0.0", tok).body["safe"] == false {
            seen = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(
        seen,
        "instance two did not see the constraint within a second"
    );
    assert_eq!(
        put(&two, "b", "2.0.0").status,
        409,
        "and refuses what it breaks"
    );

    // Writes through one move the drift the other holds promptly: a forced deployment
    // (dependency drift of a) and an observation (environment drift of b).
    let before = one.get("/v1/drifts", tok).body;
    let started = std::time::Instant::now();
    while two.get("/v1/drifts", tok).body != before {
        // Only a NOTIFY makes instance two follow; 5 s leaves room for a loaded machine.
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let forced = one.request(
        "PUT",
        "/v1/envs/prod/targets/b/version",
        tok,
        Some(&json!({"version": "2.0.0", "force": true}).to_string()),
    );
    assert_eq!(forced.status, 200, "{}", forced.body);
    let observed = one.post(
        "/v1/envs/prod/observations",
        tok,
        &json!({"target": "b", "version": "1.0.0"}),
    );
    assert_eq!(observed.status, 201, "{}", observed.body);
    let expected = one.get("/v1/drifts", tok).body;
    let drifting = |rows: &serde_json::Value, target: &str, dimension: &str| {
        rows["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["target"] == target && r["dimensions"][dimension] == true)
    };
    assert!(drifting(&expected, "a", "dependency"), "{expected}");
    assert!(drifting(&expected, "b", "environment"), "{expected}");
    let started = std::time::Instant::now();
    while two.get("/v1/drifts", tok).body != expected {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(5),
            "instance two's drift did not follow within 5 s"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn metrics_show_http_traffic_and_the_drift_gauge_to_the_metrics_token_only() {
    let token = "metrics-token-0123456789";
    let app = TestApp::spawn_with(|s| s.observability.metrics_token = Some(token.to_owned()));
    let s = app.signup("metrics-co");
    let tok = Some(s.access.as_str());
    svc_runs_1_1_in_prod(&app, tok);
    let seen = app.post(
        "/v1/envs/prod/observations",
        tok,
        &json!({"target": "svc", "version": "1.0.0"}),
    );
    assert_eq!(seen.status, 201, "{}", seen.body);
    let drifts = app.get("/v1/drifts", tok);
    assert_eq!(drifts.status, 200);
    // The server's own share of the latency, for clients to tell it from the network's.
    let timing = drifts
        .header("server-timing")
        .expect("a Server-Timing header");
    let ms: f64 = timing
        .strip_prefix("app;dur=")
        .and_then(|d| d.parse().ok())
        .unwrap_or_else(|| panic!("Server-Timing {timing:?}"));
    assert!(ms > 0.0 && ms < 60_000.0, "{timing}");

    assert_eq!(app.get("/metrics", None).status, 401);
    assert_eq!(
        app.get("/metrics", Some(&s.access)).status,
        401,
        "a user's token is not the metrics token"
    );
    let text = app.get("/metrics", Some(token)).body;
    let text = text.as_str().unwrap();
    let tenant = &s.tenant_id;
    assert!(text.contains(&format!("versiqii_drift{{tenant=\"{tenant}\",env=\"prod\",target=\"svc\",dimension=\"environment\"}} 1")), "{text}");
    assert!(text.contains(&format!("versiqii_drift{{tenant=\"{tenant}\",env=\"prod\",target=\"svc\",dimension=\"schema\"}} 0")), "{text}");
    // Metering: every request the tenant made with its token, each within its budget.
    for (outcome, n) in [("now", 7), ("waited", 0), ("refused", 0)] {
        let line = format!(
            "versiqii_tenant_requests_total{{tenant=\"{tenant}\",plan=\"free\",outcome=\"{outcome}\"}} {n}"
        );
        assert!(text.contains(&line), "{line} in {text}");
    }
    assert!(
        text.contains(
            "versiqii_http_requests_total{method=\"POST\",route=\"/v1/targets\",status=\"201\"} 2"
        ),
        "{text}"
    );
    assert!(text.contains("versiqii_http_request_duration_seconds_bucket{method=\"PUT\",route=\"/v1/envs/{env}/targets/{target}/version\",status=\"200\",le=\"+Inf\"} 1"), "{text}");

    let off = TestApp::spawn();
    assert_eq!(
        off.get("/metrics", Some(token)).status,
        404,
        "no token configured: no metrics"
    );
}

/// Settled in versiqii-core: what runs where nothing is deployed disagrees with nothing (the
/// target is not managed in that environment yet), so it is not environment drift, in the rows
/// and in the dimension filter alike; once a deployment says otherwise, it is.
#[test]
fn an_observation_where_nothing_is_deployed_is_not_drift_until_a_deployment_disagrees() {
    let app = TestApp::spawn();
    let s = app.signup("observed-only");
    let (_, key) = app.api_key(&s.access, &["write"]);
    let k = Some(key.as_str());
    let schema = json!({"type": "object"});
    let ok = |r: crate::harness::Reply| assert!(r.status < 300, "{}", r.body);
    ok(app.post(
        "/v1/families/Svc/schemas",
        k,
        &json!({"version": "v1", "schema": schema}),
    ));
    for version in ["1.0.0", "2.0.0"] {
        ok(app.post(
            "/v1/targets",
            k,
            &json!({"name": "svc", "family": "Svc", "version": version}),
        ));
    }
    // Loaded first, so what follows reaches the matrix write by write.
    assert_eq!(app.get("/v1/drifts", k).status, 200);
    ok(app.post(
        "/v1/envs/prod/observations",
        k,
        &json!({"target": "svc", "version": "1.0.0"}),
    ));

    let rows = app.get("/v1/drifts?env=prod", k).body;
    assert_eq!(rows["items"][0]["observed_version"], "1.0.0", "{rows}");
    assert_eq!(
        rows["items"][0]["dimensions"]["environment"], false,
        "{rows}"
    );
    let drifting = app.get("/v1/drifts?dimension=environment", k).body;
    assert_eq!(drifting["items"], json!([]), "{drifting}");

    let body = json!({"version": "2.0.0"}).to_string();
    ok(app.request("PUT", "/v1/envs/prod/targets/svc/version", k, Some(&body)));
    let drifting = app.get("/v1/drifts?dimension=environment", k).body;
    assert_eq!(drifting["items"][0]["target"], "svc", "{drifting}");
    assert_eq!(drifting["items"][0]["dimensions"]["environment"], true);
}

/// The matrix answers with an ETag; asked again with it, 304 and no body until something moves.
#[test]
fn the_drift_matrix_is_polled_with_an_etag() {
    let app = TestApp::spawn();
    let s = app.signup("drift-etag");
    svc_runs_1_1_in_prod(&app, Some(&s.access));
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let get = |etag: Option<&str>| {
        let mut req = agent
            .get(format!("{}/v1/drifts", app.url))
            .header("Authorization", format!("Bearer {}", s.access));
        if let Some(tag) = etag {
            req = req.header("If-None-Match", tag);
        }
        let resp = req.call().unwrap();
        let tag = resp
            .headers()
            .get("etag")
            .map(|v| v.to_str().unwrap().to_owned());
        let status = resp.status().as_u16();
        let body = resp.into_body().read_to_string().unwrap_or_default();
        (status, tag, body)
    };
    let (status, tag, body) = get(None);
    assert_eq!(status, 200, "{body}");
    let tag = tag.expect("an ETag");
    assert!(tag.starts_with('"') && tag.ends_with('"'), "{tag}");
    let (status, again, body) = get(Some(&tag));
    assert_eq!((status, body.as_str()), (304, ""));
    assert_eq!(again.as_deref(), Some(tag.as_str()));
    // An observation of another version: the matrix moves, so does its ETag.
    let seen = app.post(
        "/v1/envs/prod/observations",
        Some(&s.access),
        &json!({"target": "svc", "version": "1.0.0"}),
    );
    assert!(seen.status < 300, "{}", seen.body);
    let (status, moved, body) = get(Some(&tag));
    assert_eq!(status, 200, "{body}");
    assert_ne!(moved.as_deref(), Some(tag.as_str()));
    assert!(body.contains("\"environment\":true"), "{body}");
}
