//! Semver ranges: npm's forms rewritten into cargo requirements, which `semver` then parses.
//! Rewriting (rather than a second parser) keeps one meaning per comparator: whatever the
//! spelling, `semver::VersionReq` decides what matches.

use super::{comparator_tokens, excerpt, RangeError};
use semver::VersionReq;

/// Parses `a || b || c`, each alternative an AND-set or a hyphen range.
pub(super) fn parse(text: &str) -> Result<Vec<VersionReq>, RangeError> {
    text.split("||").map(|set| parse_set(set.trim())).collect()
}

fn parse_set(set: &str) -> Result<VersionReq, RangeError> {
    if set.is_empty() {
        return Err(RangeError::Empty);
    }
    let cargo_text = match hyphen_bounds(set)? {
        Some((low, high)) => format!(">={low}, <={high}"),
        None => {
            let mut tokens = comparator_tokens(set)?;
            // npm lets `*` stand beside other comparators (`* >=1`); cargo wants it alone, and
            // next to others it adds nothing.
            if tokens.len() > 1 {
                tokens.retain(|t| !is_wildcard(t));
            }
            tokens.join(", ")
        }
    };
    VersionReq::parse(&cargo_text).map_err(|e| RangeError::Semver {
        text: excerpt(set),
        reason: e.to_string(),
    })
}

/// `1.2.3 - 2.0.0` gives its two ends. npm's meaning (`>=1.2.3 <=2.0.0`, a partial upper end
/// covering all its patches) is what cargo's `>=` and `<=` already say for partial versions.
fn hyphen_bounds(set: &str) -> Result<Option<(&str, &str)>, RangeError> {
    let words: Vec<&str> = set.split_whitespace().collect();
    if !words.contains(&"-") {
        return Ok(None);
    }
    let plain = |w: &str| w.starts_with(|c: char| c.is_ascii_digit()) && !w.contains(',');
    match words.as_slice() {
        [low, "-", high] if plain(low) && plain(high) => Ok(Some((low, high))),
        _ => Err(RangeError::Hyphen(excerpt(set))),
    }
}

fn is_wildcard(token: &str) -> bool {
    matches!(token, "*" | "x" | "X")
}
