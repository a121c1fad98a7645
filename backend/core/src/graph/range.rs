//! Version ranges, the right-hand side of a constraint: `auth >=1.5, <2`.
//!
//! Semver ranges take cargo's syntax (parsed by the `semver` crate, so a cargo requirement means
//! exactly what cargo says it means, including pre-release rules) plus the npm forms on top:
//! `||` alternatives, hyphen ranges and space-separated comparators. One deliberate difference
//! from npm: a bare `1.2.3` is cargo's `^1.2.3`, not npm's `=1.2.3`; write `=1.2.3` for exact.
//! Date ranges are an exact date or an interval; git ranges are one sha (a prefix of 7+ digits
//! is enough, since shas are usually quoted short).

mod calendar;
mod semver_set;
#[cfg(test)]
mod tests;

use crate::version::{Scheme, Version};
use calendar::{DateComparator, GitPattern};
use std::fmt;

/// Longer texts are refused before parsing: a range is typed by a person, and the limit keeps a
/// hostile request from making the parser work for it.
pub const MAX_RANGE_LEN: usize = 1024;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeError {
    #[error("a version range cannot be empty (write `*` for any version)")]
    Empty,
    #[error("a version range is at most {MAX_RANGE_LEN} characters, as written and in its canonical form (a bare `1.2` is `^1.2`)")]
    TooLong,
    #[error("`{text}` is not a semver range: {reason}")]
    Semver { text: String, reason: String },
    #[error("`{0}`: a hyphen range is two plain versions, as in `1.2.3 - 2.0.0`")]
    Hyphen(String),
    #[error("`{0}` ends with an operator but no version")]
    DanglingOperator(String),
    #[error("`{0}` is not a date range: use `2025-07-03`, `=2025-07-03` or comparators such as `>=2025-01-01, <2026-01-01`")]
    Date(String),
    #[error("`{0}` is not a git range: use one sha of 7 to 40 hexadecimal digits, or `*`")]
    Git(String),
    #[error("`||` alternatives are only for semver ranges, not {0} ranges")]
    Alternatives(&'static str),
}

/// A parsed range of one scheme; it only ever matches versions of that scheme.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VersionRange {
    kind: RangeKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum RangeKind {
    /// Any of these requirements (npm `||`); each is an AND of comparators.
    Semver(Vec<semver::VersionReq>),
    /// All of these comparators; none means any date.
    Date(Vec<DateComparator>),
    Git(GitPattern),
}

impl VersionRange {
    pub fn parse(text: &str, scheme: Scheme) -> Result<Self, RangeError> {
        if text.len() > MAX_RANGE_LEN {
            return Err(RangeError::TooLong);
        }
        let text = text.trim();
        if text.is_empty() {
            return Err(RangeError::Empty);
        }
        let kind = match scheme {
            Scheme::Semver => RangeKind::Semver(semver_set::parse(text)?),
            Scheme::Date => RangeKind::Date(calendar::parse_date_range(text)?),
            Scheme::Git => RangeKind::Git(calendar::parse_git_range(text)?),
        };
        let range = Self { kind };
        // The canonical text is what is stored and parsed again when the graph loads: it must
        // be within the cap too, and it can be longer than what was written (`0 0` is
        // `^0, ^0`).
        if range.to_string().len() > MAX_RANGE_LEN {
            return Err(RangeError::TooLong);
        }
        Ok(range)
    }

    /// The range that matches every version of a scheme (`*`); for semver, like cargo's `*`,
    /// that excludes pre-releases.
    pub fn any(scheme: Scheme) -> Self {
        let kind = match scheme {
            Scheme::Semver => RangeKind::Semver(vec![semver::VersionReq::STAR]),
            Scheme::Date => RangeKind::Date(Vec::new()),
            Scheme::Git => RangeKind::Git(GitPattern::Any),
        };
        Self { kind }
    }

    pub fn scheme(&self) -> Scheme {
        match self.kind {
            RangeKind::Semver(_) => Scheme::Semver,
            RangeKind::Date(_) => Scheme::Date,
            RangeKind::Git(_) => Scheme::Git,
        }
    }

    /// Whether `version` is in the range; a version of another scheme never is.
    pub fn matches(&self, version: &Version) -> bool {
        match (&self.kind, version) {
            (RangeKind::Semver(alternatives), Version::Semver { value, .. }) => {
                alternatives.iter().any(|req| req.matches(value))
            }
            (RangeKind::Date(comparators), Version::Date { year, month, day }) => {
                comparators.iter().all(|c| c.matches((*year, *month, *day)))
            }
            (RangeKind::Git(pattern), Version::Git(sha)) => pattern.matches(sha),
            _ => false,
        }
    }
}

/// The canonical text: parsing it gives back an equal range.
impl fmt::Display for VersionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            RangeKind::Semver(alternatives) => {
                for (i, req) in alternatives.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" || ")?;
                    }
                    write!(f, "{req}")?;
                }
                Ok(())
            }
            RangeKind::Date(comparators) if comparators.is_empty() => f.write_str("*"),
            RangeKind::Date(comparators) => {
                for (i, comparator) in comparators.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{comparator}")?;
                }
                Ok(())
            }
            RangeKind::Git(pattern) => write!(f, "{pattern}"),
        }
    }
}

const OPERATOR_CHARS: &[char] = &['<', '>', '=', '^', '~'];

/// Splits one AND-set into comparators: commas and whitespace both separate, and an operator
/// written apart from its version (`>= 1.5`, allowed by cargo and npm) is joined back to it.
fn comparator_tokens(set: &str) -> Result<Vec<String>, RangeError> {
    let mut tokens: Vec<String> = Vec::new();
    let mut pending_operator: Option<&str> = None;
    for piece in set
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
    {
        match pending_operator.take() {
            Some(operator) => tokens.push(format!("{operator}{piece}")),
            None if piece.chars().all(|c| OPERATOR_CHARS.contains(&c)) => {
                pending_operator = Some(piece)
            }
            None => tokens.push(piece.to_owned()),
        }
    }
    if pending_operator.is_some() {
        return Err(RangeError::DanglingOperator(set.to_owned()));
    }
    Ok(tokens)
}

/// Error texts echo at most this much of the input.
fn excerpt(text: &str) -> String {
    text.chars().take(80).collect()
}
