//! People in several organisations: login picks one, `orgs` lists them, `switch` moves the
//! session; members are listed, their roles changed, removed, or leave; the last owner stays;
//! each change is audited, and nobody sees another organisation's people.

use crate::harness::{assert_problem, block_on, TestApp};
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

const PASSWORD: &str = "correct horse battery";

fn login(app: &TestApp, email: &str, org: Option<&str>) -> crate::harness::Reply {
    let mut body = json!({"email": email, "password": PASSWORD});
    if let Some(org) = org {
        body["organisation"] = json!(org);
    }
    app.post("/v1/auth/login", None, &body)
}

fn user_id(app: &TestApp, token: &str) -> String {
    app.get("/v1/me", Some(token)).body["subject"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Makes `user` a member of `tenant` as the database owner would once an invite is accepted.
fn join(app: &TestApp, tenant: &str, user: &str, role: &str) {
    let db = app.owner_db();
    block_on(db.execute_unprepared(&format!(
        "insert into memberships (tenant_id, user_id, role) values ('{tenant}', '{user}', '{role}')"
    )))
    .unwrap();
}

fn emails(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            format!(
                "{}:{}",
                m["email"].as_str().unwrap(),
                m["role"].as_str().unwrap()
            )
        })
        .collect()
}

fn audit_actions(app: &TestApp, token: &str) -> Vec<String> {
    app.get("/v1/audit?limit=500", Some(token)).body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_person_belongs_to_several_organisations_and_switches_between_them() {
    let app = TestApp::spawn();
    let acme = app.signup("acme");
    let bob_home = app.signup("bobco");
    let bob = user_id(&app, &bob_home.access);
    join(&app, &acme.tenant_id, &bob, "editor");

    // Without naming one, a login is for the organisation joined first.
    let first = login(&app, "owner@bobco.test", None);
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["tenant_id"], bob_home.tenant_id.as_str());
    let token = first.body["access_token"].as_str().unwrap().to_owned();

    let orgs = app.get("/v1/orgs", Some(&token));
    assert_eq!(orgs.status, 200, "{}", orgs.body);
    let listed: Vec<(String, String, bool)> = orgs.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["slug"].as_str().unwrap().to_owned(),
                o["role"].as_str().unwrap().to_owned(),
                o["current"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![
            ("bobco".to_owned(), "owner".to_owned(), true),
            ("acme".to_owned(), "editor".to_owned(), false)
        ]
    );

    // Switching gives a session for acme with bob's role there.
    let switched = app.post(
        "/v1/auth/switch",
        Some(&token),
        &json!({"organisation": "acme"}),
    );
    assert_eq!(switched.status, 200, "{}", switched.body);
    assert_eq!(switched.body["tenant_id"], acme.tenant_id.as_str());
    let in_acme = switched.body["access_token"].as_str().unwrap().to_owned();
    let me = app.get("/v1/me", Some(&in_acme));
    assert_eq!(me.body["tenant_slug"], "acme");
    assert_eq!(me.body["role"], "editor");
    // An editor cannot manage acme's members, and bob's own organisation's data is not there.
    assert_eq!(
        app.put_json(
            &format!("/v1/members/{bob}/role"),
            Some(&in_acme),
            &json!({"role": "admin"})
        )
        .status,
        403
    );
    // A login can name the organisation too; one the person is not in is refused clearly.
    let named = login(&app, "owner@bobco.test", Some("acme"));
    assert_eq!(named.body["tenant_id"], acme.tenant_id.as_str());
    assert_problem(
        &login(&app, "owner@bobco.test", Some("nowhere")),
        403,
        "not_a_member",
    );
    assert_problem(
        &app.post(
            "/v1/auth/switch",
            Some(&token),
            &json!({"organisation": "nowhere"}),
        ),
        403,
        "not_a_member",
    );
    // API keys belong to one organisation: no list, no switch.
    let (_, key) = app.api_key(&acme.access, &["admin"]);
    assert_problem(&app.get("/v1/orgs", Some(&key)), 403, "people_only");
    assert_problem(
        &app.post(
            "/v1/auth/switch",
            Some(&key),
            &json!({"organisation": "bobco"}),
        ),
        403,
        "people_only",
    );
    // A person creates another organisation of their own and is its owner there.
    let created = app.post(
        "/v1/orgs",
        Some(&token),
        &json!({"slug": "bob-labs", "name": "Bob Labs"}),
    );
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["organisation"]["name"], "Bob Labs");
    let in_labs = created.body["tokens"]["access_token"].as_str().unwrap();
    assert_eq!(app.get("/v1/me", Some(in_labs)).body["role"], "owner");
    let slugs: Vec<Value> = app.get("/v1/orgs", Some(in_labs)).body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["slug"].clone())
        .collect();
    assert_eq!(
        slugs,
        vec![json!("bobco"), json!("acme"), json!("bob-labs")]
    );
    assert_problem(
        &app.post("/v1/orgs", Some(in_labs), &json!({"slug": "acme"})),
        409,
        "tenant_slug_taken",
    );
    // Each organisation audits its own sessions.
    assert!(audit_actions(&app, &acme.access).contains(&"session.switch".to_owned()));
    assert!(!audit_actions(&app, &bob_home.access).contains(&"session.switch".to_owned()));
}

