//! A hand-written PDF 1.4 invoice: A4, standard Helvetica fonts, paginated table.
//!
//! Written by hand so the bytes are ours: no crate, no timestamps, same document → same
//! bytes, which lets the server hash and archive the PDF of a finalized invoice.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::money::{format_money, group_thousands, Currency};
use super::pdf_text::{fit, literal, width, win_ansi, wrap};
use super::price::Line;

/// Everything printed on an invoice. Amounts are cents; credits are positive here (as in
/// `Priced`) and printed negative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceDocument {
    pub number: String,
    /// As printed, e.g. "2026-12-01"; plain text keeps core free of clocks.
    pub issued_on: String,
    /// E.g. "November 2026".
    pub period: String,
    /// Seller name and address lines (at most 8 are printed).
    pub seller: Vec<String>,
    /// Customer name and address lines (at most 8 are printed).
    pub customer: Vec<String>,
    pub currency: Currency,
    pub lines: Vec<Line>,
    pub subtotal_cents: i64,
    pub sla_credit_cents: i64,
    pub credit_applied_cents: i64,
    pub tax_rate_bp: u32,
    pub tax_cents: i64,
    pub total_cents: i64,
    /// E.g. "99.95% (target 99.90%)".
    pub availability: Option<String>,
    pub note: Option<String>,
}

/// Font resource name and size.
type Style = (&'static str, f64);
const TITLE: Style = ("F2", 20.0);
const LABEL: Style = ("F2", 10.0);
const BODY: Style = ("F1", 10.0);
const TOTAL: Style = ("F2", 10.0);
const HEADER: Style = ("F2", 9.0);
const SMALL: Style = ("F1", 9.0);

const LEFT: f64 = 50.0;
const RIGHT: f64 = 545.0;
const WIDTH: f64 = RIGHT - LEFT;
const MIDDLE: f64 = 310.0;
const COLUMN: f64 = MIDDLE - LEFT - 10.0;
const BOTTOM: f64 = 60.0;
const ROW: f64 = 14.0;
const QTY_X: f64 = 370.0;
const UNIT_X: f64 = 458.0;
const DESC_W: f64 = 255.0;
const MAX_ADDRESS_LINES: usize = 8;

/// `1900` → "19%", `725` → "7.25%", `750` → "7.5%".
fn rate(bp: u32) -> String {
    let fraction = format!("{:02}", bp % 100);
    match fraction.trim_end_matches('0') {
        "" => format!("{}%", bp / 100),
        digits => format!("{}.{digits}%", bp / 100),
    }
}

/// Content streams, one per page, written at the cursor `y` of the current page.
struct Pages<'a> {
    number: &'a str,
    done: Vec<String>,
    ops: String,
    y: f64,
}

impl Pages<'_> {
    fn put(&mut self, (font, size): Style, x: f64, bytes: &[u8]) {
        let (y, text, ops) = (self.y, literal(bytes), &mut self.ops);
        let _ = writeln!(ops, "BT /{font} {size} Tf {x:.2} {y:.2} Td {text} Tj ET");
    }

    fn left(&mut self, style: Style, x: f64, text: &str, max_w: f64) {
        self.put(style, x, &fit(win_ansi(text), style.1, max_w));
    }

    fn right(&mut self, style: Style, right: f64, text: &str) {
        let bytes = win_ansi(text);
        self.put(style, right - width(&bytes, style.1), &bytes);
    }

    fn rule(&mut self, y: f64) {
        let _ = writeln!(self.ops, "0.5 w {LEFT} {y:.2} m {RIGHT} {y:.2} l S");
    }

    /// Starts a new page unless `height` points still fit above the bottom margin.
    fn ensure(&mut self, height: f64) -> bool {
        if self.y - height >= BOTTOM {
            return false;
        }
        self.done.push(std::mem::take(&mut self.ops));
        self.y = 790.0;
        let title = format!("Invoice {} (continued)", self.number);
        self.left(("F2", 12.0), LEFT, &title, WIDTH);
        self.y = 760.0;
        true
    }

    fn table_header(&mut self) {
        self.left(HEADER, LEFT, "Description", DESC_W);
        self.right(HEADER, QTY_X, "Quantity");
        self.right(HEADER, UNIT_X, "Unit price");
        self.right(HEADER, RIGHT, "Amount");
        self.rule(self.y - 4.0);
        self.y -= ROW + 4.0;
    }

    /// Finished pages, each with an "Invoice N - page i of n" footer.
    fn finish(mut self) -> Vec<String> {
        self.done.push(std::mem::take(&mut self.ops));
        let count = self.done.len();
        for (i, page) in self.done.iter_mut().enumerate() {
            let footer = format!("Invoice {} - page {} of {count}", self.number, i + 1);
            let text = literal(&fit(win_ansi(&footer), 8.0, WIDTH));
            let _ = writeln!(page, "BT /F1 8 Tf {LEFT} 30 Td {text} Tj ET");
        }
        self.done
    }
}

