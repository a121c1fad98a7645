//! The cross-tenant matrix (issue 12, item 6): two tenants with a row in every tenant table,
//! then every tenant table × verb from one tenant's database transaction, and every operation of
//! spec/openapi.json as one tenant with the other's ids, names and versions.
//!
//! Both lists come from outside this file: the tables from the catalog (every public table with
//! a `tenant_id` column, and `tenants`), the operations from the OpenAPI document. A new table
//! fails the test until [`Tenant::seed`] gives it rows; a new operation whose path parameter or
//! body this file cannot fill fails it until it can.

use crate::harness::{block_on, Reply, TestApp};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use versiqii_core::TenantId;
use versiqii_store::Store;

const SCHEMA_V1: &str = r#"{"type": "object", "required": ["timeout"],
  "properties": {"timeout": {"type": "integer", "maximum": 100}}}"#;
const SCHEMA_V2: &str = r#"{"type": "object", "required": ["timeout_ms"],
  "properties": {"timeout_ms": {"type": "integer"}}}"#;
const LENS: &str = "lens:\n  - rename: { source: timeout, destination: timeout_ms }\n";
const OPENAPI: &str = include_str!("../../../../spec/openapi.json");

/// A server without plan budgets: the matrix sends a few hundred requests in a burst.
fn spawn() -> TestApp {
    TestApp::spawn_with(|s| {
        for plan in s.plans.values_mut() {
            plan.rate = 0.0;
        }
    })
}

/// A tenant with at least one row in every tenant table, all made through the API. Every name
/// it chooses contains its own name (`alpha`, `bravo`), so the other tenant's answers can be
/// searched for it.
pub struct Tenant {
    pub tenant_id: String,
    /// The owner's access token.
    pub owner: String,
    /// What fills a path or query parameter with this tenant's objects, by what it is.
    pub values: BTreeMap<&'static str, String>,
}

