//! Generation of the opaque secrets we hand out: API keys, and the tokens of sessions and mailed
//! links (refresh, password reset, invite, email verification).

use rand::distributions::{Alphanumeric, DistString};
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use versiqii_core::api_key::BODY_LEN;
use versiqii_core::ApiKeySecret;

pub fn new_api_key() -> ApiKeySecret {
    let body = Alphanumeric.sample_string(&mut OsRng, BODY_LEN);
    // The body is always 32 alphanumerics, which from_body accepts.
    ApiKeySecret::from_body(&body).unwrap_or_else(|_| unreachable!("alphanumeric body"))
}

/// A kind of opaque token: its prefix and 43 alphanumerics (256 bits), URL-safe as it is.
/// Only its SHA-256 ([`hash_token`]) is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenKind {
    prefix: &'static str,
}

const TOKEN_BODY_LEN: usize = 43;

pub const REFRESH_TOKEN: TokenKind = TokenKind { prefix: "vqr_" };
pub const RESET_TOKEN: TokenKind = TokenKind { prefix: "vqp_" };
pub const INVITE_TOKEN: TokenKind = TokenKind { prefix: "vqi_" };
pub const VERIFY_TOKEN: TokenKind = TokenKind { prefix: "vqv_" };
/// An operator's session in the operators' portal.
pub const OPERATOR_TOKEN: TokenKind = TokenKind { prefix: "vqop_" };
/// The console's double-submitted CSRF token (never stored: compared with its cookie).
pub const CSRF_TOKEN: TokenKind = TokenKind { prefix: "vqc_" };

impl TokenKind {
    pub fn generate(self) -> String {
        format!(
            "{}{}",
            self.prefix,
            Alphanumeric.sample_string(&mut OsRng, TOKEN_BODY_LEN)
        )
    }

    /// Cheap shape check so garbage never reaches the database.
    pub fn shape_ok(self, token: &str) -> bool {
        token.strip_prefix(self.prefix).is_some_and(|rest| {
            rest.len() == TOKEN_BODY_LEN && rest.bytes().all(|b| b.is_ascii_alphanumeric())
        })
    }
}

pub fn hash_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_are_well_formed_and_distinct() {
        let a = new_api_key();
        assert!(ApiKeySecret::parse(a.expose()).is_ok());
        assert_ne!(a, new_api_key());
        let r = REFRESH_TOKEN.generate();
        assert!(REFRESH_TOKEN.shape_ok(&r));
        assert!(!REFRESH_TOKEN.shape_ok(&r[..40]));
    }

    #[test]
    fn each_kind_of_token_is_well_formed_distinct_and_its_own() {
        let kinds = [
            REFRESH_TOKEN,
            RESET_TOKEN,
            INVITE_TOKEN,
            VERIFY_TOKEN,
            CSRF_TOKEN,
        ];
        for kind in kinds {
            let t = kind.generate();
            assert!(kind.shape_ok(&t), "{t}");
            assert_ne!(t, kind.generate());
            assert!(!kind.shape_ok(&t[..t.len() - 1]));
            assert!(!kind.shape_ok(kind.prefix));
            for other in kinds.iter().filter(|k| **k != kind) {
                assert!(!other.shape_ok(&t), "{t} taken for {}", other.prefix);
            }
        }
    }
}
