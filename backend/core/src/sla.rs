//! SLA metering: downtime minutes, p99 latency and the monthly report, per tenant.
//!
//! The server counts requests and 5xx answers per tenant and UTC minute, records probe results
//! per region and minute, and keeps one latency histogram per tenant and hour that it stores as
//! bytes and merges additively. Everything here is arithmetic on those numbers: no IO, no clock.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};
use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Highest latency we track: 60 s. Slower answers are clamped, not refused, so that a stuck
/// request still counts against p99 instead of vanishing.
const MAX_MICROS: u64 = 60_000_000;
const SIGFIG: u8 = 3;
/// Length of the V2 header (cookie, payload length, offset, digits, low, high, ratio).
const V2_HEADER: usize = 40;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlaError {
    #[error("not a latency histogram of this service (V2, 1 µs..60 s, 3 significant figures)")]
    Histogram,
    #[error("a month is written YYYY-MM, e.g. 2026-11")]
    Month,
}

/// Request latencies in microseconds, 1 µs to 60 s at 3 significant figures. Histograms of the
/// same shape merge by adding counts, so hours add up to a month without keeping raw samples.
#[derive(Clone)]
pub struct LatencyHistogram(Histogram<u64>);

impl fmt::Debug for LatencyHistogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LatencyHistogram(count={})", self.count())
    }
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyHistogram {
    pub fn new() -> Self {
        // The bounds are constants that hdrhistogram accepts (1 ≤ low, high ≥ 2·low, sigfig ≤ 5).
        match Histogram::new_with_bounds(1, MAX_MICROS, SIGFIG) {
            Ok(h) => Self(h),
            Err(_) => unreachable!("constant histogram bounds are valid"),
        }
    }

    /// Records one request; values above 60 s are clamped to 60 s.
    pub fn record(&mut self, micros: u64) {
        self.0.saturating_record(micros.min(MAX_MICROS));
    }

    /// Adds `other`'s counts to ours, as if every sample had been recorded here.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        // Both sides have the same bounds (`new` and `from_bytes` guarantee it), so `add` cannot
        // meet a value out of range; counts saturate rather than overflow.
        let added = self.0.add(&other.0);
        debug_assert!(added.is_ok(), "histograms of one shape always add");
    }

    pub fn count(&self) -> u64 {
        self.0.len()
    }

    /// The latency at quantile `q` (0.0..=1.0, clamped), e.g. 0.99 for p99; None with no samples.
    pub fn quantile_micros(&self, q: f64) -> Option<u64> {
        if self.0.is_empty() || q.is_nan() {
            return None;
        }
        // hdrhistogram answers a bucket's upper edge; above 60 s that edge is not a real latency.
        Some(self.0.value_at_quantile(q.clamp(0.0, 1.0)).min(MAX_MICROS))
    }

    /// Uncompressed V2 serialization: the same counts always give the same bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        // Writing to memory cannot fail on a 64-bit target; should it ever, store nothing rather
        // than half a histogram (`from_bytes` refuses an empty buffer).
        if V2Serializer::new().serialize(&self.0, &mut out).is_err() {
            out.clear();
        }
        out
    }

    /// Reads bytes written by [`Self::to_bytes`]. The header must match our bounds exactly and the
    /// payload length must match the input, so garbage cannot make us allocate or panic.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SlaError> {
        let template = Self::new().to_bytes();
        let (header, payload) = bytes
            .split_at_checked(V2_HEADER)
            .ok_or(SlaError::Histogram)?;
        let declared = u32::from_be_bytes([header[4], header[5], header[6], header[7]]);
        if header[..4] != template[..4]
            || header[8..] != template[8..V2_HEADER]
            || usize::try_from(declared).ok() != Some(payload.len())
            || !counts_are_sane(payload)
        {
            return Err(SlaError::Histogram);
        }
        Deserializer::new()
            .deserialize(&mut &bytes[..])
            .map(Self)
            .map_err(|_| SlaError::Histogram)
    }
}

