//! `NAME@VERSION` references, parsed in one place: the server resolves them, the CLI checks
//! its arguments with them.
//!
//! The language: the text is split at its **last** `@`, so a name may itself contain `@` but a
//! version may not; both parts are non-empty and hold no whitespace or control characters; the
//! whole is at most [`MAX_REFERENCE_LEN`] bytes. Whether the name and version are well-formed
//! for their kind (a target name, a semver) is for the server to say, not this syntax.
//!
//! [`TargetVersionRef`] also accepts a target version's id (any form `Uuid::parse_str` reads),
//! tried first: a UUID never contains `@`, so the two never overlap.

use crate::ids::TargetVersionId;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

/// The longest reference accepted, in bytes: far above any valid name and version (names have
/// at most 100 characters), low enough that no one stores a novel.
pub const MAX_REFERENCE_LEN: usize = 300;

/// Why a text is not a reference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReferenceError {
    /// No `@`: not `NAME@VERSION`.
    MissingAt,
    /// Nothing before the last `@`.
    EmptyName,
    /// Nothing after the last `@`.
    EmptyVersion,
    /// A space, tab, line break or other control character.
    Whitespace,
    /// Longer than [`MAX_REFERENCE_LEN`] bytes.
    TooLong,
    /// A version containing `@` (only when built with [`TargetRef::new`]): it would not
    /// survive its own display.
    AtInVersion,
}

impl fmt::Display for ReferenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MissingAt => "expected NAME@VERSION",
            Self::EmptyName => "the name before `@` is empty",
            Self::EmptyVersion => "the version after `@` is empty",
            Self::Whitespace => "a reference holds no spaces or control characters",
            Self::TooLong => "the reference is too long",
            Self::AtInVersion => "a version cannot contain `@`",
        })
    }
}

impl std::error::Error for ReferenceError {}

/// `NAME@VERSION`: a target version (`payment-api@3.2.1`), or a family's schema version
/// (`OpenAPI-Payments@2025-07`), by name. Serialized as that one string.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TargetRef {
    name: String,
    version: String,
}

impl TargetRef {
    /// From its two parts, checked as if parsed.
    pub fn new(
        name: impl Into<String>,
        version: impl Into<String>,
    ) -> Result<Self, ReferenceError> {
        let (name, version) = (name.into(), version.into());
        if version.contains('@') {
            return Err(ReferenceError::AtInVersion);
        }
        check(&name, &version, name.len() + 1 + version.len())?;
        Ok(Self { name, version })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn version(&self) -> &str {
        &self.version
    }

    pub fn into_parts(self) -> (String, String) {
        (self.name, self.version)
    }
}

fn check(name: &str, version: &str, len: usize) -> Result<(), ReferenceError> {
    if len > MAX_REFERENCE_LEN {
        return Err(ReferenceError::TooLong);
    }
    if name.is_empty() {
        return Err(ReferenceError::EmptyName);
    }
    if version.is_empty() {
        return Err(ReferenceError::EmptyVersion);
    }
    let bad = |c: char| c.is_whitespace() || c.is_control();
    if name.chars().any(bad) || version.chars().any(bad) {
        return Err(ReferenceError::Whitespace);
    }
    Ok(())
}

impl FromStr for TargetRef {
    type Err = ReferenceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, version) = s.rsplit_once('@').ok_or(if s.len() > MAX_REFERENCE_LEN {
            ReferenceError::TooLong
        } else {
            ReferenceError::MissingAt
        })?;
        check(name, version, s.len())?;
        Ok(Self {
            name: name.to_owned(),
            version: version.to_owned(),
        })
    }
}

impl fmt::Display for TargetRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.name, self.version)
    }
}

/// A target version named by its id or by `NAME@VERSION`, as `configs create --target` and
/// `POST /v1/configs`'s `target` take it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TargetVersionRef {
    Id(TargetVersionId),
    Name(TargetRef),
}

impl FromStr for TargetVersionRef {
    type Err = ReferenceError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Ok(id) = Uuid::parse_str(s) {
            return Ok(Self::Id(id.into()));
        }
        s.parse().map(Self::Name)
    }
}

impl fmt::Display for TargetVersionRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Id(id) => fmt::Display::fmt(id, f),
            Self::Name(name) => fmt::Display::fmt(name, f),
        }
    }
}

impl From<TargetVersionId> for TargetVersionRef {
    fn from(id: TargetVersionId) -> Self {
        Self::Id(id)
    }
}