impl Tenant {
    pub fn seed(app: &TestApp, name: &str) -> Tenant {
        let session = app.signup(&format!("{name}-co"));
        let tok = Some(session.access.as_str());
        let ok = |r: Reply, want: u16, what: &str| -> Value {
            assert_eq!(r.status, want, "seeding {name}: {what}: {}", r.body);
            r.body
        };
        let put = |path: &str, body: Value| app.request("PUT", path, tok, Some(&body.to_string()));
        let mut cap = name.to_owned();
        cap[..1].make_ascii_uppercase();
        let family = format!("{cap}Fam");
        let (svc, db, env) = (
            format!("{name}-svc"),
            format!("{name}-db"),
            format!("{name}-prod"),
        );
        // A key that is only ever revoked (the owner's session does the writing).
        let (key_id, _) = app.api_key(&session.access, &["read"]);
        for (version, schema) in [("v1", SCHEMA_V1), ("v2", SCHEMA_V2)] {
            let schema: Value = serde_json::from_str(schema).unwrap();
            let body = json!({"version": version, "schema": schema, "compat": "NONE"});
            let path = format!("/v1/families/{family}/schemas");
            ok(app.post(&path, tok, &body), 201, "schema");
        }
        // A version referencing another (schema_version_refs).
        let body = json!({"version": "v1", "schema": {"$ref": format!("{family}@v1")}});
        let path = format!("/v1/families/{cap}Ref/schemas");
        ok(app.post(&path, tok, &body), 201, "referencing schema");
        let mut target_version_id = String::new();
        for (target, version, schema) in [
            (&svc, "1.0.0", "v1"),
            (&svc, "2.0.0", "v2"),
            (&db, "1.0.0", "v1"),
        ] {
            let body = json!({"name": target, "family": family, "version": version, "schema_version": schema});
            let made = ok(app.post("/v1/targets", tok, &body), 201, "target");
            if target_version_id.is_empty() {
                target_version_id = made["id"].as_str().unwrap().to_owned();
            }
        }
        let path = format!("/v1/families/{family}/migrations");
        let body = json!({"from": "v1", "to": "v2", "lens": LENS});
        ok(app.post(&path, tok, &body), 201, "migration");
        let body = json!({"target": format!("{svc}@1.0.0"), "name": format!("{name}.json"),
                          "content": "{\"timeout\": 5}"});
        let revision = ok(app.post("/v1/configs", tok, &body), 201, "config");
        let revision_id = revision["id"].as_str().unwrap().to_owned();
        ok(
            app.post("/v1/envs", tok, &json!({"name": env})),
            201,
            "environment",
        );
        let body = json!({"config_id": revision_id, "env": env});
        ok(app.post("/v1/bindings", tok, &body), 201, "binding");
        for version in ["1.0.0", "2.0.0"] {
            let path = format!("/v1/envs/{env}/targets/{svc}/version");
            ok(put(&path, json!({"version": version})), 200, "deployment");
        }
        let path = format!("/v1/envs/{env}/observations");
        let body = json!({"target": svc, "version": "2.0.0"});
        ok(app.post(&path, tok, &body), 201, "observation");
        let body = json!({"from": format!("{svc}@1.0.0"), "kind": "requires", "target": db, "range": ">=1"});
        let constraint = ok(app.post("/v1/constraints", tok, &body), 201, "constraint");
        // A second member (a person whose home is another organisation), as an accepted
        // invite makes one: what the member operations are probed with.
        let mate = app.signup(&format!("{name}-mate-co"));
        let mate_id = ok(app.get("/v1/me", Some(&mate.access)), 200, "mate")["subject"]
            .as_str()
            .unwrap()
            .to_owned();
        block_on(app.owner_db().execute_unprepared(&format!(
            "insert into memberships (tenant_id, user_id, role) values ('{}', '{mate_id}', 'viewer')",
            session.tenant_id
        )))
        .unwrap();
        // An open invite (its mail goes to the test SMTP receiver).
        let body = json!({"email": format!("invitee@{name}.test"), "role": "viewer"});
        let invite = ok(app.post("/v1/invites", tok, &body), 201, "invite");
        // A webhook endpoint with a delivery (its test message, fanned out here as the
        // dispatcher would, and given up after an attempt; nothing listens on port 9).
        let hook = ok(
            app.post(
                "/v1/webhooks",
                tok,
                &json!({"url": "http://127.0.0.1:9/hook"}),
            ),
            201,
            "webhook",
        );
        let webhook_id = hook["id"].as_str().unwrap().to_owned();
        let owner = app.owner_db();
        block_on(owner.execute_unprepared(&format!(
            "select webhook_fanout(1000);
             select webhook_record(c.delivery_id, c.claim, 'failed', null, 1, null, 'seeded',
                                   'seed', null, 999999)
               from webhook_claim(1000, 60) c where c.endpoint_id = '{webhook_id}'"
        )))
        .unwrap();
        let delivery_id: i64 = block_on(owner.query_one(Statement::from_string(
            DbBackend::Postgres,
            format!("select id from webhook_deliveries where endpoint_id = '{webhook_id}'"),
        )))
        .unwrap()
        .expect("the test message's delivery")
        .try_get_by_index(0)
        .unwrap();
        // The mate gets a digest.
        ok(
            put(
                &format!("/v1/digests/{mate_id}"),
                json!({"every": "hourly"}),
            ),
            200,
            "digest",
        );
        // A credit, as an operator grants it.
        block_on(owner.execute_unprepared(&format!(
            "insert into credits (tenant_id, id, amount_cents, reason, granted_by)
             values ('{}', gen_random_uuid(), 100, 'seed', 'operator:seed')",
            session.tenant_id
        )))
        .unwrap();
        // A finalized invoice, as the billing run stores it (its PDF a stand-in).
        let invoice_id = uuid::Uuid::new_v4().to_string();
        block_on(owner.execute_unprepared(&format!(
            "insert into invoices (tenant_id, id, period, status, number, plan, currency, usage,
                lines, subtotal_cents, sla_credit_percent, sla_credit_cents, credit_applied_cents,
                tax_rate_bp, tax_cents, total_cents, finalized_at, pdf)
             values ('{}', '{invoice_id}', '2026-11', 'final', 'T-{invoice_id}', 'team', 'EUR',
                '{{}}', '[]', 4900, 0, 0, 0, 0, 0, 4900, now(), '%PDF-1.4 seed'::bytea)",
            session.tenant_id
        )))
        .unwrap();
        // Audit evidence, as an import carries it in (an event of another tenant's chain).
        let event = json!({"tenant": uuid::Uuid::new_v4(), "seq": 1, "id": uuid::Uuid::new_v4(),
            "actor": "user:seed", "action": "tenant.create", "object": "tenant:seed",
            "before_hash": null, "after_hash": null, "prev_hash": "0".repeat(64),
            "hash": "1".repeat(64), "at": "2026-01-01T00:00:00Z", "hash_version": 2});
        block_on(owner.execute_unprepared(&format!(
            "insert into audit_evidence (tenant_id, pos, event) values ('{}', 1, '{event}')",
            session.tenant_id
        )))
        .unwrap();
        // A month's call quota warning, as an instance records it.
        block_on(owner.execute_unprepared(&format!(
            "insert into quota_warnings (tenant_id, quota, period) values ('{}', 'calls_month', '2026-12')",
            session.tenant_id
        )))
        .unwrap();
        // The seed's requests are the tenant's usage: flushed (every 100 ms here) before anyone
        // compares its rows.
        std::thread::sleep(std::time::Duration::from_millis(350));
        let values = BTreeMap::from([
            ("webhook_id", webhook_id),
            ("delivery_id", delivery_id.to_string()),
            ("invoice_id", invoice_id),
            ("user_id", mate_id),
            ("invite_id", invite["id"].as_str().unwrap().to_owned()),
            ("api_key_id", key_id),
            ("revision_id", revision_id),
            (
                "constraint_id",
                constraint["id"].as_str().unwrap().to_owned(),
            ),
            ("target_version_id", target_version_id),
            ("family", family),
            ("schema_version", "v1".to_owned()),
            ("target", svc),
            ("target_version", "1.0.0".to_owned()),
            ("env", env),
        ]);
        Tenant {
            tenant_id: session.tenant_id,
            owner: session.access,
            values,
        }
    }

    fn value(&self, what: &str) -> &str {
        &self.values[what]
    }
}

