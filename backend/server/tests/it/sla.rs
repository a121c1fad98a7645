//! SLA metering: real requests (and real 5xx, from a table the handler needs held locked past
//! the statement timeout) counted per minute with their latencies; a simulated month of stored
//! minutes, probes and histograms reported exactly; probers recording ok and failed checks;
//! tenants seeing only their own figures; `/metrics` carrying the gauges.

use crate::cli::{text, Cli};
use crate::harness::{assert_problem, block_on, TestApp};
use chrono::{DateTime, TimeZone, Utc};
use sea_orm::{ConnectionTrait, DbBackend, Statement, TransactionTrait};
use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use versiqii_core::sla::{availability_ppm, LatencyHistogram};

fn one(app: &TestApp, sql: &str) -> sea_orm::QueryResult {
    block_on(
        app.owner_db()
            .query_one(Statement::from_string(DbBackend::Postgres, sql.to_owned())),
    )
    .unwrap_or_else(|e| panic!("{sql}: {e}"))
    .unwrap()
}

/// (requests, errors, latency samples) stored for a tenant.
fn stored(app: &TestApp, tenant: &str) -> (i64, i64, u64) {
    let row = one(
        app,
        &format!(
            "select coalesce(sum(requests), 0)::bigint as r, coalesce(sum(errors), 0)::bigint as e
               from sla_minutes where tenant_id = '{tenant}'"
        ),
    );
    let hists = block_on(app.owner_db().query_all(Statement::from_string(
        DbBackend::Postgres,
        format!("select histogram from sla_latency where tenant_id = '{tenant}'"),
    )))
    .unwrap();
    let samples = hists
        .iter()
        .map(|r| {
            let bytes: Vec<u8> = r.try_get("", "histogram").unwrap();
            LatencyHistogram::from_bytes(&bytes).unwrap().count()
        })
        .sum();
    (
        row.try_get("", "r").unwrap(),
        row.try_get("", "e").unwrap(),
        samples,
    )
}

fn wait_until<T: std::fmt::Debug>(
    what: &str,
    mut f: impl FnMut() -> T,
    ok: impl Fn(&T) -> bool,
) -> T {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let got = f();
        if ok(&got) {
            return got;
        }
        assert!(Instant::now() < deadline, "{what}: still {got:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn real_requests_and_real_5xx_are_counted_with_their_latencies() {
    // A statement waiting on a lock past this fails, as under a real database incident.
    let app = TestApp::spawn_with(|s| s.database.statement_timeout_ms = 300);
    let s = app.signup("sla-real");
    for _ in 0..10 {
        assert_eq!(app.get("/v1/usage", Some(&s.access)).status, 200);
    }
    // The owner holds usage_daily: the tenant's usage reads time out and answer 5xx.
    let owner = app.owner_db();
    let tx = block_on(owner.begin()).unwrap();
    block_on(tx.execute_unprepared("lock table usage_daily in access exclusive mode")).unwrap();
    for _ in 0..3 {
        let r = app.get("/v1/usage", Some(&s.access));
        assert!(r.status >= 500, "{} {}", r.status, r.body);
    }
    block_on(tx.rollback()).unwrap();
    // The sign-up is no tenant's request; the 13 are, each once, with a latency each.
    wait_until(
        "stored SLA counts",
        || stored(&app, &s.tenant_id),
        |got| *got == (13, 3, 13),
    );
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(stored(&app, &s.tenant_id), (13, 3, 13), "nothing twice");

    let view = app.get("/v1/sla", Some(&s.access));
    assert_eq!(view.status, 200, "{}", view.body);
    let v = &view.body;
    assert_eq!(
        (v["requests"].as_u64(), v["errors_5xx"].as_u64()),
        (Some(13), Some(3))
    );
    // 3 of at most 13 in a minute is over 5%: one minute down, or two if the run crossed a
    // minute's end.
    let down = v["down"].as_array().unwrap();
    assert!((1..=2).contains(&down.len()), "{v}");
    assert_eq!(v["down_minutes"].as_u64(), Some(down.len() as u64));
    assert!(
        v["p99_ms"].as_f64().unwrap() >= 250.0,
        "the timed-out requests: {v}"
    );
    assert!(
        v.get("target_ppm").is_none() && v.get("met").is_none(),
        "free has no SLA: {v}"
    );
    let minutes = v["minutes"].as_u64().unwrap();
    let now = Utc::now();
    let month_start = Utc.with_ymd_and_hms(
        chrono::Datelike::year(&now),
        chrono::Datelike::month(&now),
        1,
        0,
        0,
        0,
    );
    let begun = (now - month_start.unwrap()).num_minutes() as u64 + 1;
    assert!(minutes.abs_diff(begun) <= 1, "{minutes} vs {begun}");
    assert_eq!(
        v["availability_ppm"].as_u64(),
        Some(u64::from(availability_ppm(minutes, down.len() as u64)))
    );
}

fn minute(day: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, h, m, 0).unwrap()
}