impl From<TargetRef> for TargetVersionRef {
    fn from(name: TargetRef) -> Self {
        Self::Name(name)
    }
}

macro_rules! string_serde {
    ($($ty:ty),*) => {$(
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
                text.parse().map_err(serde::de::Error::custom)
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::PartialSchema for $ty {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .into()
            }
        }

        #[cfg(feature = "openapi")]
        impl utoipa::ToSchema for $ty {}
    )*};
}

string_serde!(TargetRef, TargetVersionRef);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn name_version(s: &str) -> (String, String) {
        let r: TargetRef = s.parse().unwrap();
        (r.name().to_owned(), r.version().to_owned())
    }

    #[test]
    fn names_split_at_the_last_at() {
        assert_eq!(
            name_version("payment-api@3.2.1"),
            ("payment-api".into(), "3.2.1".into())
        );
        assert_eq!(name_version("a@b@1.0"), ("a@b".into(), "1.0".into()));
        assert_eq!(
            name_version("payment-api@1.0.0+b@2"),
            ("payment-api@1.0.0+b".into(), "2".into())
        );
    }

    #[test]
    fn malformed_references_are_refused() {
        use ReferenceError::*;
        for (bad, why) in [
            ("payment-api", MissingAt),
            ("", MissingAt),
            ("@1.0", EmptyName),
            ("@", EmptyName),
            ("payment-api@", EmptyVersion),
            ("bad name@1", Whitespace),
            ("a@b\nc", Whitespace),
            ("a@1\u{1b}", Whitespace),
        ] {
            assert_eq!(bad.parse::<TargetRef>(), Err(why.clone()), "{bad:?}");
        }
        let long = format!("{}@1", "a".repeat(MAX_REFERENCE_LEN));
        assert_eq!(long.parse::<TargetRef>(), Err(TooLong));
        assert_eq!(TargetRef::new("a", "1@2"), Err(AtInVersion));
        assert_eq!(TargetRef::new("a@b", "2").unwrap().to_string(), "a@b@2");
    }

    #[test]
    fn target_versions_are_ids_or_names() {
        let id = "0b6f1c9e-4a53-4c8e-9d7a-2f1e8b3c5d40";
        assert_eq!(
            id.to_uppercase().parse::<TargetVersionRef>().unwrap(),
            TargetVersionRef::Id(id.parse().unwrap())
        );
        assert_eq!(
            "payment-api@3.2.1".parse::<TargetVersionRef>().unwrap(),
            TargetVersionRef::Name("payment-api@3.2.1".parse().unwrap())
        );
        assert_eq!(
            "not-a-uuid".parse::<TargetVersionRef>(),
            Err(ReferenceError::MissingAt)
        );
        let json = serde_json::to_string(&"payment-api@3.2.1".parse::<TargetVersionRef>().unwrap());
        assert_eq!(json.unwrap(), "\"payment-api@3.2.1\"");
        assert!(serde_json::from_str::<TargetRef>("\"x\"").is_err());
        assert!(serde_json::from_str::<TargetRef>("3").is_err());
    }

    fn any_ref() -> impl Strategy<Value = TargetRef> {
        // Names may hold `@`; versions may not; neither holds whitespace.
        ("[^\\s\\p{Cc}]{1,30}", "[^\\s\\p{Cc}@]{1,30}")
            .prop_filter_map("valid", |(n, v)| TargetRef::new(n, v).ok())
    }

    proptest! {
        #[test]
        fn target_refs_round_trip(r in any_ref()) {
            prop_assert_eq!(r.to_string().parse::<TargetRef>(), Ok(r.clone()));
            let json = serde_json::to_string(&r).unwrap();
            prop_assert_eq!(serde_json::from_str::<TargetRef>(&json).unwrap(), r.clone());
            let as_version_ref = TargetVersionRef::Name(r);
            prop_assert_eq!(
                as_version_ref.to_string().parse::<TargetVersionRef>(),
                Ok(as_version_ref.clone())
            );
        }

        #[test]
        fn target_version_ids_round_trip(bytes in any::<[u8; 16]>()) {
            let r = TargetVersionRef::Id(Uuid::from_bytes(bytes).into());
            prop_assert_eq!(r.to_string().parse::<TargetVersionRef>(), Ok(r));
        }

        #[test]
        fn parsing_never_panics(s in "\\PC{0,400}|[a-z@ ]{0,20}") {
            if let Ok(r) = s.parse::<TargetRef>() {
                prop_assert_eq!(r.to_string(), s.clone());
            }
            let _ = s.parse::<TargetVersionRef>();
        }
    }
}
