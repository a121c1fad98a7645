//! Plan quotas: stored things refused at the limit with 402 `quota_exceeded` (nothing written),
//! monthly calls refused with 429 `call_quota_exhausted`, a `quota.warning` event at 80%, and
//! `GET /v1/usage` showing where the organisation stands.

use crate::cli::{text, Cli};
use crate::harness::{assert_problem, block_on, Session, TestApp};
use crate::mailbox::{mails, token_in};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

const SCHEMA: &str = r#"{"type": "object", "properties": {"timeout": {"type": "integer"}}}"#;

fn warnings(app: &TestApp, tenant: &str) -> Vec<Value> {
    block_on(app.owner_db().query_all(Statement::from_string(
        DbBackend::Postgres,
        format!(
            "select payload from outbox where tenant_id = '{tenant}' and topic = 'quota.warning'
              order by id"
        ),
    )))
    .unwrap()
    .iter()
    .map(|r| r.try_get::<Value>("", "payload").unwrap()["data"].clone())
    .collect()
}

fn count(app: &TestApp, tenant: &str, table: &str) -> i64 {
    block_on(app.owner_db().query_one(Statement::from_string(
        DbBackend::Postgres,
        format!("select count(*)::bigint as n from {table} where tenant_id = '{tenant}'"),
    )))
    .unwrap()
    .unwrap()
    .try_get("", "n")
    .unwrap()
}

fn quota<'a>(usage: &'a Value, name: &str) -> &'a Value {
    usage["quotas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["quota"] == name)
        .unwrap_or_else(|| panic!("no quota {name} in {usage}"))
}

fn family(app: &TestApp, s: &Session) {
    let body = json!({"version": "v1", "schema": serde_json::from_str::<Value>(SCHEMA).unwrap()});
    assert_eq!(
        app.post("/v1/families/Svc/schemas", Some(&s.access), &body)
            .status,
        201
    );
}

#[test]
fn stored_things_stop_at_the_plan_quota_and_warn_at_eighty_percent() {
    let app = TestApp::spawn_with(|s| {
        let free = s.plans.get_mut("free").unwrap();
        free.quota_targets = 5;
        free.quota_configs = 2;
    });
    let s = app.signup("quota-stored");
    family(&app, &s);
    let target = |name: &str| {
        app.post(
            "/v1/targets",
            Some(&s.access),
            &json!({"name": name, "family": "Svc", "version": "1.0.0"}),
        )
    };
    for i in 0..5 {
        assert_eq!(target(&format!("t{i}")).status, 201, "target {i}");
        // 4 of 5 is 80%: the fourth target's write says so, once.
        assert_eq!(warnings(&app, &s.tenant_id).len(), usize::from(i >= 3));
    }
    let refused = target("t5");
    assert_problem(&refused, 402, "quota_exceeded");
    let detail = refused.body["detail"].as_str().unwrap();
    assert!(detail.contains("free plan allows 5 targets"), "{detail}");
    assert_eq!(count(&app, &s.tenant_id, "targets"), 5, "nothing written");
    // A new version of a target held already is no new target.
    let again = app.post(
        "/v1/targets",
        Some(&s.access),
        &json!({"name": "t0", "family": "Svc", "version": "1.1.0"}),
    );
    assert_eq!(again.status, 201, "{}", again.body);
    let w = &warnings(&app, &s.tenant_id)[0];
    assert_eq!(
        w,
        &json!({"quota": "targets", "used": 4, "limit": 5, "plan": "free", "period": null})
    );

    // Configs: new lineages are counted; a lineage's new revision is not.
    let config = |name: &str, timeout: u32| {
        app.post(
            "/v1/configs",
            Some(&s.access),
            &json!({"target": "t0@1.0.0", "name": name, "content": format!("{{\"timeout\": {timeout}}}")}),
        )
    };
    assert_eq!(config("a", 1).status, 201);
    assert_eq!(config("b", 1).status, 201);
    assert_eq!(config("a", 2).status, 201, "a revision of a lineage held");
    assert_problem(&config("c", 1), 402, "quota_exceeded");
    assert_eq!(count(&app, &s.tenant_id, "configs"), 2);
    assert_eq!(count(&app, &s.tenant_id, "config_revisions"), 3);
    let usage = app.get("/v1/usage", Some(&s.access));
    assert_eq!(usage.status, 200, "{}", usage.body);
    assert_eq!(
        quota(&usage.body, "targets"),
        &json!({"quota": "targets", "used": 5, "limit": 5, "percent": 100})
    );
    assert_eq!(quota(&usage.body, "configs")["used"], 2);
    assert_eq!(usage.body["plan"], "free");

    // Another plan's quota holds from the next write.
    block_on(app.owner_db().execute_unprepared(&format!(
        "update tenants set plan = 'enterprise' where id = '{}'",
        s.tenant_id
    )))
    .unwrap();
    assert_eq!(target("t5").status, 201, "enterprise has no target quota");
    let usage = app.get("/v1/usage", Some(&s.access)).body;
    assert_eq!(
        quota(&usage, "targets"),
        &json!({"quota": "targets", "used": 6})
    );
}