#[test]
fn a_simulated_month_with_injected_5xx_minutes_yields_the_expected_availability() {
    let app = TestApp::spawn();
    let s = app.signup("sla-month");
    let other = app.signup("sla-month-other");
    let owner = app.owner_db();
    let exec = |sql: String| {
        block_on(owner.execute_unprepared(&sql)).unwrap_or_else(|e| panic!("{sql}: {e}"));
    };
    exec(format!(
        "update tenants set plan = 'team' where id = '{}'",
        s.tenant_id
    ));
    // 44 minutes with 10% errors (down), 100 with exactly 5% (up), spread over the month.
    let bad: Vec<DateTime<Utc>> = (0..44).map(|i| minute(2 + i % 20, 3, i)).collect();
    let edge: Vec<DateTime<Utc>> = (0..100).map(|i| minute(25, i / 60, i % 60)).collect();
    let mut values = Vec::new();
    for m in &bad {
        values.push(format!("('{}', '{}', 20, 2)", s.tenant_id, m.to_rfc3339()));
    }
    for m in &edge {
        values.push(format!("('{}', '{}', 40, 2)", s.tenant_id, m.to_rfc3339()));
    }
    // The other tenant's bad minutes are its own.
    values.push(format!(
        "('{}', '{}', 1, 1)",
        other.tenant_id,
        minute(9, 9, 9).to_rfc3339()
    ));
    exec(format!(
        "insert into sla_minutes (tenant_id, minute, requests, errors) values {}",
        values.join(",")
    ));
    // Two failed probes in another region: one in a minute already down, one in a quiet minute;
    // and ok probes, which count nothing.
    exec(format!(
        "insert into sla_probes (region, minute, ok, latency_ms) values
           ('eu-west', '{}', false, 5000), ('eu-west', '{}', false, 5000),
           ('us-east', '{}', true, 12), ('us-east', '{}', true, 15)",
        bad[7].to_rfc3339(),
        minute(28, 12, 0).to_rfc3339(),
        minute(28, 12, 0).to_rfc3339(),
        minute(28, 12, 1).to_rfc3339(),
    ));
    // Hourly histograms: the month's p99 comes from all of them merged.
    let mut all = LatencyHistogram::new();
    let hours = [
        (minute(2, 3, 0), 1_000u64, 40_000u64),
        (minute(14, 8, 0), 5_000, 900_000),
        (minute(30, 23, 0), 200, 3_000),
    ];
    for (hour, n, max) in hours {
        let mut h = LatencyHistogram::new();
        for i in 1..=n {
            h.record(i * max / n);
        }
        all.merge(&h);
        exec(format!(
            "insert into sla_latency (tenant_id, hour, histogram) values ('{}', '{}', decode('{}', 'hex'))",
            s.tenant_id,
            hour.to_rfc3339(),
            hex::encode(h.to_bytes())
        ));
    }
    let p99 = all.quantile_micros(0.99).unwrap();

    let view = app.get("/v1/sla?month=2026-11", Some(&s.access));
    assert_eq!(view.status, 200, "{}", view.body);
    let v = &view.body;
    let expected = availability_ppm(43_200, 45);
    assert_eq!(v["month"], "2026-11");
    assert_eq!(v["minutes"], 43_200);
    assert_eq!(v["down_minutes"], 45, "{v}");
    assert_eq!(v["availability_ppm"], expected);
    assert_eq!(v["availability"], "99.895%");
    assert_eq!(v["p99_ms"].as_f64(), Some(p99 as f64 / 1000.0));
    assert_eq!(v["requests"], 44 * 20 + 100 * 40);
    assert_eq!(v["errors_5xx"], 44 * 2 + 100 * 2);
    assert_eq!(
        (&v["target_ppm"], &v["met"]),
        (&Value::from(999_000), &Value::from(false))
    );
    let down: Vec<DateTime<Utc>> = serde_json::from_value(v["down"].clone()).unwrap();
    let mut want: Vec<DateTime<Utc>> = bad.clone();
    want.push(minute(28, 12, 0));
    want.sort();
    assert_eq!(down, want);

    // The invoices' entry point gives the same report.
    let report = block_on(app.ops.sla_report(
        versiqii_core::TenantId(s.tenant_id.parse().unwrap()),
        "2026-11".parse().unwrap(),
    ))
    .unwrap();
    assert_eq!(
        (
            report.down_minutes,
            report.availability_ppm,
            report.p99_micros,
            report.met
        ),
        (45, expected, Some(p99), Some(false))
    );

    // The other tenant sees only the probe minutes and its own minute.
    let theirs = app.get("/v1/sla?month=2026-11", Some(&other.access)).body;
    assert_eq!(
        (&theirs["down_minutes"], &theirs["requests"]),
        (&Value::from(3), &Value::from(1))
    );
    assert!(theirs.get("p99_ms").is_none(), "{theirs}");
    // The app role inside B's transaction reads none of A's rows.
    let app_db = block_on(sea_orm::Database::connect(app.app_db_url())).unwrap();
    let tx = block_on(app_db.begin()).unwrap();
    block_on(tx.execute_unprepared(&format!(
        "select set_config('app.tenant_id', '{}', true)",
        other.tenant_id
    )))
    .unwrap();
    for table in ["sla_minutes", "sla_latency"] {
        let n: i64 = block_on(tx.query_one(Statement::from_string(
            DbBackend::Postgres,
            format!(
                "select count(*)::bigint from {table} where tenant_id = '{}'",
                s.tenant_id
            ),
        )))
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
        assert_eq!(n, 0, "{table}");
    }
    block_on(tx.rollback()).unwrap();

    // A month to come has no minutes yet; not a month: 422.
    let later = app.get("/v1/sla?month=2999-01", Some(&s.access)).body;
    assert_eq!(
        (&later["minutes"], &later["down_minutes"]),
        (&Value::from(0), &Value::from(0))
    );
    for bad in ["2026-13", "11-2026", "2026-1", ""] {
        assert_problem(
            &app.get(&format!("/v1/sla?month={bad}"), Some(&s.access)),
            422,
            "invalid_input",
        );
    }
    // An earlier month without figures is whole.
    let empty = app.get("/v1/sla?month=2020-02", Some(&s.access)).body;
    assert_eq!(
        (&empty["minutes"], &empty["down_minutes"]),
        (&Value::from(29 * 1440), &Value::from(0))
    );
    assert_eq!(empty["availability"], "100.000%");

    // The CLI shows the same.
    let cli = Cli::new(&app);
    let as_owner = [("VERSIQII_TOKEN", s.access.as_str())];
    let out = cli.run(&["sla", "--month", "2026-11"], &as_owner, None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(
        table.contains("99.895%") && table.contains("45 of 43200 minutes down"),
        "{table}"
    );
    assert!(
        table.contains("99.900% (missed)") && table.contains("2026-11-28 12:00"),
        "{table}"
    );
    let out = cli.run(
        &["sla", "--month", "2026-11", "--output", "json"],
        &as_owner,
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(&json, v);
    let out = cli.run(&["sla", "--month", "Nov"], &as_owner, None);
    assert_eq!(out.status.code(), Some(2));
}

fn prober(app: &TestApp, region: &str, url: &str) -> Child {
    let bin = std::path::Path::new(&std::env::var("VERSIQII_TEST_BIN_DIR").unwrap())
        .join("versiqii-server");
    Command::new(bin)
        .args(["probe", "--region", region, "--url", url])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("VERSIQII_DATABASE_URL", app.app_db_url())
        .env("VERSIQII_SLA_PROBE_INTERVAL_SECS", "1")
        .env("VERSIQII_SLA_PROBE_TIMEOUT_MS", "1000")
        .env("VERSIQII_LOG", "error")
        .current_dir(std::env::temp_dir())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("versiqii-server probe starts")
}

/// (ok probes, failed probes) a region recorded.
fn probes(app: &TestApp, region: &str) -> (i64, i64) {
    let row = one(
        app,
        &format!(
            "select count(*) filter (where ok)::bigint as ok, count(*) filter (where not ok)::bigint as failed
               from sla_probes where region = '{region}'"
        ),
    );
    (
        row.try_get("", "ok").unwrap(),
        row.try_get("", "failed").unwrap(),
    )
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn probers_record_ok_checks_of_a_live_server_and_failures_of_a_dead_one() {
    let app = TestApp::spawn_with(|s| {
        s.sla.probe_region = Some("it-embedded".into());
        s.sla.probe_interval_secs = 1;
    });
    let s = app.signup("sla-probes");
    let live = Killed(prober(&app, "it-live", &app.url));
    let dead_port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dead = Killed(prober(
        &app,
        "it-dead",
        &format!("http://127.0.0.1:{dead_port}"),
    ));
    wait_until(
        "live probes",
        || probes(&app, "it-live"),
        |(ok, failed)| *ok >= 1 && *failed == 0,
    );
    wait_until(
        "dead probes",
        || probes(&app, "it-dead"),
        |(ok, failed)| *ok == 0 && *failed >= 1,
    );
    wait_until(
        "embedded probes",
        || probes(&app, "it-embedded"),
        |(ok, failed)| *ok >= 1 && *failed == 0,
    );
    drop((live, dead));
    let latency: i32 = one(
        &app,
        "select max(latency_ms) as l from sla_probes where region = 'it-live'",
    )
    .try_get("", "l")
    .unwrap();
    assert!((0..1000).contains(&latency), "{latency}");
    // The dead region's failed minutes are down for every tenant, this month.
    let v = app.get("/v1/sla", Some(&s.access)).body;
    let failed: i64 = one(
        &app,
        "select count(*)::bigint as n from sla_probes where not ok",
    )
    .try_get("", "n")
    .unwrap();
    assert_eq!(v["down_minutes"].as_i64(), Some(failed), "{v}");
    assert!(v["availability_ppm"].as_u64().unwrap() < 1_000_000, "{v}");

    // Bad arguments are usage errors.
    let bin = std::path::Path::new(&std::env::var("VERSIQII_TEST_BIN_DIR").unwrap())
        .join("versiqii-server");
    for args in [
        &["probe", "--region", "EU", "--url", "http://x"][..],
        &["probe", "--url", "http://x"][..],
        &["probe", "--region", "eu", "--url", "ftp://x"][..],
    ] {
        let out = Command::new(&bin).args(args).env_clear().output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn metrics_carry_each_tenants_usage_and_sla_gauges() {
    let token = "metrics-token-for-sla-gauges";
    let app = TestApp::spawn_with(|s| s.observability.metrics_token = Some(token.to_owned()));
    let s = app.signup("sla-gauges");
    for _ in 0..4 {
        assert_eq!(app.get("/v1/envs", Some(&s.access)).status, 200);
    }
    wait_until("stored", || stored(&app, &s.tenant_id), |got| got.0 == 4);
    wait_until(
        "stored usage",
        || {
            one(
                &app,
                &format!(
                    "select coalesce(sum(count), 0)::bigint as n from usage_daily
                      where tenant_id = '{}' and kind = 'api_reads'",
                    s.tenant_id
                ),
            )
            .try_get::<i64>("", "n")
            .unwrap()
        },
        |n| *n == 4,
    );
    let text = app.get("/metrics", Some(token)).body;
    let text = text.as_str().unwrap();
    let labels = format!("tenant=\"{}\",slug=\"sla-gauges\"", s.tenant_id);
    for line in [
        format!("versiqii_tenant_usage{{{labels},kind=\"api_reads\"}} 4"),
        format!("versiqii_tenant_down_minutes{{{labels}}} 0"),
        format!("versiqii_tenant_availability_ppm{{{labels}}} 1000000"),
    ] {
        assert!(text.lines().any(|l| l == line), "{line} not in:\n{text}");
    }
    let p99 = text
        .lines()
        .find_map(|l| l.strip_prefix(&format!("versiqii_tenant_p99_seconds{{{labels}}} ")))
        .unwrap_or_else(|| panic!("no p99 in:\n{text}"));
    let p99: f64 = p99.parse().unwrap();
    assert!(p99 > 0.0 && p99 < 5.0, "{p99}");
    assert!(text.contains("# TYPE versiqii_tenant_usage gauge"));
    // Cached: more requests do not show until the cache (30 s) expires.
    assert_eq!(app.get("/v1/envs", Some(&s.access)).status, 200);
    wait_until("stored", || stored(&app, &s.tenant_id), |got| got.0 == 5);
    let again = app.get("/metrics", Some(token)).body;
    assert!(again.as_str().unwrap().contains(&format!(
        "versiqii_tenant_usage{{{labels},kind=\"api_reads\"}} 4"
    )));
}

#[test]
fn instances_flushing_the_same_hour_add_up() {
    let a = TestApp::spawn();
    let b = a.another_instance();
    let c = a.another_instance();
    let s = a.signup("sla-instances");
    // Three instances answer the same tenant in the same minute and hour and merge their
    // histograms into the same row, often at the same moment.
    for i in 0..60 {
        let app = [&a, &b, &c][i % 3];
        assert_eq!(app.get("/v1/envs", Some(&s.access)).status, 200);
    }
    wait_until(
        "stored SLA counts",
        || stored(&a, &s.tenant_id),
        |got| *got == (60, 0, 60),
    );
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(
        stored(&a, &s.tenant_id),
        (60, 0, 60),
        "nothing lost or twice"
    );
}
