//! Names of registry objects. Each is parsed once at the edge and valid afterwards.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} `{text}` is not valid: use 1 to {max} letters, digits, `.`, `_` or `-`, starting with a letter or digit")]
pub struct NameError {
    pub kind: &'static str,
    pub text: String,
    pub max: usize,
}

fn check(kind: &'static str, text: &str, max: usize) -> Result<String, NameError> {
    let ok = !text.is_empty()
        && text.len() <= max
        && text.as_bytes()[0].is_ascii_alphanumeric()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if ok {
        Ok(text.to_owned())
    } else {
        Err(NameError {
            kind,
            text: text.chars().take(120).collect(),
            max,
        })
    }
}

macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident, $kind:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub fn parse(text: &str) -> Result<Self, NameError> {
                check($kind, text, $max).map(Self)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

name_type!(
    /// A target family, e.g. `OpenAPI-Payments`.
    FamilyName, "family name", 100
);
name_type!(
    /// A target, e.g. `payment-api`.
    TargetName, "target name", 100
);
name_type!(
    /// An environment, e.g. `prod-eu`.
    EnvName, "environment name", 100
);
name_type!(
    /// A config lineage, e.g. `payment_service.yaml`.
    ConfigName, "config name", 100
);
name_type!(
    /// A schema version's label within its family, e.g. `2025-07`.
    SchemaVersionLabel, "schema version", 64
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn names_from_the_seed_parse() {
        assert!(FamilyName::parse("OpenAPI-Payments").is_ok());
        assert!(TargetName::parse("payment-api").is_ok());
        assert!(ConfigName::parse("payment_service.yaml").is_ok());
        assert!(SchemaVersionLabel::parse("2025-07").is_ok());
        assert!(EnvName::parse("prod-eu").is_ok());
    }

    #[test]
    fn bad_names_are_refused_with_their_kind() {
        for bad in ["", "-x", "a b", "a/b", "a@b", "ü"] {
            let err = TargetName::parse(bad).unwrap_err();
            assert_eq!(err.kind, "target name");
        }
        assert!(SchemaVersionLabel::parse(&"a".repeat(65)).is_err());
    }

    proptest! {
        #[test]
        fn parse_display_round_trips(s in "[A-Za-z0-9][A-Za-z0-9._-]{0,99}") {
            let n = TargetName::parse(&s).unwrap();
            prop_assert_eq!(TargetName::parse(&n.to_string()).unwrap(), n);
        }

        #[test]
        fn parse_never_panics(s in "\\PC{0,120}") {
            let _ = EnvName::parse(&s);
        }
    }
}