#[test]
fn seats_count_members_and_open_invites() {
    let app = TestApp::spawn_with(|s| s.plans.get_mut("free").unwrap().quota_seats = 3);
    let s = app.signup("quota-seats");
    let invite = |email: &str| {
        app.post(
            "/v1/invites",
            Some(&s.access),
            &json!({"email": email, "role": "viewer"}),
        )
    };
    assert_eq!(invite("ann@seats.test").status, 201);
    assert_eq!(invite("bob@seats.test").status, 201);
    let refused = invite("cy@seats.test");
    assert_problem(&refused, 402, "quota_exceeded");
    assert_eq!(
        count(&app, &s.tenant_id, "invites"),
        2,
        "no invite, no mail"
    );
    let w = warnings(&app, &s.tenant_id);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(
        (w[0]["quota"].clone(), w[0]["used"].clone()),
        (json!("seats"), json!(3))
    );
    // Accepting an invite that was counted takes its seat...
    let token = token_in(
        &mails("ann@seats.test", "You are invited to ", 1)[0],
        "http://console.test/invites/accept",
    );
    // ...unless the seats filled up another way meanwhile (here: directly in the database).
    let db = app.owner_db();
    for n in 0..2 {
        let user = uuid::Uuid::new_v4();
        block_on(db.execute_unprepared(&format!(
            "insert into users (id, email, password_hash) values ('{user}', 'm{n}@seats.test', 'x');
             insert into memberships (tenant_id, user_id, role) values ('{t}', '{user}', 'viewer')",
            t = s.tenant_id
        )))
        .unwrap();
    }
    let full = app.post(
        "/v1/invites/accept/signup",
        None,
        &json!({"token": token, "password": "correct horse battery"}),
    );
    assert_problem(&full, 402, "quota_exceeded");
    assert_eq!(count(&app, &s.tenant_id, "memberships"), 3, "nobody joined");
}

#[test]
fn monthly_calls_stop_at_the_quota_and_warn_once() {
    let tweak = |s: &mut versiqii_server::Settings| {
        s.plans.get_mut("free").unwrap().quota_calls_month = 40;
        s.metering.quota_refresh_ms = 100;
    };
    let a = TestApp::spawn_with(tweak);
    let b = a.another_instance_with(tweak);
    let s = a.signup("quota-calls");
    let (_, key) = a.api_key(&s.access, &["read"]);
    let mut sent = 1; // the key's creation
                      // Never refused before the quota: the count may trail, never lead.
    while sent < 40 {
        let app = if sent % 2 == 0 { &a } else { &b };
        let r = app.get("/v1/envs", Some(&key));
        assert_eq!(r.status, 200, "call {sent}: {}", r.body);
        sent += 1;
    }
    // Once the counts are stored and read again, every instance refuses.
    let deadline = Instant::now() + Duration::from_secs(10);
    let refused = loop {
        let r = a.get("/v1/envs", Some(&key));
        if r.status == 429 {
            break r;
        }
        assert_eq!(r.status, 200);
        sent += 1;
        assert!(Instant::now() < deadline, "never refused");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_problem(&refused, 429, "call_quota_exhausted");
    let retry: u64 = refused.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=31 * 86_400).contains(&retry), "{retry}");
    std::thread::sleep(Duration::from_millis(400));
    assert_problem(&b.get("/v1/envs", Some(&key)), 429, "call_quota_exhausted");
    // One warning for the month, however many instances noticed 80%.
    let deadline = Instant::now() + Duration::from_secs(10);
    while warnings(&a, &s.tenant_id).is_empty() {
        assert!(Instant::now() < deadline, "no warning");
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(500));
    let w = warnings(&a, &s.tenant_id);
    assert_eq!(w.len(), 1, "{w:?}");
    assert_eq!(w[0]["quota"], "calls_month");
    assert_eq!(w[0]["limit"], 40);
    // Counted when an instance read the stored total: at least 80%, at most what was answered.
    let used = w[0]["used"].as_u64().unwrap();
    assert!((32..=sent).contains(&used), "{used} of {sent}");
    let period = chrono::Utc::now().format("%Y-%m").to_string();
    assert_eq!(w[0]["period"], period.as_str());
}

