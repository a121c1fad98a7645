//! The operators' portal: operators provisioned by `versiqii-server operator create`, signed in
//! with a password and a TOTP code (once), their clearances, tenants searched, plans changed,
//! credits granted, tenants suspended everywhere and resumed intact, read-only looks, the
//! operators' audit chain, and the portal's role reaching no tenant table (catalog test).

use crate::harness::{assert_problem, block_on, TestApp};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{json, Value};
use std::process::Command;
use std::time::{Duration, Instant};
use versiqii_core::totp::{code_at, TotpSecret};

const PASSWORD: &str = "operators are careful people";

pub struct Op {
    email: String,
    secret: TotpSecret,
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn server_bin() -> std::path::PathBuf {
    std::path::Path::new(&std::env::var("VERSIQII_TEST_BIN_DIR").unwrap()).join("versiqii-server")
}

/// `versiqii-server operator create`, as the people who run the service do it.
pub fn provision(app: &TestApp, email: &str, role: &str) -> Op {
    let out = Command::new(server_bin())
        .args(["operator", "create", "--email", email, "--role", role])
        .args(["--name", "Test Operator", "--output", "json"])
        .env("VERSIQII_OPERATOR_DATABASE_URL", app.operator_db_url())
        .env(
            "VERSIQII_JWT_SECRET",
            format!("test-secret-shared-by-instances-{}", app.db_name),
        )
        .env("VERSIQII_OPERATOR_PASSWORD", PASSWORD)
        .env("VERSIQII_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let made: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(made["role"], role);
    assert!(made["otpauth_uri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/"));
    Op {
        email: email.to_owned(),
        secret: TotpSecret::parse_base32(made["totp_secret"].as_str().unwrap()).unwrap(),
    }
}

fn login_at(app: &TestApp, op: &Op, password: &str, at: u64) -> crate::harness::Reply {
    app.post(
        "/ops/v1/auth/login",
        None,
        &json!({"email": op.email, "password": password, "code": code_at(&op.secret, at)}),
    )
}

pub fn sign_in(app: &TestApp, op: &Op) -> String {
    let r = login_at(app, op, PASSWORD, now());
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["token"].as_str().unwrap().to_owned()
}

fn rows(app: &TestApp, sql: &str) -> Vec<sea_orm::QueryResult> {
    block_on(
        app.owner_db()
            .query_all(Statement::from_string(DbBackend::Postgres, sql.to_owned())),
    )
    .unwrap()
}

#[test]
fn operators_sign_in_with_password_and_a_code_that_works_once() {
    let app = TestApp::spawn();
    let op = provision(&app, "ada@ops.test", "support");
    // A second operator with the same email is refused; usage errors exit 2.
    let again = Command::new(server_bin())
        .args(["operator", "create", "--role", "root"])
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(2));
    let t = now();
    assert_problem(
        &login_at(&app, &op, "not the password at all", t),
        401,
        "invalid_credentials",
    );
    let wrong_code = app.post(
        "/ops/v1/auth/login",
        None,
        &json!({"email": op.email, "password": PASSWORD, "code": "000000"}),
    );
    if code_at(&op.secret, t) != "000000" {
        assert_problem(&wrong_code, 401, "invalid_credentials");
    }
    let ok = login_at(&app, &op, PASSWORD, t);
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert_eq!(ok.body["operator"]["email"], "ada@ops.test");
    assert_eq!(ok.body["operator"]["role"], "support");
    // The same code again is a replay.
    assert_problem(
        &login_at(&app, &op, PASSWORD, t),
        401,
        "invalid_credentials",
    );
    let token = ok.body["token"].as_str().unwrap();
    assert!(token.starts_with("vqop_"));
    let me = app.get("/ops/v1/me", Some(token));
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["email"], "ada@ops.test");
    // The operator's token is no tenant's, and a tenant's is no operator's.
    assert_eq!(app.get("/v1/envs", Some(token)).status, 401);
    let tenant = app.signup("ops-signin-co");
    assert_problem(
        &app.get("/ops/v1/me", Some(&tenant.access)),
        401,
        "unauthenticated",
    );
    // Signed out, the token is dead.
    assert_eq!(
        app.post("/ops/v1/auth/logout", Some(token), &json!({}))
            .status,
        204
    );
    assert_problem(&app.get("/ops/v1/me", Some(token)), 401, "unauthenticated");
    // The secret is sealed at rest: its base32 appears nowhere in the table.
    let stored = rows(&app, "select totp_sealed, password_hash from operators");
    let sealed: String = stored[0].try_get("", "totp_sealed").unwrap();
    assert!(!sealed.contains(&op.secret.to_base32()));
    let hash: String = stored[0].try_get("", "password_hash").unwrap();
    assert!(hash.starts_with("$argon2id$"));
}

