//! Webhooks for real: the dispatcher (in the server, or as `versiqii-server dispatch`
//! processes) delivers to HTTP receivers on loopback; every delivery is verified with the
//! Standard Webhooks reference library.

use crate::cli::{text, Cli};
use crate::harness::{assert_problem, block_on, Session, TestApp};
use crate::receiver::{Dns, Receiver, Reply};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn with_dispatcher() -> TestApp {
    TestApp::spawn_with(|s| s.webhooks.embedded = true)
}

/// Creates an endpoint; its JSON (with the secret).
fn create(app: &TestApp, tok: &str, body: Value) -> Value {
    let r = app.post("/v1/webhooks", Some(tok), &body);
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

fn env(app: &TestApp, tok: &str, name: &str) {
    let r = app.post("/v1/envs", Some(tok), &json!({ "name": name }));
    assert_eq!(r.status, 201, "{}", r.body);
}

fn is_type(t: &'static str) -> impl Fn(&crate::receiver::Received) -> bool {
    move |r| r.json()["type"] == t
}

fn rows(app: &TestApp, sql: &str) -> Vec<sea_orm::QueryResult> {
    block_on(
        app.owner_db()
            .query_all(Statement::from_string(DbBackend::Postgres, sql.to_owned())),
    )
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

fn count(app: &TestApp, sql: &str) -> i64 {
    rows(app, sql)[0].try_get_by_index(0).unwrap()
}

/// Polls a delivery until `done` holds for it (up to `secs`).
fn delivery_until(
    app: &TestApp,
    tok: &str,
    endpoint: &str,
    event_type: &str,
    secs: u64,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        let list = app.get(&format!("/v1/webhooks/{endpoint}/deliveries"), Some(tok));
        assert_eq!(list.status, 200, "{}", list.body);
        if let Some(d) = list.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["event_type"] == event_type)
        {
            let id = d["id"].as_i64().unwrap();
            let detail = app.get(
                &format!("/v1/webhooks/{endpoint}/deliveries/{id}"),
                Some(tok),
            );
            assert_eq!(detail.status, 200, "{}", detail.body);
            if done(&detail.body) {
                return detail.body;
            }
        }
        assert!(
            Instant::now() < deadline,
            "the {event_type} delivery never got there: {}",
            list.body
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A tenant with a registry that makes every kind of registry event: schemas, targets, a
/// migration, a config, an environment, a binding, deployments (migrating the config), an
/// observation that drifts, a constraint added and removed, a rollback, an API key made and
/// revoked.
fn make_every_event(app: &TestApp, s: &Session) {
    let tok = Some(s.access.as_str());
    let ok = |r: crate::harness::Reply, what: &str| {
        assert!((200..300).contains(&r.status), "{what}: {}", r.body);
        r.body
    };
    let schemas = [
        (
            "v1",
            json!({"type": "object", "required": ["timeout"],
                      "properties": {"timeout": {"type": "integer", "maximum": 100}}}),
        ),
        (
            "v2",
            json!({"type": "object", "required": ["timeout_ms"],
                      "properties": {"timeout_ms": {"type": "integer"}}}),
        ),
    ];
    for (v, schema) in schemas {
        let body = json!({"version": v, "schema": schema, "compat": "NONE"});
        ok(app.post("/v1/families/Svc/schemas", tok, &body), "schema");
    }
    for (name, version, sv) in [
        ("svc", "1.0.0", "v1"),
        ("svc", "2.0.0", "v2"),
        ("db", "1.0.0", "v1"),
    ] {
        let body = json!({"name": name, "family": "Svc", "version": version, "schema_version": sv});
        ok(app.post("/v1/targets", tok, &body), "target");
    }
    let lens = "lens:\n  - rename: { source: timeout, destination: timeout_ms }\n";
    ok(
        app.post(
            "/v1/families/Svc/migrations",
            tok,
            &json!({"from": "v1", "to": "v2", "lens": lens}),
        ),
        "migration",
    );
    let body = json!({"target": "svc@1.0.0", "name": "svc.json", "content": "{\"timeout\": 5}"});
    let revision = ok(app.post("/v1/configs", tok, &body), "config");
    env(app, &s.access, "prod");
    ok(
        app.post(
            "/v1/bindings",
            tok,
            &json!({"config_id": revision["id"], "env": "prod"}),
        ),
        "binding",
    );
    for version in ["1.0.0", "2.0.0"] {
        let r = app.request(
            "PUT",
            "/v1/envs/prod/targets/svc/version",
            tok,
            Some(json!({ "version": version }).to_string().as_str()),
        );
        ok(r, "deployment");
    }
    ok(
        app.post(
            "/v1/envs/prod/observations",
            tok,
            &json!({"target": "svc", "version": "1.0.0"}),
        ),
        "observation",
    );
    let body = json!({"from": "svc@2.0.0", "kind": "requires", "target": "db", "range": ">=1"});
    let constraint = ok(app.post("/v1/constraints", tok, &body), "constraint");
    ok(
        app.delete(
            &format!("/v1/constraints/{}", constraint["id"].as_str().unwrap()),
            tok,
        ),
        "constraint removal",
    );
    ok(
        app.post("/v1/envs/prod/targets/svc/rollback", tok, &json!({})),
        "rollback",
    );
    let (key, _) = app.api_key(&s.access, &["read"]);
    ok(
        app.delete(&format!("/v1/api-keys/{key}"), tok),
        "key revocation",
    );
}

#[test]
fn every_event_reaches_a_signed_endpoint_once_verified_by_the_reference_library() {
    let app = with_dispatcher();
    let s = app.signup("hooks-every");
    let rx = Receiver::ok();
    let made = create(
        &app,
        &s.access,
        json!({"url": rx.url("/in"), "description": "all of it"}),
    );
    let secret = made["secret"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(made["events"], json!(["*"]));
    // The test message comes first, to this endpoint alone.
    let test = rx.wait_for(1, 15, is_type("webhook.test"));
    assert_eq!(test[0].json()["data"]["endpoint_id"], made["id"]);

    make_every_event(&app, &s);
    // Every event the tenant's outbox holds (what was written) is delivered, once each.
    let want: BTreeMap<String, String> = rows(
        &app,
        &format!(
            "select 'msg_' || replace(uid::text, '-', '') as id, topic from outbox \
             where tenant_id = '{}'",
            s.tenant_id
        ),
    )
    .iter()
    .map(|r| {
        (
            r.try_get("", "id").unwrap(),
            r.try_get("", "topic").unwrap(),
        )
    })
    .collect();
    let types: BTreeSet<&str> = want.values().map(String::as_str).collect();
    for t in [
        "webhook.test",
        "webhook_endpoint.created",
        "schema.added",
        "target_version.created",
        "migration.added",
        "config.created",
        "config.migrated",
        "environment.created",
        "binding.created",
        "deployment.changed",
        "deployment.rolled_back",
        "observation.recorded",
        "drift.changed",
        "constraint.created",
        "constraint.deleted",
        "api_key.created",
        "api_key.revoked",
    ] {
        assert!(types.contains(t), "no {t} event was written: {types:?}");
    }
    let got = rx.wait_for(want.len(), 30, |_| true);
    let mut seen = BTreeMap::new();
    for r in &got {
        r.verify(&secret)
            .unwrap_or_else(|e| panic!("{}: {e}", String::from_utf8_lossy(&r.body)));
        let body = r.json();
        let id = r.header("webhook-id").to_owned();
        assert_eq!(
            want.get(&id).map(String::as_str),
            body["type"].as_str(),
            "webhook-id {id} names the event it carries"
        );
        assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
        assert!(body["data"].is_object() && body["version"] == 1, "{body}");
        assert_eq!(r.header("content-type"), "application/json");
        assert_eq!(r.path, "/in");
        assert!(r.header("user-agent").starts_with("Versiqii-Webhooks/"));
        *seen.entry(id).or_insert(0) += 1;
    }
    assert_eq!(seen.len(), want.len(), "every event delivered");
    assert!(seen.values().all(|n| *n == 1), "each once: {seen:?}");
    // Every delivery is recorded as delivered after one succeeded attempt.
    let endpoint = made["id"].as_str().unwrap();
    let delivered = format!(
        "select count(*) from webhook_deliveries where endpoint_id = '{endpoint}' \
         and status = 'delivered' and attempts = 1"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while count(&app, &delivered) < want.len() as i64 {
        assert!(Instant::now() < deadline, "not all recorded as delivered");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(count(&app, &delivered), want.len() as i64);
    // The verifier is not a rubber stamp: another secret, or a changed body, fails.
    let other = app.post(
        "/v1/webhooks",
        Some(&s.access),
        &json!({"url": rx.url("/other")}),
    );
    let other_secret = other.body["secret"].as_str().unwrap();
    assert!(got[0].verify(other_secret).is_err());
    let mut forged = got[0].clone();
    forged.body.push(b' ');
    assert!(forged.verify(&secret).is_err());
}

#[test]
fn a_receiver_failing_twice_then_succeeding_gets_three_attempts_and_one_success() {
    let app = with_dispatcher();
    let s = app.signup("hooks-retry");
    let rx = Receiver::ok();
    let made = create(
        &app,
        &s.access,
        json!({"url": rx.url("/flaky"), "events": ["environment.*"]}),
    );
    let endpoint = made["id"].as_str().unwrap().to_owned();
    rx.wait_for(1, 15, is_type("webhook.test"));
    rx.script([Reply::status(500).body("boom"), Reply::status(502)]);
    env(&app, &s.access, "staging");
    let detail = delivery_until(&app, &s.access, &endpoint, "environment.created", 20, |d| {
        d["status"] == "delivered"
    });
    let attempts = detail["attempts"].as_array().unwrap();
    let outcomes: Vec<&str> = attempts
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["failed", "failed", "succeeded"], "{detail}");
    let codes: Vec<i64> = attempts
        .iter()
        .map(|a| a["response_status"].as_i64().unwrap())
        .collect();
    assert_eq!(codes, [500, 502, 204]);
    assert_eq!(attempts[0]["response_body"], "boom");
    assert_eq!(detail["attempts"].as_array().unwrap().len(), 3);
    // The receiver saw the same message three times, the retries spaced as the schedule says
    // (100 ms, then 200 ms, each ±20%).
    let got = rx.wait_for(3, 5, is_type("environment.created"));
    assert_eq!(got.len(), 3);
    let ids: BTreeSet<&str> = got.iter().map(|r| r.header("webhook-id")).collect();
    assert_eq!(ids.len(), 1, "webhook-id is stable across retries");
    assert!(got[1].at - got[0].at >= Duration::from_millis(80));
    assert!(got[2].at - got[1].at >= Duration::from_millis(160));
    for r in &got {
        r.verify(made["secret"].as_str().unwrap()).unwrap();
    }
}

#[test]
fn throttling_honours_retry_after_and_redirects_are_not_followed() {
    let app = with_dispatcher();
    let s = app.signup("hooks-throttle");
    let rx = Receiver::ok();
    let elsewhere = Receiver::ok();
    let made = create(
        &app,
        &s.access,
        json!({"url": rx.url("/"), "events": ["environment.created"]}),
    );
    let endpoint = made["id"].as_str().unwrap().to_owned();
    rx.wait_for(1, 15, is_type("webhook.test"));
    rx.script([
        Reply::status(429).header("retry-after", "1"),
        Reply::status(302).header("location", &elsewhere.url("/")),
    ]);
    env(&app, &s.access, "qa");
    let detail = delivery_until(&app, &s.access, &endpoint, "environment.created", 20, |d| {
        d["status"] == "delivered"
    });
    let attempts = detail["attempts"].as_array().unwrap();
    let outcomes: Vec<&str> = attempts
        .iter()
        .map(|a| a["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["throttled", "failed", "succeeded"], "{detail}");
    assert!(attempts[1]["error"]
        .as_str()
        .unwrap()
        .contains("redirects are not followed"));
    let got = rx.wait_for(3, 5, is_type("environment.created"));
    // Retry-After: 1 (above the 300 ms floor the tests set) is what the second attempt waited.
    assert!(
        got[1].at - got[0].at >= Duration::from_millis(950),
        "{:?}",
        got[1].at - got[0].at
    );
    assert!(elsewhere.received().is_empty(), "the redirect was followed");
}

#[test]
fn refused_addresses_never_get_an_endpoint_or_a_request() {
    let dns = Dns::start(|name, _| match name {
        "internal.test" => Some(Ipv4Addr::new(10, 0, 0, 1)),
        "metadata.test" => Some(Ipv4Addr::new(169, 254, 169, 254)),
        _ => None,
    });
    let nameserver = dns.addr.clone();
    let app = TestApp::spawn_with(move |s| {
        s.webhooks.allow_loopback = false;
        s.webhooks.nameservers = vec![nameserver];
    });
    let s = app.signup("hooks-ssrf");
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://0x7f.1/",
        "http://2130706433/",
        "http://127.0.0.1:8080/",
        "http://[::1]/",
        "http://10.1.2.3/",
        "http://100.64.0.1/",
        "http://[fd00::1]/",
        "http://[64:ff9b::a9fe:a9fe]/",
        "http://internal.test/",
        "http://metadata.test/hook",
    ] {
        let r = app.post("/v1/webhooks", Some(&s.access), &json!({ "url": url }));
        assert_problem(&r, 422, "webhook_url_refused");
        assert!(
            r.body["detail"]
                .as_str()
                .unwrap()
                .contains("public addresses only"),
            "{url}: {}",
            r.body
        );
    }
    let r = app.post(
        "/v1/webhooks",
        Some(&s.access),
        &json!({"url": "http://nowhere.test/"}),
    );
    assert_problem(&r, 422, "webhook_url_unresolvable");
    for url in [
        "ftp://example.com/",
        "https://user:pw@example.com/",
        "not a url",
    ] {
        let r = app.post("/v1/webhooks", Some(&s.access), &json!({ "url": url }));
        assert_problem(&r, 422, "invalid_input");
    }
    assert_eq!(count(&app, "select count(*) from webhook_endpoints"), 0);
}

#[test]
fn a_name_that_changes_its_answer_after_the_check_is_refused_at_delivery() {
    // The first answer (when the endpoint is saved) is loopback, allowed in tests; every later
    // one is 10.0.0.1. The dispatcher resolves once per attempt and connects only to what it
    // checked, so nothing reaches 10.0.0.1, and the receiver on loopback gets nothing either.
    let rx = Receiver::ok();
    let dns = Dns::start(|name, nth| match (name, nth) {
        ("rebind.test", 1) => Some(Ipv4Addr::LOCALHOST),
        ("rebind.test", _) => Some(Ipv4Addr::new(10, 0, 0, 1)),
        _ => None,
    });
    let nameserver = dns.addr.clone();
    let app = TestApp::spawn_with(move |s| {
        s.webhooks.embedded = true;
        s.webhooks.nameservers = vec![nameserver];
    });
    let s = app.signup("hooks-rebind");
    let made = create(
        &app,
        &s.access,
        json!({"url": format!("http://rebind.test:{}/", rx.port)}),
    );
    let endpoint = made["id"].as_str().unwrap();
    let detail = delivery_until(&app, &s.access, endpoint, "webhook.test", 15, |d| {
        !d["attempts"].as_array().unwrap().is_empty()
    });
    let attempt = &detail["attempts"][0];
    assert_eq!(attempt["outcome"], "refused", "{detail}");
    assert!(
        attempt["error"].as_str().unwrap().contains("10.0.0.1"),
        "{detail}"
    );
    assert!(attempt["response_status"].is_null());
    // An endpoint whose URL is changed straight in the database (past the API's check) is
    // refused by the dispatcher all the same.
    block_on(app.owner_db().execute_unprepared(&format!(
        "update webhook_endpoints set url = 'http://169.254.169.254/latest' where id = '{endpoint}'"
    )))
    .unwrap();
    env(&app, &s.access, "rebound");
    let deadline = Instant::now() + Duration::from_secs(15);
    while count(
        &app,
        "select count(*) from webhook_attempts a join webhook_deliveries d on d.id = a.delivery_id \
         join webhook_endpoints e on e.id = d.endpoint_id \
         where e.url like 'http://169.254%' and a.outcome = 'refused'",
    ) == 0
    {
        assert!(Instant::now() < deadline, "the metadata address was never refused");
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        rx.received().is_empty(),
        "nothing may reach any address of a refused name"
    );
}

#[test]
fn secrets_are_not_readable_in_the_database_and_rotation_signs_with_both() {
    let app = with_dispatcher();
    let s = app.signup("hooks-secret");
    let rx = Receiver::ok();
    let made = create(
        &app,
        &s.access,
        json!({"url": rx.url("/"), "events": ["environment.created"]}),
    );
    let secret = made["secret"].as_str().unwrap().to_owned();
    let endpoint = made["id"].as_str().unwrap().to_owned();
    let encoded = secret.trim_start_matches("whsec_").to_owned();
    let raw = base64_decode(&encoded);
    for table in [
        "webhook_endpoints",
        "webhook_deliveries",
        "webhook_attempts",
        "outbox",
        "audit_events",
    ] {
        let dump: String = rows(
            &app,
            &format!("select coalesce(string_agg(t::text, ''), '') from {table} t"),
        )[0]
        .try_get_by_index(0)
        .unwrap();
        assert!(!dump.contains(&encoded), "{table} holds the secret");
    }
    let sealed: Vec<u8> = rows(
        &app,
        &format!("select secret from webhook_endpoints where id = '{endpoint}'"),
    )[0]
    .try_get_by_index(0)
    .unwrap();
    assert!(
        !sealed.windows(raw.len()).any(|w| w == raw.as_slice()),
        "sealed, not stored"
    );
    // No listing shows it.
    let shown = app.get(&format!("/v1/webhooks/{endpoint}"), Some(&s.access));
    assert!(shown.body.get("secret").is_none());
    assert!(!shown.body.to_string().contains(&encoded));

    let rotated = app.post(
        &format!("/v1/webhooks/{endpoint}/rotate-secret"),
        Some(&s.access),
        &json!({}),
    );
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let new_secret = rotated.body["secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    assert!(rotated.body["previous_secret_until"].is_string());
    env(&app, &s.access, "rotated");
    let got = rx.wait_for(1, 15, is_type("environment.created"));
    assert_eq!(got[0].header("webhook-signature").split(' ').count(), 2);
    got[0].verify(&new_secret).unwrap();
    got[0].verify(&secret).unwrap();
    // docs/webhooks.md's Python snippet verifies the same delivery with either secret.
    for (key, valid) in [
        (new_secret.as_str(), true),
        (secret.as_str(), true),
        (OTHER_SECRET, false),
    ] {
        assert_eq!(
            python_snippet_verifies(key, &got[0]),
            valid,
            "the Python snippet with {key}"
        );
    }
}

const OTHER_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// Runs docs/webhooks.md's Python snippet on a delivery as it arrived.
fn python_snippet_verifies(secret: &str, r: &crate::receiver::Received) -> bool {
    let doc = include_str!("../../../../docs/webhooks.md");
    let snippet = doc
        .split("```python\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/webhooks.md has a Python snippet");
    let program = format!(
        "{snippet}\nimport json, sys\nd = json.load(sys.stdin)\n\
         print(verify(d['secret'], d['headers'], d['body'].encode()))\n"
    );
    let input = json!({
        "secret": secret,
        "headers": r.headers,
        "body": String::from_utf8(r.body.clone()).unwrap(),
    });
    let mut child = Command::new("python3")
        .args(["-c", &program])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    use std::io::Write as _;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    match text(&out.stdout).trim() {
        "True" => true,
        "False" => false,
        other => panic!("the snippet printed {other:?}"),
    }
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

#[test]
fn slack_gets_block_kit_messages_and_its_ok_is_checked() {
    let app = with_dispatcher();
    let s = app.signup("hooks-slack");
    let slack = Receiver::start(Reply::status(200).body("ok"));
    let made = create(
        &app,
        &s.access,
        json!({"url": slack.url("/services/T0/B0/x"), "format": "slack", "events": ["environment.*"]}),
    );
    assert_eq!(made["format"], "slack");
    let endpoint = made["id"].as_str().unwrap().to_owned();
    let hello = slack.wait_for(1, 15, |_| true);
    let msg = hello[0].json();
    assert!(msg["text"].as_str().unwrap().contains("connected"), "{msg}");
    assert_eq!(msg["blocks"][0]["type"], "section");
    env(&app, &s.access, "eu-west");
    let got = slack.wait_for(2, 15, |_| true);
    let msg = got[1].json();
    assert!(
        msg["text"].as_str().unwrap().contains("`eu-west` created"),
        "{msg}"
    );
    let context = msg["blocks"].as_array().unwrap().last().unwrap()["elements"][0]["text"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        context.contains("http://console.test/envs|Open in Versiqii"),
        "{context}"
    );
    // Slack says no: a failed attempt, retried.
    slack.script([Reply::status(400).body("invalid_payload")]);
    env(&app, &s.access, "eu-east");
    let detail = delivery_until(&app, &s.access, &endpoint, "environment.created", 15, |d| {
        d["attempts"].as_array().unwrap().len() >= 2 && d["status"] == "delivered"
    });
    // The first environment's delivery is found first (newest first lists eu-east's).
    assert_eq!(detail["attempts"][0]["outcome"], "failed", "{detail}");
    assert_eq!(detail["attempts"][0]["response_body"], "invalid_payload");
}

#[test]
fn an_endpoint_failing_too_long_is_disabled_and_its_admins_told() {
    let app = TestApp::spawn_with(|s| {
        s.webhooks.embedded = true;
        s.webhooks.disable_after_secs = 0;
    });
    let s = app.signup("hooks-dead");
    let owner = "owner@hooks-dead.test";
    let earlier = crate::mailbox::messages_to(owner)
        .iter()
        .filter(|m| m["subject"].as_str().unwrap_or("").contains("was disabled"))
        .count();
    let rx = Receiver::start(Reply::status(500));
    let made = create(
        &app,
        &s.access,
        json!({"url": rx.url("/"), "events": ["environment.created"]}),
    );
    let endpoint = made["id"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let shown = app.get(&format!("/v1/webhooks/{endpoint}"), Some(&s.access));
        if shown.body["status"] == "disabled" {
            assert_eq!(shown.body["disabled_reason"], "failing");
            assert!(shown.body["failing_since"].is_string());
            break;
        }
        assert!(Instant::now() < deadline, "never disabled: {}", shown.body);
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        count(
            &app,
            "select count(*) from outbox where topic = 'webhook_endpoint.disabled'"
        ),
        1
    );
    let mails = crate::mailbox::mails(owner, "was disabled", earlier + 1);
    let mail = mails.last().unwrap();
    assert!(
        mail["text"]
            .as_str()
            .unwrap_or_default()
            .contains(&rx.url("/")),
        "{mail}"
    );
    // Disabled: new events are not queued for it; enabled again, it takes them.
    let before = count(&app, "select count(*) from webhook_deliveries");
    env(&app, &s.access, "ignored");
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        count(&app, "select count(*) from webhook_deliveries"),
        before
    );
    let enabled = app.post(
        &format!("/v1/webhooks/{endpoint}/enable"),
        Some(&s.access),
        &json!({}),
    );
    assert_eq!(enabled.status, 200);
    assert_eq!(enabled.body["status"], "enabled");
    assert!(enabled.body["failing_since"].is_null());
}

#[test]
fn ordered_endpoints_get_events_in_order_behind_a_failing_one() {
    let app = with_dispatcher();
    let s = app.signup("hooks-order");
    let rx = Receiver::ok();
    let made = create(
        &app,
        &s.access,
        json!({"url": rx.url("/"), "events": ["environment.created"], "ordered": true}),
    );
    rx.wait_for(1, 15, is_type("webhook.test"));
    rx.script([Reply::status(500), Reply::status(500)]);
    for name in ["o-1", "o-2", "o-3", "o-4"] {
        env(&app, &s.access, name);
    }
    let got = rx.wait_for(6, 20, is_type("environment.created"));
    let order: Vec<String> = got
        .iter()
        .map(|r| r.json()["data"]["env"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(order, ["o-1", "o-1", "o-1", "o-2", "o-3", "o-4"], "{made}");
}

#[test]
fn resend_and_replay_from_the_api_and_the_cli() {
    let app = with_dispatcher();
    let s = app.signup("hooks-replay");
    let rx = Receiver::ok();
    let made = create(
        &app,
        &s.access,
        json!({"url": rx.url("/"), "events": ["environment.created"]}),
    );
    let endpoint = made["id"].as_str().unwrap().to_owned();
    env(&app, &s.access, "r-1");
    env(&app, &s.access, "r-2");
    rx.wait_for(2, 15, is_type("environment.created"));
    let cli = Cli::new(&app);
    let as_owner = [("VERSIQII_TOKEN", s.access.as_str())];
    let out = cli.run(
        &["webhooks", "deliveries", &endpoint, "--output", "json"],
        &as_owner,
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let page: Value = serde_json::from_slice(&out.stdout).unwrap();
    let first = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["event_type"] == "environment.created" && d["status"] == "delivered")
        .unwrap()
        .clone();
    let delivery = first["id"].as_i64().unwrap().to_string();
    let out = cli.run(
        &["webhooks", "resend", &endpoint, &delivery],
        &as_owner,
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let again = rx.wait_for(3, 15, is_type("environment.created"));
    assert_eq!(
        again
            .iter()
            .filter(|r| r.header("webhook-id") == first["msg_id"])
            .count(),
        2,
        "the resend carries the same webhook-id"
    );
    // A pending delivery is not resent; unknown ones are 404.
    let r = app.post(
        &format!("/v1/webhooks/{endpoint}/deliveries/999999/resend"),
        Some(&s.access),
        &json!({}),
    );
    assert_problem(&r, 404, "not_found");
    // Replay: only failed or missing deliveries, unless delivered ones are asked for too.
    let out = cli.run(
        &[
            "webhooks", "replay", &endpoint, "--since", "1h", "--output", "json",
        ],
        &as_owner,
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let replayed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(replayed["queued"], 0);
    let out = cli.run(
        &[
            "webhooks",
            "replay",
            &endpoint,
            "--since",
            "1h",
            "--include-delivered",
            "--output",
            "json",
        ],
        &as_owner,
        None,
    );
    let replayed: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(replayed["queued"], 2, "{replayed}");
    rx.wait_for(5, 15, is_type("environment.created"));
    // Usage errors exit 2 with one line.
    let out = cli.run(
        &["webhooks", "replay", "not-an-id", "--since", "1h"],
        &as_owner,
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let out = cli.run(
        &["webhooks", "replay", &endpoint, "--since", "soon"],
        &as_owner,
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        text(&out.stderr).trim().lines().count(),
        1,
        "{}",
        text(&out.stderr)
    );
    // The CLI makes endpoints too: the secret alone on stdout.
    let out = cli.run(
        &[
            "webhooks",
            "create",
            &rx.url("/cli"),
            "--events",
            "drift.changed,deployment.*",
            "--env",
            "prod",
        ],
        &as_owner,
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).trim().starts_with("whsec_"));
    let out = cli.run(&["webhooks", "list", "--output", "json"], &as_owner, None);
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let cli_made = list
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["url"] == rx.url("/cli"))
        .unwrap();
    assert_eq!(cli_made["events"], json!(["drift.changed", "deployment.*"]));
    assert_eq!(cli_made["environments"], json!(["prod"]));
}

#[test]
fn only_admins_manage_webhooks_and_bad_input_is_named() {
    let app = TestApp::spawn();
    let s = app.signup("hooks-rbac");
    let (_, editor_key) = app.api_key(&s.access, &["write"]);
    let r = app.get("/v1/webhooks", Some(&editor_key));
    assert_problem(&r, 403, "forbidden");
    let r = app.post(
        "/v1/webhooks",
        Some(&editor_key),
        &json!({"url": "http://127.0.0.1:9/"}),
    );
    assert_problem(&r, 403, "forbidden");
    let r = app.post(
        "/v1/webhooks",
        Some(&s.access),
        &json!({"url": "http://127.0.0.1:9/", "events": ["no.such.type", "Bad"], "rate_limit": 0}),
    );
    assert_problem(&r, 422, "invalid_input");
    let pointers: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(
        pointers,
        ["/events/0", "/events/1", "/rate_limit"],
        "{}",
        r.body
    );
    let r = app.request(
        "PATCH",
        "/v1/webhooks/00000000-0000-0000-0000-000000000000",
        Some(&s.access),
        Some("{}"),
    );
    assert_problem(&r, 404, "not_found");
}

/// `versiqii-server dispatch` as a process of its own, for this test's database.
fn dispatcher(app: &TestApp, concurrency: &str) -> Child {
    dispatcher_with(app, concurrency, &[])
}

fn server_command(app: &TestApp, command: &str) -> Command {
    let bin = std::path::Path::new(&std::env::var("VERSIQII_TEST_BIN_DIR").unwrap())
        .join("versiqii-server");
    let mut cmd = Command::new(bin);
    cmd.arg(command)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("VERSIQII_DATABASE_URL", app.app_db_url())
        .env("VERSIQII_OWNER_DATABASE_URL", app.owner_db_url())
        .env(
            "VERSIQII_JWT_SECRET",
            format!("test-secret-shared-by-instances-{}", app.db_name),
        )
        .current_dir(std::env::temp_dir());
    cmd
}

fn dispatcher_with(app: &TestApp, concurrency: &str, extra: &[(&str, &str)]) -> Child {
    let bin = std::path::Path::new(&std::env::var("VERSIQII_TEST_BIN_DIR").unwrap())
        .join("versiqii-server");
    Command::new(bin)
        .arg("dispatch")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("VERSIQII_DISPATCHER_DATABASE_URL", app.dispatcher_db_url())
        .env("VERSIQII_DATABASE_URL", app.app_db_url())
        .env(
            "VERSIQII_JWT_SECRET",
            format!("test-secret-shared-by-instances-{}", app.db_name),
        )
        .env(
            "VERSIQII_REDIS_URL",
            std::env::var("VERSIQII_TEST_REDIS_URL").unwrap(),
        )
        .env("VERSIQII_REDIS_PREFIX", format!("t:{}:", app.db_name))
        .env("VERSIQII_WEBHOOKS_ALLOW_LOOPBACK", "true")
        .env("VERSIQII_WEBHOOKS_CONCURRENCY", concurrency)
        .env("VERSIQII_WEBHOOKS_BATCH", concurrency)
        .env("VERSIQII_WEBHOOKS_TIMEOUT_MS", "1000")
        .env("VERSIQII_WEBHOOKS_POLL_MS", "100")
        .env("VERSIQII_LOG", "warn")
        .envs(extra.iter().copied())
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("versiqii-server dispatch starts")
}

/// `n` events straight into the outbox, as writes put them there.
fn queue_events(app: &TestApp, tenant: &str, n: usize) {
    block_on(app.owner_db().execute_unprepared(&format!(
        "insert into outbox (tenant_id, topic, payload)
         select '{tenant}', 'environment.created',
                jsonb_build_object('type', 'environment.created', 'version', 1,
                    'data', jsonb_build_object('environment_id', gen_random_uuid(), 'env', 'bulk-' || g))
           from generate_series(1, {n}) g"
    )))
    .unwrap();
}

fn msg_ids(app: &TestApp, tenant: &str) -> BTreeSet<String> {
    rows(
        app,
        &format!(
            "select 'msg_' || replace(uid::text, '-', '') from outbox where tenant_id = '{tenant}' \
             and topic = 'environment.created'"
        ),
    )
    .iter()
    .map(|r| r.try_get_by_index(0).unwrap())
    .collect()
}

#[test]
fn a_dispatcher_killed_mid_batch_loses_nothing_and_repeats_only_what_was_in_flight() {
    let app = TestApp::spawn();
    let s = app.signup("hooks-crash");
    let rx = Receiver::start(Reply::status(204).after(Duration::from_millis(300)));
    create(
        &app,
        &s.access,
        json!({"url": rx.url("/"), "events": ["environment.created"]}),
    );
    queue_events(&app, &s.tenant_id, 24);
    let want = msg_ids(&app, &s.tenant_id);
    let mut first = dispatcher(&app, "4");
    rx.wait_for(5, 20, is_type("environment.created"));
    first.kill().unwrap();
    first.wait().unwrap();
    let before_restart = rx.received().len();
    let mut second = dispatcher(&app, "4");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let seen: BTreeSet<String> = rx
            .received()
            .iter()
            .filter(|r| r.json()["type"] == "environment.created")
            .map(|r| r.header("webhook-id").to_owned())
            .collect();
        if want.is_subset(&seen) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {} delivered after the crash",
            seen.len(),
            want.len()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let pending = "select count(*) from webhook_deliveries where status <> 'delivered' \
                   and event_id in (select id from outbox where topic = 'environment.created')";
    while count(&app, pending) > 0 {
        assert!(Instant::now() < deadline, "deliveries still pending");
        std::thread::sleep(Duration::from_millis(100));
    }
    second.kill().unwrap();
    second.wait().unwrap();
    let got: Vec<String> = rx
        .received()
        .iter()
        .filter(|r| r.json()["type"] == "environment.created")
        .map(|r| r.header("webhook-id").to_owned())
        .collect();
    let duplicates = got.len() - want.len();
    assert!(before_restart >= 5);
    assert!(
        duplicates <= 4,
        "only the 4 in flight at the kill may repeat: {duplicates} did"
    );
}

#[test]
fn two_dispatchers_share_the_work_and_never_deliver_the_same_attempt_twice() {
    let app = TestApp::spawn();
    let s = app.signup("hooks-pair");
    let rx = Receiver::ok();
    create(
        &app,
        &s.access,
        json!({"url": rx.url("/"), "events": ["environment.created"]}),
    );
    queue_events(&app, &s.tenant_id, 300);
    let want = msg_ids(&app, &s.tenant_id);
    let mut a = dispatcher(&app, "8");
    let mut b = dispatcher(&app, "8");
    rx.wait_for(want.len(), 60, is_type("environment.created"));
    std::thread::sleep(Duration::from_millis(500));
    a.kill().unwrap();
    b.kill().unwrap();
    let _ = (a.wait(), b.wait());
    let got: Vec<String> = rx
        .received()
        .iter()
        .filter(|r| r.json()["type"] == "environment.created")
        .map(|r| r.header("webhook-id").to_owned())
        .collect();
    assert!(got.len() >= want.len());
    let unique: BTreeSet<String> = got.iter().cloned().collect();
    assert_eq!(unique, want);
    assert_eq!(got.len(), want.len(), "a delivery went out twice");
    assert_eq!(
        count(&app, "select count(*) from webhook_attempts"),
        count(&app, "select count(*) from webhook_deliveries"),
        "one attempt per delivery"
    );
    let workers = count(
        &app,
        "select count(distinct dispatcher) from webhook_attempts",
    );
    eprintln!("two dispatchers: {workers} recorded attempts");
}

/// An event straight into the outbox, as a write puts it there.
fn queue_event(app: &TestApp, tenant: &str, event: Value) {
    let topic = event["type"].as_str().unwrap().to_owned();
    block_on(app.owner_db().execute(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "insert into outbox (tenant_id, topic, payload) values ($1::uuid, $2, $3)",
        [tenant.into(), topic.into(), event.into()],
    )))
    .unwrap();
}

#[test]
fn chosen_members_get_digests_of_drift_and_refusals_and_nothing_twice() {
    let app = TestApp::spawn_with(|s| {
        s.webhooks.embedded = true;
        s.webhooks.digest_hourly_secs = 1;
        s.webhooks.digest_daily_secs = 1;
    });
    let s = app.signup("hooks-digest");
    let owner = "owner@hooks-digest.test";
    let me = app.get("/v1/me", Some(&s.access)).body["subject"]
        .as_str()
        .unwrap()
        .to_owned();
    let cli = Cli::new(&app);
    let as_owner = [("VERSIQII_TOKEN", s.access.as_str())];
    let out = cli.run(
        &["digests", "set", &me, "--every", "hourly"],
        &as_owner,
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout)
            .contains("hourly digest of drift.changed,deployment.refused,binding.refused"),
        "{}",
        text(&out.stdout)
    );
    let listed = app.get("/v1/digests", Some(&s.access));
    assert_eq!(listed.body["items"][0]["email"], owner);
    // A subscription covers what happens after it: nothing earlier.
    let drift = |target: &str| {
        json!({"type": "drift.changed", "version": 1, "data": {
        "env": "prod", "target": target,
        "before": {"schema": false, "dependency": false, "config": false, "environment": false},
        "after": {"schema": true, "dependency": false, "config": false, "environment": false},
        "details": ["timeout_ms is required"]}})
    };
    queue_event(&app, &s.tenant_id, drift("svc"));
    queue_event(
        &app,
        &s.tenant_id,
        json!({"type": "environment.created", "version": 1,
        "data": {"environment_id": "00000000-0000-0000-0000-000000000001", "env": "not-in-digest"}}),
    );
    queue_event(
        &app,
        &s.tenant_id,
        json!({"type": "deployment.refused", "version": 1, "data": {
        "env": "prod", "target": "svc", "from_version": "1.0.0", "to_version": "3.0.0",
        "rollback": false, "problems": [{"kind": "config_invalid", "message": "retries is required"}],
        "summary": "svc 1.0.0 -> 3.0.0 in prod"}}),
    );
    let mails = crate::mailbox::mails(owner, "digest", 1);
    let first = mails.last().unwrap();
    let body = first["text"].as_str().unwrap();
    assert!(
        first["subject"].as_str().unwrap().contains("2 events"),
        "{first}"
    );
    assert!(body.contains("`svc` in `prod` drifts: schema"), "{body}");
    assert!(body.contains("timeout_ms is required"), "{body}");
    assert!(
        body.contains("Refused: deploying `svc` `3.0.0` in `prod`"),
        "{body}"
    );
    assert!(
        body.contains("config_invalid: retries is required"),
        "{body}"
    );
    assert!(
        body.contains("http://console.test/drift?env=prod"),
        "{body}"
    );
    assert!(!body.contains("not-in-digest"), "{body}");
    // Nothing new: no mail. Something new: only that.
    std::thread::sleep(Duration::from_millis(2_500));
    assert_eq!(
        crate::mailbox::mails(owner, "digest", 1).len(),
        1,
        "an empty digest was sent"
    );
    queue_event(&app, &s.tenant_id, drift("worker"));
    let mails = crate::mailbox::mails(owner, "digest", 2);
    let second = mails.last().unwrap()["text"].as_str().unwrap().to_owned();
    assert!(
        second.contains("`worker` in `prod`") && !second.contains("`svc` in `prod`"),
        "{second}"
    );
    // Unsubscribed: no more.
    let out = cli.run(&["digests", "remove", &me], &as_owner, None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    queue_event(&app, &s.tenant_id, drift("third"));
    std::thread::sleep(Duration::from_millis(2_500));
    assert_eq!(crate::mailbox::mails(owner, "digest", 2).len(), 2);
}

#[test]
fn an_endpoints_rate_limit_spreads_its_deliveries() {
    let app = with_dispatcher();
    let s = app.signup("hooks-rate");
    let rx = Receiver::ok();
    create(
        &app,
        &s.access,
        json!({"url": rx.url("/"), "events": ["environment.created"], "rate_limit": 2}),
    );
    queue_events(&app, &s.tenant_id, 8);
    let got = rx.wait_for(8, 30, is_type("environment.created"));
    // At most 2 in each second (Redis counts per second, shared by dispatchers): any 5 in a
    // row span three seconds' counts, so at least a second; 8 take over 2.5 s.
    let spread = got.last().unwrap().at - got.first().unwrap().at;
    assert!(
        spread >= Duration::from_millis(2_500),
        "8 deliveries in {spread:?}"
    );
    for window in got.windows(5) {
        assert!(
            window[4].at - window[0].at >= Duration::from_millis(900),
            "5 deliveries within a second"
        );
    }
    // Held back, not failed: each delivery took one attempt.
    assert_eq!(
        count(
            &app,
            "select count(*) from webhook_deliveries where status = 'delivered' and attempts = 1"
        ),
        9,
        "8 events and the test message"
    );
}

#[test]
fn secrets_move_to_a_new_key_and_deliveries_still_verify() {
    let app = TestApp::spawn();
    let s = app.signup("hooks-reseal");
    let rx = Receiver::ok();
    let made = create(
        &app,
        &s.access,
        json!({"url": rx.url("/"), "events": ["environment.created"]}),
    );
    let (endpoint, secret) = (
        made["id"].as_str().unwrap(),
        made["secret"].as_str().unwrap(),
    );
    let sealed = |app: &TestApp| -> Vec<u8> {
        rows(
            app,
            &format!("select secret from webhook_endpoints where id = '{endpoint}'"),
        )[0]
        .try_get_by_index(0)
        .unwrap()
    };
    let before = sealed(&app);
    assert_eq!(
        &before[1..4],
        b"jwt",
        "sealed with the key derived from the server's secret"
    );
    let k1 = format!("k1:{}", {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode([7u8; 32])
    });
    let out = server_command(&app, "reseal-webhook-secrets")
        .env("VERSIQII_WEBHOOK_SECRET_KEYS", format!("{k1},jwt"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("1 endpoint(s) sealed with the current key"),
        "{}",
        text(&out.stdout)
    );
    let after = sealed(&app);
    assert_eq!(&after[1..3], b"k1");
    // Once more: nothing left to move.
    let out = server_command(&app, "reseal-webhook-secrets")
        .env("VERSIQII_WEBHOOK_SECRET_KEYS", format!("{k1},jwt"))
        .output()
        .unwrap();
    assert!(
        text(&out.stdout).contains("0 endpoint(s)"),
        "{}",
        text(&out.stdout)
    );
    // A dispatcher with the new key alone opens it: the delivery verifies with the same secret.
    let mut d = dispatcher_with(&app, "4", &[("VERSIQII_WEBHOOK_SECRET_KEYS", k1.as_str())]);
    env(&app, &s.access, "resealed");
    let got = rx.wait_for(1, 15, is_type("environment.created"));
    d.kill().unwrap();
    let _ = d.wait();
    got[0].verify(secret).unwrap();
}

#[test]
fn finished_events_are_pruned_after_the_retention_and_pending_ones_kept() {
    let app = TestApp::spawn();
    let s = app.signup("hooks-prune");
    let rx = Receiver::ok();
    create(
        &app,
        &s.access,
        json!({"url": rx.url("/"), "events": ["environment.created"]}),
    );
    queue_events(&app, &s.tenant_id, 5);
    let mut first = dispatcher(&app, "4");
    rx.wait_for(5, 15, is_type("environment.created"));
    let pending = "select count(*) from webhook_deliveries where status = 'pending'";
    let deadline = Instant::now() + Duration::from_secs(10);
    while count(&app, pending) > 0 {
        assert!(Instant::now() < deadline, "deliveries still pending");
        std::thread::sleep(Duration::from_millis(50));
    }
    first.kill().unwrap();
    let _ = first.wait();
    // One more event for an endpoint that is disabled: its delivery stays pending, so it stays.
    block_on(
        app.owner_db()
            .execute_unprepared("update webhook_endpoints set status = 'disabled'"),
    )
    .unwrap();
    block_on(app.owner_db().execute_unprepared(
        "insert into webhook_deliveries (tenant_id, endpoint_id, event_id)
         select o.tenant_id, (select e.id from webhook_endpoints e), o.id from outbox o
          where o.topic = 'environment.created' order by o.id limit 1
         on conflict (endpoint_id, event_id) do update set status = 'pending'",
    ))
    .unwrap();
    assert!(count(&app, "select count(*) from outbox") >= 7);
    let mut pruner = dispatcher_with(&app, "4", &[("VERSIQII_WEBHOOKS_KEEP_EVENTS_DAYS", "0")]);
    let deadline = Instant::now() + Duration::from_secs(15);
    while count(&app, "select count(*) from outbox") > 1 {
        assert!(Instant::now() < deadline, "old events were not pruned");
        std::thread::sleep(Duration::from_millis(100));
    }
    pruner.kill().unwrap();
    let _ = pruner.wait();
    assert_eq!(
        count(&app, "select count(*) from webhook_deliveries"),
        1,
        "the pending one stays"
    );
    assert_eq!(
        count(&app, "select count(*) from webhook_attempts"),
        1,
        "only the kept delivery's attempt stays"
    );
}
