//! Pricing one tenant-month: plan + usage + availability + credit balance → lines and totals.
//!
//! All amounts are cents. Intermediates are `i128` and results saturate at the `i64` range,
//! so no input can panic; the invariants below hold for any amount short of that range.

use serde::{Deserialize, Serialize};

use super::money::group_thousands;
use super::sla_credit::sla_credit_percent;

/// A plan's prices as data, so changing a price is a data change, not a deploy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanPricing {
    pub name: String,
    pub base_cents: i64,
    pub included_calls: u64,
    /// Charged per started thousand calls above `included_calls`.
    pub overage_calls_per_1k_cents: i64,
    pub included_deliveries: u64,
    /// Charged per started thousand webhook deliveries above `included_deliveries`.
    pub overage_deliveries_per_1k_cents: i64,
    pub included_seats: u64,
    pub seat_cents: i64,
    /// Promised availability in ppm (99.9% = 999_000); `None` means no SLA (e.g. free plan).
    pub sla_target_ppm: Option<u32>,
}

/// What a tenant used in the month; `seats` is the month's peak.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthUsage {
    pub calls: u64,
    pub deliveries: u64,
    pub seats: u64,
}

/// Closed set of line kinds; `as_str` (and the serde form) is stable for storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LineKind {
    Base,
    Calls,
    Deliveries,
    Seats,
    SlaCredit,
    Credit,
}

impl LineKind {
    pub const ALL: [LineKind; 6] = [
        Self::Base,
        Self::Calls,
        Self::Deliveries,
        Self::Seats,
        Self::SlaCredit,
        Self::Credit,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Base => "base",
            Self::Calls => "calls",
            Self::Deliveries => "deliveries",
            Self::Seats => "seats",
            Self::SlaCredit => "sla_credit",
            Self::Credit => "credit",
        }
    }
}

/// One invoice line. Per-thousand lines count thousands in `quantity` and price one thousand
/// in `unit_cents`; credits are negative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Line {
    pub kind: LineKind,
    pub description: String,
    pub quantity: u64,
    pub unit_cents: i64,
    pub amount_cents: i64,
}

/// The priced month: `total == sum(lines) + tax`, `taxable == subtotal - sla - credit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Priced {
    pub lines: Vec<Line>,
    pub subtotal_cents: i64,
    pub sla_credit_percent: u32,
    pub sla_credit_cents: i64,
    pub credit_applied_cents: i64,
    pub taxable_cents: i64,
    pub tax_cents: i64,
    pub total_cents: i64,
}

fn saturate(v: i128) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

/// `amount × parts / per`, rounded half up (`amount ≥ 0`, `per` even: 100 or 10_000).
fn share(amount: i64, parts: u32, per: i128) -> i64 {
    saturate((i128::from(amount) * i128::from(parts) + per / 2) / per)
}

fn line(kind: LineKind, description: String, quantity: u64, unit_cents: i64) -> Line {
    let amount_cents = saturate(i128::from(quantity) * i128::from(unit_cents));
    Line {
        kind,
        description,
        quantity,
        unit_cents,
        amount_cents,
    }
}

/// A per-thousand line: one call over the included amount costs a whole started thousand.
fn overage(kind: LineKind, what: &str, (used, included): (u64, u64), per_1k: i64) -> Line {
    let text = format!(
        "{what} above {} included, per 1,000",
        group_thousands(included)
    );
    line(
        kind,
        text,
        used.saturating_sub(included).div_ceil(1000),
        per_1k.max(0),
    )
}

