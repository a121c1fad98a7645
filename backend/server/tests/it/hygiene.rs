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
