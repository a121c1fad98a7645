//! Invoices: a simulated month (usage and injected 5xx minutes in November 2026) drafted and
//! finalized through the operators' billing run with the expected availability, SLA credit,
//! operator credit, tax and total; the PDF read back with pdftotext; numbers without gaps; a
//! finalized invoice that cannot change; a payment recorded once; owners' plan choice.

use crate::harness::{assert_problem, block_on, Session, TestApp};
use crate::operators::{provision, sign_in};
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

/// November 2026 for `tenant`: 3.1M calls, 150k deliveries, a peak of 12 seats, and 50 minutes
/// in which 10% of its requests failed with 5xx (plus 30 minutes at exactly 5%, which are up).
fn simulate_november(app: &TestApp, tenant: &str) {
    let db = app.owner_db();
    let mut sql = String::new();
    for day in 1..=30 {
        let d = format!("2026-11-{day:02}");
        let (reads, writes) = if day <= 20 {
            (100_000, 25_000)
        } else {
            (50_000, 10_000)
        };
        let seats = if day == 15 { 12 } else { 8 };
        sql.push_str(&format!(
            "insert into usage_daily (tenant_id, day, kind, count) values
               ('{tenant}', '{d}', 'api_reads', {reads}), ('{tenant}', '{d}', 'api_writes', {writes}),
               ('{tenant}', '{d}', 'webhook_deliveries', 5000), ('{tenant}', '{d}', 'seats', {seats});"
        ));
    }
    sql.push_str(&format!(
        "insert into sla_minutes (tenant_id, minute, requests, errors)
         select '{tenant}', timestamptz '2026-11-10 10:00:00+00' + make_interval(mins => g), 100, 10
           from generate_series(0, 49) g;
         insert into sla_minutes (tenant_id, minute, requests, errors)
         select '{tenant}', timestamptz '2026-11-20 03:00:00+00' + make_interval(mins => g), 100, 5
           from generate_series(0, 29) g;
         update tenants set plan = 'team', created_at = '2026-09-01' where id = '{tenant}';"
    ));
    block_on(db.execute_unprepared(&sql)).unwrap();
}

