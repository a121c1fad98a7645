//! RFC 3339 UTC timestamps without pulling a date library into the CLI.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

const SECONDS_PER_DAY: u64 = 86_400;

/// `now + days`, formatted as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn days_from_now(days: u32) -> Result<String, String> {
    let offset = Duration::from_secs(u64::from(days) * SECONDS_PER_DAY);
    let at = SystemTime::now()
        .checked_add(offset)
        .ok_or_else(|| format!("{days} days from now is out of range"))?;
    format_rfc3339(at)
}

pub fn format_rfc3339(at: SystemTime) -> Result<String, String> {
    let secs = at
        .duration_since(UNIX_EPOCH)
        .map_err(|_| "the system clock is set before 1970".to_owned())?
        .as_secs();
    let (year, month, day) = civil_from_days(secs / SECONDS_PER_DAY);
    let rem = secs % SECONDS_PER_DAY;
    Ok(format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    ))
}

/// Howard Hinnant's days-to-civil algorithm, restricted to dates on or after 1970
/// (which is all `format_rfc3339` can produce), so unsigned arithmetic suffices.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Shift the epoch to 0000-03-01 so leap days fall at the end of each era year.
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> String {
        format_rfc3339(UNIX_EPOCH + Duration::from_secs(secs)).unwrap()
    }

    #[test]
    fn formats_known_instants() {
        assert_eq!(at(0), "1970-01-01T00:00:00Z");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(at(1_709_251_199), "2024-02-29T23:59:59Z");
        assert_eq!(at(1_735_689_599), "2024-12-31T23:59:59Z");
        assert_eq!(at(4_102_444_800), "2100-01-01T00:00:00Z");
        assert_eq!(at(4_107_542_400), "2100-03-01T00:00:00Z");
    }

    #[test]
    fn days_from_now_is_in_the_future_and_well_formed() {
        let now = format_rfc3339(SystemTime::now()).unwrap();
        let later = days_from_now(30).unwrap();
        assert_eq!(later.len(), "2024-01-01T00:00:00Z".len());
        assert!(later.ends_with('Z'));
        assert!(later > now);
    }
}