/// Walks the zig-zag LEB128 (at most 9 bytes) counts; refuses the one encoding, i64::MIN, that
/// hdrhistogram would negate with overflow (a panic in debug builds).
fn counts_are_sane(mut payload: &[u8]) -> bool {
    while !payload.is_empty() {
        let continued = |b: &&u8| **b & 0x80 != 0;
        let len = 1 + payload.iter().take(8).take_while(continued).count();
        if payload.len() < len || (len == 9 && payload[..9].iter().all(|&b| b == 0xFF)) {
            return false;
        }
        payload = &payload[len..];
    }
    true
}

/// One tenant's UTC minute: requests, how many answered 5xx, and whether any region's synthetic
/// probe failed in it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinuteCounts {
    pub requests: u64,
    pub errors_5xx: u64,
    pub probe_failed: bool,
}

/// A minute is down when strictly more than 5% of its requests failed with 5xx, or when a probe
/// failed. A minute with no requests and no failed probe is up: silence is not an outage.
pub fn minute_is_down(m: &MinuteCounts) -> bool {
    let too_many_errors =
        m.requests > 0 && u128::from(m.errors_5xx) * 100 > u128::from(m.requests) * 5;
    too_many_errors || m.probe_failed
}

const MONTH_NAMES: &str =
    "January February March April May June July August September October November December";

/// A calendar month in UTC, years 0001..=9999; written "2026-11" in URLs, JSON and the database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Month {
    year: i32,
    month: u32,
}

impl Month {
    pub fn new(year: i32, month: u32) -> Result<Self, SlaError> {
        let valid = (1..=9999).contains(&year) && (1..=12).contains(&month);
        valid.then_some(Self { year, month }).ok_or(SlaError::Month)
    }

    pub fn days(self) -> u32 {
        let leap = self.year % 4 == 0 && (self.year % 100 != 0 || self.year % 400 == 0);
        match self.month {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        }
    }

    pub fn minutes(self) -> u64 {
        u64::from(self.days()) * 1440
    }

    /// Midnight UTC on the 1st (inclusive).
    pub fn start(self) -> NaiveDateTime {
        first_instant(self.year, self.month)
    }

    /// Midnight UTC on the 1st of the following month (exclusive).
    pub fn end(self) -> NaiveDateTime {
        let (year, month) = self.following();
        first_instant(year, month)
    }

    /// The following month; None after 9999-12.
    pub fn next(self) -> Option<Self> {
        let (year, month) = self.following();
        Self::new(year, month).ok()
    }

    fn following(self) -> (i32, u32) {
        match self.month {
            12 => (self.year + 1, 1),
            m => (self.year, m + 1),
        }
    }

    /// "November 2026".
    pub fn label(self) -> String {
        let name = MONTH_NAMES.split(' ').nth(self.month as usize - 1);
        format!("{} {}", name.unwrap_or("?"), self.year)
    }
}

fn first_instant(year: i32, month: u32) -> NaiveDateTime {
    // Month's fields are validated on construction, so the date always exists.
    NaiveDate::from_ymd_opt(year, month, 1)
        .unwrap_or_default()
        .and_time(NaiveTime::MIN)
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl FromStr for Month {
    type Err = SlaError;
    fn from_str(s: &str) -> Result<Self, SlaError> {
        let (y, m) = s.split_once('-').ok_or(SlaError::Month)?;
        let digits = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_digit());
        if !digits(y, 4) || !digits(m, 2) {
            return Err(SlaError::Month);
        }
        Self::new(
            y.parse().map_err(|_| SlaError::Month)?,
            m.parse().map_err(|_| SlaError::Month)?,
        )
    }
}

impl TryFrom<String> for Month {
    type Error = SlaError;
    fn try_from(s: String) -> Result<Self, SlaError> {
        s.parse()
    }
}

impl From<Month> for String {
    fn from(m: Month) -> String {
        m.to_string()
    }
}

/// Availability in parts per million, rounded down so we never report more than we delivered.
/// Down minutes beyond the period count as the whole period; an empty period is fully available.
pub fn availability_ppm(minutes_in_period: u64, down_minutes: u64) -> u32 {
    if minutes_in_period == 0 {
        return 1_000_000;
    }
    let up = u128::from(minutes_in_period.saturating_sub(down_minutes));
    let ppm = up * 1_000_000 / u128::from(minutes_in_period);
    u32::try_from(ppm).unwrap_or(1_000_000)
}

