//! Target versions: semver, git sha or calendar date, detected or named by scheme.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Semver,
    Git,
    Date,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Semver => "semver",
            Scheme::Git => "git",
            Scheme::Date => "date",
        }
    }
}

impl FromStr for Scheme {
    type Err = VersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "semver" => Ok(Scheme::Semver),
            "git" | "git-sha" | "sha" => Ok(Scheme::Git),
            "date" => Ok(Scheme::Date),
            other => Err(VersionError::UnknownScheme(other.to_owned())),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    #[error("unknown version scheme `{0}` (semver, git or date)")]
    UnknownScheme(String),
    #[error("`{0}` is not a semver version such as 3.2.1 (1 or 2 parts, like 14 or 3.2, are read as 14.0.0 and 3.2.0)")]
    Semver(String),
    #[error("`{0}` is not a git sha (7 to 40 hexadecimal digits)")]
    Git(String),
    #[error("`{0}` is not a date version (YYYY-MM-DD)")]
    Date(String),
    #[error(
        "`{0}` is not a semver version, a git sha or a YYYY-MM-DD date; pass --scheme to say which"
    )]
    Undetected(String),
}

/// A version as written, with the value it is compared by.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Version {
    Semver {
        text: String,
        value: semver::Version,
    },
    Git(String),
    Date {
        year: u16,
        month: u8,
        day: u8,
    },
}

impl Version {
    pub fn parse(text: &str, scheme: Option<Scheme>) -> Result<Self, VersionError> {
        match scheme {
            Some(Scheme::Semver) => parse_semver(text),
            Some(Scheme::Git) => parse_git(text),
            Some(Scheme::Date) => parse_date(text),
            None => parse_date(text)
                .or_else(|_| parse_semver(text))
                .or_else(|_| parse_git(text))
                .map_err(|_| VersionError::Undetected(text.chars().take(80).collect())),
        }
    }

    pub fn scheme(&self) -> Scheme {
        match self {
            Version::Semver { .. } => Scheme::Semver,
            Version::Git(_) => Scheme::Git,
            Version::Date { .. } => Scheme::Date,
        }
    }

    /// Ordering within one scheme; git shas have none.
    pub fn compare(&self, other: &Version) -> Option<Ordering> {
        match (self, other) {
            (Version::Semver { value: a, .. }, Version::Semver { value: b, .. }) => Some(a.cmp(b)),
            (
                Version::Date { year, month, day },
                Version::Date {
                    year: y,
                    month: m,
                    day: d,
                },
            ) => Some((year, month, day).cmp(&(y, m, d))),
            (Version::Git(a), Version::Git(b)) if a == b => Some(Ordering::Equal),
            _ => None,
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Semver { text, .. } => f.write_str(text),
            Version::Git(sha) => f.write_str(sha),
            Version::Date { year, month, day } => write!(f, "{year:04}-{month:02}-{day:02}"),
        }
    }
}

fn parse_semver(text: &str) -> Result<Version, VersionError> {
    let err = || VersionError::Semver(text.chars().take(80).collect());
    let core_len = text.find(['-', '+']).unwrap_or(text.len());
    let dots = text[..core_len].matches('.').count();
    let padded = match dots {
        0 => format!("{}.0.0{}", &text[..core_len], &text[core_len..]),
        1 => format!("{}.0{}", &text[..core_len], &text[core_len..]),
        _ => text.to_owned(),
    };
    let value = semver::Version::parse(&padded).map_err(|_| err())?;
    Ok(Version::Semver {
        text: text.to_owned(),
        value,
    })
}

fn parse_git(text: &str) -> Result<Version, VersionError> {
    let ok = (7..=40).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(Version::Git(text.to_ascii_lowercase()))
    } else {
        Err(VersionError::Git(text.chars().take(80).collect()))
    }
}

fn parse_date(text: &str) -> Result<Version, VersionError> {
    let err = || VersionError::Date(text.chars().take(80).collect());
    let parts: Vec<&str> = text.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(err());
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return Err(err());
    }
    let year: u16 = y.parse().map_err(|_| err())?;
    let month: u8 = m.parse().map_err(|_| err())?;
    let day: u8 = d.parse().map_err(|_| err())?;
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(err()),
    };
    if day == 0 || day > days {
        return Err(err());
    }
    Ok(Version::Date { year, month, day })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn schemes_are_detected() {
        assert_eq!(
            Version::parse("3.2.1", None).unwrap().scheme(),
            Scheme::Semver
        );
        assert_eq!(Version::parse("14", None).unwrap().scheme(), Scheme::Semver);
        assert_eq!(
            Version::parse("2025-07-03", None).unwrap().scheme(),
            Scheme::Date
        );
        assert_eq!(
            Version::parse("9fceb02", None).unwrap().scheme(),
            Scheme::Git
        );
        assert_eq!(
            Version::parse("1.0.0-rc.1+build.5", None).unwrap().scheme(),
            Scheme::Semver
        );
        assert!(matches!(
            Version::parse("latest", None),
            Err(VersionError::Undetected(_))
        ));
    }

    #[test]
    fn an_explicit_scheme_is_enforced() {
        assert!(Version::parse("3.2.1", Some(Scheme::Git)).is_err());
        assert!(Version::parse("2025-02-30", Some(Scheme::Date)).is_err());
        assert!(Version::parse("2024-02-29", Some(Scheme::Date)).is_ok());
        // A numeric sha is still a sha when the scheme says so.
        assert_eq!(
            Version::parse("1234567", Some(Scheme::Git))
                .unwrap()
                .scheme(),
            Scheme::Git
        );
    }

    #[test]
    fn versions_order_within_a_scheme() {
        let v = |s| Version::parse(s, None).unwrap();
        assert_eq!(v("3.2.1").compare(&v("3.10.0")), Some(Ordering::Less));
        assert_eq!(v("1.0.0-rc.1").compare(&v("1.0.0")), Some(Ordering::Less));
        assert_eq!(
            v("2025-07-03").compare(&v("2024-12-31")),
            Some(Ordering::Greater)
        );
        assert_eq!(v("3.2.1").compare(&v("2025-07-03")), None);
    }

    proptest! {
        #[test]
        fn parse_display_round_trips(major in 0u64..1000, minor in 0u64..1000, patch in 0u64..1000,
                                     y in 1970u16..2100, m in 1u8..13, d in 1u8..29,
                                     sha in "[0-9a-f]{7,40}") {
            for text in [format!("{major}.{minor}.{patch}"), format!("{y:04}-{m:02}-{d:02}")] {
                let v = Version::parse(&text, None).unwrap();
                prop_assert_eq!(v.to_string(), text.clone());
                prop_assert_eq!(Version::parse(&v.to_string(), Some(v.scheme())).unwrap(), v);
            }
            let g = Version::parse(&sha, Some(Scheme::Git)).unwrap();
            prop_assert_eq!(Version::parse(&g.to_string(), Some(Scheme::Git)).unwrap(), g);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,60}") {
            let _ = Version::parse(&s, None);
        }
    }
}
