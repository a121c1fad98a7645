//! Database hygiene: the server serves only as a role that cannot step around row-level
//! security.

use crate::harness::{block_on, TestApp};
use sea_orm::ConnectionTrait;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn var(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run through `make test`"))
}

/// Starts `versiqii-server serve` on `database_url`; its exit code and stderr, or a failure
/// if it is still serving after 30 s.
fn serve_as(database_url: &str) -> (Option<i32>, String) {
    let mut child = Command::new(format!("{}/versiqii-server", var("VERSIQII_TEST_BIN_DIR")))
        .arg("serve")
        .env_remove("VERSIQII_CONFIG")
        .env("VERSIQII_DATABASE_URL", database_url)
        .env("VERSIQII_REDIS_URL", var("VERSIQII_TEST_REDIS_URL"))
        .env("VERSIQII_JWT_SECRET", "s".repeat(40))
        .env("VERSIQII_HTTP_PORT", "0")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the server binary");
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(30) {
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            return (
                status.code(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the server started serving as {database_url}");
}

fn socket_url(user: &str, db: &str) -> String {
    format!(
        "postgres://{user}@localhost:{}/{db}?host={}",
        var("VERSIQII_TEST_PG_PORT"),
        var("VERSIQII_TEST_PG_SOCKET")
    )
}

#[test]
fn the_server_refuses_to_serve_as_the_owner_a_superuser_or_a_member_of_either() {
    let app = TestApp::spawn();

    let (code, stderr) = serve_as(&app.owner_db_url());
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("versiqii_owner"), "{stderr}");
    assert!(stderr.contains("has BYPASSRLS"), "{stderr}");
    assert!(stderr.contains("owns objects"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");

    let (code, stderr) = serve_as(&socket_url("postgres", &app.db_name));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("is a superuser"), "{stderr}");

    // A login role with no attributes of its own, but a member of the owner role.
    let member = format!("vq_member_{}", app.db_name);
    let su = TestApp::superuser_db();
    block_on(su.execute_unprepared(&format!(
        "create role {member} login in role versiqii_owner"
    )))
    .unwrap();
    let (code, stderr) = serve_as(&socket_url(&member, &app.db_name));
    block_on(su.execute_unprepared(&format!("drop role {member}"))).unwrap();
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("its member role versiqii_owner has BYPASSRLS"),
        "{stderr}"
    );
}

#[test]
fn the_app_roles_sessions_cancel_long_statements_and_end_idle_transactions() {
    use versiqii_store::{SessionLimits, Store};
    let app = TestApp::spawn();
    let s = app.signup("timeouts-co");
    let tenant = versiqii_core::TenantId(s.tenant_id.parse().unwrap());
    block_on(async {
        let limits = SessionLimits {
            statement_timeout: Duration::from_millis(200),
            idle_in_transaction: Duration::from_millis(300),
        };
        let store = Store::connect_with(&app.app_db_url(), 1, limits)
            .await
            .unwrap();
        let tx = store.begin_for(tenant).await.unwrap();
        let shown = tx
            .connection()
            .query_one(sea_orm::Statement::from_string(
                sea_orm::DbBackend::Postgres,
                "select current_setting('statement_timeout') as s",
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get::<String>("", "s")
            .unwrap();
        assert_eq!(shown, "200ms");
        let slow = tx
            .connection()
            .execute_unprepared("select pg_sleep(1)")
            .await;
        assert!(
            slow.unwrap_err().to_string().contains("statement timeout"),
            "a long statement is cancelled"
        );
        drop(tx);

        let tx = store.begin_for(tenant).await.unwrap();
        tokio::time::sleep(Duration::from_millis(800)).await;
        let after_idle = tx.connection().execute_unprepared("select 1").await;
        assert!(after_idle.is_err(), "an idle transaction is ended");
    });
}

/// A module that runs until the sandbox's deadline stops it.
const SPIN: &str = r#"(module (memory (export "memory") 1)
  (func (export "alloc") (param i32) (result i32) (i32.const 1024))
  (func (export "migrate") (param i32 i32 i32) (result i64) (loop $l (br $l)) (i64.const 0)))"#;

#[test]
fn a_migrations_dry_run_holds_no_lock_while_its_programs_run() {
    use base64::Engine;
    use serde_json::json;
    let app = TestApp::spawn_with(|s| {
        s.migrations.deadline_ms = 400;
        s.migrations.fuel = 1 << 40;
    });
    let s = app.signup("dry-run-co");
    let (_, key) = app.api_key(&s.access, &["write"]);
    let k = Some(key.as_str());
    let ok = |r: crate::harness::Reply| {
        assert!(r.status < 300, "{}", r.body);
        r.body
    };
    for v in ["v1", "v2"] {
        let body = json!({"version": v, "schema": {"type": "object"}, "compat": "NONE"});
        ok(app.post("/v1/families/Svc/schemas", k, &body));
    }
    ok(app.post(
        "/v1/targets",
        k,
        &json!({"name": "svc", "family": "Svc", "version": "1.0.0", "schema_version": "v1"}),
    ));
    for env in ["a", "b", "c"] {
        let body = json!({"target": "svc@1.0.0", "content": format!("{{\"env\": \"{env}\"}}")});
        let rev = ok(app.post("/v1/configs", k, &body));
        ok(app.post(
            "/v1/bindings",
            k,
            &json!({"config_id": rev["id"], "env": env}),
        ));
    }
    let wasm = base64::engine::general_purpose::STANDARD.encode(SPIN);
    let done = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|scope| {
        let adding = scope.spawn(|| {
            let body = json!({"from": "v1", "to": "v2", "wasm": wasm});
            let r = app.post("/v1/families/Svc/migrations", k, &body);
            done.store(true, std::sync::atomic::Ordering::SeqCst);
            r
        });
        // While its programs run (three times up to the deadline), the family is free: a
        // schema version, which takes the family's row lock, goes in at once.
        std::thread::sleep(Duration::from_millis(200));
        let body = json!({"version": "v3", "schema": {"type": "object"}, "compat": "NONE"});
        ok(app.post("/v1/families/Svc/schemas", k, &body));
        assert!(
            !done.load(std::sync::atomic::Ordering::SeqCst),
            "the schema waited for the dry run"
        );
        let added = adding.join().unwrap();
        assert_eq!(added.status, 201, "{}", added.body);
        assert_eq!(added.body["failing"], 3, "{}", added.body);
    });
}