fn invoices(app: &TestApp, s: &Session) -> Value {
    let r = app.get("/v1/invoices", Some(&s.access));
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

fn pdftotext(pdf: &[u8]) -> String {
    let path = std::env::temp_dir().join(format!("vq-invoice-{}.pdf", uuid::Uuid::new_v4()));
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .args(["-layout"])
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils, installed by scripts/install-deps.sh)");
    std::fs::remove_file(&path).ok();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_simulated_month_is_invoiced_with_its_sla_credit_and_cannot_change_once_final() {
    let app = TestApp::spawn_with(|s| {
        s.billing.tax_rate_bp = 1900;
        s.billing.run_secs = 0;
    });
    let admin = sign_in(&app, &provision(&app, "billing@ops.test", "admin"));
    let acme = app.signup("bill-acme");
    let free = app.signup("bill-free");
    block_on(app.owner_db().execute_unprepared(&format!(
        "update tenants set created_at = '2026-09-01' where id = '{}'",
        free.tenant_id
    )))
    .unwrap();
    simulate_november(&app, &acme.tenant_id);
    let credit = app.post(
        &format!("/ops/v1/tenants/{}/credits", acme.tenant_id),
        Some(&admin),
        &json!({"amount_cents": 1000, "reason": "apology for the 10 November outage"}),
    );
    assert_eq!(credit.status, 201, "{}", credit.body);

    // November is drafted first: the owner sees it, without a number or a PDF.
    let run = app.post(
        "/ops/v1/billing/run",
        Some(&admin),
        &json!({"period": "2026-11"}),
    );
    assert_eq!(run.status, 200, "{}", run.body);
    assert_eq!(run.body["drafted"], 1, "{}", run.body);
    assert_eq!(
        run.body["skipped"], 1,
        "the free tenant owes nothing: {}",
        run.body
    );
    let draft = &invoices(&app, &acme)["items"][0];
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["number"], Value::Null);
    assert_eq!(draft["pdf_url"], Value::Null);
    assert_eq!(invoices(&app, &free)["items"], json!([]));

    // The month: 3.1M calls on the team plan (2M included, 10 cents per started 1k above:
    // 1,100 × 10), deliveries within the 200k included, 12 seats at peak (10 included, 2 × 900),
    // the base 4,900. 50 of 43,200 minutes down: 99.8842% < 99.9%, so 10% of 17,700 back.
    // Then the 1,000 credit, then 19% tax on 14,930 = 2,836.7 → 2,837.
    let run = app.post(
        "/ops/v1/billing/run",
        Some(&admin),
        &json!({"period": "2026-11", "finalize": true}),
    );
    assert_eq!(run.status, 200, "{}", run.body);
    assert_eq!(run.body["finalized"], 1, "{}", run.body);
    let list = invoices(&app, &acme);
    let inv = &list["items"][0];
    assert_eq!(inv["status"], "final");
    assert_eq!(inv["plan"], "team");
    assert_eq!(inv["availability_ppm"], 998_842);
    assert_eq!(inv["sla_target_ppm"], 999_000);
    let amounts: Vec<(&str, i64)> = inv["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["kind"].as_str().unwrap(),
                l["amount_cents"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        amounts,
        [
            ("base", 4_900),
            ("calls", 11_000),
            ("seats", 1_800),
            ("sla_credit", -1_770),
            ("credit", -1_000)
        ]
    );
    assert_eq!(inv["subtotal_cents"], 17_700);
    assert_eq!(inv["sla_credit_percent"], 10);
    assert_eq!(inv["credit_applied_cents"], 1_000);
    assert_eq!(inv["tax_cents"], 2_837);
    assert_eq!(inv["total_cents"], 17_767);
    assert_eq!(list["credit_balance_cents"], 0, "the credit is used up");
    let number = inv["number"].as_str().unwrap().to_owned();
    assert_eq!(number, "VQ-2026-000001");

    // The PDF says the same, in words.
    let pdf_url = inv["pdf_url"].as_str().unwrap();
    let (status, content_type, pdf) = app.get_bytes(pdf_url, Some(&acme.access));
    assert_eq!((status, content_type.as_str()), (200, "application/pdf"));
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdftotext(&pdf);
    for want in [
        "VQ-2026-000001",
        "November 2026",
        "bill-acme",
        "EUR 177.67",
        "EUR 177.00",
        "99.884%",
        "Tax (19%)",
    ] {
        assert!(text.contains(want), "{want:?} not in the PDF:\n{text}");
    }

    // Finalized means final: another run leaves it, and not even the owner role can change it.
    let again = app.post(
        "/ops/v1/billing/run",
        Some(&admin),
        &json!({"period": "2026-11", "finalize": true}),
    );
    assert_eq!(again.body["unchanged"], 1, "{}", again.body);
    for sql in [
        "update invoices set total_cents = 1",
        "update invoices set lines = '[]'",
        "delete from invoices",
        "update invoices set status = 'draft', number = null, pdf = null, finalized_at = null",
    ] {
        assert!(
            block_on(app.owner_db().execute_unprepared(sql)).is_err(),
            "{sql} changed a finalized invoice"
        );
    }
    assert_eq!(invoices(&app, &acme)["items"][0], *inv);

    // Paid once, with its reference; a second payment is refused.
    let pay = format!(
        "/ops/v1/tenants/{}/invoices/{}/payments",
        acme.tenant_id,
        inv["id"].as_str().unwrap()
    );
    let paid = app.post(
        &pay,
        Some(&admin),
        &json!({"reference": "SEPA 2026-12-07 #991"}),
    );
    assert_eq!(paid.status, 200, "{}", paid.body);
    assert_eq!(paid.body["status"], "paid");
    assert_problem(
        &app.post(&pay, Some(&admin), &json!({"reference": "again"})),
        409,
        "invoice_not_payable",
    );
    let after = &invoices(&app, &acme)["items"][0];
    assert_eq!(after["payment_reference"], "SEPA 2026-12-07 #991");
    assert_eq!(after["total_cents"], 17_767);
    // Operators see it too, and the tenant's chain records finalization and payment.
    let ops_list = app.get(
        &format!("/ops/v1/tenants/{}/invoices", acme.tenant_id),
        Some(&admin),
    );
    assert_eq!(ops_list.body["items"][0]["number"], "VQ-2026-000001");
    let audit = app.get("/v1/audit?limit=100", Some(&acme.access)).body;
    let actions: Vec<&str> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"invoice.finalize") && actions.contains(&"invoice.pay"));
}

