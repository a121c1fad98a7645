//! Generation of the opaque secrets we hand out: API keys and refresh tokens.

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

const REFRESH_PREFIX: &str = "vqr_";

pub fn new_refresh_token() -> String {
    format!(
        "{REFRESH_PREFIX}{}",
        Alphanumeric.sample_string(&mut OsRng, 43)
    )
}

pub fn hash_token(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

/// Cheap shape check so garbage never reaches the database.
pub fn refresh_token_shape_ok(token: &str) -> bool {
    token
        .strip_prefix(REFRESH_PREFIX)
        .is_some_and(|rest| rest.len() == 43 && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_are_well_formed_and_distinct() {
        let a = new_api_key();
        assert!(ApiKeySecret::parse(a.expose()).is_ok());
        assert_ne!(a, new_api_key());
        let r = new_refresh_token();
        assert!(refresh_token_shape_ok(&r));
        assert!(!refresh_token_shape_ok(&r[..40]));
    }
}
