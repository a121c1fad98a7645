//! Roles a member holds in a tenant, and the scopes an API key is granted.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Ordered from least to most powerful, so `>=` reads as "at least".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Viewer,
    Editor,
    Admin,
    Owner,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
            Role::Owner => "owner",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "viewer" => Ok(Role::Viewer),
            "editor" => Ok(Role::Editor),
            "admin" => Ok(Role::Admin),
            "owner" => Ok(Role::Owner),
            other => Err(format!("unknown role `{other}`")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    Read,
    Write,
    Admin,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
            Scope::Admin => "admin",
        }
    }

    /// The role an API key acts with: its widest scope. A key never acts as owner.
    pub fn effective_role(scopes: &[Scope]) -> Option<Role> {
        scopes.iter().max().map(|s| match s {
            Scope::Read => Role::Viewer,
            Scope::Write => Role::Editor,
            Scope::Admin => Role::Admin,
        })
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "read" => Ok(Scope::Read),
            "write" => Ok(Scope::Write),
            "admin" => Ok(Scope::Admin),
            other => Err(format!("unknown scope `{other}` (read, write or admin)")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widest_scope_decides_the_role() {
        assert_eq!(Scope::effective_role(&[Scope::Read]), Some(Role::Viewer));
        assert_eq!(
            Scope::effective_role(&[Scope::Read, Scope::Write]),
            Some(Role::Editor)
        );
        assert_eq!(
            Scope::effective_role(&[Scope::Admin, Scope::Read]),
            Some(Role::Admin)
        );
        assert_eq!(Scope::effective_role(&[]), None);
    }

    #[test]
    fn roles_round_trip_and_order() {
        for r in [Role::Viewer, Role::Editor, Role::Admin, Role::Owner] {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert!(Role::Owner > Role::Admin && Role::Editor > Role::Viewer);
    }
}