/// A tenant table as the catalog describes it.
struct Table {
    name: String,
    /// The column naming the tenant: `tenant_id`, or `id` for `tenants` itself.
    key: &'static str,
    /// Columns an INSERT may name (not generated).
    columns: Vec<String>,
    /// What the app role was granted: INSERT, UPDATE, DELETE.
    granted: BTreeSet<String>,
}

fn query(db: &DatabaseConnection, sql: &str) -> Vec<sea_orm::QueryResult> {
    block_on(db.query_all(Statement::from_string(DbBackend::Postgres, sql)))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

/// Every public table with a `tenant_id` column, and `tenants`: nothing listed by hand.
fn tenant_tables(owner: &DatabaseConnection) -> Vec<Table> {
    let rows = query(
        owner,
        "select c.relname::text as name,
                array(select a.attname::text from pg_attribute a
                      where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                        and a.attgenerated = '' and a.attidentity <> 'a' order by a.attnum) as columns,
                array(select p from unnest(array['INSERT', 'UPDATE', 'DELETE']) p
                      where has_table_privilege('versiqii_app', c.oid, p)) as granted
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = 'public' and c.relkind in ('r', 'p')
           and (c.relname = 'tenants' or exists (select 1 from pg_attribute a
                where a.attrelid = c.oid and a.attname = 'tenant_id' and not a.attisdropped))
         order by c.relname",
    );
    rows.iter()
        .map(|r| {
            let name: String = r.try_get("", "name").unwrap();
            Table {
                key: if name == "tenants" { "id" } else { "tenant_id" },
                name,
                columns: r.try_get("", "columns").unwrap(),
                granted: r
                    .try_get::<Vec<String>>("", "granted")
                    .unwrap()
                    .into_iter()
                    .collect(),
            }
        })
        .collect()
}

fn count(db: &DatabaseConnection, sql: &str) -> i64 {
    query(db, sql)[0].try_get_by_index::<i64>(0).unwrap()
}

/// Every row a tenant has, table by table, as text (`last_used_at` aside: the key cache writes
/// it off the request's path, once a minute per key).
fn snapshot(
    owner: &DatabaseConnection,
    tables: &[Table],
    tenant: &str,
) -> BTreeMap<String, Vec<String>> {
    tables
        .iter()
        .map(|t| {
            let rows = query(
                owner,
                &format!(
                    "select (to_jsonb(t) - 'last_used_at')::text as row from {} t where {} = '{tenant}'
                     order by 1",
                    t.name, t.key
                ),
            );
            let rows = rows
                .iter()
                .map(|r| r.try_get::<String>("", "row").unwrap())
                .collect();
            (t.name.clone(), rows)
        })
        .collect()
}

/// Every UUID in a JSON document.
fn uuids_in(v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::String(s) if uuid::Uuid::parse_str(s).is_ok() && s.len() == 36 => {
            out.insert(s.to_lowercase());
        }
        Value::Array(items) => items.iter().for_each(|i| uuids_in(i, out)),
        Value::Object(map) => map.values().for_each(|i| uuids_in(i, out)),
        _ => {}
    }
}

