//! Argon2id at OWASP's first recommended setting (19 MiB, 2 passes, 1 lane), run on the
//! blocking pool so a login never stalls the async workers.

use crate::error::ApiError;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;
use tokio::sync::Semaphore;

/// Hashes run at once in the process. Each costs 19 MiB and a core for tens of milliseconds: a
/// burst of logins (or an attacker's) waits its turn instead of taking every core and
/// hundreds of megabytes.
fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Semaphore::new(cores.max(1))
    })
}

/// Hashes running now, and the most seen at once (for tests).
static RUNNING: AtomicUsize = AtomicUsize::new(0);
static MOST_AT_ONCE: AtomicUsize = AtomicUsize::new(0);

/// Runs `work` on the blocking pool once a permit is free.
async fn bounded<T: Send + 'static>(
    work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
) -> Result<T, ApiError> {
    let _permit = permits()
        .acquire()
        .await
        .map_err(|_| ApiError::Unavailable("password hashing"))?;
    actix_web::web::block(move || {
        let now = RUNNING.fetch_add(1, Ordering::SeqCst) + 1;
        MOST_AT_ONCE.fetch_max(now, Ordering::SeqCst);
        let out = work();
        RUNNING.fetch_sub(1, Ordering::SeqCst);
        out
    })
    .await
    .map_err(|e| anyhow::anyhow!("blocking pool: {e}"))?
    .map_err(ApiError::Internal)
}

fn hasher() -> Argon2<'static> {
    let params =
        Params::new(19 * 1024, 2, 1, None).unwrap_or_else(|_| unreachable!("valid params"));
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub async fn hash(password: String) -> Result<String, ApiError> {
    bounded(move || {
        let salt = SaltString::generate(&mut OsRng);
        hasher()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await
}

/// Verifies against `stored`, or against a dummy hash when there is no such user, so an unknown
/// email costs the same time as a wrong password.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, ApiError> {
    bounded(move || {
        let (encoded, real) = match stored {
            Some(s) => (s, true),
            None => (dummy_hash().to_owned(), false),
        };
        let parsed =
            PasswordHash::new(&encoded).map_err(|e| anyhow::anyhow!("stored hash: {e}"))?;
        let ok = hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        Ok(ok && real)
    })
    .await
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
    async fn no_more_hashes_run_at_once_than_there_are_permits() {
        let burst: Vec<_> = (0..12)
            .map(|i| actix_web::rt::spawn(hash(format!("password number {i}"))))
            .collect();
        for h in burst {
            h.await.unwrap().unwrap();
        }
        let most = MOST_AT_ONCE.load(Ordering::SeqCst);
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        assert!(most >= 1 && most <= cores.max(1), "{most} at once");
    }

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