/// "99.953%": three decimals, truncated for the same reason `availability_ppm` rounds down.
pub fn format_ppm(ppm: u32) -> String {
    let ppm = ppm.min(1_000_000);
    format!("{}.{:03}%", ppm / 10_000, ppm % 10_000 / 10)
}

/// One tenant's month, as shown to the tenant and to the operators.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaReport {
    pub month: Month,
    /// Minutes measured: the whole month, or those elapsed so far for the current month.
    pub minutes: u64,
    pub down_minutes: u64,
    pub availability_ppm: u32,
    pub p99_micros: Option<u64>,
    pub requests: u64,
    pub errors_5xx: u64,
    pub target_ppm: Option<u32>,
    /// Whether availability reached the target; None without a target.
    pub met: Option<bool>,
}

/// Builds the report; `elapsed_minutes` limits the period for a month still in progress.
pub fn report(
    month: Month,
    minutes_down: u64,
    requests: u64,
    errors: u64,
    latency: &LatencyHistogram,
    target_ppm: Option<u32>,
    elapsed_minutes: Option<u64>,
) -> SlaReport {
    let minutes = elapsed_minutes.map_or(month.minutes(), |e| e.min(month.minutes()));
    let down_minutes = minutes_down.min(minutes);
    let availability_ppm = availability_ppm(minutes, down_minutes);
    SlaReport {
        month,
        minutes,
        down_minutes,
        availability_ppm,
        p99_micros: latency.quantile_micros(0.99),
        requests,
        errors_5xx: errors,
        target_ppm,
        met: target_ppm.map(|t| availability_ppm >= t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn filled(samples: impl IntoIterator<Item = u64>) -> LatencyHistogram {
        let mut h = LatencyHistogram::new();
        samples.into_iter().for_each(|s| h.record(s));
        h
    }

    /// Our header claiming `payload`, whatever it holds.
    fn with_payload(payload: &[u8]) -> Vec<u8> {
        let mut bytes = LatencyHistogram::new().to_bytes()[..V2_HEADER].to_vec();
        bytes[4..8].copy_from_slice(&(payload.len() as u32).to_be_bytes());
        bytes.extend_from_slice(payload);
        bytes
    }

    #[test]
    fn histogram_round_trips_clamps_and_refuses_foreign_bytes() {
        let h = filled([0, 1, 250, 12_000, 120_000_000]);
        assert_eq!(h.quantile_micros(1.0), Some(MAX_MICROS));
        let back = LatencyHistogram::from_bytes(&h.to_bytes()).unwrap();
        assert_eq!((back.count(), back.to_bytes()), (5, h.to_bytes()));
        assert_eq!(back.quantile_micros(0.5), h.quantile_micros(0.5));
        let empty = LatencyHistogram::from_bytes(&LatencyHistogram::new().to_bytes()).unwrap();
        assert_eq!((empty.count(), empty.quantile_micros(0.99)), (0, None));

        let other = Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3).unwrap();
        let mut bytes = Vec::new();
        V2Serializer::new().serialize(&other, &mut bytes).unwrap();
        let refused = Some(SlaError::Histogram);
        assert_eq!(LatencyHistogram::from_bytes(&bytes).err(), refused);
        // Counts of i64::MIN would overflow inside hdrhistogram.
        let overflow = with_payload(&[0xFF; 9]);
        assert_eq!(LatencyHistogram::from_bytes(&overflow).err(), refused);
        assert!(LatencyHistogram::from_bytes(&with_payload(&[2])).is_ok());
    }

    #[test]
    fn merge_equals_one_histogram_fed_both_streams() {
        let a: Vec<u64> = (1..5_000).map(|i| i * 37 % 90_000).collect();
        let b: Vec<u64> = (1..3_000).map(|i| i * 911 % 2_000_000).collect();
        let mut merged = filled(a.clone());
        merged.merge(&filled(b.clone()));
        let both = filled(a.into_iter().chain(b));
        assert_eq!(merged.quantile_micros(0.99), both.quantile_micros(0.99));
        assert_eq!(merged.to_bytes(), both.to_bytes());
    }

    #[test]
    fn five_percent_is_the_edge() {
        let down = |requests, errors_5xx, probe_failed| {
            minute_is_down(&MinuteCounts {
                requests,
                errors_5xx,
                probe_failed,
            })
        };
        assert!(!down(100, 5, false) && down(100, 6, false));
        assert!(down(19, 1, false) && !down(20, 1, false));
        assert!(!down(0, 0, false) && down(0, 0, true) && down(100, 0, true));
    }

    #[test]
    fn months() {
        let m = |y, m| Month::new(y, m).unwrap();
        let nov: Month = "2026-11".parse().unwrap();
        assert_eq!((nov, nov.minutes()), (m(2026, 11), 43_200));
        assert_eq!(nov.label(), "November 2026");
        assert_eq!(
            (nov.next(), m(2026, 12).next()),
            (Some(m(2026, 12)), Some(m(2027, 1)))
        );
        assert_eq!(m(9999, 12).next(), None);
        let feb = [2023, 2024, 2100, 2000].map(|y| m(y, 2).minutes() / 1440);
        assert_eq!(feb, [28, 29, 28, 29]);
        let dec = m(2026, 12);
        assert_eq!(dec.end().to_string(), "2027-01-01 00:00:00");
        let span = dec.end() - dec.start();
        assert_eq!(span.num_minutes(), dec.minutes() as i64);
        assert_eq!(serde_json::to_string(&nov).unwrap(), "\"2026-11\"");
        assert!(serde_json::from_str::<Month>("\"2026-13\"").is_err());
        for bad in [
            "2026-1", "26-11", "2026-00", "0000-01", "2026/11", "2026-11 ", "+026-11",
        ] {
            assert!(bad.parse::<Month>().is_err(), "{bad}");
        }
    }

    #[test]
    fn availability_and_formatting() {
        let ppm = [(0, 5), (43_200, 0), (43_200, 99_999), (43_200, 20), (3, 1)]
            .map(|(minutes, down)| availability_ppm(minutes, down));
        assert_eq!(ppm, [1_000_000, 1_000_000, 0, 999_537, 666_666]); // 999_537.03 rounds down
        let shown = [999_537, 999_999, 1_000_000, 0].map(format_ppm);
        assert_eq!(shown, ["99.953%", "99.999%", "100.000%", "0.000%"]);
    }

    #[test]
    fn report_limits_the_period_to_elapsed_minutes() {
        let nov = Month::new(2026, 11).unwrap();
        let lat = filled(1..=1000);
        let full = report(nov, 20, 10_000, 40, &lat, Some(999_500), None);
        assert_eq!((full.minutes, full.availability_ppm), (43_200, 999_537));
        assert_eq!((full.met, full.p99_micros), (Some(true), Some(990)));
        let partial = report(nov, 20, 10_000, 40, &lat, Some(999_500), Some(1_440));
        assert_eq!((partial.minutes, partial.met), (1_440, Some(false)));
        let none = report(nov, 5, 0, 0, &LatencyHistogram::new(), None, Some(0));
        assert_eq!((none.down_minutes, none.availability_ppm), (0, 1_000_000));
        assert_eq!((none.met, none.p99_micros), (None, None));
        let json = serde_json::to_string(&full).unwrap();
        assert_eq!(serde_json::from_str::<SlaReport>(&json).unwrap(), full);
    }

    proptest! {
        /// Raw garbage, and garbage behind a valid header to reach the count decoder.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200), framed: bool) {
            let input = if framed { with_payload(&bytes) } else { bytes };
            if let Ok(h) = LatencyHistogram::from_bytes(&input) {
                let _ = (h.quantile_micros(0.99), h.to_bytes());
            }
        }

        #[test]
        fn valid_months_round_trip(year in 1i32..=9999, month in 1u32..=12) {
            let m = Month::new(year, month).unwrap();
            prop_assert_eq!(m.to_string().parse::<Month>(), Ok(m));
        }

        #[test]
        fn junk_months_are_refused(s in "\\PC{0,10}") {
            let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
            let ok = s.len() == 7
                && s.as_bytes()[4] == b'-'
                && digits(&s[..4])
                && digits(&s[5..])
                && s[..4] != *"0000"
                && (1..=12).contains(&s[5..].parse::<u32>().unwrap_or(0));
            prop_assert_eq!(s.parse::<Month>().is_ok(), ok);
        }
    }
}
