//! Email verification over real SMTP: sign-up mails a link; until it is opened the person may
//! not create API keys; the link works once; a new one can be asked for; the CLI does both.

use crate::harness::{assert_problem, TestApp};
use crate::mailbox::{mails, token_in};
use serde_json::json;

fn signup(app: &TestApp, slug: &str, email: &str) -> String {
    let r = app.post(
        "/v1/auth/signup",
        None,
        &json!({"tenant_slug": slug, "tenant_name": "Verify & Co", "email": email,
                "password": "correct horse battery"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["user"]["email_verified"], false);
    r.body["tokens"]["access_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn create_key(app: &TestApp, token: &str) -> crate::harness::Reply {
    app.post(
        "/v1/api-keys",
        Some(token),
        &json!({"name": "ci", "scopes": ["write"]}),
    )
}

#[test]
fn a_new_person_verifies_their_email_before_creating_api_keys() {
    let app = TestApp::spawn();
    let email = format!("ada-{}@verify.test", uuid::Uuid::new_v4().simple());
    let token = signup(&app, "verify-co", &email);

    assert_problem(&create_key(&app, &token), 403, "email_unverified");
    let invite = |email: &str| {
        app.post(
            "/v1/invites",
            Some(&token),
            &json!({"email": email, "role": "editor"}),
        )
    };
    assert_problem(&invite("friend@verify.test"), 403, "email_unverified");
    let mail = &mails(&email, "Verify your email", 1)[0];
    assert!(
        mail["html"].as_str().unwrap().contains("Verify &amp; Co"),
        "{mail}"
    );
    assert!(mail["text"].as_str().unwrap().contains("Verify & Co"));
    let link = token_in(mail, "/verify");
    assert!(link.starts_with("vqv_"), "{link}");

    let verified = app.post("/v1/auth/verify", None, &json!({"token": link}));
    assert_eq!(verified.status, 200, "{}", verified.body);
    assert_eq!(verified.body["email_verified"], true);
    assert_eq!(create_key(&app, &token).status, 201);
    assert_eq!(invite("friend@verify.test").status, 201);
    // Once only; a made-up token and garbage get the same clear error.
    for bad in [
        link.as_str(),
        "vqv_0000000000000000000000000000000000000000000",
        "x",
    ] {
        assert_problem(
            &app.post("/v1/auth/verify", None, &json!({"token": bad})),
            400,
            "verification_token_invalid",
        );
    }
    // Nothing left to resend.
    assert_problem(
        &app.post("/v1/auth/verify/resend", Some(&token), &json!({})),
        409,
        "email_already_verified",
    );
}

#[test]
fn a_new_link_replaces_the_old_one_and_expired_links_fail() {
    let app = TestApp::spawn();
    let email = format!("bo-{}@verify.test", uuid::Uuid::new_v4().simple());
    let token = signup(&app, "resend-co", &email);
    let first = token_in(&mails(&email, "Verify your email", 1)[0], "/verify");
    let resent = app.post("/v1/auth/verify/resend", Some(&token), &json!({}));
    assert_eq!(resent.status, 202, "{}", resent.body);
    let second = token_in(&mails(&email, "Verify your email", 2)[1], "/verify");
    assert_ne!(first, second);
    assert_problem(
        &app.post("/v1/auth/verify", None, &json!({"token": first})),
        400,
        "verification_token_invalid",
    );
    // An expired link fails too.
    let db = app.owner_db();
    crate::harness::block_on(sea_orm::ConnectionTrait::execute_unprepared(
        &db,
        "update email_verifications set expires_at = now() - interval '1 minute'",
    ))
    .unwrap();
    assert_problem(
        &app.post("/v1/auth/verify", None, &json!({"token": second})),
        400,
        "verification_token_invalid",
    );
    // API keys cannot resend for anyone.
    let owner = app.signup("resend-keys");
    let (_, key) = app.api_key(&owner.access, &["admin"]);
    assert_problem(
        &app.post("/v1/auth/verify/resend", Some(&key), &json!({})),
        403,
        "people_only",
    );
}

#[test]
fn with_verification_off_keys_need_no_link() {
    let app = TestApp::spawn_with(|s| s.auth.require_verified_email = false);
    let email = format!("cy-{}@verify.test", uuid::Uuid::new_v4().simple());
    let token = signup(&app, "noverify-co", &email);
    assert_eq!(create_key(&app, &token).status, 201);
}

/// Signing up from an invite proves the address: the new person may create keys at once.
#[test]
fn a_person_who_signs_up_from_an_invite_is_verified() {
    let app = TestApp::spawn();
    let owner = app.signup("invite-verify");
    let email = format!("dee-{}@verify.test", uuid::Uuid::new_v4().simple());
    let invited = app.post(
        "/v1/invites",
        Some(&owner.access),
        &json!({"email": email, "role": "admin"}),
    );
    assert_eq!(invited.status, 201, "{}", invited.body);
    let mail = &mails(&email, "invite", 1)[0];
    let link = token_in(mail, "/invites/accept");
    let joined = app.post(
        "/v1/invites/accept/signup",
        None,
        &json!({"token": link, "password": "correct horse battery"}),
    );
    assert_eq!(joined.status, 201, "{}", joined.body);
    let token = joined.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(create_key(&app, &token).status, 201);
    assert!(mails(&email, "Verify your email", 0).is_empty());
}

/// The app role reaches verification links only through the definer functions.
#[test]
fn the_app_role_cannot_read_or_write_verification_links() {
    let app = TestApp::spawn();
    app.signup("verify-rls");
    crate::harness::block_on(async {
        let db = sea_orm::Database::connect(app.app_db_url()).await.unwrap();
        for sql in [
            "select count(*) from email_verifications",
            "insert into email_verifications (token_hash, user_id, expires_at) \
             select sha256('x'), id, now() from users",
            "update users set email_verified_at = now()",
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
