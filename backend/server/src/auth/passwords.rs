//! Argon2id at OWASP's first recommended setting (19 MiB, 2 passes, 1 lane), run on the
//! blocking pool so a login never stalls the async workers.

use crate::error::ApiError;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;

fn hasher() -> Argon2<'static> {
    let params =
        Params::new(19 * 1024, 2, 1, None).unwrap_or_else(|_| unreachable!("valid params"));
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub async fn hash(password: String) -> Result<String, ApiError> {
    actix_web::web::block(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await
    .map_err(|e| anyhow::anyhow!("blocking pool: {e}"))?
    .map_err(ApiError::Internal)
}

/// Verifies against `stored`, or against a dummy hash when there is no such user, so an unknown
/// email costs the same time as a wrong password.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, ApiError> {
    actix_web::web::block(move || {
        let (encoded, real) = match stored {
            Some(s) => (s, true),
            None => (dummy_hash().to_owned(), false),
        };
        let parsed =
            PasswordHash::new(&encoded).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
        let ok = hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok::<_, anyhow::Error>(ok && real)
    })
    .await
    .map_err(|e| anyhow::anyhow!("blocking pool: {e}"))?
    .map_err(ApiError::Internal)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(b"no such user, no such password", &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn hashes_verify_and_use_argon2id_at_owasp_cost() {
        let h = hash("correct horse battery staple".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(
            verify("correct horse battery staple".into(), Some(h.clone()))
                .await
                .unwrap()
        );
        assert!(!verify("wrong horse battery staple".into(), Some(h))
            .await
            .unwrap());
        assert!(!verify("no such user, no such password".into(), None)
            .await
            .unwrap());
    }
}
