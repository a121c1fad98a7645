//! API keys: `vq_live_` + 32 base62 characters + a 6-character base62 CRC-32 of those 32.
//!
//! The checksum lets a typo or a truncated paste be refused before any database query, and lets
//! secret scanners recognise our keys. The secret itself is stored only as its SHA-256: the body
//! has 190 bits of entropy, so a slow password hash would add nothing.

use sha2::{Digest, Sha256};
use std::fmt;

const PREFIX: &str = "vq_live_";
pub const BODY_LEN: usize = 32;
const CHECKSUM_LEN: usize = 6;
const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiKeyError {
    #[error("an API key starts with `vq_live_`")]
    Prefix,
    #[error("an API key has {expected} characters after `vq_live_`", expected = BODY_LEN + CHECKSUM_LEN)]
    Length,
    #[error("an API key holds only letters and digits after `vq_live_`")]
    Charset,
    #[error("the API key's checksum does not match: it was mistyped or truncated")]
    Checksum,
}

/// A well-formed API key. Holding one proves only its shape, not that it exists.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKeySecret(String);

impl ApiKeySecret {
    /// Builds a key from 32 random base62 characters (the caller supplies the randomness).
    pub fn from_body(body: &str) -> Result<Self, ApiKeyError> {
        if body.len() != BODY_LEN {
            return Err(ApiKeyError::Length);
        }
        if !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(ApiKeyError::Charset);
        }
        Ok(Self(format!("{PREFIX}{body}{}", checksum(body.as_bytes()))))
    }

    pub fn parse(text: &str) -> Result<Self, ApiKeyError> {
        let rest = text.strip_prefix(PREFIX).ok_or(ApiKeyError::Prefix)?;
        if rest.len() != BODY_LEN + CHECKSUM_LEN {
            return Err(ApiKeyError::Length);
        }
        if !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(ApiKeyError::Charset);
        }
        let (body, sum) = rest.split_at(BODY_LEN);
        if checksum(body.as_bytes()) != sum {
            return Err(ApiKeyError::Checksum);
        }
        Ok(Self(text.to_owned()))
    }

    /// Whether a bearer token looks like one of our keys rather than a JWT.
    pub fn looks_like(text: &str) -> bool {
        text.starts_with(PREFIX)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The non-secret head shown in listings so people can tell their keys apart.
    pub fn display_prefix(&self) -> String {
        self.0[..PREFIX.len() + 6].to_owned()
    }

    pub fn hash(&self) -> [u8; 32] {
        Sha256::digest(self.0.as_bytes()).into()
    }
}

impl fmt::Debug for ApiKeySecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKeySecret({}…)", self.display_prefix())
    }
}

fn checksum(body: &[u8]) -> String {
    let mut n = u64::from(crc32(body));
    let mut out = [b'0'; CHECKSUM_LEN];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n % 62) as usize];
        n /= 62;
    }
    out.iter().map(|&b| b as char).collect()
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn a_changed_character_breaks_the_checksum() {
        let key = ApiKeySecret::from_body("abcdefghijABCDEFGHIJ0123456789xy").unwrap();
        let mut text = key.expose().to_owned();
        text.replace_range(10..11, "Z");
        assert_eq!(ApiKeySecret::parse(&text), Err(ApiKeyError::Checksum));
        assert_eq!(ApiKeySecret::parse(key.expose()), Ok(key.clone()));
        assert!(!format!("{key:?}").contains(&key.expose()[20..]));
    }

    #[test]
    fn wrong_shapes_are_named() {
        assert_eq!(ApiKeySecret::parse("sk_live_x"), Err(ApiKeyError::Prefix));
        assert_eq!(
            ApiKeySecret::parse("vq_live_short"),
            Err(ApiKeyError::Length)
        );
        let spaced = format!("vq_live_{}", " ".repeat(38));
        assert_eq!(ApiKeySecret::parse(&spaced), Err(ApiKeyError::Charset));
    }

    proptest! {
        #[test]
        fn generated_keys_parse_back(body in "[0-9A-Za-z]{32}") {
            let key = ApiKeySecret::from_body(&body).unwrap();
            prop_assert_eq!(ApiKeySecret::parse(key.expose()), Ok(key));
        }

        #[test]
        fn parse_never_panics(text in "\\PC{0,60}") {
            let _ = ApiKeySecret::parse(&text);
            let _ = ApiKeySecret::parse(&format!("vq_live_{text}"));
        }
    }
}
