//! Operations are a front-independent layer: the operators' portal (or an admission webhook)
//! runs the same use cases without HTTP, with the same audit rows, events and errors.

use crate::harness::{block_on, TestApp};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::Value;
use versiqii_api::v1::{AuditPage, EnvList};
use versiqii_api::ErrorCode;
use versiqii_core::names::EnvName;
use versiqii_core::TenantId;
use versiqii_server::ops;

#[test]
fn an_operation_runs_without_http_and_is_audited_as_its_front_s_principal() {
    let app = TestApp::spawn();
    let s = app.signup("portal-co");
    let tenant = TenantId(s.tenant_id.parse().unwrap());
    let operator = uuid::Uuid::new_v4();
    let name = || EnvName::parse("from-the-portal").unwrap();

    let row = block_on(async {
        let w = app.ops.write_as_operator(tenant, operator).await.unwrap();
        ops::envs::create(w, name()).await.unwrap()
    });
    assert_eq!(row.name, "from-the-portal");

    // The API's users see the result; the audit log names the operator.
    let envs: EnvList = app.call("GET", "/v1/envs", Some(&s.access), &()).unwrap();
    assert!(envs.items.iter().any(|e| e.name == "from-the-portal"));
    let audit: AuditPage = app.call("GET", "/v1/audit", Some(&s.access), &()).unwrap();
    let newest = &audit.items[0];
    assert_eq!(newest.action, "env.create");
    assert_eq!(newest.actor, format!("operator:{operator}"));

    // Its event went to the outbox in the same transaction.
    let db = app.owner_db();
    let rows = block_on(db.query_all(Statement::from_string(
        DbBackend::Postgres,
        format!(
            "select payload from outbox where tenant_id = '{}' and topic = 'environment.created'",
            s.tenant_id
        ),
    )))
    .unwrap();
    assert_eq!(rows.len(), 1);
    let payload: Value = rows[0].try_get("", "payload").unwrap();
    assert_eq!(payload["data"]["env"], "from-the-portal");

    // A refusal is the same typed error the API renders, with no HTTP involved.
    let err = block_on(async {
        let w = app.ops.write_as_operator(tenant, operator).await.unwrap();
        ops::envs::create(w, name()).await.unwrap_err()
    });
    assert_eq!(err.code(), ErrorCode::EnvExists);
    assert_eq!(err.code().status(), 409);
}