#[test]
fn support_reads_and_looks_while_admins_change_tenants() {
    let app = TestApp::spawn();
    let support = sign_in(&app, &provision(&app, "sam@ops.test", "support"));
    let admin = sign_in(&app, &provision(&app, "ali@ops.test", "admin"));
    let acme = app.signup("ops-acme");
    let _globex = app.signup("ops-globex");
    // Search by slug, by a member's email; newest first; pages.
    let found = app.get("/ops/v1/tenants?q=acme", Some(&support));
    assert_eq!(found.status, 200, "{}", found.body);
    let slugs: Vec<&str> = found.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["slug"].as_str().unwrap())
        .collect();
    assert_eq!(slugs, ["ops-acme"]);
    assert_eq!(found.body["items"][0]["owner_email"], "owner@ops-acme.test");
    let by_email = app.get("/ops/v1/tenants?q=owner%40ops-globex", Some(&support));
    assert_eq!(by_email.body["items"][0]["slug"], "ops-globex");
    assert_eq!(
        app.get("/ops/v1/tenants?q=%25", Some(&support)).body["items"],
        json!([]),
        "% is a character, not a wildcard"
    );
    let page = app.get("/ops/v1/tenants?limit=1", Some(&support)).body;
    assert_eq!(page["items"][0]["slug"], "ops-globex");
    let next = page["next_before"].as_str().unwrap();
    let page2 = app.get(
        &format!(
            "/ops/v1/tenants?limit=1&before={}",
            next.replace('+', "%2B")
        ),
        Some(&support),
    );
    assert_eq!(page2.body["items"][0]["slug"], "ops-acme", "{}", page2.body);

    let id = &acme.tenant_id;
    let plan = json!({"plan": "team", "reason": "signed the team contract"});
    let path = format!("/ops/v1/tenants/{id}/plan");
    assert_problem(
        &app.put_json(&path, Some(&support), &plan),
        403,
        "forbidden",
    );
    let changed = app.put_json(&path, Some(&admin), &plan);
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(changed.body["plan"], "team");
    assert_problem(
        &app.put_json(
            &path,
            Some(&admin),
            &json!({"plan": "platinum", "reason": "x"}),
        ),
        422,
        "invalid_input",
    );
    assert_eq!(
        app.get("/v1/usage", Some(&acme.access)).body["plan"],
        "team"
    );

    let credits = format!("/ops/v1/tenants/{id}/credits");
    let credit = json!({"amount_cents": 2500, "reason": "outage on 3 December"});
    assert_problem(
        &app.post(&credits, Some(&support), &credit),
        403,
        "forbidden",
    );
    let granted = app.post(&credits, Some(&admin), &credit);
    assert_eq!(granted.status, 201, "{}", granted.body);
    assert_problem(
        &app.post(
            &credits,
            Some(&admin),
            &json!({"amount_cents": 0, "reason": "x"}),
        ),
        422,
        "invalid_input",
    );
    let detail = app.get(&format!("/ops/v1/tenants/{id}"), Some(&support));
    assert_eq!(detail.status, 200, "{}", detail.body);
    assert_eq!(detail.body["credits"][0]["amount_cents"], 2500);
    assert_eq!(detail.body["tenant"]["plan"], "team");
    assert_problem(
        &app.get(
            &format!("/ops/v1/tenants/{}", uuid::Uuid::new_v4()),
            Some(&support),
        ),
        404,
        "not_found",
    );

    // Both chains say who did what: the tenant's names the operator, the operators' names the
    // tenant; the operators' verifies.
    let audit = app.get("/v1/audit?limit=100", Some(&acme.access)).body;
    let actions: Vec<(&str, &str)> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["action"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert!(
        actions
            .iter()
            .any(|(a, who)| *a == "tenant.plan_change" && who.starts_with("operator:")),
        "{actions:?}"
    );
    assert!(
        actions.iter().any(|(a, _)| *a == "credit.grant"),
        "{actions:?}"
    );
    let ops_audit = app.get("/ops/v1/audit", Some(&support)).body;
    let ops_actions: Vec<&str> = ops_audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        ops_actions,
        [
            "credit.grant",
            "tenant.plan_change",
            "operator.login",
            "operator.login"
        ]
    );
    let verdict = app.get("/ops/v1/audit/verify", Some(&support)).body;
    assert_eq!(
        verdict,
        json!({"events": 4, "first_broken": null, "reason": null})
    );
    // The chain is append-only even for the owner; altered by a superuser, it says where.
    let owner_update = block_on(
        app.owner_db()
            .execute_unprepared("update operator_audit set detail = 'nothing' where seq = 4"),
    );
    assert!(owner_update.is_err());
    block_on(app.superuser_test_db().execute_unprepared(
        "alter table operator_audit disable trigger append_only;
         update operator_audit set detail = '1 cent: nothing to see' where seq = 4;
         alter table operator_audit enable trigger append_only;",
    ))
    .unwrap();
    let verdict = app.get("/ops/v1/audit/verify", Some(&support)).body;
    assert_eq!(verdict["first_broken"], 4, "{verdict}");
}

