//! Tenants, emails and passwords as parsed values.

use std::fmt;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("a tenant slug is 2 to 63 lowercase letters, digits or hyphens, starting with a letter or digit")]
    Slug,
    #[error("`{0}` is not an email address")]
    Email(String),
    #[error("a password has at least {min} and at most {max} characters", min = Password::MIN, max = Password::MAX)]
    PasswordLength,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenantId(pub Uuid);

impl TenantId {
    pub fn new_random() -> Self {
        Self(Uuid::new_v4())
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantSlug(String);

impl TenantSlug {
    pub fn parse(text: &str) -> Result<Self, IdentityError> {
        let ok = (2..=63).contains(&text.len())
            && text
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !text.starts_with('-');
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(IdentityError::Slug)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Lowercased; one `@` with something on both sides and a dot in the domain. Deliverability is
/// proven by the verification mail, not by a regex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(text: &str) -> Result<Self, IdentityError> {
        let lower = text.trim().to_lowercase();
        let valid = match lower.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
                    && lower.len() <= 254
                    && !lower.chars().any(char::is_whitespace)
            }
            None => false,
        };
        if valid {
            Ok(Self(lower))
        } else {
            Err(IdentityError::Email(text.chars().take(100).collect()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A candidate password, checked for length only (NIST SP 800-63B: length over composition).
pub struct Password(String);

impl Password {
    pub const MIN: usize = 12;
    pub const MAX: usize = 1024;

    pub fn parse(text: String) -> Result<Self, IdentityError> {
        let n = text.chars().count();
        if (Self::MIN..=Self::MAX).contains(&n) {
            Ok(Self(text))
        } else {
            Err(IdentityError::PasswordLength)
        }
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn slugs() {
        assert!(TenantSlug::parse("acme").is_ok());
        assert!(TenantSlug::parse("acme-eu-2").is_ok());
        for bad in ["a", "-acme", "Acme", "ac me", "acme_1", &"a".repeat(64)] {
            assert_eq!(TenantSlug::parse(bad), Err(IdentityError::Slug), "{bad}");
        }
    }

    #[test]
    fn emails_are_lowercased_and_checked() {
        assert_eq!(
            Email::parse(" Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
        for bad in [
            "ada",
            "@example.com",
            "ada@example",
            "ada@.com",
            "a b@example.com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_have_length_bounds() {
        assert!(Password::parse("short".into()).is_err());
        assert!(Password::parse("correct horse battery".into()).is_ok());
        assert!(Password::parse("x".repeat(1025)).is_err());
    }

    proptest! {
        #[test]
        fn parsers_never_panic(s in "\\PC{0,80}") {
            let _ = Email::parse(&s);
            let _ = TenantSlug::parse(&s);
        }

        #[test]
        fn valid_slugs_round_trip(s in "[a-z0-9][a-z0-9-]{1,62}") {
            let slug = TenantSlug::parse(&s).unwrap();
            prop_assert_eq!(slug.as_str(), s.as_str());
        }
    }
}
