//! The published SLA credit table. Availability is in parts per million (99.9% = 999_000).

/// `(below_ppm, percent)`: an availability strictly below `below_ppm` earns `percent` of the
/// month's subtotal back. Published for plans whose target is 99.9%.
pub const SLA_CREDITS: &[(u32, u32)] = &[(999_000, 10), (990_000, 25), (950_000, 100)];

/// Percentage of the subtotal credited for a month with `availability_ppm`.
///
/// No SLA (`None`) gives 0, and so does any availability at or above the target. Below the
/// target, the first row of [`SLA_CREDITS`] is read as "below the target" (so a plan promising
/// 99.5% earns 10% below 99.5%) while the deeper rows keep their published thresholds; the
/// highest percentage that applies wins. For a 99.9% target this is exactly the table.
pub fn sla_credit_percent(availability_ppm: u32, target_ppm: Option<u32>) -> u32 {
    let Some(target) = target_ppm else { return 0 };
    if availability_ppm >= target {
        return 0;
    }
    SLA_CREDITS
        .iter()
        .enumerate()
        .filter(|&(i, &(below, _))| i == 0 || availability_ppm < below)
        .map(|(_, &(_, percent))| percent)
        .max()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::sla_credit_percent as percent;

    #[test]
    fn three_nines_target_follows_the_table() {
        let ppm = [
            1_000_000, 999_000, 998_999, 990_000, 989_999, 950_000, 949_999, 0,
        ];
        assert_eq!(
            ppm.map(|a| percent(a, Some(999_000))),
            [0, 0, 10, 10, 25, 25, 100, 100]
        );
    }

    #[test]
    fn other_targets_and_no_sla() {
        assert_eq!(percent(0, None), 0);
        assert_eq!(
            [
                percent(994_000, Some(995_000)),
                percent(996_000, Some(995_000))
            ],
            [10, 0]
        );
        // A lax 98% target: nothing at or above it; below it the deeper rows still apply.
        let lax = [985_000, 975_000, 940_000].map(|a| percent(a, Some(980_000)));
        assert_eq!(lax, [0, 25, 100]);
    }
}
