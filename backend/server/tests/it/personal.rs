//! People with no organisation: a sign-up without one, a person whose last membership ended, and
//! their personal sessions (no tenant: organisations, invites and switching, nothing else).

use crate::harness::{assert_problem, Reply, TestApp};
use crate::mailbox::{mails, token_in};
use serde_json::json;
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery";

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", &Uuid::new_v4().simple().to_string()[..10])
}

fn signup_alone(app: &TestApp, email: &str) -> Reply {
    app.post(
        "/v1/auth/signup",
        None,
        &json!({"email": email, "password": PASSWORD, "display_name": "Solo"}),
    )
}

fn login(app: &TestApp, email: &str) -> Reply {
    app.post(
        "/v1/auth/login",
        None,
        &json!({"email": email, "password": PASSWORD}),
    )
}

fn refresh(app: &TestApp, token: &str) -> Reply {
    app.post("/v1/auth/refresh", None, &json!({ "refresh_token": token }))
}

fn text(v: &serde_json::Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not text: {v}"))
        .to_owned()
}

#[test]
fn a_person_signs_up_without_an_organisation_and_creates_one_later() {
    let app = TestApp::spawn();
    let email = format!("{}@solo.test", unique("solo"));
    let r = signup_alone(&app, &email);
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["tenant"], json!(null));
    assert_eq!(r.body["user"]["role"], json!(null));
    assert_eq!(r.body["user"]["email"], email.as_str());
    assert_eq!(r.body["tokens"]["tenant_id"], json!(null));
    let access = text(&r.body["tokens"]["access_token"]);
    let first_refresh = text(&r.body["tokens"]["refresh_token"]);
    // The verification mail goes out as for any sign-up, naming no organisation.
    let mail = &mails(&email, "Verify your email", 1)[0];
    assert!(!token_in(mail, "/verify").is_empty());

    // A personal session reaches no organisation's data, with a code saying why.
    for path in ["/v1/me", "/v1/families", "/v1/members", "/v1/api-keys"] {
        assert_problem(&app.get(path, Some(&access)), 403, "no_organisation");
    }
    let orgs = app.get("/v1/orgs", Some(&access));
    assert_eq!(orgs.status, 200, "{}", orgs.body);
    assert_eq!(orgs.body["items"], json!([]));

    // It refreshes like any session: a token asked again at once while its successor is unused
    // is a lost answer (a new successor); once the successor is used, a replay ends them all.
    let next = refresh(&app, &first_refresh);
    assert_eq!(next.status, 200, "{}", next.body);
    assert_eq!(next.body["tenant_id"], json!(null));
    assert_eq!(next.body["user_id"], r.body["user"]["id"]);
    let lost = text(&next.body["refresh_token"]);
    let retried = refresh(&app, &first_refresh);
    assert_eq!(retried.status, 200, "{}", retried.body);
    let second_refresh = text(&retried.body["refresh_token"]);
    assert_ne!(second_refresh, lost);
    let third = refresh(&app, &second_refresh);
    assert_eq!(third.status, 200, "{}", third.body);
    let third_refresh = text(&third.body["refresh_token"]);
    let fourth = refresh(&app, &third_refresh);
    assert_eq!(fourth.status, 200, "{}", fourth.body);
    let fourth_refresh = text(&fourth.body["refresh_token"]);
    assert_problem(&refresh(&app, &second_refresh), 401, "unauthenticated");
    assert_problem(&refresh(&app, &fourth_refresh), 401, "unauthenticated");

    // Signing in again gives a personal session too, since the person is in no organisation.
    let again = login(&app, &email);
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.body["tenant_id"], json!(null));
    let access = text(&again.body["access_token"]);
    // Naming an organisation they are not in is still refused.
    let named = app.post(
        "/v1/auth/login",
        None,
        &json!({"email": email, "password": PASSWORD, "organisation": "nowhere"}),
    );
    assert_problem(&named, 403, "not_a_member");

    // The personal session creates the first organisation and gets a session there.
    let slug = unique("solo-org");
    let created = app.post("/v1/orgs", Some(&access), &json!({ "slug": slug }));
    assert_eq!(created.status, 201, "{}", created.body);
    let owner = text(&created.body["tokens"]["access_token"]);
    let me = app.get("/v1/me", Some(&owner));
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.body["role"], "owner");
    assert_eq!(me.body["tenant_slug"], slug.as_str());
    let orgs = app.get("/v1/orgs", Some(&access));
    assert_eq!(orgs.body["items"][0]["slug"], slug.as_str());
    assert_eq!(orgs.body["items"][0]["current"], false);
    // From now on a login is for that organisation.
    let in_org = login(&app, &email);
    assert_eq!(in_org.body["tenant_id"], created.body["organisation"]["id"]);
}

#[test]
fn a_person_in_no_organisation_accepts_an_invite_signed_in() {
    let app = TestApp::spawn();
    let slug = unique("solo-acme");
    let acme = app.signup(&slug);
    let email = format!("{}@solo.test", unique("joiner"));
    assert_eq!(signup_alone(&app, &email).status, 201);
    let invited = app.post(
        "/v1/invites",
        Some(&acme.access),
        &json!({"email": email, "role": "editor"}),
    );
    assert_eq!(invited.status, 201, "{}", invited.body);
    let link = token_in(
        &mails(&email, "You are invited to ", 1)[0],
        "/invites/accept",
    );

    let personal = login(&app, &email);
    assert_eq!(personal.body["tenant_id"], json!(null));
    let access = text(&personal.body["access_token"]);
    let accepted = app.post(
        "/v1/invites/accept",
        Some(&access),
        &json!({ "token": link }),
    );
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    assert_eq!(accepted.body["tenant_id"], acme.tenant_id.as_str());
    let member = text(&accepted.body["access_token"]);
    assert_eq!(app.get("/v1/me", Some(&member)).body["role"], "editor");
}

