//! Server JSON read into the wire types and written back is the same JSON: what a client
//! re-serializes (the CLI's `--output json`) is what the server sent.

use super::*;
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

fn round_trip<T: Serialize + DeserializeOwned>(wire: Value) {
    let typed: T = serde_json::from_value(wire.clone()).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), wire);
}

const ID: &str = "0b6f1c9e-4a53-4c8e-9d7a-2f1e8b3c5d40";
const AT: &str = "2025-07-01T10:00:00.123456Z";

#[test]
fn responses_round_trip() {
    let step = json!({"migration_id": ID, "kind": "lens", "direction": "down",
        "from": "F@2", "to": "F@1"});
    let migrated = json!({"config": "payments", "from_revision": 1, "from_revision_id": ID,
        "from_schema": "F@1", "to_schema": "F@2", "steps": [step], "diff": "--- a\n+++ b\n"});
    round_trip::<ConfigRevisionView>(json!({"id": ID, "name": "payments", "revision": 2,
        "hash": "ab", "target": "api@1.0.0", "target_version_id": ID, "format": "yaml",
        "data": {"a": [1, null]}, "parent_id": ID, "migrated_by": [step],
        "created_by": "user:x", "created_at": AT}));
    round_trip::<ConfigRevisionView>(json!({"id": ID, "name": "payments", "revision": 1,
        "hash": "ab", "target": "api@1.0.0", "target_version_id": ID, "format": "json",
        "data": {}, "original": "{}", "parent_id": null, "created_by": "u",
        "created_at": "2025-07-01T10:00:00Z"}));
    let binding = json!({"id": ID, "env": "prod", "config_id": ID, "config_name": "payments",
        "revision": 3, "target": "api@1.0.0", "target_version_id": ID,
        "schema_version": "2025-07", "created_by": "u", "created_at": AT});
    round_trip::<BindingView>(binding.clone());
    let mut with_migration = binding;
    with_migration["migrated"] = migrated.clone();
    with_migration["migrated"]["revision"] = json!(4);
    with_migration["migrated"]["revision_id"] = json!(ID);
    round_trip::<BindingView>(with_migration);
    let plan = json!({"env": "prod", "target": "api", "from_version": null,
        "to_version": "1.0.0", "safe": false, "applied": false, "forced": false,
        "problems": [{"kind": "requires-unmet", "message": "m"}], "migrations": [migrated],
        "summary": "s"});
    round_trip::<Plan>(plan.clone());
    let mut rollback = plan;
    rollback["to_deployment"] = json!(ID);
    rollback["config"] =
        json!({"config": "payments", "revision": 2, "revision_id": ID, "migrated": true});
    round_trip::<RollbackPlan>(rollback);
    round_trip::<CreatedApiKey>(json!({"id": ID, "name": "ci", "prefix": "vq_live_ab",
        "scopes": ["write"], "environments": ["staging"], "created_by": "u", "expires_at": null,
        "last_used_at": null, "created_at": AT, "key": "vq_live_secret"}));
    round_trip::<MigrationView>(json!({"id": null, "family": "F", "from": "1", "to": "2",
        "kind": "wasm", "hash": "h", "created_by": null, "created_at": null, "stored": false,
        "failing": 0, "not_dry_run": 0}));
    round_trip::<MigrationView>(json!({"id": ID, "family": "F", "from": "1", "to": "2",
        "kind": "lens", "hash": "h", "created_by": "u", "created_at": AT, "stored": true,
        "dry_run": [{"env": "e", "target": "t", "config": "c#1", "ok": true},
            {"env": "e", "target": "t", "config": "c#2", "ok": false, "error": "boom"},
            {"env": "e", "target": "t", "config": "c#3", "ok": false,
             "violations": [{"pointer": "", "keyword": "required", "message": "m"}]}],
        "failing": 2, "not_dry_run": 0}));
    round_trip::<ConfigDiff>(
        json!({"from": ID, "to": ID, "unified": "", "truncated": true,
        "changes": [{"pointer": "/a", "op": "added", "before": null, "after": {"x": 1}}]}),
    );
    round_trip::<SignupResponse>(json!({
        "tenant": {"id": ID, "slug": "acme", "name": "Acme"},
        "user": {"id": ID, "email": "a@acme.test", "display_name": null, "role": "owner",
            "email_verified": false},
        "tokens": {"access_token": "a", "refresh_token": "r", "token_type": "Bearer",
            "expires_in": 900, "tenant_id": ID, "user_id": ID}}));
    round_trip::<SignupResponse>(json!({
        "tenant": null,
        "user": {"id": ID, "email": "a@acme.test", "display_name": null, "role": null,
            "email_verified": false},
        "tokens": {"access_token": "a", "refresh_token": "r", "token_type": "Bearer",
            "expires_in": 900, "tenant_id": null, "user_id": ID}}));
    round_trip::<DriftList>(json!({"items": [{"env": "prod", "target": "api",
        "desired_version": "1", "observed_version": null, "bound_config": "c#1",
        "dimensions": {"schema": true, "dependency": false, "config": false,
            "environment": false},
        "details": ["schema: ..."]}]}));
    round_trip::<Health>(json!({"status": "ok", "postgres": null, "redis": null}));
}

#[test]
fn requests_are_sent_as_the_server_reads_them() {
    let bind = NewBindingRequest {
        config_id: ID.parse().unwrap(),
        env: "prod".into(),
        version: None,
        no_migrate: false,
    };
    // Only what was asked for, so a server that predates migrations takes it.
    assert_eq!(
        serde_json::to_value(&bind).unwrap(),
        json!({"config_id": ID, "env": "prod"})
    );
    let back: NewBindingRequest =
        serde_json::from_value(json!({"config_id": ID, "env": "prod"})).unwrap();
    assert_eq!(back, bind);
    assert!(serde_json::from_value::<NewBindingRequest>(
        json!({"config_id": ID, "env": "prod", "extra": 1})
    )
    .is_err());
    let rollback: RollbackRequest = serde_json::from_value(json!({})).unwrap();
    assert_eq!(rollback, RollbackRequest::default());
}
