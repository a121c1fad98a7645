//! Compatibility levels, named as in Confluent Schema Registry.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CompatLevel {
    /// Every config valid under the latest earlier schema stays valid under the new one.
    #[default]
    Backward,
    BackwardTransitive,
    /// Every config valid under the new schema is valid under the latest earlier one.
    Forward,
    ForwardTransitive,
    Full,
    FullTransitive,
    None,
}

impl CompatLevel {
    pub const ALL: [CompatLevel; 7] = [
        CompatLevel::Backward,
        CompatLevel::BackwardTransitive,
        CompatLevel::Forward,
        CompatLevel::ForwardTransitive,
        CompatLevel::Full,
        CompatLevel::FullTransitive,
        CompatLevel::None,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CompatLevel::Backward => "BACKWARD",
            CompatLevel::BackwardTransitive => "BACKWARD_TRANSITIVE",
            CompatLevel::Forward => "FORWARD",
            CompatLevel::ForwardTransitive => "FORWARD_TRANSITIVE",
            CompatLevel::Full => "FULL",
            CompatLevel::FullTransitive => "FULL_TRANSITIVE",
            CompatLevel::None => "NONE",
        }
    }

    /// Transitive levels check every earlier version, the others only the latest.
    pub fn is_transitive(self) -> bool {
        matches!(
            self,
            CompatLevel::BackwardTransitive
                | CompatLevel::ForwardTransitive
                | CompatLevel::FullTransitive
        )
    }

    /// Whether configs valid under earlier schemas must stay valid under the new one.
    pub fn checks_backward(self) -> bool {
        matches!(
            self,
            CompatLevel::Backward
                | CompatLevel::BackwardTransitive
                | CompatLevel::Full
                | CompatLevel::FullTransitive
        )
    }

    /// Whether configs valid under the new schema must be valid under earlier ones.
    pub fn checks_forward(self) -> bool {
        matches!(
            self,
            CompatLevel::Forward
                | CompatLevel::ForwardTransitive
                | CompatLevel::Full
                | CompatLevel::FullTransitive
        )
    }
}

impl fmt::Display for CompatLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown compatibility level `{0}`; expected one of BACKWARD, BACKWARD_TRANSITIVE, FORWARD, \
     FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE or NONE"
)]
pub struct UnknownCompatLevel(pub String);

impl FromStr for CompatLevel {
    type Err = UnknownCompatLevel;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim();
        CompatLevel::ALL
            .into_iter()
            .find(|level| level.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| UnknownCompatLevel(s.to_owned()))
    }
}