#[test]
fn a_person_whose_last_membership_ends_still_signs_in_personally() {
    let app = TestApp::spawn();
    let slug = unique("solo-left");
    let acme = app.signup(&slug);
    let email = format!("{}@solo.test", unique("leaver"));
    assert_eq!(signup_alone(&app, &email).status, 201);
    let invited = app.post(
        "/v1/invites",
        Some(&acme.access),
        &json!({"email": email, "role": "viewer"}),
    );
    assert_eq!(invited.status, 201, "{}", invited.body);
    let link = token_in(
        &mails(&email, "You are invited to ", 1)[0],
        "/invites/accept",
    );
    let personal = text(&login(&app, &email).body["access_token"]);
    let member = app.post(
        "/v1/invites/accept",
        Some(&personal),
        &json!({ "token": link }),
    );
    let member = text(&member.body["access_token"]);
    assert_eq!(
        app.post("/v1/members/leave", Some(&member), &json!({}))
            .status,
        204
    );
    let after = login(&app, &email);
    assert_eq!(after.status, 200, "{}", after.body);
    assert_eq!(after.body["tenant_id"], json!(null));
    let access = text(&after.body["access_token"]);
    assert_problem(
        &app.get("/v1/families", Some(&access)),
        403,
        "no_organisation",
    );
}

#[test]
fn logout_and_a_password_reset_end_personal_sessions() {
    let app = TestApp::spawn();
    let email = format!("{}@solo.test", unique("reset-solo"));
    let r = signup_alone(&app, &email);
    assert_eq!(r.status, 201, "{}", r.body);
    let first = text(&r.body["tokens"]["refresh_token"]);
    let out = app.post("/v1/auth/logout", None, &json!({ "refresh_token": first }));
    assert_eq!(out.status, 204);
    assert_problem(&refresh(&app, &first), 401, "unauthenticated");

    let kept = text(&login(&app, &email).body["refresh_token"]);
    let forgot = app.post("/v1/auth/password/forgot", None, &json!({ "email": email }));
    assert_eq!(forgot.status, 202, "{}", forgot.body);
    let token = token_in(&mails(&email, "Reset your", 1)[0], "/reset");
    let reset = app.post(
        "/v1/auth/password/reset",
        None,
        &json!({"token": token, "password": "a brand new passphrase"}),
    );
    assert_eq!(reset.status, 204, "{}", reset.body);
    assert_problem(&refresh(&app, &kept), 401, "unauthenticated");
}

/// A forged token with a tenant but no role (or the reverse) is no session at all.
#[test]
fn half_a_membership_in_a_token_is_malformed() {
    const SECRET: &str = "a-test-secret-of-at-least-32-bytes!!";
    let app = TestApp::spawn_with(|s| s.auth.jwt_secret = SECRET.to_owned());
    let s = app.signup(&unique("half"));
    let now = jsonwebtoken::get_current_timestamp();
    let sub = Uuid::new_v4();
    for claims in [
        json!({"sub": sub, "tid": s.tenant_id, "iss": "versiqii", "aud": "versiqii-api",
               "iat": now, "exp": now + 600}),
        json!({"sub": sub, "role": "owner", "iss": "versiqii", "aud": "versiqii-api",
               "iat": now, "exp": now + 600}),
    ] {
        let token = jsonwebtoken::encode(
            &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
            &claims,
            &jsonwebtoken::EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap();
        assert_problem(&app.get("/v1/orgs", Some(&token)), 401, "unauthenticated");
        assert_problem(&app.get("/v1/me", Some(&token)), 401, "unauthenticated");
    }
}

/// The app role reaches personal sessions only through the definer functions.
#[test]
fn the_app_role_cannot_read_or_write_personal_sessions() {
    let app = TestApp::spawn();
    let email = format!("{}@solo.test", unique("rls-solo"));
    assert_eq!(signup_alone(&app, &email).status, 201);
    crate::harness::block_on(async {
        let db = sea_orm::Database::connect(app.app_db_url()).await.unwrap();
        for sql in [
            "select count(*) from person_sessions",
            "insert into person_sessions (id, user_id, token_hash, expires_at) \
             select gen_random_uuid(), id, sha256('x'), now() + interval '1 day' from users",
            "update person_sessions set revoked_at = null",
            "delete from person_sessions",
        ] {
            let err = sea_orm::ConnectionTrait::execute_unprepared(&db, sql)
                .await
                .unwrap_err();
            assert!(
                err.to_string().contains("permission denied"),
                "{sql}: {err}"
            );
        }
    });
}

#[test]
fn the_cli_signs_up_without_an_organisation_and_creates_one() {
    use crate::cli::{text, Cli};
    let app = TestApp::spawn();
    let cli = Cli::new(&app);
    let email = format!("{}@solo.test", unique("cli-solo"));
    let out = cli.run(
        &["signup", "--email", &email, "--password-stdin"],
        &[],
        Some("correct horse battery\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("in no organisation yet"),
        "{}",
        text(&out.stdout)
    );
    let out = cli.run(&["orgs", "list", "--output", "json"], &[], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed, json!([]), "{listed}");
    let out = cli.run(&["whoami"], &[], None);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no organisation"),
        "{}",
        text(&out.stderr)
    );

    let slug = unique("cli-solo-org");
    let out = cli.run(&["orgs", "create", &slug], &[], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = cli.run(&["whoami", "--output", "json"], &[], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let me: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(me["role"], "owner");
    assert_eq!(me["tenant_slug"], slug.as_str());
}