/// Runs one statement in its own transaction as `tenant` (rolled back); the rows it touched.
async fn as_tenant(store: &Store, tenant: TenantId, sql: &str) -> Result<u64, String> {
    let tx = store.begin_for(tenant).await.map_err(|e| e.to_string())?;
    let done = tx
        .connection()
        .execute(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .map(|r| r.rows_affected())
        .map_err(|e| e.to_string());
    drop(tx);
    done
}

async fn count_as(store: &Store, tenant: TenantId, sql: &str) -> Result<i64, String> {
    let tx = store.begin_for(tenant).await.map_err(|e| e.to_string())?;
    let row = tx
        .connection()
        .query_one(Statement::from_string(DbBackend::Postgres, sql))
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no row")?;
    row.try_get_by_index::<i64>(0).map_err(|e| e.to_string())
}

/// What a refused statement must say: the policy's WITH CHECK when the role holds the
/// privilege, the missing grant when it does not.
fn refused(table: &Table, verb: &str, sql: &str, got: Result<u64, String>) -> Option<String> {
    let want = if table.granted.contains(verb) {
        "row-level security"
    } else {
        "permission denied"
    };
    match got {
        Err(e) if e.contains(want) => None,
        Err(e) => Some(format!(
            "{}: {sql}: refused with `{e}`, not {want}",
            table.name
        )),
        Ok(n) => Some(format!(
            "{}: {sql}: allowed ({n} rows), not refused",
            table.name
        )),
    }
}

/// Touches none of the other tenant's rows: 0 rows with the privilege, refused without it.
fn untouched(table: &Table, verb: &str, sql: &str, got: Result<u64, String>) -> Option<String> {
    match got {
        Ok(0) if table.granted.contains(verb) => None,
        Err(e) if !table.granted.contains(verb) && e.contains("permission denied") => None,
        Ok(n) => Some(format!(
            "{}: {sql}: touched {n} of the other tenant's rows",
            table.name
        )),
        Err(e) => Some(format!("{}: {sql}: {e}", table.name)),
    }
}

#[test]
fn every_tenant_table_by_every_verb_is_closed_to_another_tenant() {
    let app = spawn();
    let a = Tenant::seed(&app, "alpha");
    let b = Tenant::seed(&app, "bravo");
    let (problems, summary) = table_matrix(&app, &a, &b);
    assert!(problems.is_empty(), "{problems:#?}");
    eprintln!("{summary}");
}

/// A's tenant transaction against B's rows in every tenant table, by every verb: what went
/// wrong, and a line saying what was checked.
fn table_matrix(app: &TestApp, a: &Tenant, b: &Tenant) -> (Vec<String>, String) {
    let owner = app.owner_db();
    let tables = tenant_tables(&owner);
    // `users` holds people, not a tenant's rows (people are in organisations through
    // `memberships`); its row security is `members::people_are_visible_only_through_a_membership`.
    assert!(tables.len() >= 19, "{} tenant tables", tables.len());

    // Not vacuous: both tenants have rows in every table.
    let mut unseeded = Vec::new();
    for t in &tables {
        for (who, tenant) in [("A", a), ("B", b)] {
            let sql = format!(
                "select count(*) from {} where {} = '{}'",
                t.name, t.key, tenant.tenant_id
            );
            if count(&owner, &sql) == 0 {
                unseeded.push(format!(
                    "{}: tenant {who} has no rows (make Tenant::seed write some)",
                    t.name
                ));
            }
        }
    }
    assert!(unseeded.is_empty(), "{unseeded:#?}");

    let before = snapshot(&owner, &tables, &b.tenant_id);
    let (a_id, b_id) = (TenantId(a.tenant_id.parse().unwrap()), &b.tenant_id);
    let own: Vec<i64> = tables
        .iter()
        .map(|t| {
            let sql = format!(
                "select count(*) from {} where {} = '{}'",
                t.name, t.key, a.tenant_id
            );
            count(&owner, &sql)
        })
        .collect();
    let mut problems = Vec::new();
    let mut checks = 0;
    block_on(async {
        let store = Store::connect(&app.app_db_url(), 2).await.unwrap();
        for (t, own) in tables.iter().zip(own) {
            let (name, key) = (&t.name, t.key);
            // SELECT: none of B's rows, exactly A's.
            let sql = format!("select count(*) from {name} where {key} = '{b_id}'");
            match count_as(&store, a_id, &sql).await {
                Ok(0) => {}
                other => problems.push(format!("{name}: {sql}: {other:?}")),
            }
            let sql = format!("select count(*) from {name}");
            match count_as(&store, a_id, &sql).await {
                Ok(n) if n == own => {}
                other => problems.push(format!("{name}: {sql}: {other:?}, A has {own}")),
            }
            // INSERT: a copy of one of A's rows, for B.
            let values = t
                .columns
                .iter()
                .map(|c| {
                    if c == key {
                        format!("'{b_id}'::uuid")
                    } else {
                        c.clone()
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "insert into {name} ({}) select {values} from {name} limit 1",
                t.columns.join(", ")
            );
            problems.extend(refused(
                t,
                "INSERT",
                &sql,
                as_tenant(&store, a_id, &sql).await,
            ));
            // UPDATE: B's rows are out of reach; A's cannot be handed to B.
            let sql = format!("update {name} set {key} = {key} where {key} = '{b_id}'");
            problems.extend(untouched(
                t,
                "UPDATE",
                &sql,
                as_tenant(&store, a_id, &sql).await,
            ));
            let sql = format!(
                "update {name} set {key} = '{b_id}' where ctid = (select ctid from {name} limit 1)"
            );
            problems.extend(refused(
                t,
                "UPDATE",
                &sql,
                as_tenant(&store, a_id, &sql).await,
            ));
            // DELETE: B's rows are out of reach.
            let sql = format!("delete from {name} where {key} = '{b_id}'");
            problems.extend(untouched(
                t,
                "DELETE",
                &sql,
                as_tenant(&store, a_id, &sql).await,
            ));
            checks += 4;
        }
    });
    // And B's rows are all still there, as they were.
    if snapshot(&owner, &tables, b_id) != before {
        problems.push("B's rows changed during A's statements".to_owned());
    }
    let summary = format!(
        "cross-tenant tables: {} tables × select, insert, update, delete = {checks} checks: {}",
        tables.len(),
        tables
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    (problems, summary)
}

/// One operation of the OpenAPI document.
struct Operation {
    id: String,
    method: String,
    path: String,
    /// (name, in, required)
    params: Vec<(String, String, bool)>,
    statuses: BTreeSet<u16>,
}

fn operations(spec: &Value) -> Vec<Operation> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            if !["get", "put", "post", "delete", "patch"].contains(&method.as_str()) {
                continue;
            }
            let params = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .map(|p| {
                            (
                                p["name"].as_str().unwrap().to_owned(),
                                p["in"].as_str().unwrap().to_owned(),
                                p["required"].as_bool().unwrap_or(false),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            out.push(Operation {
                id: op["operationId"].as_str().unwrap_or(path).to_owned(),
                method: method.to_uppercase(),
                path: path.clone(),
                params,
                statuses: op["responses"]
                    .as_object()
                    .map(|r| r.keys().filter_map(|k| k.parse().ok()).collect())
                    .unwrap_or_default(),
            });
        }
    }
    out
}

/// Which of a tenant's values fills a path parameter, by the path segment before it.
fn path_value(after: &str, param: &str) -> Option<&'static str> {
    Some(match (after, param) {
        ("api-keys", "id") => "api_key_id",
        ("configs", "id") => "revision_id",
        ("constraints", "id") => "constraint_id",
        ("target-versions", "id") => "target_version_id",
        ("envs", "env") => "env",
        ("families", "family") => "family",
        ("schemas", "version") => "schema_version",
        ("targets", "target" | "name") => "target",
        ("versions", "version") => "target_version",
        ("members", "user_id") => "user_id",
        ("invites", "id") => "invite_id",
        ("invoices", "id") => "invoice_id",
        ("webhooks", "id") => "webhook_id",
        ("digests", "user_id") => "user_id",
        ("deliveries", "delivery") => "delivery_id",
        _ => return None,
    })
}

/// Which of a tenant's values fills a query parameter (the rest are left out).
fn query_value(param: &str) -> Option<&'static str> {
    Some(match param {
        "env" => "env",
        "target" => "target",
        "from" | "to" => "revision_id",
        "version" => "target_version",
        _ => return None,
    })
}

/// The request body sent with an operation that takes one and has path parameters: what would
/// change the other tenant's object if the path reached it.
fn path_body(op: &str, of: &Tenant) -> Option<Value> {
    Some(match op {
        "recordObservation" => json!({"target": of.value("target"), "version": "1.0.0"}),
        "rollbackTarget" => json!({}),
        "setDeploymentVersion" => json!({"version": "1.0.0"}),
        "setMemberRole" => json!({"role": "viewer"}),
        "resendInvite" => json!({}),
        "updateWebhook" => json!({"description": "changed by another tenant"}),
        "setDigest" => json!({"every": "daily"}),
        "enableWebhook"
        | "disableWebhook"
        | "rotateWebhookSecret"
        | "testWebhook"
        | "resendWebhookDelivery" => json!({}),
        "replayWebhook" => json!({"since": "2020-01-01T00:00:00Z", "include_delivered": true}),
        // A dry run: B already has this edge, and its control call must not change it.
        "createMigration" => json!({"from": "v1", "to": "v2", "lens": LENS, "dry_run": true}),
        // Stores nothing anywhere; B's family must not even be found.
        "previewMigration" => {
            json!({"from": "v1", "to": "v2", "lens": LENS, "sample": {"timeout": 1}})
        }
        // B's own v1 again: the same content is 200 in B's family, a new family is 201 in A.
        "addSchemaVersion" => {
            json!({"version": "v1", "schema": serde_json::from_str::<Value>(SCHEMA_V1).unwrap(), "compat": "NONE"})
        }
        _ => return None,
    })
}

/// Operations on a name that A's tenant may create as its own: no 404 is documented; A's call
/// must not see B's object (the status says which it found).
fn expected_without_404(op: &str) -> Option<u16> {
    Some(match op {
        // A new family of A's named like B's (B's same content would be 200).
        "addSchemaVersion" => 201,
        // A's (empty) history of an environment named like B's.
        "listDeploymentHistory" => 200,
        _ => return None,
    })
}

/// Writes without path parameters that name another object in their body: the body with B's.
fn reference_body(op: &str, of: &Tenant) -> Option<Value> {
    Some(match op {
        "createBinding" => json!({"config_id": of.value("revision_id"), "env": "alpha-prod"}),
        "createConfigRevision" => {
            json!({"target": of.value("target_version_id"), "content": "{\"timeout\": 1}"})
        }
        "createConstraint" => json!({"from": of.value("target_version_id"), "kind": "requires",
                                     "target": "alpha-db", "range": ">=1"}),
        "createTargetVersion" => json!({"name": "alpha-new", "family": of.value("family"),
                                        "version": "9.0.0"}),
        "validateConfigs" => json!({"target": of.value("target_version_id"), "content": "{}"}),
        // B's environment as the source: A has none of that name.
        "promoteEnvironment" => json!({"from": of.value("env"), "to": "alpha-prod"}),
        // B's organisation by its slug: A's owner is no member there.
        "switchOrganisation" => json!({"organisation": "bravo-co"}),
        // B's slug for a new organisation of A's: taken.
        "createOrganisation" => json!({"slug": "bravo-co"}),
        _ => return None,
    })
}

/// What a body naming B's objects gets: not found, but where the answer names a membership.
fn reference_refusal(op: &str) -> u16 {
    match op {
        "switchOrganisation" => 403,
        "createOrganisation" => 409,
        _ => 404,
    }
}

/// Writes without path parameters that name nothing a tenant owns.
const NO_REFERENCES: &[&str] = &[
    "signup",
    "login",
    "logout",
    "refreshSession",
    // The console's cookie session: a cookie is the only reference (tests/it/browser.rs).
    "refreshCookieSession",
    "logoutCookieSession",
    "forgotPassword",
    "resetPassword",
    "verifyEmail",
    "resendVerification",
    "createApiKey",
    "createEnvironment",
    // A URL and event types, in the caller's own organisation.
    "createWebhook",
    // Leaves the caller's own organisation: names no other.
    "leaveOrganisation",
    // An email and a role, in the caller's own organisation.
    "createInvite",
    // A link's token is the only reference, and a secret: the invite's organisation is the one
    // that token names (tested in invites.rs: unknown, foreign, revoked, used, expired).
    "acceptInvite",
    "acceptInviteBySignup",
    // A plan's name: the caller's own organisation moves.
    "choosePlan",
    // An archive: natural keys only, imported into the caller's own organisation.
    "importTenant",
];

fn fill(path: &str, of: &Tenant) -> Result<String, String> {
    let mut out = Vec::new();
    let mut before = "";
    for seg in path.split('/') {
        if let Some(param) = seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            let what = path_value(before, param).ok_or_else(|| {
                format!("{path}: no tenant value for {{{param}}} after /{before}/ (add it to path_value)")
            })?;
            out.push(of.value(what).to_owned());
        } else {
            out.push(seg.to_owned());
            before = seg;
        }
    }
    Ok(out.join("/"))
}

fn is_problem(r: &Reply, status: u16) -> bool {
    r.status == status
        && r.content_type.starts_with("application/problem+json")
        && r.body["status"] == status
}

#[test]
fn every_api_operation_is_closed_to_another_tenant() {
    let app = spawn();
    let a = Tenant::seed(&app, "alpha");
    let b = Tenant::seed(&app, "bravo");
    let (problems, summary) = api_matrix(&app, &a, &b);
    assert!(problems.is_empty(), "{problems:#?}");
    eprintln!("{summary}");
}

/// Every operation of spec/openapi.json as A with B's ids, names and versions: what went
/// wrong, and a line saying what was checked.
fn api_matrix(app: &TestApp, a: &Tenant, b: &Tenant) -> (Vec<String>, String) {
    let owner = app.owner_db();
    let tables = tenant_tables(&owner);
    let spec: Value = serde_json::from_str(OPENAPI).expect("spec/openapi.json");
    let ops = operations(&spec);
    assert!(ops.len() >= 40, "{} operations", ops.len());

    // B's marks: every id in any of B's rows, and its name (in every name it chose).
    let mut marks = BTreeSet::new();
    for rows in snapshot(&owner, &tables, &b.tenant_id).values() {
        for row in rows {
            uuids_in(&serde_json::from_str(row).unwrap(), &mut marks);
        }
    }
    // A success may echo what A sent (a name in the query): that is A's input, not B's data.
    let leaks = |r: &Reply, sent: &[&str]| -> Vec<String> {
        let mut text = r.body.to_string().to_lowercase();
        for s in sent {
            text = text.replace(&s.to_lowercase(), "");
        }
        let mut found: Vec<String> = marks
            .iter()
            .filter(|m| text.contains(m.as_str()))
            .cloned()
            .collect();
        if text.contains("bravo") {
            found.push("bravo".to_owned());
        }
        found
    };
    let before = snapshot(&owner, &tables, &b.tenant_id);
    let a_tok = Some(a.owner.as_str());
    let mut problems = Vec::new();
    let (mut reads, mut references, mut probes) = (0, 0, Vec::new());

    // 1. Reads without path parameters, with no query and with B's values in the query: never
    //    a mark of B in a success. Before any write of A's below, which may name A's own
    //    objects like B's.
    for op in ops.iter().filter(|o| !o.path.contains('{')) {
        if op.method != "GET" {
            continue;
        }
        let mut queries = Vec::new();
        let mut all = Vec::new();
        let mut required = Vec::new();
        for (name, _, req) in op.params.iter().filter(|p| p.1 == "query") {
            match query_value(name) {
                Some(what) => {
                    let pair = format!("{name}={}", b.value(what));
                    if *req {
                        required.push(pair.clone());
                    }
                    all.push(pair);
                }
                None if *req => problems.push(format!(
                    "{}: no value for its required query parameter `{name}` (add it to query_value)",
                    op.id
                )),
                None => {}
            }
        }
        queries.push(required.join("&"));
        if !all.is_empty() {
            queries.push(all.join("&"));
        }
        queries.dedup();
        for q in queries {
            let sent: Vec<&str> = q.split('&').filter_map(|kv| kv.split('=').nth(1)).collect();
            let path = if q.is_empty() {
                op.path.clone()
            } else {
                format!("{}?{q}", op.path)
            };
            let r = app.get(&path, a_tok);
            if r.status >= 500 || !op.statuses.contains(&r.status) {
                problems.push(format!("{} GET {path}: undocumented {}", op.id, r.status));
            }
            if (200..300).contains(&r.status) {
                let found = leaks(&r, &sent);
                if !found.is_empty() {
                    problems.push(format!("{} GET {path}: shows B's {found:?}", op.id));
                }
            }
            reads += 1;
        }
    }

    // 2. Writes without path parameters that name B's objects in their body: not found.
    for op in ops
        .iter()
        .filter(|o| !o.path.contains('{') && o.method != "GET")
    {
        match reference_body(&op.id, b) {
            Some(body) => {
                let r = app.request(&op.method, &op.path, a_tok, Some(&body.to_string()));
                if !is_problem(&r, reference_refusal(&op.id)) {
                    problems.push(format!(
                        "{} {} {} with B's ids: {} {}",
                        op.id, op.method, op.path, r.status, r.body
                    ));
                }
                references += 1;
            }
            None if NO_REFERENCES.contains(&op.id.as_str()) => {}
            None => problems.push(format!(
                "{} {} {}: no cross-tenant body for it (add one to reference_body, or it to NO_REFERENCES)",
                op.id, op.method, op.path
            )),
        }
    }

    // 3. Every operation with a path parameter, with B's values in the path; last those that
    //    make A an object named like B's, so that the reads before them find nothing of A's.
    let mut with_params: Vec<&Operation> = ops.iter().filter(|o| o.path.contains('{')).collect();
    with_params.sort_by_key(|o| expected_without_404(&o.id).is_some() && o.method != "GET");
    for op in with_params {
        let path = match fill(&op.path, b) {
            Ok(p) => p,
            Err(e) => {
                problems.push(format!("{}: {e}", op.id));
                continue;
            }
        };
        let body = match op.method.as_str() {
            "GET" | "DELETE" => None,
            _ => match path_body(&op.id, b) {
                Some(body) => Some(body.to_string()),
                None => {
                    problems.push(format!(
                        "{} {} {}: no request body for it (add one to path_body)",
                        op.id, op.method, op.path
                    ));
                    continue;
                }
            },
        };
        let r = app.request(&op.method, &path, a_tok, body.as_deref());
        if op.statuses.contains(&404) {
            if !is_problem(&r, 404) {
                problems.push(format!(
                    "{} {} {path}: {} {} (want 404 problem+json)",
                    op.id, op.method, r.status, r.body
                ));
            }
        } else {
            match expected_without_404(&op.id) {
                Some(want) if r.status == want => {
                    // Whatever A made or read is A's: none of B's marks.
                    let found = leaks(&r, &[b.value("family"), b.value("env")]);
                    if !found.is_empty() {
                        problems.push(format!("{} {path}: shows B's {found:?}", op.id));
                    }
                }
                Some(want) => problems.push(format!(
                    "{} {} {path}: {} {} (want {want}: A's own, not B's)",
                    op.id, op.method, r.status, r.body
                )),
                None => problems.push(format!(
                    "{} {} {}: documents no 404; say what A must get in expected_without_404",
                    op.id, op.method, op.path
                )),
            }
        }
        probes.push((op, path, body));
    }

    // 4. B's rows are as they were.
    let after = snapshot(&owner, &tables, &b.tenant_id);
    for (table, rows) in &before {
        if after.get(table) != Some(rows) {
            problems.push(format!("{table}: B's rows changed during A's calls"));
        }
    }

    // 5. The same calls as B succeed: the ids and names A used were real.
    let b_tok = Some(b.owner.as_str());
    // The member's removal last, so the role change on that member still finds them; the
    // invite's revocation after its resend, which a revoked invite refuses.
    // The webhook endpoint's deletion last, so every other call on it still finds it.
    probes.sort_by_key(|(op, _, _)| {
        matches!(
            op.id.as_str(),
            "removeMember" | "revokeInvite" | "deleteWebhook"
        )
    });
    for (op, path, body) in &probes {
        let r = app.request(&op.method, path, b_tok, body.as_deref());
        if !(200..300).contains(&r.status) {
            problems.push(format!(
                "control: {} {} {path} as B: {} {}",
                op.id, op.method, r.status, r.body
            ));
        }
    }
    let summary = format!(
        "cross-tenant API: {} operations; {} with path parameters probed with B's values, {reads} \
         reads without them scanned for B's {} ids, {references} bodies naming B's objects",
        ops.len(),
        probes.len(),
        marks.len()
    );
    (problems, summary)
}

/// The matrices are not vacuous: policies that let every tenant through are caught, naming the
/// tables and the operations they opened. (Constraints are read only joined with target
/// versions, whose policy still holds, so only the table matrix sees that one; families are
/// read alone.)
#[test]
fn the_matrices_catch_a_policy_that_lets_every_tenant_through() {
    let app = spawn();
    let a = Tenant::seed(&app, "alpha");
    let b = Tenant::seed(&app, "bravo");
    block_on(app.owner_db().execute_unprepared(
        "alter policy tenant_isolation on constraints using (true) with check (true);
         alter policy tenant_isolation on families using (true) with check (true)",
    ))
    .unwrap();
    let (tables, _) = table_matrix(&app, &a, &b);
    // (The app role may not update constraints at all: that verb stays refused.)
    for (table, verb) in [
        ("constraints", "select count(*)"),
        ("constraints", "insert into"),
        ("constraints", "delete from"),
        ("families", "select count(*)"),
        ("families", "insert into"),
        ("families", "update families set tenant_id = tenant_id"),
    ] {
        assert!(
            tables
                .iter()
                .any(|p| p.starts_with(&format!("{table}:")) && p.contains(verb)),
            "{table} {verb}: {tables:#?}"
        );
    }
    let (api, _) = api_matrix(&app, &a, &b);
    for op in ["listFamilies GET", "getFamily GET"] {
        assert!(api.iter().any(|p| p.starts_with(op)), "{op}: {api:#?}");
    }
}
