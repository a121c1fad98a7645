//! Plans and invoices, as arithmetic and a document: no IO, no clock.
//!
//! The server stores invoices (a draft during the grace period, then finalized and immutable)
//! and hands out gapless sequence numbers; this module prices a month ([`price_month`]),
//! formats money and invoice numbers, and renders the finalized invoice as PDF ([`render_pdf`]).

mod money;
mod pdf;
mod pdf_text;
mod price;
mod sla_credit;

pub use money::{format_money, Currency, CurrencyError};
pub use pdf::{render_pdf, InvoiceDocument};
pub use price::{price_month, Line, LineKind, MonthUsage, PlanPricing, Priced};
pub use sla_credit::{sla_credit_percent, SLA_CREDITS};

/// `("VQ", 2026, 42)` → `"VQ-2026-000042"`. `seq` comes from the store's gapless sequence,
/// assigned at finalization so drafts never burn numbers.
pub fn invoice_number(prefix: &str, year: i32, seq: u64) -> String {
    format!("{prefix}-{year}-{seq:06}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn invoice_numbers_are_zero_padded() {
        assert_eq!(super::invoice_number("VQ", 2026, 42), "VQ-2026-000042");
        assert_eq!(
            super::invoice_number("VQ", 2026, 1_234_567),
            "VQ-2026-1234567"
        );
    }
}
