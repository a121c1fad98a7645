//! Invites end to end through the real SMTP receiver: an admin invites an email with a role, the
//! mail arrives (text and HTML, the organisation, the link), and the invitee accepts signed in or
//! by signing up; the link works once, expires, is for one email, and stops working when revoked
//! or resent. Only admins invite, only owners invite owners, and another organisation sees none
//! of it.

use crate::harness::{assert_problem, block_on, Reply, Session, TestApp};
use crate::mailbox::{mails, token_in};
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery";
const LINK: &str = "http://console.test/invites/accept?token=";
/// The subject an invite mail begins with (people who signed up get a verification mail too).
const INVITED: &str = "You are invited to ";

/// A name no other test (or earlier run against the same receiver) uses.
fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", &Uuid::new_v4().simple().to_string()[..10])
}

fn login(app: &TestApp, email: &str, org: &str) -> String {
    let r = app.post(
        "/v1/auth/login",
        None,
        &json!({"email": email, "password": PASSWORD, "organisation": org}),
    );
    assert_eq!(r.status, 200, "login {email} into {org}: {}", r.body);
    r.body["access_token"].as_str().unwrap().to_owned()
}

fn user_id(app: &TestApp, token: &str) -> String {
    app.get("/v1/me", Some(token)).body["subject"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Makes `user` a member of `tenant` directly, for a caller with a given role.
fn join(app: &TestApp, tenant: &str, user: &str, role: &str) {
    block_on(app.owner_db().execute_unprepared(&format!(
        "insert into memberships (tenant_id, user_id, role) values ('{tenant}', '{user}', '{role}')"
    )))
    .unwrap();
}

fn invite(app: &TestApp, token: &str, email: &str, role: &str) -> Reply {
    app.post(
        "/v1/invites",
        Some(token),
        &json!({"email": email, "role": role}),
    )
}

fn accept(app: &TestApp, session: &str, token: &str) -> Reply {
    app.post(
        "/v1/invites/accept",
        Some(session),
        &json!({ "token": token }),
    )
}

fn accept_signup(app: &TestApp, token: &str) -> Reply {
    app.post(
        "/v1/invites/accept/signup",
        None,
        &json!({"token": token, "password": PASSWORD, "display_name": "New Person"}),
    )
}

fn audit_actions(app: &TestApp, token: &str) -> Vec<String> {
    app.get("/v1/audit?limit=500", Some(token)).body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect()
}

fn states(app: &TestApp, token: &str) -> Vec<(String, String)> {
    let r = app.get("/v1/invites", Some(token));
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["email"].as_str().unwrap().to_owned(),
                i["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// An organisation with its owner signed in, named uniquely.
fn organisation(app: &TestApp, prefix: &str) -> (String, Session) {
    let slug = unique(prefix);
    let session = app.signup(&slug);
    (slug, session)
}

#[test]
fn an_invited_person_gets_the_mail_and_accepts_signed_in() {
    let app = TestApp::spawn();
    let (slug, acme) = organisation(&app, "inv-acme");
    let (bob_slug, bob_home) = organisation(&app, "inv-bob");
    let bob_email = format!("owner@{bob_slug}.test");
    let bob = user_id(&app, &bob_home.access);

    let r = invite(&app, &acme.access, &bob_email.to_uppercase(), "editor");
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["email"], bob_email.as_str(), "stored in lower case");
    assert_eq!(r.body["role"], "editor");
    assert_eq!(r.body["state"], "pending");
    assert_eq!(r.body["send_count"], 1);
    let invite_id = r.body["id"].as_str().unwrap().to_owned();
    assert!(
        !r.body.to_string().contains("vqi_"),
        "no token in the answer"
    );

    let mails = mails(&bob_email, INVITED, 1);
    let mail = &mails[0];
    assert_eq!(
        mail["subject"],
        format!("You are invited to {slug} on Versiqii")
    );
    assert_eq!(mail["content_type"], "multipart/alternative");
    let text = mail["text"].as_str().unwrap();
    assert!(text.contains(&format!("organisation {slug}")), "{text}");
    assert!(
        text.contains(&format!("owner@{slug}.test invited you")),
        "{text}"
    );
    assert!(
        text.contains("as editor") && text.contains("7 days"),
        "{text}"
    );
    let token = token_in(mail, "http://console.test/invites/accept");
    assert!(token.starts_with("vqi_") && token.len() == 47, "{token}");
    let html = mail["html"].as_str().expect("an HTML part");
    assert!(html.contains(&format!("href=\"{LINK}{token}\"")), "{html}");
    assert!(html.contains(&format!("<strong>{slug}</strong>")), "{html}");
    // Only the token's SHA-256 is stored.
    let rows = block_on(app.owner_db().query_all(sea_orm::Statement::from_string(
        sea_orm::DbBackend::Postgres,
        "select token_hash from invites",
    )))
    .unwrap();
    let hash: Vec<u8> = rows[0].try_get("", "token_hash").unwrap();
    assert_eq!(
        hash,
        <sha2::Sha256 as sha2::Digest>::digest(token.as_bytes()).to_vec()
    );

    // Bob accepts with his own organisation's session: a session in acme as an editor.
    let r = accept(&app, &bob_home.access, &token);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["tenant_id"], acme.tenant_id.as_str());
    assert_eq!(r.body["user_id"], bob.as_str());
    let in_acme = r.body["access_token"].as_str().unwrap().to_owned();
    let me = app.get("/v1/me", Some(&in_acme));
    assert_eq!(me.body["tenant_slug"], slug.as_str());
    assert_eq!(me.body["role"], "editor");
    let orgs = app.get("/v1/orgs", Some(&bob_home.access));
    let listed: Vec<String> = orgs.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            format!(
                "{}:{}",
                o["slug"].as_str().unwrap(),
                o["role"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        listed,
        vec![format!("{bob_slug}:owner"), format!("{slug}:editor")]
    );
    // The refresh token works for acme too.
    let refreshed = app.post(
        "/v1/auth/refresh",
        None,
        &json!({"refresh_token": r.body["refresh_token"]}),
    );
    assert_eq!(refreshed.body["tenant_id"], acme.tenant_id.as_str());

    // The link works once.
    assert_problem(&accept(&app, &bob_home.access, &token), 409, "invite_used");
    assert_problem(&accept_signup(&app, &token), 409, "invite_used");
    let list = app.get("/v1/invites", Some(&acme.access));
    let item = &list.body["items"][0];
    assert_eq!(item["id"], invite_id.as_str());
    assert_eq!(item["state"], "accepted");
    assert_eq!(item["accepted_by"], bob.as_str());
    // An accepted invite is not resent or revoked; its member is already one.
    assert_problem(
        &app.post(
            &format!("/v1/invites/{invite_id}/resend"),
            Some(&acme.access),
            &json!({}),
        ),
        409,
        "invite_used",
    );
    assert_problem(
        &app.delete(&format!("/v1/invites/{invite_id}"), Some(&acme.access)),
        409,
        "invite_used",
    );
    assert_problem(
        &invite(&app, &acme.access, &bob_email, "viewer"),
        409,
        "already_member",
    );
    // Audited in the inviting organisation only.
    let acme_audit = audit_actions(&app, &acme.access);
    for action in ["invite.create", "invite.accept"] {
        assert!(acme_audit.contains(&action.to_owned()), "{acme_audit:?}");
    }
    assert!(!audit_actions(&app, &bob_home.access).contains(&"invite.accept".to_owned()));
}

#[test]
fn a_new_person_accepts_by_signing_up() {
    let app = TestApp::spawn();
    let (slug, acme) = organisation(&app, "inv-new");
    let email = format!("{}@newcomer.test", unique("dana"));
    assert_eq!(invite(&app, &acme.access, &email, "viewer").status, 201);
    let token = token_in(
        &mails(&email, INVITED, 1)[0],
        "http://console.test/invites/accept",
    );

    // Too short a password is refused before the link is used.
    let short = app.post(
        "/v1/invites/accept/signup",
        None,
        &json!({"token": token, "password": "short"}),
    );
    assert_problem(&short, 422, "invalid_input");

    let r = accept_signup(&app, &token);
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["tenant_id"], acme.tenant_id.as_str());
    let access = r.body["access_token"].as_str().unwrap().to_owned();
    assert_eq!(app.get("/v1/me", Some(&access)).body["role"], "viewer");
    // The person signs in with the invite's email and their password.
    let again = login(&app, &email, &slug);
    assert_eq!(
        app.get("/v1/me", Some(&again)).body["tenant_slug"],
        slug.as_str()
    );
    let members = app.get("/v1/members", Some(&acme.access));
    let dana = members.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == email.as_str())
        .cloned()
        .expect("the new member is listed");
    assert_eq!(dana["role"], "viewer");
    assert_eq!(dana["display_name"], "New Person");
    // Used once.
    assert_problem(&accept_signup(&app, &token), 409, "invite_used");
    assert_eq!(
        states(&app, &acme.access),
        vec![(email, "accepted".to_owned())]
    );
}

#[test]
fn signing_up_with_an_invite_for_an_existing_account_says_sign_in() {
    let app = TestApp::spawn();
    let (_, acme) = organisation(&app, "inv-taken");
    let (bob_slug, bob_home) = organisation(&app, "inv-taken-bob");
    let bob_email = format!("owner@{bob_slug}.test");
    assert_eq!(invite(&app, &acme.access, &bob_email, "admin").status, 201);
    let token = token_in(
        &mails(&bob_email, INVITED, 1)[0],
        "http://console.test/invites/accept",
    );
    assert_problem(&accept_signup(&app, &token), 409, "email_taken");
    // Nothing was used up: signed in, it works.
    assert_eq!(accept(&app, &bob_home.access, &token).status, 200);
}

#[test]
fn expired_foreign_revoked_and_unknown_links_are_refused_clearly() {
    let app = TestApp::spawn();
    let (_, acme) = organisation(&app, "inv-refused");
    let (bob_slug, bob_home) = organisation(&app, "inv-refused-bob");
    let (_, eve_home) = organisation(&app, "inv-refused-eve");
    let bob_email = format!("owner@{bob_slug}.test");
    assert_eq!(invite(&app, &acme.access, &bob_email, "editor").status, 201);
    let token = token_in(
        &mails(&bob_email, INVITED, 1)[0],
        "http://console.test/invites/accept",
    );

    // Another person's session: the invite is not for their email.
    assert_problem(
        &accept(&app, &eve_home.access, &token),
        403,
        "invite_for_another_email",
    );
    // Unknown and malformed tokens.
    let unknown = format!("vqi_{}", "A".repeat(43));
    assert_problem(
        &accept(&app, &bob_home.access, &unknown),
        404,
        "invite_invalid",
    );
    assert_problem(
        &accept(&app, &bob_home.access, "nonsense"),
        404,
        "invite_invalid",
    );
    assert_problem(&accept_signup(&app, &unknown), 404, "invite_invalid");

    // Expired: after its 7 days.
    block_on(
        app.owner_db()
            .execute_unprepared("update invites set expires_at = now() - interval '1 minute'"),
    )
    .unwrap();
    assert_problem(
        &accept(&app, &bob_home.access, &token),
        410,
        "invite_expired",
    );
    assert_problem(&accept_signup(&app, &token), 410, "invite_expired");
    assert_eq!(
        states(&app, &acme.access),
        vec![(bob_email.clone(), "expired".to_owned())]
    );
    // An expired invite stays open: a second one for the email is refused, a resend renews it.
    assert_problem(
        &invite(&app, &acme.access, &bob_email, "viewer"),
        409,
        "invite_exists",
    );
    let id = app.get("/v1/invites", Some(&acme.access)).body["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();

    // Revoked: the link is invalid, and the invite cannot be resent.
    let r = app.delete(&format!("/v1/invites/{id}"), Some(&acme.access));
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(
        app.delete(&format!("/v1/invites/{id}"), Some(&acme.access))
            .status,
        204,
        "revoking again changes nothing"
    );
    assert_problem(
        &accept(&app, &bob_home.access, &token),
        404,
        "invite_invalid",
    );
    assert_problem(
        &app.post(
            &format!("/v1/invites/{id}/resend"),
            Some(&acme.access),
            &json!({}),
        ),
        409,
        "invite_revoked",
    );
    assert_eq!(
        states(&app, &acme.access),
        vec![(bob_email.clone(), "revoked".to_owned())]
    );
    // Once revoked, the email may be invited again.
    assert_eq!(invite(&app, &acme.access, &bob_email, "viewer").status, 201);
    let audit = audit_actions(&app, &acme.access);
    assert_eq!(
        audit.iter().filter(|a| *a == "invite.revoke").count(),
        1,
        "{audit:?}"
    );
}

#[test]
fn a_resend_mails_a_new_link_and_the_old_one_stops_working() {
    let app = TestApp::spawn();
    let (slug, acme) = organisation(&app, "inv-resend");
    let email = format!("{}@resend.test", unique("erin"));
    let created = invite(&app, &acme.access, &email, "editor");
    let id = created.body["id"].as_str().unwrap().to_owned();
    let old = token_in(
        &mails(&email, INVITED, 1)[0],
        "http://console.test/invites/accept",
    );
    // Expired first: a resend gives it 7 new days.
    block_on(
        app.owner_db()
            .execute_unprepared("update invites set expires_at = now() - interval '1 day'"),
    )
    .unwrap();

    let r = app.post(
        &format!("/v1/invites/{id}/resend"),
        Some(&acme.access),
        &json!({}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["state"], "pending");
    assert_eq!(r.body["send_count"], 2);
    let mails = mails(&email, INVITED, 2);
    let new = token_in(&mails[1], "http://console.test/invites/accept");
    assert_ne!(old, new);

    assert_problem(&accept_signup(&app, &old), 404, "invite_invalid");
    let r = accept_signup(&app, &new);
    assert_eq!(r.status, 201, "{}", r.body);
    assert!(!login(&app, &email, &slug).is_empty());
    assert!(audit_actions(&app, &acme.access).contains(&"invite.resend".to_owned()));
}

#[test]
fn only_admins_invite_and_only_owners_invite_owners() {
    let app = TestApp::spawn();
    let (slug, acme) = organisation(&app, "inv-roles");
    let (carol_slug, carol_home) = organisation(&app, "inv-roles-carol");
    let (ed_slug, ed_home) = organisation(&app, "inv-roles-ed");
    join(
        &app,
        &acme.tenant_id,
        &user_id(&app, &carol_home.access),
        "admin",
    );
    join(
        &app,
        &acme.tenant_id,
        &user_id(&app, &ed_home.access),
        "editor",
    );
    let carol = login(&app, &format!("owner@{carol_slug}.test"), &slug);
    let ed = login(&app, &format!("owner@{ed_slug}.test"), &slug);
    let someone = format!("{}@roles.test", unique("sam"));

    // An editor may not invite (listing is everyone's: members:read).
    assert_problem(&invite(&app, &ed, &someone, "viewer"), 403, "forbidden");
    assert_eq!(app.get("/v1/invites", Some(&ed)).status, 200);
    // An admin invites, but not an owner.
    assert_problem(&invite(&app, &carol, &someone, "owner"), 403, "forbidden");
    assert_eq!(invite(&app, &carol, &someone, "admin").status, 201);
    // An owner invites an owner; that invite is an owner's to resend or revoke.
    let boss = format!("{}@roles.test", unique("boss"));
    let r = invite(&app, &acme.access, &boss, "owner");
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.body["id"].as_str().unwrap();
    assert_problem(
        &app.post(
            &format!("/v1/invites/{id}/resend"),
            Some(&carol),
            &json!({}),
        ),
        403,
        "forbidden",
    );
    assert_problem(
        &app.delete(&format!("/v1/invites/{id}"), Some(&carol)),
        403,
        "forbidden",
    );
    assert_eq!(
        app.delete(&format!("/v1/invites/{id}"), Some(&acme.access))
            .status,
        204
    );
    // Bad input is named by field; one open invite per email.
    let bad = invite(&app, &acme.access, "not-an-email", "superuser");
    assert_problem(&bad, 422, "invalid_input");
    assert_eq!(
        bad.body["errors"].as_array().unwrap().len(),
        2,
        "{}",
        bad.body
    );
    assert_problem(
        &invite(
            &app,
            &acme.access,
            "eve@example.com\r\nBcc: x@example.com",
            "viewer",
        ),
        422,
        "invalid_input",
    );
    assert_problem(
        &invite(&app, &carol, &someone, "viewer"),
        409,
        "invite_exists",
    );
    // The inviter's mail names them.
    let text = mails(&someone, INVITED, 1)[0]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        text.contains(&format!("owner@{carol_slug}.test invited you")),
        "{text}"
    );
}

#[test]
fn another_organisation_cannot_see_resend_or_revoke_the_invites() {
    let app = TestApp::spawn();
    let (_, acme) = organisation(&app, "inv-iso-a");
    let (_, other) = organisation(&app, "inv-iso-b");
    let email = format!("{}@iso.test", unique("ivy"));
    let id = invite(&app, &acme.access, &email, "viewer").body["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(states(&app, &other.access), vec![]);
    assert_problem(
        &app.post(
            &format!("/v1/invites/{id}/resend"),
            Some(&other.access),
            &json!({}),
        ),
        404,
        "not_found",
    );
    assert_problem(
        &app.delete(&format!("/v1/invites/{id}"), Some(&other.access)),
        404,
        "not_found",
    );
    assert_eq!(
        states(&app, &acme.access),
        vec![(email.clone(), "pending".to_owned())]
    );
    // The same email may be invited by the other organisation independently.
    assert_eq!(invite(&app, &other.access, &email, "editor").status, 201);
}

#[test]
fn acceptance_is_rate_limited_per_client_and_api_keys_cannot_accept() {
    let app = TestApp::spawn_with(|s| s.auth.invite_accepts_per_hour = 3);
    let (_, acme) = organisation(&app, "inv-rate");
    let (_, key) = app.api_key(&acme.access, &["admin"]);
    let unknown = format!("vqi_{}", "B".repeat(43));
    assert_problem(&accept(&app, &key, &unknown), 403, "people_only");
    for _ in 0..2 {
        assert_problem(&accept(&app, &acme.access, &unknown), 404, "invite_invalid");
    }
    assert_problem(&accept_signup(&app, &unknown), 404, "invite_invalid");
    let r = accept(&app, &acme.access, &unknown);
    assert_problem(&r, 429, "rate_limited");
    assert!(r.header("retry-after").is_some());
    assert_problem(&accept_signup(&app, &unknown), 429, "rate_limited");
}

#[test]
fn invites_through_the_cli() {
    use crate::cli::{text, Cli};
    let app = TestApp::spawn();
    let (slug, _acme) = organisation(&app, "inv-cli");
    let (bob_slug, _bob_home) = organisation(&app, "inv-cli-bob");
    let bob_email = format!("owner@{bob_slug}.test");
    let cli = Cli::new(&app);
    let json_of = |args: &[&str], stdin: Option<&str>| -> Value {
        let out = cli.run(args, &[], stdin);
        assert!(out.status.success(), "{args:?}: {}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"))
    };
    let owner = format!("owner@{slug}.test");
    let login = ["login", "--email", &owner, "--password-stdin"];
    assert!(cli.run(&login, &[], Some(PASSWORD)).status.success());

    let created = json_of(
        &[
            "invites", "create", "--email", &bob_email, "--role", "admin", "--output", "json",
        ],
        None,
    );
    assert_eq!(created["state"], "pending");
    let id = created["id"].as_str().unwrap().to_owned();
    let resent = json_of(&["invites", "resend", &id, "--output", "json"], None);
    assert_eq!(resent["send_count"], 2);
    let newcomer = format!("{}@cli.test", unique("nina"));
    let other = json_of(
        &[
            "invites", "create", "--email", &newcomer, "--role", "viewer", "--output", "json",
        ],
        None,
    );
    let listed = json_of(&["invites", "list", "--output", "json"], None);
    assert_eq!(listed.as_array().map(Vec::len), Some(2), "{listed}");
    let table = cli.run(&["invites", "list"], &[], None);
    assert!(
        text(&table.stdout).contains(&bob_email),
        "{}",
        text(&table.stdout)
    );

    // Bob accepts with his own session: it moves to the invite's organisation.
    let token = token_in(
        &mails(&bob_email, INVITED, 2)[1],
        "http://console.test/invites/accept",
    );
    let bob_login = ["login", "--email", &bob_email, "--password-stdin"];
    assert!(cli.run(&bob_login, &[], Some(PASSWORD)).status.success());
    let accepted = json_of(
        &["invites", "accept", "--token", &token, "--output", "json"],
        None,
    );
    assert_eq!(accepted["user_id"].as_str().map(str::len), Some(36));
    let whoami = json_of(&["whoami", "--output", "json"], None);
    assert_eq!(whoami["tenant_slug"], slug.as_str());
    assert_eq!(whoami["role"], "admin");
    // Used: a rejected request (exit 1) that says why.
    let again = cli.run(&["invites", "accept", "--token", &token], &[], None);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains("invite_used"),
        "{}",
        text(&again.stderr)
    );

    // A new person signs up with theirs; an accepted invite is not revoked; an unknown link
    // is a usage error (exit 2).
    let nina = token_in(
        &mails(&newcomer, INVITED, 1)[0],
        "http://console.test/invites/accept",
    );
    let signed_up = json_of(
        &[
            "invites",
            "accept",
            "--token",
            &nina,
            "--signup",
            "--password-stdin",
            "--output",
            "json",
        ],
        Some(PASSWORD),
    );
    assert_eq!(signed_up["tenant_id"], whoami["tenant_id"]);
    assert!(cli.run(&login, &[], Some(PASSWORD)).status.success());
    let revoked = cli.run(
        &["invites", "revoke", other["id"].as_str().unwrap()],
        &[],
        None,
    );
    assert_eq!(revoked.status.code(), Some(1));
    assert!(
        text(&revoked.stderr).contains("invite_used"),
        "{}",
        text(&revoked.stderr)
    );
    let unknown = format!("vqi_{}", "C".repeat(43));
    let gone = cli.run(&["invites", "accept", "--token", &unknown], &[], None);
    assert_eq!(gone.status.code(), Some(2), "{}", text(&gone.stderr));
}
