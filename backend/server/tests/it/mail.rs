//! Mail for real: password reset mails through the outbox and a real SMTP receiver
//! (`scripts/mailbox.py`, started by `make test`), read back over its HTTP API by recipient
//! (tests run in parallel and share the receiver, so every address is unique).

use crate::harness::{assert_problem, block_on, TestApp};
use crate::mailbox::{mails, messages_to, token_in};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
use serde_json::json;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};
use uuid::Uuid;

const PASSWORD: &str = "correct horse battery";
const NEW_PASSWORD: &str = "a brand new passphrase";

/// A server that sends no verification mail at sign-up: these tests count the reset mails.
fn spawn() -> TestApp {
    TestApp::spawn_with(|s| s.auth.require_verified_email = false)
}

fn unique(prefix: &str) -> String {
    format!("{prefix}-{}", &Uuid::new_v4().simple().to_string()[..12])
}

/// Signs a tenant up; (email, access token, refresh token).
fn signup(app: &TestApp, slug: &str) -> (String, String, String) {
    let email = format!("owner@{slug}.test");
    let r = app.post(
        "/v1/auth/signup",
        None,
        &json!({"tenant_slug": slug, "email": email, "password": PASSWORD}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let tokens = &r.body["tokens"];
    (
        email,
        tokens["access_token"].as_str().unwrap().to_owned(),
        tokens["refresh_token"].as_str().unwrap().to_owned(),
    )
}

fn forgot(app: &TestApp, email: &str) -> crate::harness::Reply {
    app.post("/v1/auth/password/forgot", None, &json!({ "email": email }))
}

fn reset(app: &TestApp, token: &str, password: &str) -> crate::harness::Reply {
    app.post(
        "/v1/auth/password/reset",
        None,
        &json!({ "token": token, "password": password }),
    )
}

fn owner_query(app: &TestApp, sql: &str) -> Vec<sea_orm::QueryResult> {
    let db = app.owner_db();
    block_on(db.query_all(Statement::from_string(DbBackend::Postgres, sql))).unwrap()
}

fn count(app: &TestApp, sql: &str) -> i64 {
    owner_query(app, sql)[0].try_get_by_index::<i64>(0).unwrap()
}

#[test]
fn a_reset_mail_arrives_with_both_parts_and_its_link_works_once() {
    let app = TestApp::spawn_with(|s| {
        s.auth.require_verified_email = false;
        s.observability.metrics_token = Some("metrics-token-for-mail-tests".into())
    });
    let slug = unique("reset");
    let (email, _access, refresh) = signup(&app, &slug);

    let r = forgot(&app, &email);
    assert_eq!(r.status, 202, "{}", r.body);
    let mails = mails(&email, "", 1);
    assert_eq!(mails.len(), 1);
    let mail = &mails[0];
    assert_eq!(mail["subject"], "Reset your Versiqii password");
    assert_eq!(mail["from"], "Versiqii <no-reply@versiqii.local>");
    assert_eq!(mail["content_type"], "multipart/alternative");
    let token = token_in(mail, "http://console.test/reset");
    assert!(token.starts_with("vqp_") && token.len() == 47, "{token}");
    let html = mail["html"].as_str().expect("an HTML part");
    assert!(
        html.contains(&format!("href=\"http://console.test/reset?token={token}\"")),
        "{html}"
    );
    // Only the token's hash is stored, and the outbox kept the body sealed, then dropped it.
    let stored = owner_query(&app, "select token_hash from password_resets");
    assert_eq!(stored.len(), 1);
    let hash: Vec<u8> = stored[0].try_get("", "token_hash").unwrap();
    assert_eq!(
        hash,
        <sha2::Sha256 as sha2::Digest>::digest(token.as_bytes()).to_vec()
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while count(
        &app,
        "select count(*) from mail_outbox where status = 'sent' and sealed is null",
    ) != 1
    {
        assert!(Instant::now() < deadline, "the sent mail is marked sent");
        std::thread::sleep(Duration::from_millis(100));
    }

    let r = reset(&app, &token, NEW_PASSWORD);
    assert_eq!(r.status, 204, "{}", r.body);
    // Every session ended: the refresh token from sign-up is refused.
    let r = app.post(
        "/v1/auth/refresh",
        None,
        &json!({ "refresh_token": refresh }),
    );
    assert_problem(&r, 401, "unauthenticated");
    let login = |password: &str| {
        app.post(
            "/v1/auth/login",
            None,
            &json!({"email": email, "password": password}),
        )
    };
    assert_problem(&login(PASSWORD), 401, "invalid_credentials");
    let r = login(NEW_PASSWORD);
    assert_eq!(r.status, 200, "{}", r.body);
    let access = r.body["access_token"].as_str().unwrap().to_owned();
    // Audited in the organisation, by the person.
    let audit = app.get("/v1/audit", Some(&access));
    assert_eq!(audit.status, 200, "{}", audit.body);
    let reset_event = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "password.reset")
        .unwrap_or_else(|| panic!("no password.reset in {}", audit.body));
    assert!(reset_event["actor"].as_str().unwrap().starts_with("user:"));

    // The link works once.
    assert_problem(
        &reset(&app, &token, "yet another passphrase"),
        400,
        "reset_token_invalid",
    );
    assert_eq!(login(NEW_PASSWORD).status, 200);

    let metrics = app.request(
        "GET",
        "/metrics",
        Some("metrics-token-for-mail-tests"),
        None,
    );
    let text = metrics.body.as_str().unwrap_or_default().to_owned();
    assert!(
        text.contains("versiqii_mail_total{outcome=\"sent\"} 1"),
        "{text}"
    );
    assert!(text.contains("versiqii_mail_total{outcome=\"dead\"} 0"));
}

#[test]
fn expired_unknown_and_malformed_tokens_are_refused() {
    let app = spawn();
    let slug = unique("expire");
    let (email, _, refresh) = signup(&app, &slug);
    assert_eq!(forgot(&app, &email).status, 202);
    let token = token_in(&mails(&email, "", 1)[0], "http://console.test/reset");
    block_on(
        app.owner_db().execute_unprepared(
            "update password_resets set expires_at = now() - interval '1 second'",
        ),
    )
    .unwrap();
    assert_problem(
        &reset(&app, &token, NEW_PASSWORD),
        400,
        "reset_token_invalid",
    );
    let unknown = format!("vqp_{}", "a".repeat(43));
    assert_problem(
        &reset(&app, &unknown, NEW_PASSWORD),
        400,
        "reset_token_invalid",
    );
    assert_problem(
        &reset(&app, "not-a-token", NEW_PASSWORD),
        400,
        "reset_token_invalid",
    );
    // The password policy is sign-up's.
    assert_problem(&reset(&app, &token, "short"), 422, "invalid_input");
    // Nothing changed: the old password and session still work.
    let r = app.post(
        "/v1/auth/login",
        None,
        &json!({"email": email, "password": PASSWORD}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let r = app.post(
        "/v1/auth/refresh",
        None,
        &json!({ "refresh_token": refresh }),
    );
    assert_eq!(r.status, 200, "{}", r.body);
}

#[test]
fn an_unknown_email_gets_the_same_answer_and_no_mail() {
    let app = spawn();
    let slug = unique("enum");
    let (known, _, _) = signup(&app, &slug);
    let unknown = format!("nobody@{}.test", unique("nowhere"));
    // Warm up (connections, the first hash) before timing.
    assert_eq!(forgot(&app, &format!("warm@{slug}.test")).status, 202);
    let time = |email: &str| {
        let started = Instant::now();
        let r = forgot(&app, email);
        (r, started.elapsed())
    };
    let (a, known_took) = time(&known);
    let (b, unknown_took) = time(&unknown);
    assert_eq!((a.status, b.status), (202, 202));
    assert_eq!(a.body, b.body, "the same body");
    assert_eq!(
        a.body["message"],
        versiqii_api::v1::ForgotPasswordAccepted::MESSAGE
    );
    // The same work either way; allow generous noise on a shared machine.
    let (fast, slow) = if known_took < unknown_took {
        (known_took, unknown_took)
    } else {
        (unknown_took, known_took)
    };
    assert!(
        slow < fast * 5 + Duration::from_millis(150),
        "known {known_took:?}, unknown {unknown_took:?}"
    );
    mails(&known, "", 1);
    std::thread::sleep(Duration::from_millis(500));
    assert!(messages_to(&unknown).is_empty());
    assert_eq!(count(&app, "select count(*) from mail_outbox"), 1);
    assert_eq!(count(&app, "select count(*) from password_resets"), 1);
}

#[test]
fn a_header_injection_attempt_is_refused_and_sends_nothing() {
    let app = spawn();
    let slug = unique("inject");
    let (email, _, _) = signup(&app, &slug);
    let evil = format!("evil@{slug}.test");
    for attempt in [
        format!("{email}\r\nBcc: {evil}"),
        format!("{email}\nBcc: {evil}"),
        format!("{email}\r\n"),
        format!("{email}\r"),
        format!("{email}\n\n<p>hi</p>"),
        format!(" {email}\t"),
    ] {
        let r = forgot(&app, &attempt);
        assert_problem(&r, 422, "invalid_input");
        assert_eq!(r.body["errors"][0]["pointer"], "/email", "{}", r.body);
    }
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(count(&app, "select count(*) from mail_outbox"), 0);
    assert_eq!(count(&app, "select count(*) from password_resets"), 0);
    assert!(messages_to(&email).is_empty());
    assert!(messages_to(&evil).is_empty());
}

/// Forwards every connection on `listener` to the receiver's SMTP port, as if the SMTP server
/// had come back on the port the app sends to.
fn forward_to_receiver(listener: TcpListener) {
    let upstream: u16 = std::env::var("VERSIQII_TEST_SMTP_PORT")
        .expect("VERSIQII_TEST_SMTP_PORT")
        .parse()
        .unwrap();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(("127.0.0.1", upstream)) else {
                continue;
            };
            let pipe = |mut from: TcpStream, mut to: TcpStream| {
                std::thread::spawn(move || {
                    let mut buf = [0u8; 8192];
                    while let Ok(n) = from.read(&mut buf) {
                        if n == 0 || to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                    let _ = to.shutdown(std::net::Shutdown::Write);
                });
            };
            pipe(client.try_clone().unwrap(), server.try_clone().unwrap());
            pipe(server, client);
        }
    });
}

#[test]
fn with_smtp_down_the_request_answers_at_once_and_the_mail_goes_out_when_it_is_back() {
    // A port with nothing listening (yet).
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = TestApp::spawn_with(|s| {
        s.auth.require_verified_email = false;
        s.mail.port = port;
        s.mail.max_attempts = 1000;
    });
    let slug = unique("down");
    let (email, _, _) = signup(&app, &slug);
    let started = Instant::now();
    let r = forgot(&app, &email);
    assert_eq!(r.status, 202, "{}", r.body);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "answered in {:?}",
        started.elapsed()
    );
    // It fails, stays queued, and is retried.
    let deadline = Instant::now() + Duration::from_secs(10);
    while count(
        &app,
        "select count(*) from mail_outbox where status = 'pending' and attempts >= 2 \
         and last_error is not null",
    ) != 1
    {
        assert!(Instant::now() < deadline, "the mail is retried");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(messages_to(&email).is_empty());
    // The SMTP server is back: the mail goes out from the outbox.
    forward_to_receiver(TcpListener::bind(("127.0.0.1", port)).unwrap());
    let mails = mails(&email, "", 1);
    assert!(token_in(&mails[0], "http://console.test/reset").starts_with("vqp_"));
    let deadline = Instant::now() + Duration::from_secs(5);
    while count(
        &app,
        "select count(*) from mail_outbox where status = 'sent'",
    ) != 1
    {
        assert!(Instant::now() < deadline, "marked sent");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(messages_to(&email).len(), 1, "sent once");
}

#[test]
fn two_instances_send_each_mail_once() {
    let app = spawn();
    let other = app.another_instance();
    let slug = unique("twice");
    let emails: Vec<String> = (0..4)
        .map(|i| signup(&app, &format!("{slug}-{i}")).0)
        .collect();
    for (i, email) in emails.iter().enumerate() {
        let via = if i % 2 == 0 { &app } else { &other };
        assert_eq!(forgot(via, email).status, 202);
    }
    for email in &emails {
        mails(email, "", 1);
    }
    std::thread::sleep(Duration::from_secs(1));
    for email in &emails {
        assert_eq!(messages_to(email).len(), 1, "{email}");
    }
    assert_eq!(
        count(
            &app,
            "select count(*) from mail_outbox where status = 'sent'"
        ),
        4
    );
}

#[test]
fn reset_requests_are_rate_limited_per_address_and_per_client() {
    let app = TestApp::spawn_with(|s| {
        s.auth.require_verified_email = false;
        s.auth.reset_mails_per_hour = 2;
        s.auth.reset_requests_per_hour = 5;
    });
    let address = format!("someone@{}.test", unique("limit"));
    assert_eq!(forgot(&app, &address).status, 202);
    assert_eq!(forgot(&app, &address).status, 202);
    let r = forgot(&app, &address);
    assert_problem(&r, 429, "rate_limited");
    assert!(r
        .header("retry-after")
        .is_some_and(|s| s.parse::<u64>().is_ok()));
    // Per client, whatever the address (and resets count too).
    assert_eq!(forgot(&app, &format!("a-{address}")).status, 202);
    assert_problem(
        &reset(&app, &format!("vqp_{}", "b".repeat(43)), NEW_PASSWORD),
        400,
        "reset_token_invalid",
    );
    let r = forgot(&app, &format!("b-{address}"));
    assert_problem(&r, 429, "rate_limited");
    assert!(r.header("retry-after").is_some());
}

#[test]
fn the_app_role_reaches_mail_and_reset_rows_only_through_functions() {
    let app = spawn();
    let db = block_on(Database::connect(app.app_db_url())).unwrap();
    for sql in [
        "select * from mail_outbox",
        "select * from password_resets",
        "insert into mail_outbox (kind, recipient, sealed) values ('x', 'a@b.test', '')",
        "delete from password_resets",
    ] {
        let err = block_on(db.execute_unprepared(sql))
            .unwrap_err()
            .to_string();
        assert!(err.contains("permission denied"), "{sql}: {err}");
    }
}

#[test]
fn forgot_and_reset_a_password_through_the_cli() {
    let app = spawn();
    let cli = crate::cli::Cli::new(&app);
    let slug = unique("cli-reset");
    let (email, _, _) = signup(&app, &slug);
    let out = cli.run(&["auth", "forgot-password", "--email", &email], &[], None);
    assert!(out.status.success(), "{}", crate::cli::text(&out.stderr));
    assert!(crate::cli::text(&out.stdout).contains("If an account has this email"));
    let token = token_in(&mails(&email, "", 1)[0], "http://console.test/reset");
    let reset_args = [
        "auth",
        "reset-password",
        "--token",
        token.as_str(),
        "--password-stdin",
    ];
    let out = cli.run(&reset_args, &[], Some(&format!("{NEW_PASSWORD}\n")));
    assert!(out.status.success(), "{}", crate::cli::text(&out.stderr));
    assert!(crate::cli::text(&out.stdout).contains("password changed"));
    // Used: the same token again is refused, with the code and a non-zero exit.
    let out = cli.run(&reset_args, &[], Some(&format!("{NEW_PASSWORD}\n")));
    assert!(!out.status.success());
    assert!(
        crate::cli::text(&out.stderr).contains("reset_token_invalid"),
        "{}",
        crate::cli::text(&out.stderr)
    );
    let out = cli.run(
        &["login", "--email", &email, "--password-stdin"],
        &[],
        Some(&format!("{NEW_PASSWORD}\n")),
    );
    assert!(out.status.success(), "{}", crate::cli::text(&out.stderr));
}
