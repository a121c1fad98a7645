//! Durable usage metering: requests counted in memory by two instances, flushed additively, and
//! counted on by an instance started later, match the client's own tally exactly.

use crate::harness::{block_on, TestApp};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn usage(app: &TestApp, tenant: &str) -> BTreeMap<String, i64> {
    block_on(app.owner_db().query_all(Statement::from_string(
        DbBackend::Postgres,
        format!("select kind, sum(count)::bigint as n from usage_daily where tenant_id = '{tenant}' and kind like 'api\\_%' group by kind"),
    )))
    .unwrap()
    .iter()
    .map(|r| (r.try_get("", "kind").unwrap(), r.try_get("", "n").unwrap()))
    .collect()
}

fn wait_for(app: &TestApp, tenant: &str, want: &BTreeMap<String, i64>) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let got = usage(app, tenant);
        if &got == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "usage {got:?}, the client counted {want:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn two_instances_and_a_later_one_count_exactly_what_the_client_sent() {
    let a = TestApp::spawn();
    let b = a.another_instance();
    let s = a.signup("usage-co");
    let mut tally: BTreeMap<String, i64> = BTreeMap::new();
    fn add(tally: &mut BTreeMap<String, i64>, kind: &str) {
        *tally.entry(kind.to_owned()).or_default() += 1;
    }
    // The sign-up is not a tenant's request; the key's creation is (a write).
    let (_, key) = a.api_key(&s.access, &["write"]);
    add(&mut tally, "api_writes");
    for i in 0..20 {
        let app = if i % 2 == 0 { &a } else { &b };
        assert_eq!(app.get("/v1/envs", Some(&key)).status, 200);
        add(&mut tally, "api_reads");
    }
    for i in 0..7 {
        let app = if i % 2 == 0 { &b } else { &a };
        assert_eq!(
            app.post("/v1/envs", Some(&key), &json!({"name": format!("u-{i}")}))
                .status,
            201
        );
        add(&mut tally, "api_writes");
    }
    // A refused request (a bad key) is no one's usage; a request refused by validation is.
    assert_eq!(a.get("/v1/envs", Some("vq_live_not-a-key")).status, 401);
    assert_eq!(
        b.post("/v1/envs", Some(&key), &json!({"name": "bad name!"}))
            .status,
        400
    );
    add(&mut tally, "api_writes");
    wait_for(&a, &s.tenant_id, &tally);
    // Another instance (as after a restart) adds to the same rows.
    drop(b);
    let c = a.another_instance();
    for _ in 0..5 {
        assert_eq!(c.get("/v1/envs", Some(&key)).status, 200);
        add(&mut tally, "api_reads");
    }
    wait_for(&a, &s.tenant_id, &tally);
    // Nothing is counted twice: a while later the sums are the same.
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(usage(&a, &s.tenant_id), tally);
    // Another tenant's requests are its own.
    let other = a.signup("usage-other");
    assert_eq!(a.get("/v1/envs", Some(&other.access)).status, 200);
    wait_for(
        &a,
        &other.tenant_id,
        &BTreeMap::from([("api_reads".to_owned(), 1)]),
    );
    assert_eq!(usage(&a, &s.tenant_id), tally);
}

/// Under load: clients on several threads hit two instances at once while a third is started
/// and the second stopped (a restart), and the stored counts equal what the clients were
/// answered, exactly.
#[test]
fn counts_stay_exact_under_load_across_instances_and_a_restart() {
    let a = TestApp::spawn();
    let b = a.another_instance();
    let s = a.signup("usage-load");
    let (_, key) = a.api_key(&s.access, &["write"]);
    let sent = |apps: &[&TestApp], threads: usize, each: usize| -> BTreeMap<String, i64> {
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let (apps, key) = (apps, &key);
                    scope.spawn(move || {
                        let mut tally: BTreeMap<String, i64> = BTreeMap::new();
                        for i in 0..each {
                            let app = apps[(t + i) % apps.len()];
                            let (kind, status) = if i % 5 == 0 {
                                let name = format!("l-{t}-{i}");
                                let r = app.post("/v1/envs", Some(key), &json!({"name": name}));
                                ("api_writes", r.status)
                            } else {
                                ("api_reads", app.get("/v1/envs", Some(key)).status)
                            };
                            // Waited-for requests are answered; every answer is counted.
                            assert!(status < 500, "{status}");
                            *tally.entry(kind.to_owned()).or_default() += 1;
                        }
                        tally
                    })
                })
                .collect();
            let mut total = BTreeMap::new();
            for h in handles {
                for (k, v) in h.join().unwrap() {
                    *total.entry(k).or_default() += v;
                }
            }
            total
        })
    };
    let mut tally = BTreeMap::from([("api_writes".to_owned(), 1)]);
    for (k, v) in sent(&[&a, &b], 4, 40) {
        *tally.entry(k).or_default() += v;
    }
    // A restart: b stops after flushing what it counted, c starts and takes load with a.
    drop(b);
    let c = a.another_instance();
    for (k, v) in sent(&[&a, &c], 4, 40) {
        *tally.entry(k).or_default() += v;
    }
    wait_for(&a, &s.tenant_id, &tally);
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(usage(&a, &s.tenant_id), tally, "nothing counted twice");
}