/// Renders the invoice as PDF 1.4 bytes; deterministic and never panics.
pub fn render_pdf(doc: &InvoiceDocument) -> Vec<u8> {
    let money = |cents: i64| format_money(cents, &doc.currency);
    let (done, ops) = (Vec::new(), String::new());
    let mut p = Pages {
        number: &doc.number,
        done,
        ops,
        y: 790.0,
    };
    p.left(TITLE, LEFT, "Invoice", WIDTH);
    p.y = 766.0;
    let meta = [
        ("Invoice number", &doc.number),
        ("Issued", &doc.issued_on),
        ("Period", &doc.period),
    ];
    for (label, value) in meta {
        p.left(LABEL, LEFT, label, 90.0);
        p.left(BODY, LEFT + 90.0, value, WIDTH - 90.0);
        p.y -= ROW;
    }
    p.y -= 12.0;
    p.left(LABEL, LEFT, "From", COLUMN);
    p.left(LABEL, MIDDLE, "Bill to", COLUMN);
    let rows = doc.seller.len().max(doc.customer.len());
    for i in 0..rows.min(MAX_ADDRESS_LINES) {
        p.y -= ROW;
        for (x, block) in [(LEFT, &doc.seller), (MIDDLE, &doc.customer)] {
            if let Some(line) = block.get(i) {
                p.left(BODY, x, line, COLUMN);
            }
        }
    }
    p.y -= ROW + 20.0;

    p.table_header();
    for line in &doc.lines {
        if p.ensure(ROW) {
            p.table_header();
        }
        p.left(SMALL, LEFT, &line.description, DESC_W);
        p.right(SMALL, QTY_X, &group_thousands(line.quantity));
        p.right(SMALL, UNIT_X, &money(line.unit_cents));
        p.right(SMALL, RIGHT, &money(line.amount_cents));
        p.y -= ROW;
    }

    let (sla, credit) = (doc.sla_credit_cents, doc.credit_applied_cents);
    let tax = format!("Tax ({})", rate(doc.tax_rate_bp));
    // Credit rows only when there is a credit; `true` marks rows that always print.
    let totals = [
        (BODY, "Subtotal", doc.subtotal_cents, true),
        (BODY, "SLA credit", sla.saturating_neg(), false),
        (BODY, "Credit", credit.saturating_neg(), false),
        (BODY, &tax, doc.tax_cents, true),
        (TOTAL, "Total", doc.total_cents, true),
    ];
    let totals: Vec<_> = totals.into_iter().filter(|t| t.3 || t.2 != 0).collect();
    p.ensure(ROW * (totals.len() as f64 + 1.0));
    p.rule(p.y + ROW - 4.0);
    p.y -= 4.0;
    for (style, label, cents, _) in totals {
        p.left(style, MIDDLE + 20.0, label, UNIT_X - MIDDLE - 20.0);
        p.right(style, RIGHT, &money(cents));
        p.y -= ROW;
    }

    p.y -= 8.0;
    let availability = doc
        .availability
        .iter()
        .map(|a| format!("Availability: {a}"));
    let mut notes: Vec<Vec<u8>> = availability.map(|a| win_ansi(&a)).collect();
    if let Some(note) = &doc.note {
        notes.extend(wrap(&win_ansi(note), SMALL.1, WIDTH));
    }
    for bytes in notes {
        p.ensure(ROW);
        p.put(SMALL, LEFT, &fit(bytes, SMALL.1, WIDTH));
        p.y -= 12.0;
    }
    assemble(&p.finish())
}

