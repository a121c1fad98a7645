//! Money is `i64` minor units plus a currency code; every supported currency has two decimals.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("currency `{0}` is not valid: use a 3-letter upper-case ISO 4217 code such as EUR")]
pub struct CurrencyError(pub String);

/// An ISO 4217 style code (three upper-case ASCII letters). Stored as text in JSON.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Currency(String);

impl Currency {
    pub fn parse(text: &str) -> Result<Self, CurrencyError> {
        if text.len() == 3 && text.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(Self(text.to_owned()))
        } else {
            Err(CurrencyError(text.chars().take(20).collect()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Currency {
    type Error = CurrencyError;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<Currency> for String {
    fn from(currency: Currency) -> Self {
        currency.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `123456` → `"123,456"`: invoices are read by people, so counts get separators too.
pub(super) fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `123450` EUR → `"EUR 1,234.50"`; negatives put the sign first: `"-EUR 12.00"`.
pub fn format_money(cents: i64, currency: &Currency) -> String {
    let abs = cents.unsigned_abs();
    let sign = if cents < 0 { "-" } else { "" };
    format!(
        "{sign}{currency} {}.{:02}",
        group_thousands(abs / 100),
        abs % 100
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currency_parses_three_upper_case_letters_only() {
        assert_eq!(
            Currency::parse("EUR").map(|c| c.to_string()),
            Ok("EUR".into())
        );
        for bad in ["eur", "EU", "EURO", "E1R", "", "ÄUR"] {
            assert!(Currency::parse(bad).is_err(), "{bad}");
        }
        assert!(serde_json::from_str::<Currency>("\"usd\"").is_err());
        assert_eq!(
            serde_json::to_string(&Currency::parse("USD").ok()).ok(),
            Some("\"USD\"".into())
        );
    }

    #[test]
    fn money_is_grouped_with_two_decimals() {
        let eur = Currency::parse("EUR").expect("EUR");
        assert_eq!(format_money(123_450, &eur), "EUR 1,234.50");
        assert_eq!(format_money(5, &eur), "EUR 0.05");
        assert_eq!(format_money(0, &eur), "EUR 0.00");
        assert_eq!(format_money(-1200, &eur), "-EUR 12.00");
        assert_eq!(format_money(10_000_000_000, &eur), "EUR 100,000,000.00");
        assert_eq!(
            format_money(i64::MIN, &eur),
            "-EUR 92,233,720,368,547,758.08"
        );
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1000), "1,000");
    }
}