#[test]
fn members_are_listed_changed_and_removed_and_the_last_owner_stays() {
    let app = TestApp::spawn();
    let acme = app.signup("acme-members");
    let alice = user_id(&app, &acme.access);
    let bob_home = app.signup("bob-members");
    let bob = user_id(&app, &bob_home.access);
    join(&app, &acme.tenant_id, &bob, "viewer");
    let carol_home = app.signup("carol-members");
    let carol = user_id(&app, &carol_home.access);
    join(&app, &acme.tenant_id, &carol, "admin");

    let list = app.get("/v1/members", Some(&acme.access));
    assert_eq!(list.status, 200, "{}", list.body);
    assert_eq!(
        emails(&list.body),
        vec![
            "owner@acme-members.test:owner",
            "owner@carol-members.test:admin",
            "owner@bob-members.test:viewer"
        ]
    );
    // Another organisation sees only its own people.
    assert_eq!(
        emails(&app.get("/v1/members", Some(&bob_home.access)).body),
        vec!["owner@bob-members.test:owner"]
    );

    let carol_in_acme = login(&app, "owner@carol-members.test", Some("acme-members")).body
        ["access_token"]
        .as_str()
        .unwrap()
        .to_owned();
    // An admin promotes a viewer to editor, but may not make an owner or touch one.
    let promoted = app.put_json(
        &format!("/v1/members/{bob}/role"),
        Some(&carol_in_acme),
        &json!({"role": "editor"}),
    );
    assert_eq!(promoted.status, 200, "{}", promoted.body);
    assert_eq!(promoted.body["role"], "editor");
    assert_problem(
        &app.put_json(
            &format!("/v1/members/{bob}/role"),
            Some(&carol_in_acme),
            &json!({"role": "owner"}),
        ),
        403,
        "forbidden",
    );
    assert_problem(
        &app.delete(&format!("/v1/members/{alice}"), Some(&carol_in_acme)),
        403,
        "forbidden",
    );
    // The last owner cannot be demoted, removed, or leave.
    assert_problem(
        &app.put_json(
            &format!("/v1/members/{alice}/role"),
            Some(&acme.access),
            &json!({"role": "admin"}),
        ),
        409,
        "last_owner",
    );
    assert_problem(
        &app.post("/v1/members/leave", Some(&acme.access), &json!({})),
        409,
        "last_owner",
    );
    // With a second owner, the first may step down.
    let made_owner = app.put_json(
        &format!("/v1/members/{carol}/role"),
        Some(&acme.access),
        &json!({"role": "owner"}),
    );
    assert_eq!(made_owner.status, 200, "{}", made_owner.body);
    let stepped_down = app.put_json(
        &format!("/v1/members/{alice}/role"),
        Some(&acme.access),
        &json!({"role": "admin"}),
    );
    assert_eq!(stepped_down.status, 200, "{}", stepped_down.body);

    // A removed member's session in the organisation ends at its next refresh.
    let bob_login = login(&app, "owner@bob-members.test", Some("acme-members"));
    let bob_refresh = bob_login.body["refresh_token"].as_str().unwrap().to_owned();
    let removed = app.delete(&format!("/v1/members/{bob}"), Some(&carol_in_acme));
    assert_eq!(removed.status, 204, "{}", removed.body);
    assert_eq!(
        app.post(
            "/v1/auth/refresh",
            None,
            &json!({"refresh_token": bob_refresh})
        )
        .status,
        401
    );
    assert_problem(
        &login(&app, "owner@bob-members.test", Some("acme-members")),
        403,
        "not_a_member",
    );
    // Bob's own organisation is untouched.
    assert_eq!(
        login(&app, "owner@bob-members.test", None).body["tenant_id"],
        bob_home.tenant_id.as_str()
    );
    assert_problem(
        &app.delete(&format!("/v1/members/{bob}"), Some(&carol_in_acme)),
        404,
        "not_found",
    );

    let actions = audit_actions(&app, &carol_in_acme);
    for action in ["member.role_change", "member.remove"] {
        assert!(
            actions.contains(&action.to_owned()),
            "{action} in {actions:?}"
        );
    }
    let roles: Vec<Value> = app.get("/v1/audit?limit=500", Some(&carol_in_acme)).body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "member.role_change")
        .map(|e| json!([e["object"], e["before_hash"], e["after_hash"]]))
        .collect();
    assert!(
        roles.contains(&json!([
            format!("member:{bob}"),
            "role:viewer",
            "role:editor"
        ])),
        "{roles:?}"
    );
    // The chain still verifies with the new actions in it.
    assert_eq!(
        app.get("/v1/audit/verify", Some(&carol_in_acme)).body["ok"],
        true
    );
}

