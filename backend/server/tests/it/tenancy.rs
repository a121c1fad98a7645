use crate::harness::{block_on, TestApp};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement};

use versiqii_core::TenantId;
use versiqii_store::Store;

/// Every way the catalog can fall short of row-level tenancy, as readable sentences.
fn catalog_violations(db: &DatabaseConnection) -> Vec<String> {
    let q = |sql: &str| {
        block_on(db.query_all(Statement::from_string(DbBackend::Postgres, sql))).unwrap()
    };
    let mut out = Vec::new();
    let role = q("select rolsuper, rolbypassrls from pg_roles where rolname = 'versiqii_app'");
    assert_eq!(role.len(), 1, "the app role exists");
    if role[0].try_get::<bool>("", "rolsuper").unwrap() {
        out.push("versiqii_app is a superuser".to_owned());
    }
    if role[0].try_get::<bool>("", "rolbypassrls").unwrap() {
        out.push("versiqii_app has BYPASSRLS".to_owned());
    }
    for row in q(
        "select c.relname from pg_class c join pg_roles r on r.oid = c.relowner
                  where r.rolname = 'versiqii_app'",
    ) {
        out.push(format!(
            "versiqii_app owns {}",
            row.try_get::<String>("", "relname").unwrap()
        ));
    }
    // Every table with tenant_id, and tenants itself.
    let tables = q("select c.relname, c.relrowsecurity, c.relforcerowsecurity,
                      (select count(*) from pg_policies p where p.tablename = c.relname
                         and p.qual like '%app_tenant()%' and p.with_check like '%app_tenant()%') as policies
                    from pg_class c join pg_namespace n on n.oid = c.relnamespace
                    where n.nspname = 'public' and c.relkind = 'r'
                      and (c.relname = 'tenants' or exists (select 1 from pg_attribute a
                           where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped))");
    assert!(
        tables.len() >= 7,
        "found only {} tenant tables",
        tables.len()
    );
    for t in tables {
        let name: String = t.try_get("", "relname").unwrap();
        if !t.try_get::<bool>("", "relrowsecurity").unwrap() {
            out.push(format!("{name}: row security not enabled"));
        }
        if !t.try_get::<bool>("", "relforcerowsecurity").unwrap() {
            out.push(format!("{name}: row security not forced"));
        }
        if t.try_get::<i64>("", "policies").unwrap() < 1 {
            out.push(format!(
                "{name}: no USING + WITH CHECK policy on app.tenant_id"
            ));
        }
    }
    let audit_grants = q(
        "select privilege_type from information_schema.role_table_grants
                          where grantee = 'versiqii_app' and table_name = 'audit_events'
                            and privilege_type in ('UPDATE', 'DELETE', 'TRUNCATE')",
    );
    for g in audit_grants {
        out.push(format!(
            "versiqii_app may {} audit_events",
            g.try_get::<String>("", "privilege_type").unwrap()
        ));
    }
    out
}

#[test]
fn catalog_enforces_row_level_tenancy() {
    let app = TestApp::spawn();
    let owner = app.owner_db();
    assert_eq!(catalog_violations(&owner), Vec::<String>::new());
}

/// The catalog check is not vacuous: weakening any one table is reported.
#[test]
fn catalog_check_catches_a_dropped_policy_or_unforced_table() {
    let app = TestApp::spawn();
    let owner = app.owner_db();
    block_on(owner.execute_unprepared(
        "drop policy tenant_isolation on api_keys; alter table memberships no force row level security",
    ))
    .unwrap();
    let found = catalog_violations(&owner);
    assert!(
        found.iter().any(|v| v.starts_with("api_keys: no USING")),
        "{found:?}"
    );
    assert!(
        found
            .iter()
            .any(|v| v == "memberships: row security not forced"),
        "{found:?}"
    );
}

// The raw-SQL matrix over every tenant table and verb, with the table list read from the
// catalog, is `crate::cross_tenant::every_tenant_table_by_every_verb_is_closed_to_another_tenant`.

async fn count_async(db: &impl ConnectionTrait, sql: &str) -> i64 {
    let row = db
        .query_one(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<i64>(0).unwrap()
}

#[test]
fn a_pooled_connection_forgets_its_tenant() {
    let app = TestApp::spawn();
    let a = app.signup("pool-a");
    block_on(async {
        let mut opts = sea_orm::ConnectOptions::new(app.app_db_url());
        opts.max_connections(1).min_connections(1);
        let pool = Database::connect(opts).await.unwrap();
        let store = Store::from_connection(pool.clone());
        let tx = store
            .begin_for(TenantId(a.tenant_id.parse().unwrap()))
            .await
            .unwrap();
        assert_eq!(
            count_async(tx.connection(), "select count(*) from users").await,
            1
        );
        tx.commit().await.unwrap();
        // The same (only) connection, outside any tenant transaction.
        assert_eq!(count_async(&pool, "select count(*) from users").await, 0);
        assert_eq!(count_async(&pool, "select count(*) from tenants").await, 0);
        assert_eq!(count_async(&pool, "select count(*) from api_keys").await, 0);
        // A rolled-back tenant transaction leaves nothing behind either.
        let tx = store
            .begin_for(TenantId(a.tenant_id.parse().unwrap()))
            .await
            .unwrap();
        drop(tx);
        assert_eq!(count_async(&pool, "select count(*) from users").await, 0);
    });
}

#[test]
fn across_the_api_one_tenant_cannot_read_change_or_delete_anothers_keys() {
    let app = TestApp::spawn();
    let a = app.signup("api-a");
    let b = app.signup("api-b");
    let (_a_key_id, a_key) = app.api_key(&a.access, &["admin"]);
    let (b_key_id, b_key) = app.api_key(&b.access, &["read"]);

    for token in [&a.access, &a_key] {
        let list = app.get("/v1/api-keys", Some(token));
        assert_eq!(list.status, 200);
        let ids: Vec<&str> = list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["id"].as_str().unwrap())
            .collect();
        assert!(!ids.contains(&b_key_id.as_str()), "A lists B's key");
        assert_eq!(
            app.delete(&format!("/v1/api-keys/{b_key_id}"), Some(token))
                .status,
            404
        );
        let audit = app.get("/v1/audit", Some(token));
        assert_eq!(audit.status, 200);
        assert!(audit.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| !e["object"].as_str().unwrap().contains(&b_key_id)));
        let me = app.get("/v1/me", Some(token));
        assert_eq!(me.body["tenant_id"], a.tenant_id.as_str());
    }
    // B's key survived A's attempts and still works, in B's tenant.
    let me = app.get("/v1/me", Some(&b_key));
    assert_eq!(me.status, 200);
    assert_eq!(me.body["tenant_id"], b.tenant_id.as_str());
}
