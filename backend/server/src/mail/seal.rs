//! Mail bodies at rest: sealed with ChaCha20-Poly1305 under a key derived by HKDF-SHA256 from
//! the server's secret (`auth.jwt_secret`), so the outbox never holds a reset link in the clear.
//! A sent mail's body is deleted as well (`mail_mark_sent`). Every instance derives the same key
//! from the same secret; after the secret changes, mails still queued cannot be opened and are
//! given up (dead) rather than sent wrong.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hkdf::Hkdf;
use rand::RngCore;
use sha2::Sha256;

const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;

pub struct Sealer {
    cipher: ChaCha20Poly1305,
}

#[derive(Debug, thiserror::Error)]
#[error(
    "the sealed mail body does not open with this server's key (changed secret or damaged row)"
)]
pub struct Unsealable;

impl Sealer {
    pub fn from_secret(secret: &[u8]) -> Self {
        let hk = Hkdf::<Sha256>::new(Some(b"versiqii mail outbox"), secret);
        let mut key = [0u8; 32];
        // 32 bytes is far below HKDF-SHA256's limit of 255 * 32.
        hk.expand(b"chacha20poly1305 body key v1", &mut key)
            .unwrap_or_else(|_| unreachable!("32 bytes is a valid HKDF-SHA256 length"));
        Self {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&key)),
        }
    }

    /// `version || nonce || ciphertext+tag`; `aad` (the mail's kind and recipient) is bound to
    /// it, so a body cannot be moved to another row.
    pub fn seal(&self, aad: &[u8], plain: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg: plain, aad })
            .unwrap_or_else(|_| {
                unreachable!("ChaCha20-Poly1305 encrypts any message under 256 GiB")
            });
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, Unsealable> {
        let (&version, rest) = sealed.split_first().ok_or(Unsealable)?;
        if version != VERSION || rest.len() < NONCE_LEN {
            return Err(Unsealable);
        }
        let (nonce, body) = rest.split_at(NONCE_LEN);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad })
            .map_err(|_| Unsealable)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seals_open_with_the_same_secret_and_aad_only() {
        let a = Sealer::from_secret(b"secret-one-secret-one-secret-one");
        let sealed = a.seal(b"password_reset:ada@example.com", b"the body");
        assert!(!sealed.windows(8).any(|w| w == b"the body"));
        let again = Sealer::from_secret(b"secret-one-secret-one-secret-one");
        assert_eq!(
            again
                .open(b"password_reset:ada@example.com", &sealed)
                .unwrap(),
            b"the body"
        );
        assert!(again
            .open(b"password_reset:eve@example.com", &sealed)
            .is_err());
        let other = Sealer::from_secret(b"secret-two-secret-two-secret-two");
        assert!(other
            .open(b"password_reset:ada@example.com", &sealed)
            .is_err());
        let mut damaged = sealed.clone();
        let last = damaged.len() - 1;
        damaged[last] ^= 1;
        assert!(a.open(b"password_reset:ada@example.com", &damaged).is_err());
        assert!(a.open(b"x", &[]).is_err());
        // Two seals of one body differ (a fresh nonce each).
        assert_ne!(
            sealed,
            a.seal(b"password_reset:ada@example.com", b"the body")
        );
    }
}