#[test]
fn numbers_have_no_gaps_and_drafts_take_none() {
    let app = TestApp::spawn_with(|s| s.billing.run_secs = 0);
    let admin = sign_in(&app, &provision(&app, "numbers@ops.test", "admin"));
    let tenants: Vec<Session> = (0..3).map(|i| app.signup(&format!("bill-n{i}"))).collect();
    for t in &tenants {
        block_on(app.owner_db().execute_unprepared(&format!(
            "update tenants set plan = 'team', created_at = '2026-09-01' where id = '{}'",
            t.tenant_id
        )))
        .unwrap();
    }
    for period in ["2026-10", "2026-11"] {
        for _ in 0..2 {
            let r = app.post(
                "/ops/v1/billing/run",
                Some(&admin),
                &json!({"period": period}),
            );
            assert_eq!(r.status, 200, "{}", r.body);
        }
        let r = app.post(
            "/ops/v1/billing/run",
            Some(&admin),
            &json!({"period": period, "finalize": true}),
        );
        assert_eq!(r.body["finalized"], 3, "{}", r.body);
    }
    let mut numbers: Vec<String> = tenants
        .iter()
        .flat_map(|t| {
            invoices(&app, t)["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["number"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    numbers.sort();
    let want: Vec<String> = (1..=6).map(|n| format!("VQ-2026-{n:06}")).collect();
    assert_eq!(numbers, want);
    // A month still running cannot be finalized.
    let now = chrono::Utc::now().format("%Y-%m").to_string();
    assert_problem(
        &app.post(
            "/ops/v1/billing/run",
            Some(&admin),
            &json!({"period": now, "finalize": true}),
        ),
        422,
        "invalid_input",
    );
}

#[test]
fn owners_choose_self_serve_plans_and_only_owners_see_invoices() {
    let app = TestApp::spawn();
    let s = app.signup("bill-plans");
    let plans = app.get("/v1/plans", Some(&s.access));
    assert_eq!(plans.status, 200, "{}", plans.body);
    assert_eq!(plans.body["current"], "free");
    let team = plans.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "team")
        .unwrap();
    assert_eq!(team["price_cents"], 4900);
    assert_eq!(team["self_serve"], true);
    let chosen = app.put_json("/v1/plan", Some(&s.access), &json!({"plan": "team"}));
    assert_eq!(chosen.status, 200, "{}", chosen.body);
    assert_eq!(app.get("/v1/usage", Some(&s.access)).body["plan"], "team");
    assert_problem(
        &app.put_json("/v1/plan", Some(&s.access), &json!({"plan": "enterprise"})),
        403,
        "plan_not_self_serve",
    );
    assert_problem(
        &app.put_json("/v1/plan", Some(&s.access), &json!({"plan": "gold"})),
        404,
        "not_found",
    );
    // Admins (and admin API keys) manage access, not money.
    let (_, admin_key) = app.api_key(&s.access, &["admin"]);
    assert_problem(&app.get("/v1/invoices", Some(&admin_key)), 403, "forbidden");
    assert_problem(
        &app.put_json("/v1/plan", Some(&admin_key), &json!({"plan": "free"})),
        403,
        "forbidden",
    );
    assert_eq!(app.get("/v1/plans", Some(&admin_key)).status, 200);
}