/// Prices a month. Negative prices and a negative credit balance count as zero, so an invoice
/// never pays the tenant; `availability_ppm = None` (no measurement) earns no SLA credit.
pub fn price_month(
    plan: &PlanPricing,
    usage: &MonthUsage,
    availability_ppm: Option<u32>,
    tax_rate_bp: u32,
    credit_balance_cents: i64,
) -> Priced {
    let p = plan;
    let mut lines = vec![line(
        LineKind::Base,
        format!("{} plan", p.name),
        1,
        p.base_cents.max(0),
    )];
    let calls = (usage.calls, p.included_calls);
    let deliveries = (usage.deliveries, p.included_deliveries);
    let seats = format!("Seats above {} included", group_thousands(p.included_seats));
    let extra_seats = usage.seats.saturating_sub(p.included_seats);
    let usage_lines = [
        overage(
            LineKind::Calls,
            "API calls",
            calls,
            p.overage_calls_per_1k_cents,
        ),
        overage(
            LineKind::Deliveries,
            "Webhook deliveries",
            deliveries,
            p.overage_deliveries_per_1k_cents,
        ),
        line(LineKind::Seats, seats, extra_seats, p.seat_cents.max(0)),
    ];
    lines.extend(usage_lines.into_iter().filter(|l| l.amount_cents != 0));
    let subtotal = saturate(lines.iter().map(|l| i128::from(l.amount_cents)).sum());

    let percent = availability_ppm.map_or(0, |ppm| sla_credit_percent(ppm, p.sla_target_ppm));
    let sla = share(subtotal, percent, 100).min(subtotal);
    if sla > 0 {
        let text = format!("SLA credit ({percent}% of subtotal)");
        lines.push(line(LineKind::SlaCredit, text, 1, -sla));
    }
    let credit = credit_balance_cents.clamp(0, subtotal - sla);
    if credit > 0 {
        lines.push(line(LineKind::Credit, "Account credit".into(), 1, -credit));
    }
    let taxable = subtotal - sla - credit;
    let tax = share(taxable, tax_rate_bp, 10_000);
    Priced {
        lines,
        subtotal_cents: subtotal,
        sla_credit_percent: percent,
        sla_credit_cents: sla,
        credit_applied_cents: credit,
        taxable_cents: taxable,
        tax_cents: tax,
        total_cents: taxable.saturating_add(tax),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    type Prices = (i64, i64, i64, i64);

    fn plan(prices: Prices, included: (u64, u64, u64), sla: Option<u32>) -> PlanPricing {
        PlanPricing {
            name: "Pro".into(),
            base_cents: prices.0,
            included_calls: included.0,
            overage_calls_per_1k_cents: prices.1,
            included_deliveries: included.1,
            overage_deliveries_per_1k_cents: prices.2,
            included_seats: included.2,
            seat_cents: prices.3,
            sla_target_ppm: sla,
        }
    }

    fn usage((calls, deliveries, seats): (u64, u64, u64)) -> MonthUsage {
        MonthUsage {
            calls,
            deliveries,
            seats,
        }
    }

    fn pro() -> PlanPricing {
        plan((4900, 50, 100, 900), (1_000_000, 100_000, 5), Some(999_000))
    }

    fn summary(p: &Priced) -> Vec<(LineKind, u64, i64)> {
        p.lines
            .iter()
            .map(|l| (l.kind, l.quantity, l.amount_cents))
            .collect()
    }

    #[test]
    fn prices_a_month_with_overage_sla_credit_and_tax() {
        let p = price_month(
            &pro(),
            &usage((1_250_001, 100_000, 7)),
            Some(998_500),
            1900,
            1000,
        );
        let expected = [
            (LineKind::Base, 1, 4900),
            (LineKind::Calls, 251, 12_550),
            (LineKind::Seats, 2, 1800),
            (LineKind::SlaCredit, 1, -1925),
            (LineKind::Credit, 1, -1000),
        ];
        assert_eq!(summary(&p), expected);
        assert_eq!((p.subtotal_cents, p.sla_credit_percent), (19_250, 10));
        // 16_325 × 19% = 3_101.75 → 3_102.
        assert_eq!(
            [p.taxable_cents, p.tax_cents, p.total_cents],
            [16_325, 3102, 19_427]
        );
    }

    #[test]
    fn credits_are_capped_and_free_plans_have_no_sla() {
        let free = plan((0, 50, 100, 900), (1, 1, 1), None);
        let p = price_month(&free, &MonthUsage::default(), Some(0), 1900, 5000);
        assert_eq!(summary(&p), [(LineKind::Base, 1, 0)]);
        let p = price_month(&pro(), &MonthUsage::default(), Some(940_000), 1900, 5000);
        let amounts = [p.sla_credit_cents, p.credit_applied_cents, p.total_cents];
        assert_eq!(amounts, [4900, 0, 0]);
        assert_eq!(
            [share(1, 50, 100), share(49, 1, 100), share(1, 5000, 10_000)],
            [1, 0, 1]
        );
    }

    #[test]
    fn kinds_have_stable_names() {
        for kind in LineKind::ALL {
            let json = serde_json::to_string(&kind).expect("serialize");
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
    }

    proptest! {
        #[test]
        fn invariants_hold(
            prices in proptest::array::uniform4(0i64..10_000_000),
            included in (0u64..10_000_000_000, 0u64..10_000_000_000, 0u64..10_000),
            sla in proptest::option::of(900_000u32..=1_000_000),
            used in (0u64..100_000_000_000, 0u64..100_000_000_000, 0u64..100_000),
            extra in (0u64..100_000_000_000, 0u64..100_000_000_000, 0u64..100_000),
            availability in proptest::option::of(0u32..=1_000_000),
            tax in 0u32..5000,
            balance in 0i64..100_000_000_000,
        ) {
            let plan = plan((prices[0], prices[1], prices[2], prices[3]), included, sla);
            let p = price_month(&plan, &usage(used), availability, tax, balance);
            prop_assert!(p.total_cents >= 0);
            let lines: i64 = p.lines.iter().map(|l| l.amount_cents).sum();
            prop_assert_eq!(p.total_cents, lines + p.tax_cents);
            prop_assert!(p.credit_applied_cents <= balance);
            prop_assert!(p.sla_credit_cents <= p.subtotal_cents);
            prop_assert_eq!(p.lines[0].kind, LineKind::Base);
            let perfect = price_month(&plan, &usage(used), Some(1_000_000), tax, balance);
            prop_assert_eq!(perfect.sla_credit_cents, 0);
            let more = usage((used.0 + extra.0, used.1 + extra.1, used.2 + extra.2));
            let bigger = price_month(&plan, &more, availability, tax, balance);
            prop_assert!(bigger.subtotal_cents >= p.subtotal_cents);
        }

        #[test]
        fn never_panics_on_any_input(
            prices in any::<Prices>(),
            included in any::<(u64, u64, u64)>(),
            used in any::<(u64, u64, u64)>(),
            ppm in any::<(Option<u32>, Option<u32>, u32)>(),
            balance in any::<i64>(),
        ) {
            let plan = plan(prices, included, ppm.0);
            let p = price_month(&plan, &usage(used), ppm.1, ppm.2, balance);
            prop_assert!(p.total_cents >= 0);
            prop_assert!(p.credit_applied_cents <= balance.max(0));
            prop_assert!(p.sla_credit_cents <= p.subtotal_cents);
        }
    }
}