#[test]
fn a_suspended_tenant_is_refused_everywhere_and_resumes_intact() {
    let app = TestApp::spawn();
    let other = app.another_instance();
    let admin = sign_in(&app, &provision(&app, "root@ops.test", "admin"));
    let t = app.signup("ops-suspend-co");
    let (_, key) = app.api_key(&t.access, &["write"]);
    for env in ["dev", "prod"] {
        assert_eq!(
            app.post("/v1/envs", Some(&key), &json!({"name": env}))
                .status,
            201
        );
    }
    let before = app.get("/v1/envs", Some(&key)).body;
    let bystander = app.signup("ops-bystander-co");
    let path = format!("/ops/v1/tenants/{}/suspend", t.tenant_id);
    let s = app.post(
        &path,
        Some(&admin),
        &json!({"reason": "unpaid since October"}),
    );
    assert_eq!(s.status, 200, "{}", s.body);
    assert!(s.body["suspended_at"].is_string());
    assert_eq!(s.body["suspended_reason"], "unpaid since October");
    // Every credential on every instance: the other one hears of it by NOTIFY.
    let deadline = Instant::now() + Duration::from_secs(10);
    while other.get("/v1/envs", Some(&key)).status != 403 {
        assert!(
            Instant::now() < deadline,
            "the other instance still admits the tenant"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    for app in [&app, &other] {
        for token in [&key, &t.access] {
            assert_problem(&app.get("/v1/envs", Some(token)), 403, "tenant_suspended");
            assert_problem(
                &app.post("/v1/envs", Some(token), &json!({"name": "sneaky"})),
                403,
                "tenant_suspended",
            );
        }
    }
    // Others are untouched.
    assert_eq!(app.get("/v1/envs", Some(&bystander.access)).status, 200);
    // Resumed, everything is as it was and works again.
    let r = app.post(
        &format!("/ops/v1/tenants/{}/resume", t.tenant_id),
        Some(&admin),
        &json!({"reason": "paid"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["suspended_at"].is_null());
    let deadline = Instant::now() + Duration::from_secs(10);
    while other.get("/v1/envs", Some(&key)).status != 200 {
        assert!(
            Instant::now() < deadline,
            "the other instance still refuses"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(app.get("/v1/envs", Some(&key)).body, before);
    assert_eq!(app.get("/v1/envs", Some(&t.access)).body, before);
    assert_eq!(
        app.post("/v1/envs", Some(&key), &json!({"name": "staging"}))
            .status,
        201
    );
}

#[test]
fn an_operator_looks_read_only_and_both_chains_record_it() {
    let app = TestApp::spawn();
    let support = sign_in(&app, &provision(&app, "lin@ops.test", "support"));
    let t = app.signup("ops-look-co");
    assert_eq!(
        app.post("/v1/envs", Some(&t.access), &json!({"name": "prod"}))
            .status,
        201
    );
    let path = format!("/ops/v1/tenants/{}/impersonate", t.tenant_id);
    assert_problem(
        &app.post(&path, Some(&support), &json!({"reason": " "})),
        422,
        "invalid_input",
    );
    let look = app.post(
        &path,
        Some(&support),
        &json!({"reason": "ticket 4711: drift looks wrong"}),
    );
    assert_eq!(look.status, 201, "{}", look.body);
    assert_eq!(look.body["tenant_slug"], "ops-look-co");
    let token = look.body["access_token"].as_str().unwrap();
    let envs = app.get("/v1/envs", Some(token));
    assert_eq!(envs.status, 200, "{}", envs.body);
    assert_eq!(envs.body["items"][0]["name"], "prod");
    let me = app.get("/v1/me", Some(token)).body;
    assert_eq!(me["kind"], "operator");
    assert_eq!(me["role"], "viewer");
    for (method, path) in [
        ("POST", "/v1/envs"),
        ("POST", "/v1/api-keys"),
        ("PUT", "/v1/envs/prod/targets/x/version"),
    ] {
        let r = app.request(method, path, Some(token), Some(r#"{"name": "x"}"#));
        assert_problem(&r, 403, "impersonation_read_only");
    }
    // Looking is not the tenant's usage.
    std::thread::sleep(Duration::from_millis(300));
    let reads: i64 = rows(
        &app,
        &format!(
            "select coalesce(sum(count), 0)::bigint as n from usage_daily
              where tenant_id = '{}' and kind = 'api_reads'",
            t.tenant_id
        ),
    )[0]
    .try_get("", "n")
    .unwrap();
    assert_eq!(reads, 0);
    let audit = app.get("/v1/audit?limit=50", Some(&t.access)).body;
    let look_entry = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "impersonation.start")
        .expect("the tenant's chain records the look");
    assert!(look_entry["actor"]
        .as_str()
        .unwrap()
        .starts_with("operator:"));
    assert_eq!(
        look_entry["object"],
        "reason:ticket 4711: drift looks wrong"
    );
    let ops_audit = app.get("/ops/v1/audit", Some(&support)).body;
    assert_eq!(ops_audit["items"][0]["action"], "impersonation.start");
    assert_eq!(ops_audit["items"][0]["tenant_id"], t.tenant_id.as_str());
}

/// The portal's role reaches its own tables and `op_*` functions only; the tenants' role
/// reaches none of the portal's; a tenant's credentials reach no operator route; and neither
/// OpenAPI document lists the other's paths.
#[test]
fn the_portal_and_the_tenants_reach_nothing_of_each_other() {
    let app = TestApp::spawn();
    let tables = |role: &str| -> Vec<String> {
        rows(
            &app,
            &format!(
                "select distinct table_name::text as t from information_schema.role_table_grants
                  where grantee = '{role}' order by 1"
            ),
        )
        .iter()
        .map(|r| r.try_get("", "t").unwrap())
        .collect()
    };
    assert_eq!(
        tables("versiqii_operator"),
        ["operator_audit", "operator_sessions", "operators"]
    );
    let app_tables = tables("versiqii_app");
    assert!(
        app_tables.iter().all(|t| !t.starts_with("operator")),
        "{app_tables:?}"
    );
    let functions = |role: &str| -> Vec<String> {
        rows(
            &app,
            &format!(
                "select p.proname::text as f from pg_proc p join pg_namespace n on n.oid = p.pronamespace
                  where n.nspname = 'public' and has_function_privilege('{role}', p.oid, 'execute')
                    and not has_function_privilege('public', p.oid, 'execute')
                  order by 1"
            ),
        )
        .iter()
        .map(|r| r.try_get("", "f").unwrap())
        .collect()
    };
    let op_functions = functions("versiqii_operator");
    assert_eq!(
        op_functions,
        [
            "op_invoice_pdf",
            "op_tenant",
            "op_tenant_credits",
            "op_tenant_invoices",
            "op_tenant_usage",
            "op_tenants"
        ]
    );
    assert!(
        functions("versiqii_app")
            .iter()
            .all(|f| !f.starts_with("op_")),
        "the tenants' role runs no portal function"
    );
    // Through the portal's own role, no tenant table can be read.
    let op_db = block_on(sea_orm::Database::connect(app.operator_db_url())).unwrap();
    for table in [
        "tenants",
        "users",
        "api_keys",
        "usage_daily",
        "credits",
        "audit_events",
    ] {
        let read = block_on(op_db.query_all(Statement::from_string(
            DbBackend::Postgres,
            format!("select * from {table} limit 1"),
        )));
        assert!(read.is_err(), "versiqii_operator reads {table}");
    }
    // Every operator route refuses a tenant's credentials.
    let t = app.signup("ops-wall-co");
    let (_, key) = app.api_key(&t.access, &["admin"]);
    let doc: Value = serde_json::from_str(&versiqii_server::portal::document_json()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(
        paths.keys().all(|p| p.starts_with("/ops/")),
        "{:?}",
        paths.keys()
    );
    let mut probed = 0;
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            if op.get("security").is_none() {
                continue; // sign-in and the document itself
            }
            let concrete = path.replace("{id}", &t.tenant_id);
            for token in [&t.access, &key] {
                let r = app.request(&method.to_uppercase(), &concrete, Some(token), Some("{}"));
                assert_eq!(
                    r.status, 401,
                    "{method} {path} with a tenant's credential: {}",
                    r.body
                );
                probed += 1;
            }
        }
    }
    assert!(probed >= 20, "{probed}");
    let tenants_doc: Value =
        serde_json::from_str(versiqii_server::openapi::document_json()).unwrap();
    assert!(tenants_doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .all(|p| !p.starts_with("/ops")));
    let served = app.get("/ops/openapi.json", None);
    assert_eq!(served.status, 200);
    assert_eq!(served.body, doc);
}
