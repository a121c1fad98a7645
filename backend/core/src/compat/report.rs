//! What a compatibility check hands back.

use super::level::CompatLevel;
use serde::{Deserialize, Serialize};

/// One way a config accepted by one schema is rejected by another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Break {
    /// JSON pointer into the config (instance), `""` for the root. `*` stands for every array
    /// item past the fixed positions, or every property the schema does not name.
    pub pointer: String,
    /// Stable kebab-case id such as `required-added`; clients may match on it.
    pub rule: String,
    pub message: String,
    /// Version label of the earlier schema; empty from [`super::backward_breaks`].
    pub against: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompatReport {
    pub level: CompatLevel,
    pub compatible: bool,
    /// Version labels checked, oldest first.
    pub checked_against: Vec<String>,
    pub breaks: Vec<Break>,
}