#[test]
fn a_member_leaves_and_loses_the_organisation_only() {
    let app = TestApp::spawn();
    let acme = app.signup("acme-leave");
    let dan_home = app.signup("dan-leave");
    let dan = user_id(&app, &dan_home.access);
    join(&app, &acme.tenant_id, &dan, "editor");
    let in_acme = login(&app, "owner@dan-leave.test", Some("acme-leave"));
    let token = in_acme.body["access_token"].as_str().unwrap().to_owned();
    let refresh = in_acme.body["refresh_token"].as_str().unwrap().to_owned();
    let left = app.post("/v1/members/leave", Some(&token), &json!({}));
    assert_eq!(left.status, 204, "{}", left.body);
    assert_eq!(
        app.post("/v1/auth/refresh", None, &json!({"refresh_token": refresh}))
            .status,
        401
    );
    assert_eq!(
        emails(&app.get("/v1/members", Some(&acme.access)).body),
        vec!["owner@acme-leave.test:owner"]
    );
    assert!(audit_actions(&app, &acme.access).contains(&"member.leave".to_owned()));
    let orgs = app.get("/v1/orgs", Some(&dan_home.access));
    assert_eq!(orgs.body["items"].as_array().unwrap().len(), 1);
}

/// Row-level security on people: a tenant's transaction sees exactly its members' rows, and
/// cannot change or delete any person, its own members included.
#[test]
fn people_are_visible_only_through_a_membership_and_never_writable() {
    use versiqii_core::TenantId;
    use versiqii_store::Store;
    let app = TestApp::spawn();
    let a = app.signup("people-a");
    let b = app.signup("people-b");
    let b_user = user_id(&app, &b.access);
    block_on(async {
        let store = Store::connect(&app.app_db_url(), 2).await.unwrap();
        let tx = store
            .begin_for(TenantId(a.tenant_id.parse().unwrap()))
            .await
            .unwrap();
        let db = tx.connection();
        let count = |sql: &str| {
            let sql = sql.to_owned();
            async move {
                db.query_one(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    sql,
                ))
                .await
                .unwrap()
                .unwrap()
                .try_get_by_index::<i64>(0)
                .unwrap()
            }
        };
        assert_eq!(count("select count(*) from users").await, 1);
        assert_eq!(
            count(&format!("select count(*) from users where id = '{b_user}'")).await,
            0
        );
        tx.commit().await.unwrap();
        for verb in [
            "update users set password_hash = 'x'".to_owned(),
            "delete from users".to_owned(),
        ] {
            let tx = store
                .begin_for(TenantId(a.tenant_id.parse().unwrap()))
                .await
                .unwrap();
            let err = tx
                .connection()
                .execute(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    verb.clone(),
                ))
                .await
                .unwrap_err();
            assert!(
                err.to_string().contains("permission denied"),
                "{verb}: {err}"
            );
        }
    });
}
