use crate::harness::{assert_problem, block_on, TestApp};
use jsonwebtoken::{encode, Algorithm, EncodingKey, Header};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::time::Duration;

const SECRET: &str = "a-test-secret-of-at-least-32-bytes!!";

fn app() -> TestApp {
    TestApp::spawn_with(|s| s.auth.jwt_secret = SECRET.to_owned())
}

fn b64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..=chunk.len() {
            out.push(T[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

fn claims(tenant: &str, sub: &str, exp_offset: i64, aud: &str) -> serde_json::Value {
    let now = jsonwebtoken::get_current_timestamp() as i64;
    json!({"sub": sub, "tid": tenant, "role": "owner", "iss": "versiqii", "aud": aud,
           "iat": now, "exp": now + exp_offset})
}

#[test]
fn forged_and_stale_tokens_are_rejected() {
    let app = app();
    let s = app.signup("jwt-co");
    let me = app.get("/v1/me", Some(&s.access));
    assert_eq!(me.status, 200, "{}", me.body);
    let sub = me.body["subject"].as_str().unwrap().to_owned();
    let good = claims(&s.tenant_id, &sub, 600, "versiqii-api");

    let none = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","typ":"JWT"}"#),
        b64(good.to_string().as_bytes())
    );
    assert_problem(&app.get("/v1/me", Some(&none)), 401, "unauthenticated");

    let key = EncodingKey::from_secret(SECRET.as_bytes());
    let hs512 = encode(&Header::new(Algorithm::HS512), &good, &key).unwrap();
    let r = app.get("/v1/me", Some(&hs512));
    assert_problem(&r, 401, "unauthenticated");
    assert!(
        r.body["detail"].as_str().unwrap().contains("algorithm"),
        "{}",
        r.body
    );

    let expired = encode(
        &Header::new(Algorithm::HS256),
        &claims(&s.tenant_id, &sub, -3600, "versiqii-api"),
        &key,
    )
    .unwrap();
    let r = app.get("/v1/me", Some(&expired));
    assert_problem(&r, 401, "unauthenticated");
    assert!(r.body["detail"].as_str().unwrap().contains("expired"));

    let other_aud = encode(
        &Header::new(Algorithm::HS256),
        &claims(&s.tenant_id, &sub, 600, "someone-else"),
        &key,
    )
    .unwrap();
    let r = app.get("/v1/me", Some(&other_aud));
    assert_problem(&r, 401, "unauthenticated");
    assert!(r.body["detail"].as_str().unwrap().contains("audience"));

    let other_key = EncodingKey::from_secret(b"another-secret-of-at-least-32-bytes!!");
    let forged = encode(&Header::new(Algorithm::HS256), &good, &other_key).unwrap();
    assert_problem(&app.get("/v1/me", Some(&forged)), 401, "unauthenticated");

    // The same claims, properly signed, pass: the rejections above are about the token alone.
    let fine = encode(&Header::new(Algorithm::HS256), &good, &key).unwrap();
    assert_eq!(app.get("/v1/me", Some(&fine)).status, 200);
}

#[test]
fn a_bad_checksum_is_rejected_before_any_query() {
    let app = app();
    let s = app.signup("cksum-co");
    let (_, key) = app.api_key(&s.access, &["read"]);
    let mut typo = key.clone();
    let last = typo.pop().unwrap();
    typo.push(if last == 'a' { 'b' } else { 'a' });
    // Take the database away: a well-formed key now fails at the query, a mistyped one never gets there.
    let admin = TestApp::superuser_db();
    block_on(admin.execute_unprepared(&format!("drop database {} with (force)", app.db_name)))
        .unwrap();
    let r = app.get("/v1/me", Some(&typo));
    assert_problem(&r, 401, "invalid_api_key");
    assert!(r.body["detail"].as_str().unwrap().contains("checksum"));
    let r = app.get("/v1/me", Some(&key));
    assert_problem(&r, 500, "internal");
    assert!(
        !r.body["detail"].as_str().unwrap().contains("database"),
        "500s say nothing: {}",
        r.body
    );
}

#[test]
fn revoked_and_expired_keys_stop_working() {
    let app = app();
    let s = app.signup("revoke-co");
    let (id, key) = app.api_key(&s.access, &["read"]);
    assert_eq!(app.get("/v1/me", Some(&key)).status, 200);
    assert_eq!(
        app.delete(&format!("/v1/api-keys/{id}"), Some(&s.access))
            .status,
        204
    );
    let r = app.get("/v1/me", Some(&key));
    assert_problem(&r, 401, "invalid_api_key");
    assert!(r.body["detail"].as_str().unwrap().contains("revoked"));
    assert_problem(
        &app.delete(&format!("/v1/api-keys/{id}"), Some(&s.access)),
        404,
        "not_found",
    );

    let (id2, key2) = app.api_key(&s.access, &["write"]);
    let owner = app.owner_db();
    block_on(owner.execute_unprepared(&format!(
        "update api_keys set expires_at = now() - interval '1 second' where id = '{id2}'"
    )))
    .unwrap();
    let r = app.get("/v1/me", Some(&key2));
    assert_problem(&r, 401, "invalid_api_key");
    assert!(r.body["detail"].as_str().unwrap().contains("expired"));
}

#[test]
fn a_key_revoked_through_one_instance_stops_working_on_another_at_once() {
    let one = app();
    let two = one.another_instance();
    let s = one.signup("revoke-twin-co");
    let (id, key) = one.api_key(&s.access, &["read"]);
    // Instance two has verified (and remembers) the key.
    assert_eq!(two.get("/v1/me", Some(&key)).status, 200);
    assert_eq!(two.get("/v1/me", Some(&key)).status, 200);
    assert_eq!(
        one.delete(&format!("/v1/api-keys/{id}"), Some(&s.access))
            .status,
        204
    );
    let started = std::time::Instant::now();
    while two.get("/v1/me", Some(&key)).status != 401 {
        assert!(
            // Well under the 10 s its cache would keep the key without the NOTIFY.
            started.elapsed() < std::time::Duration::from_secs(5),
            "instance two still accepts the revoked key"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn secrets_are_stored_only_as_hashes() {
    let app = app();
    let s = app.signup("hash-co");
    let (id, key) = app.api_key(&s.access, &["read"]);
    let owner = app.owner_db();
    let row = block_on(owner.query_one(Statement::from_string(
        DbBackend::Postgres,
        format!("select key_hash, prefix from api_keys where id = '{id}'"),
    )))
    .unwrap()
    .unwrap();
    let stored: Vec<u8> = row.try_get("", "key_hash").unwrap();
    assert_eq!(stored, Sha256::digest(key.as_bytes()).to_vec());
    let prefix: String = row.try_get("", "prefix").unwrap();
    assert!(key.starts_with(&prefix) && prefix.len() < 20);
    let row = block_on(owner.query_one(Statement::from_string(
        DbBackend::Postgres,
        "select password_hash from users".to_owned(),
    )))
    .unwrap()
    .unwrap();
    let hash: String = row.try_get("", "password_hash").unwrap();
    assert!(
        hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
        "{hash}"
    );
    let row = block_on(
        owner.query_one(Statement::from_string(
            DbBackend::Postgres,
            "select count(*) from refresh_tokens where encode(token_hash, 'escape') like 'vqr_%'"
                .to_owned(),
        )),
    )
    .unwrap()
    .unwrap();
    assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 0);
    // The listing never shows the secret.
    let list = app.get("/v1/api-keys", Some(&s.access));
    assert!(!list.body.to_string().contains(&key[12..]));
}

#[test]
fn login_refresh_rotation_and_logout() {
    let app = app();
    app.signup("login-co");
    let bad = app.post(
        "/v1/auth/login",
        None,
        &json!({"email": "owner@login-co.test", "password": "wrong password!!"}),
    );
    assert_problem(&bad, 401, "invalid_credentials");
    let unknown = app.post(
        "/v1/auth/login",
        None,
        &json!({"email": "nobody@login-co.test", "password": "wrong password!!"}),
    );
    assert_problem(&unknown, 401, "invalid_credentials");
    assert_eq!(
        bad.body["detail"], unknown.body["detail"],
        "no hint whether the email exists"
    );

    let ok = app.post(
        "/v1/auth/login",
        None,
        &json!({"email": "Owner@Login-Co.test", "password": "correct horse battery"}),
    );
    assert_eq!(ok.status, 200, "{}", ok.body);
    let first = ok.body["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.get("/v1/me", ok.body["access_token"].as_str()).body["role"],
        "owner"
    );

    let rotated = app.post("/v1/auth/refresh", None, &json!({"refresh_token": first}));
    assert_eq!(rotated.status, 200, "{}", rotated.body);
    let second = rotated.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    assert_eq!(
        app.get("/v1/me", rotated.body["access_token"].as_str())
            .status,
        200
    );

    // The successor used, then the rotated token again: theft. It fails and takes the live one
    // down with it.
    let used = app.post("/v1/auth/refresh", None, &json!({"refresh_token": second}));
    assert_eq!(used.status, 200, "{}", used.body);
    let live = used.body["refresh_token"].as_str().unwrap().to_owned();
    assert_problem(
        &app.post("/v1/auth/refresh", None, &json!({"refresh_token": first})),
        401,
        "unauthenticated",
    );
    assert_problem(
        &app.post("/v1/auth/refresh", None, &json!({"refresh_token": live})),
        401,
        "unauthenticated",
    );

    let again = app.post(
        "/v1/auth/login",
        None,
        &json!({"email": "owner@login-co.test", "password": "correct horse battery"}),
    );
    let third = again.body["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(
        app.post("/v1/auth/logout", None, &json!({"refresh_token": third}))
            .status,
        204
    );
    assert_problem(
        &app.post("/v1/auth/refresh", None, &json!({"refresh_token": third})),
        401,
        "unauthenticated",
    );
}

#[test]
fn repeated_failed_logins_are_rate_limited_in_redis() {
    let app = TestApp::spawn_with(|s| s.auth.login_attempts_per_minute = 3);
    app.signup("limit-co");
    let mut statuses = Vec::new();
    for _ in 0..5 {
        let r = app.post(
            "/v1/auth/login",
            None,
            &json!({"email": "owner@limit-co.test", "password": "wrong password!!"}),
        );
        statuses.push(r.status);
    }
    assert_eq!(statuses, vec![401, 401, 401, 429, 429]);
}

#[test]
fn signup_conflicts_are_named() {
    let app = app();
    app.signup("dup-co");
    let slug = app.post("/v1/auth/signup", None, &json!({"tenant_slug": "dup-co", "email": "other@x.test", "password": "correct horse battery"}));
    assert_problem(&slug, 409, "tenant_slug_taken");
    let email = app.post("/v1/auth/signup", None, &json!({"tenant_slug": "dup-co-2", "email": "owner@dup-co.test", "password": "correct horse battery"}));
    assert_problem(&email, 409, "email_taken");
    // Nothing half-written: the refused tenant does not exist.
    let owner = app.owner_db();
    let row = block_on(owner.query_one(Statement::from_string(
        DbBackend::Postgres,
        "select count(*) from tenants where slug = 'dup-co-2'".to_owned(),
    )))
    .unwrap()
    .unwrap();
    assert_eq!(row.try_get_by_index::<i64>(0).unwrap(), 0);
}

#[test]
fn writes_are_audited_in_a_hash_chain() {
    let app = app();
    let s = app.signup("audit-co");
    let (id, _) = app.api_key(&s.access, &["read"]);
    app.delete(&format!("/v1/api-keys/{id}"), Some(&s.access));
    let log = app.get("/v1/audit", Some(&s.access));
    assert_eq!(log.status, 200);
    let items = log.body["items"].as_array().unwrap();
    let actions: Vec<&str> = items
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        vec!["api_key.revoke", "api_key.create", "tenant.create"]
    );
    for pair in items.windows(2) {
        assert_eq!(
            pair[0]["prev_hash"], pair[1]["hash"],
            "each event links to the one before"
        );
        assert_eq!(
            pair[0]["seq"].as_i64().unwrap(),
            pair[1]["seq"].as_i64().unwrap() + 1
        );
    }
}

/// A request of `token`'s tenant on a connection of its own, so several can be in flight.
fn get_on_own_connection(url: &str, token: &str) -> (u16, Option<String>, String, String) {
    get_timed(url, token).0
}

/// The same, with how long the answer took.
fn get_timed(url: &str, token: &str) -> ((u16, Option<String>, String, String), Duration) {
    let started = std::time::Instant::now();
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let resp = agent
        .get(&format!("{url}/v1/targets"))
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .expect("transport");
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (retry, content_type) = (header("retry-after"), header("content-type"));
    let status = resp.status().as_u16();
    let body = resp.into_body().read_to_string().unwrap_or_default();
    (
        (status, retry, content_type.unwrap_or_default(), body),
        started.elapsed(),
    )
}

#[test]
fn a_tenant_over_its_plan_budget_waits_then_is_refused_and_other_tenants_are_not() {
    // Free: one request in 2 s, 2 at once, at most 2.5 s of waiting. Team: unlimited. Slow
    // enough that a loaded machine sends a burst well inside each window.
    let app = TestApp::spawn_with(|s| {
        let free = s.plans.get_mut("free").unwrap();
        free.rate = 0.5;
        free.burst_secs = 4.0;
        s.plans.get_mut("team").unwrap().rate = 0.0;
        s.tenants.max_wait_ms = 2500;
    });
    let flood = app.signup("budget-flood");
    let calm = app.signup("budget-calm");
    let paying = app.signup("budget-team");
    // The plan is the billing portal's to set; here the cluster's superuser sets it.
    let db = app.superuser_test_db();
    let updated = block_on(db.execute(Statement::from_sql_and_values(
        DbBackend::Postgres,
        "update tenants set plan = 'team' where id = $1::uuid",
        [uuid::Uuid::parse_str(&paying.tenant_id).unwrap().into()],
    )))
    .unwrap();
    assert_eq!(updated.rows_affected(), 1);
    // One request each reads the tenant's plan; then the buckets fill again.
    for s in [&flood, &calm, &paying] {
        assert_eq!(get_on_own_connection(&app.url, &s.access).0, 200);
    }
    std::thread::sleep(Duration::from_millis(2100));

    // Six at once: two go through, the third waits its turn (2 s), the rest are due 4 s
    // ahead, past the longest wait, and are refused, answered no sooner than the longest wait.
    let timed_burst = |token: &str| {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..6)
                .map(|_| scope.spawn(|| get_timed(&app.url, token)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap())
                .collect::<Vec<_>>()
        })
    };
    let burst = |token: &str| {
        timed_burst(token)
            .into_iter()
            .map(|(answer, _)| answer)
            .collect::<Vec<_>>()
    };
    let flood_started = std::time::Instant::now();
    let timed = timed_burst(&flood.access);
    let mut waits: Vec<_> = timed
        .iter()
        .filter(|(a, _)| a.0 == 200)
        .map(|(_, took)| *took)
        .collect();
    waits.sort();
    let answers: Vec<_> = timed.iter().map(|(a, _)| a.clone()).collect();
    let refused: Vec<_> = timed.iter().filter(|(a, _)| a.0 == 429).collect();
    assert_eq!(waits.len(), 3, "{answers:?}");
    assert_eq!(refused.len(), 3, "{answers:?}");
    assert!(
        waits[2] >= Duration::from_millis(1800),
        "the third request did not wait for its turn: {waits:?}"
    );
    for ((_, retry_after, content_type, body), took) in refused {
        assert!(
            *took >= Duration::from_millis(2400),
            "a refusal came back after {took:?}, sooner than the longest wait"
        );
        assert_eq!(content_type, "application/problem+json");
        let problem: serde_json::Value = serde_json::from_str(body).unwrap();
        assert_eq!(problem["code"], "rate_limited", "{problem}");
        let secs: u64 = retry_after.as_deref().unwrap().parse().unwrap();
        assert!((1..=2).contains(&secs), "Retry-After {secs}");
    }

    // The flooding tenant's budget is its own: another free tenant gets its burst at once,
    // and a team tenant (unlimited here) all six.
    let calm_answers = burst(&calm.access);
    assert_eq!(
        calm_answers.iter().filter(|a| a.0 == 200).count(),
        3,
        "{calm_answers:?}"
    );
    let team_answers = burst(&paying.access);
    assert!(team_answers.iter().all(|a| a.0 == 200), "{team_answers:?}");

    // Once its slots have come round the flooding tenant is served again (the next is due
    // 6 s after its burst, 2 s of which may come early).
    let again = Duration::from_millis(4100);
    std::thread::sleep(again.saturating_sub(flood_started.elapsed()));
    assert_eq!(get_on_own_connection(&app.url, &flood.access).0, 200);
}

#[test]
fn signup_and_key_creation_answer_201_created() {
    let app = TestApp::spawn();
    let r = app.post(
        "/v1/auth/signup",
        None,
        &json!({"tenant_slug": "created-co", "email": "owner@created-co.test", "password": "correct horse battery"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let token = r.body["tokens"]["access_token"].as_str().unwrap();
    app.verify_email_directly("owner@created-co.test");
    let k = app.post(
        "/v1/api-keys",
        Some(token),
        &json!({"name": "ci", "scopes": ["read"]}),
    );
    assert_eq!(k.status, 201, "{}", k.body);
}

/// A well-formed key the database does not know is looked up once; repeats are refused from
/// memory, so a client hammering a wrong or revoked-and-purged key costs no queries.
#[test]
fn an_unknown_api_key_is_looked_up_once() {
    let token = "metrics-token-for-key-lookups";
    let app = TestApp::spawn_with(|s| s.observability.metrics_token = Some(token.to_owned()));
    // Well-formed (prefix, 32 base62 characters, checksum) but never issued.
    let key = versiqii_core::ApiKeySecret::from_body("0123456789abcdefghijABCDEFGHIJkl").unwrap();
    for _ in 0..5 {
        let r = app.get("/v1/bindings", Some(key.expose()));
        assert_problem(&r, 401, "invalid_api_key");
    }
    let metrics = app.get("/metrics", Some(token)).body;
    let text = metrics.as_str().unwrap();
    assert!(
        text.contains("versiqii_api_key_lookups_total{outcome=\"unknown\"} 1\n"),
        "{text}"
    );
    assert!(
        text.contains("versiqii_api_key_lookups_total{outcome=\"remembered_unknown\"} 4\n"),
        "{text}"
    );
}

/// A refresh whose answer was lost (a reload mid-refresh) may be asked again, once, moments later,
/// while its successor was never used: the unused successor ends instead of every session.
/// Later, or once the successor was used, the same request is a leak.
#[test]
fn a_refresh_whose_answer_was_lost_is_asked_again_once() {
    let app = app();
    app.signup("grace-co");
    let login = |app: &TestApp| {
        let r = app.post(
            "/v1/auth/login",
            None,
            &json!({"email": "owner@grace-co.test", "password": "correct horse battery"}),
        );
        r.body["refresh_token"].as_str().unwrap().to_owned()
    };
    let refresh =
        |token: &str| app.post("/v1/auth/refresh", None, &json!({"refresh_token": token}));
    let first = login(&app);
    let lost = refresh(&first);
    assert_eq!(lost.status, 200);
    let lost = lost.body["refresh_token"].as_str().unwrap().to_owned();
    let again = refresh(&first);
    assert_eq!(again.status, 200, "{}", again.body);
    let kept = again.body["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(kept, lost);
    assert_eq!(
        app.get("/v1/me", again.body["access_token"].as_str())
            .status,
        200
    );
    // The lost successor ended; presenting it is a leak and ends the session kept too.
    assert_problem(&refresh(&lost), 401, "unauthenticated");
    assert_problem(&refresh(&kept), 401, "unauthenticated");

    // Past the grace, a rotated token is a leak even with its successor unused.
    let first = login(&app);
    let next = refresh(&first).body["refresh_token"]
        .as_str()
        .unwrap()
        .to_owned();
    crate::harness::block_on(sea_orm::ConnectionTrait::execute_unprepared(
        &app.owner_db(),
        "update refresh_tokens set revoked_at = now() - interval '1 minute' where revoked_at > now() - interval '1 minute' and replaced_by is not null",
    ))
    .unwrap();
    assert_problem(&refresh(&first), 401, "unauthenticated");
    assert_problem(&refresh(&next), 401, "unauthenticated");
}