/// Objects 1..=4 are catalog, page tree and fonts; page i is object 5+2i, its content 6+2i.
fn assemble(pages: &[String]) -> Vec<u8> {
    let kids: Vec<String> = (0..pages.len())
        .map(|i| format!("{} 0 R", 5 + 2 * i))
        .collect();
    let font = |name: &str| {
        format!("<< /Type /Font /Subtype /Type1 /BaseFont /{name} /Encoding /WinAnsiEncoding >>")
    };
    let mut objects = vec![
        "<< /Type /Catalog /Pages 2 0 R >>".to_owned(),
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        ),
        font("Helvetica"),
        font("Helvetica-Bold"),
    ];
    for (i, content) in pages.iter().enumerate() {
        objects.push(format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] \
             /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
            6 + 2 * i
        ));
        let length = content.len();
        objects.push(format!(
            "<< /Length {length} >>\nstream\n{content}\nendstream"
        ));
    }
    let mut out = String::from("%PDF-1.4\n");
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        let _ = write!(out, "{} 0 obj\n{body}\nendobj\n", i + 1);
    }
    let (xref, size) = (out.len(), objects.len() + 1);
    let _ = write!(out, "xref\n0 {size}\n0000000000 65535 f \n");
    for offset in offsets {
        let _ = writeln!(out, "{offset:010} 00000 n ");
    }
    let _ = write!(
        out,
        "trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    );
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::billing::LineKind;

    fn doc(lines: u64) -> InvoiceDocument {
        let line = |i| Line {
            kind: LineKind::Base,
            description: format!("Line {i}"),
            quantity: 1,
            unit_cents: 100,
            amount_cents: 100,
        };
        InvoiceDocument {
            number: "VQ-2026-000042".into(),
            issued_on: "2026-12-01".into(),
            period: "November 2026".into(),
            seller: vec!["Versiqii GmbH".into()],
            customer: vec!["Ac(me) \\ Ltd\u{7}".into(), "Straße 1 東京".into()],
            currency: Currency::parse("EUR").expect("EUR"),
            lines: (0..lines).map(line).collect(),
            subtotal_cents: 100,
            sla_credit_cents: 0,
            credit_applied_cents: 0,
            tax_rate_bp: 1900,
            tax_cents: 19,
            total_cents: 119,
            availability: Some("99.95%".into()),
            note: Some("Thank you.".into()),
        }
    }

    /// Checks header, trailer and xref (every entry points at "N 0 obj"); returns the page count.
    fn check_structure(pdf: &[u8]) -> usize {
        let text = std::str::from_utf8(pdf).expect("ASCII PDF");
        assert!(text.starts_with("%PDF-1.4\n") && text.ends_with("%%EOF\n"));
        let tail = text
            .rsplit("startxref\n")
            .next()
            .and_then(|t| t.lines().next());
        let xref: usize = tail.and_then(|l| l.parse().ok()).expect("startxref offset");
        assert!(text[xref..].starts_with("xref\n0 "));
        let entries = text[xref..]
            .lines()
            .skip(3)
            .take_while(|l| l.ends_with(" n "));
        for (i, entry) in entries.enumerate() {
            assert_eq!(entry.len(), 19, "entries are 20 bytes with the newline");
            let offset: usize = entry[..10].parse().expect("10 digits");
            assert!(
                text[offset..].starts_with(&format!("{} 0 obj\n", i + 1)),
                "object {i}"
            );
        }
        text.matches("/Type /Page ").count()
    }

    #[test]
    fn structure_escaping_and_determinism() {
        let pdf = render_pdf(&doc(3));
        assert_eq!(check_structure(&pdf), 1);
        assert_eq!(pdf, render_pdf(&doc(3)));
        let text = String::from_utf8_lossy(&pdf);
        assert!(
            text.contains("(Ac\\(me\\) \\\\ Ltd)"),
            "escaped, control char dropped"
        );
        assert!(
            text.contains("(Stra\\337e 1 ??)"),
            "Latin-1 as octal, CJK as ?"
        );
        assert!(
            check_structure(&render_pdf(&doc(200))) >= 4,
            "200 lines paginate"
        );
        assert_eq!(
            (rate(1900), rate(725), rate(750)),
            ("19%".into(), "7.25%".into(), "7.5%".into())
        );
    }
}