#[test]
fn usage_shows_the_month_and_snapshots_stored_quantities() {
    let app = TestApp::spawn_with(|s| s.metering.snapshot_secs = 1);
    let s = app.signup("usage-view");
    family(&app, &s);
    for name in ["api", "web"] {
        let body = json!({"name": name, "family": "Svc", "version": "1.0.0"});
        assert_eq!(app.post("/v1/targets", Some(&s.access), &body).status, 201);
    }
    let body = json!({"target": "api@1.0.0", "content": "{\"timeout\": 5}"});
    assert_eq!(app.post("/v1/configs", Some(&s.access), &body).status, 201);
    let deadline = Instant::now() + Duration::from_secs(10);
    let usage = loop {
        let r = app.get("/v1/usage", Some(&s.access));
        assert_eq!(r.status, 200, "{}", r.body);
        let total = |kind: &str| {
            r.body["totals"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["kind"] == kind)
                .map(|t| t["value"].clone())
        };
        if total("configs") == Some(json!(1))
            && total("config_bytes") == Some(json!(14))
            && total("api_writes").is_some_and(|w| w.as_u64() >= Some(4))
        {
            break r.body;
        }
        assert!(Instant::now() < deadline, "{}", r.body);
        std::thread::sleep(Duration::from_millis(100));
    };
    let period = chrono::Utc::now().format("%Y-%m").to_string();
    assert_eq!(usage["period"], period.as_str());
    let seats = usage["totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "seats")
        .unwrap();
    assert_eq!(seats["value"], 1);
    assert_eq!(seats["aggregate"], "peak");
    assert!(usage["days"].as_array().unwrap().len() >= 5);
    assert_eq!(
        quota(&usage, "seats"),
        &json!({"quota": "seats", "used": 1, "limit": 5, "percent": 20})
    );
    // An earlier month, or one to come, has nothing; a bad one is refused.
    let earlier = app.get("/v1/usage?month=2020-01", Some(&s.access));
    assert_eq!(earlier.status, 200);
    assert_eq!(earlier.body["days"], json!([]));
    assert_eq!(earlier.body["period"], "2020-01");
    let later = app.get("/v1/usage?month=2999-01", Some(&s.access));
    assert_eq!((later.status, &later.body["days"]), (200, &json!([])));
    assert_problem(
        &app.get("/v1/usage?month=2026-13", Some(&s.access)),
        422,
        "invalid_input",
    );
    assert_problem(
        &app.get("/v1/usage?month=tomorrow", Some(&s.access)),
        422,
        "invalid_input",
    );
    // The CLI shows the same, as a table or JSON; a bad month is a usage error (exit 2).
    let cli = Cli::new(&app);
    let as_owner = [("VERSIQII_TOKEN", s.access.as_str())];
    let out = cli.run(&["usage"], &as_owner, None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(table.contains("plan free"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>() == ["seats", "1", "5", "20%"]),
        "{table}"
    );
    let out = cli.run(
        &["usage", "--output", "json", "--month", "2020-01"],
        &as_owner,
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["period"], "2020-01");
    let out = cli.run(&["usage", "--month", "11-2026"], &as_owner, None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("2026-11"),
        "{}",
        text(&out.stderr)
    );
}
