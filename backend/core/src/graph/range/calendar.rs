//! Date ranges (an exact date or an interval) and git ranges (one sha).

use super::{comparator_tokens, excerpt, RangeError};
use crate::version::{Scheme, Version};
use std::fmt;

type Ymd = (u16, u8, u8);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum DateOp {
    Exact,
    Greater,
    GreaterEq,
    Less,
    LessEq,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) struct DateComparator {
    op: DateOp,
    date: Ymd,
}

impl DateComparator {
    pub(super) fn matches(&self, date: Ymd) -> bool {
        match self.op {
            DateOp::Exact => date == self.date,
            DateOp::Greater => date > self.date,
            DateOp::GreaterEq => date >= self.date,
            DateOp::Less => date < self.date,
            DateOp::LessEq => date <= self.date,
        }
    }
}

impl fmt::Display for DateComparator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = match self.op {
            DateOp::Exact => "=",
            DateOp::Greater => ">",
            DateOp::GreaterEq => ">=",
            DateOp::Less => "<",
            DateOp::LessEq => "<=",
        };
        let (year, month, day) = self.date;
        write!(f, "{op}{year:04}-{month:02}-{day:02}")
    }
}

/// `*`, a bare or `=` date, or comparators ANDed together.
pub(super) fn parse_date_range(text: &str) -> Result<Vec<DateComparator>, RangeError> {
    if text.contains("||") {
        return Err(RangeError::Alternatives(Scheme::Date.as_str()));
    }
    if text == "*" {
        return Ok(Vec::new());
    }
    comparator_tokens(text)?
        .iter()
        .map(|token| parse_date_comparator(token).ok_or_else(|| RangeError::Date(excerpt(text))))
        .collect()
}

fn parse_date_comparator(token: &str) -> Option<DateComparator> {
    // Longest operators first, so `>=` is not read as `>` followed by `=2025-…`.
    let (op, rest) = [
        (">=", DateOp::GreaterEq),
        ("<=", DateOp::LessEq),
        (">", DateOp::Greater),
        ("<", DateOp::Less),
        ("=", DateOp::Exact),
    ]
    .into_iter()
    .find_map(|(prefix, op)| token.strip_prefix(prefix).map(|rest| (op, rest)))
    .unwrap_or((DateOp::Exact, token));
    match Version::parse(rest, Some(Scheme::Date)).ok()? {
        Version::Date { year, month, day } => Some(DateComparator {
            op,
            date: (year, month, day),
        }),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum GitPattern {
    Any,
    /// Lowercase hex, 7 to 40 digits.
    Sha(String),
}

impl GitPattern {
    /// Either sha may be the short form of the other: a constraint written with a short sha
    /// matches the full one, and a version registered short matches a constraint written long.
    pub(super) fn matches(&self, sha: &str) -> bool {
        match self {
            GitPattern::Any => true,
            // A version built by hand could hold a shorter (even empty) text; that names no commit.
            GitPattern::Sha(_) if sha.len() < 7 => false,
            GitPattern::Sha(pattern) => {
                sha.starts_with(pattern.as_str()) || pattern.starts_with(sha)
            }
        }
    }
}

impl fmt::Display for GitPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GitPattern::Any => f.write_str("*"),
            GitPattern::Sha(sha) => f.write_str(sha),
        }
    }
}

pub(super) fn parse_git_range(text: &str) -> Result<GitPattern, RangeError> {
    if text.contains("||") {
        return Err(RangeError::Alternatives(Scheme::Git.as_str()));
    }
    if text == "*" {
        return Ok(GitPattern::Any);
    }
    let sha = text.strip_prefix('=').unwrap_or(text).trim_start();
    match Version::parse(sha, Some(Scheme::Git)) {
        Ok(Version::Git(sha)) => Ok(GitPattern::Sha(sha)),
        _ => Err(RangeError::Git(excerpt(text))),
    }
}
