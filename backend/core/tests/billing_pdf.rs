//! Renders invoices and reads them back with `pdftotext` (poppler-utils), the way a customer's
//! viewer would: text must come out whole, escaped and paginated.

use std::process::Command;

use versiqii_core::billing::{
    format_money, invoice_number, price_month, render_pdf, Currency, InvoiceDocument, Line,
    LineKind, MonthUsage, PlanPricing, Priced,
};

/// Runs `pdftotext -layout`; a missing tool fails the test (scripts/install-deps.sh has it).
fn pdftotext(name: &str, pdf: &[u8]) -> String {
    let file = format!("versiqii-billing-{name}-{}.pdf", std::process::id());
    let path = std::env::temp_dir().join(file);
    std::fs::write(&path, pdf).expect("write temp PDF");
    let output = Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output();
    let _ = std::fs::remove_file(&path);
    let output = output.unwrap_or_else(|e| {
        panic!("cannot run pdftotext ({e}): install poppler-utils via scripts/install-deps.sh")
    });
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "pdftotext failed on {name}: {stderr}"
    );
    String::from_utf8(output.stdout).expect("pdftotext prints UTF-8")
}

fn eur() -> Currency {
    Currency::parse("EUR").expect("EUR")
}

fn document(customer: &str, priced: &Priced) -> InvoiceDocument {
    InvoiceDocument {
        number: invoice_number("VQ", 2026, 42),
        issued_on: "2026-12-01".into(),
        period: "November 2026".into(),
        seller: vec![
            "Versiqii GmbH".into(),
            "Hauptstrasse 1".into(),
            "10115 Berlin".into(),
        ],
        customer: vec![customer.into(), "1 Main Street".into()],
        currency: eur(),
        lines: priced.lines.clone(),
        subtotal_cents: priced.subtotal_cents,
        sla_credit_cents: priced.sla_credit_cents,
        credit_applied_cents: priced.credit_applied_cents,
        tax_rate_bp: 1900,
        tax_cents: priced.tax_cents,
        total_cents: priced.total_cents,
        availability: Some("99.85% (target 99.90%)".into()),
        note: Some("Payable within 14 days.".into()),
    }
}

fn pro_month() -> Priced {
    let plan = PlanPricing {
        name: "Pro".into(),
        base_cents: 4900,
        included_calls: 1_000_000,
        overage_calls_per_1k_cents: 50,
        included_deliveries: 100_000,
        overage_deliveries_per_1k_cents: 100,
        included_seats: 5,
        seat_cents: 900,
        sla_target_ppm: Some(999_000),
    };
    let usage = MonthUsage {
        calls: 1_250_001,
        deliveries: 230_500,
        seats: 7,
    };
    price_month(&plan, &usage, Some(998_500), 1900, 1000)
}

#[test]
fn priced_invoice_reads_back() {
    let priced = pro_month();
    let text = pdftotext(
        "priced",
        &render_pdf(&document("Acme Widgets Ltd", &priced)),
    );
    let mut expected: Vec<String> = [
        "Invoice",
        "VQ-2026-000042",
        "Acme Widgets Ltd",
        "November 2026",
        "Tax (19%)",
        "Total",
        "99.85% (target 99.90%)",
        "Payable within 14 days.",
    ]
    .map(String::from)
    .to_vec();
    let totals = [priced.subtotal_cents, priced.tax_cents, priced.total_cents];
    let amounts = priced.lines.iter().map(|l| l.amount_cents).chain(totals);
    expected.extend(amounts.map(|cents| format_money(cents, &eur())));
    expected.extend(priced.lines.iter().map(|l| l.description.clone()));
    for wanted in expected {
        assert!(text.contains(&wanted), "{wanted:?} missing in:\n{text}");
    }
}

#[test]
fn hostile_customer_name_is_text() {
    let mut doc = document(r"Evil ) Tj (Corp\ \) Zoë 東京", &pro_month());
    doc.lines[0].description = r"Pro plan (monthly) \ base".into();
    let text = pdftotext("hostile", &render_pdf(&doc));
    assert!(text.contains(r"Evil ) Tj (Corp\ \) Zoë ??"), "{text}");
    assert!(text.contains(r"Pro plan (monthly) \ base"), "{text}");
}

#[test]
fn two_hundred_lines_paginate() {
    let line = |i: u64| Line {
        kind: LineKind::Seats,
        description: format!("Item number {i:03}"),
        quantity: i,
        unit_cents: 125,
        amount_cents: 125 * i as i64,
    };
    let mut doc = document("Big Customer", &pro_month());
    doc.lines = (1..=200).map(line).collect();
    let text = pdftotext("long", &render_pdf(&doc));
    let breaks = text.matches('\x0c').count();
    assert!(breaks >= 4, "expected page breaks, got {breaks}:\n{text}");
    for i in 1..=200 {
        assert!(
            text.contains(&format!("Item number {i:03}")),
            "line {i} missing"
        );
    }
    assert!(text.contains("(continued)") && text.contains("Total"));
}
