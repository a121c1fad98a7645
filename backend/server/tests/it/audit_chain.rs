//! An audit log that proves itself: the chain is recomputed by the API and the CLI, the first
//! bad link is named, security events are in it, and no role can rewrite it.

use crate::cli::{text, Cli};
use crate::harness::{block_on, TestApp};
use sea_orm::{ConnectionTrait, DatabaseConnection};
use serde_json::json;
use std::time::{Duration, Instant};
use versiqii_api::v1::{AuditPage, AuditVerification};

fn exec(db: &DatabaseConnection, sql: &str) -> Result<(), sea_orm::DbErr> {
    block_on(db.execute_unprepared(sql)).map(|_| ())
}

/// A tenant with a few audited writes; (app, owner token, tenant id).
fn audited(slug: &str) -> (TestApp, String, String) {
    let app = TestApp::spawn();
    let s = app.signup(slug);
    let k = Some(s.access.as_str());
    for env in ["a", "b", "c"] {
        assert_eq!(app.post("/v1/envs", k, &json!({"name": env})).status, 201);
    }
    app.api_key(&s.access, &["read"]);
    (app, s.access, s.tenant_id)
}

fn verify(app: &TestApp, token: &str) -> AuditVerification {
    app.call("GET", "/v1/audit/verify", Some(token), &())
        .unwrap()
}

#[test]
fn an_intact_chain_verifies_and_an_altered_or_removed_event_is_named() {
    let (app, token, tenant) = audited("chain-co");
    let page: AuditPage = app.call("GET", "/v1/audit", Some(&token), &()).unwrap();
    let verdict = verify(&app, &token);
    assert!(verdict.ok, "{verdict:?}");
    assert_eq!(verdict.events, page.items.len() as u64);
    assert!(verdict.events >= 5, "signup, three envs, a key");

    // Rewritten behind the service's back (the trigger switched off, as only its owner can).
    let su = app.superuser_test_db();
    let behind_the_back = |sql: String| {
        exec(
            &su,
            &format!("begin; set local session_replication_role = replica; {sql}; commit"),
        )
    };
    behind_the_back(format!("update audit_events set actor = 'user:someone-else' where tenant_id = '{tenant}' and seq = 3")).unwrap();
    let verdict = verify(&app, &token);
    assert!(!verdict.ok);
    let broken = verdict.first_broken.unwrap();
    assert_eq!(broken.seq, 3);
    assert!(broken.reason.contains("altered"), "{}", broken.reason);

    // The CLI says the same, and exits 1.
    let cli = Cli::new(&app);
    let out = cli.run(&["audit", "verify"], &[("VERSIQII_TOKEN", &token)], None);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("broken at event #3"),
        "{}",
        text(&out.stdout)
    );

    // A removed event is named too: the next one's link points at nothing.
    behind_the_back(format!(
        "delete from audit_events where tenant_id = '{tenant}' and seq <= 3"
    ))
    .unwrap();
    let broken = verify(&app, &token).first_broken.unwrap();
    assert_eq!(broken.seq, 4);
    assert!(broken.reason.contains("missing"), "{}", broken.reason);
}

#[test]
fn the_cli_verifies_an_intact_chain() {
    let (app, token, _) = audited("cli-chain-co");
    let cli = Cli::new(&app);
    let out = cli.run(&["audit", "verify"], &[("VERSIQII_TOKEN", &token)], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("audit chain intact"),
        "{}",
        text(&out.stdout)
    );
    let out = cli.run(
        &["audit", "verify", "--output", "json"],
        &[("VERSIQII_TOKEN", &token)],
        None,
    );
    let parsed: AuditVerification = serde_json::from_slice(&out.stdout).unwrap();
    assert!(parsed.ok);
}

#[test]
fn append_only_tables_refuse_changes_even_from_a_role_granted_them() {
    let (app, _, _) = audited("append-only-co");
    let su = app.superuser_test_db();
    // A grant made by mistake does not make the log writable.
    exec(
        &su,
        "grant update, delete on audit_events, config_revisions to versiqii_app",
    )
    .unwrap();
    let tables = [
        "audit_events",
        "schema_versions",
        "target_versions",
        "config_revisions",
        "bindings",
        "deployments",
        "observations",
        "migrations",
    ];
    let owner = app.owner_db();
    for table in tables {
        let err = exec(&owner, &format!("delete from {table}")).unwrap_err();
        assert!(err.to_string().contains("append-only"), "{table}: {err}");
        let err = exec(&owner, &format!("update {table} set tenant_id = tenant_id")).unwrap_err();
        assert!(err.to_string().contains("append-only"), "{table}: {err}");
    }
    let app_role = block_on(sea_orm::Database::connect(app.app_db_url())).unwrap();
    for table in ["audit_events", "config_revisions"] {
        let err = exec(
            &app_role,
            &format!("update {table} set tenant_id = tenant_id"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("append-only"), "{table}: {err}");
    }
    let err = exec(&su, "truncate audit_events cascade").unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
}

#[test]
fn logins_and_failed_logins_are_audited() {
    let app = TestApp::spawn();
    let s = app.signup("login-audit-co");
    let bad = app.post(
        "/v1/auth/login",
        None,
        &json!({"email": "owner@login-audit-co.test", "password": "not the password"}),
    );
    assert_eq!(bad.status, 401);
    let good = app.post(
        "/v1/auth/login",
        None,
        &json!({"email": "owner@login-audit-co.test", "password": "correct horse battery"}),
    );
    assert_eq!(good.status, 200);
    // The failed attempt is audited off the response's path: wait for it.
    let started = Instant::now();
    loop {
        let page: AuditPage = app.call("GET", "/v1/audit", Some(&s.access), &()).unwrap();
        let actions: Vec<&str> = page.items.iter().map(|e| e.action.as_str()).collect();
        if actions.contains(&"session.login_failed") {
            assert!(actions.contains(&"session.login"), "{actions:?}");
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{actions:?}");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(verify(&app, &s.access).ok);
}
