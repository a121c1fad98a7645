//! Endpoint secrets at rest: sealed with ChaCha20-Poly1305 under a key of `webhooks.secret_keys`
//! (or, when none is set, one derived from `auth.jwt_secret`). A sealed secret names its key, so
//! keys rotate: a new key goes first and seals from then on, old keys still open what they
//! sealed until `versiqii-server reseal-webhook-secrets` has moved every secret to the new one.
//! The endpoint's id is bound to the seal, so a secret cannot be moved to another endpoint's row.

use anyhow::{bail, Context};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use hkdf::Hkdf;
use rand::RngCore;
use sha2::Sha256;
use uuid::Uuid;
use versiqii_core::webhook::WebhookSecret;

const NONCE_LEN: usize = 12;

/// The id of the key derived from `auth.jwt_secret`.
pub const DERIVED_KEY_ID: &str = "jwt";

pub struct KeyRing {
    /// The first seals; all open.
    keys: Vec<(String, ChaCha20Poly1305)>,
}

#[derive(Debug, thiserror::Error)]
#[error("a webhook secret does not open with any configured key (a key was removed, or the row is damaged)")]
pub struct Unsealable;

impl KeyRing {
    /// From `webhooks.secret_keys` (each `id:base64 of 32 bytes`, or `jwt` for the key derived
    /// from `auth.jwt_secret`), or only the derived key when there are none. Listing `jwt` after
    /// a new key moves secrets off the derived key.
    pub fn from_settings(keys: &[String], jwt_secret: &[u8]) -> anyhow::Result<Self> {
        let derived = || {
            let hk = Hkdf::<Sha256>::new(Some(b"versiqii webhook secrets"), jwt_secret);
            let mut key = [0u8; 32];
            hk.expand(b"chacha20poly1305 key v1", &mut key)
                .unwrap_or_else(|_| unreachable!("32 bytes is a valid HKDF-SHA256 length"));
            (
                DERIVED_KEY_ID.to_owned(),
                ChaCha20Poly1305::new(Key::from_slice(&key)),
            )
        };
        if keys.is_empty() {
            return Ok(Self {
                keys: vec![derived()],
            });
        }
        let mut ring: Vec<(String, ChaCha20Poly1305)> = Vec::with_capacity(keys.len());
        for (n, entry) in keys.iter().enumerate() {
            if entry.trim() == DERIVED_KEY_ID {
                if ring.iter().any(|(id, _)| id == DERIVED_KEY_ID) {
                    bail!("webhooks.secret_keys: the id {DERIVED_KEY_ID} is used twice");
                }
                ring.push(derived());
                continue;
            }
            let (id, encoded) = entry
                .split_once(':')
                .with_context(|| format!("webhooks.secret_keys[{n}] is not `id:base64`"))?;
            if id.is_empty()
                || id.len() > 32
                || !id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            {
                bail!("webhooks.secret_keys[{n}]: the id must be 1 to 32 letters, digits, - or _");
            }
            let key = B64
                .decode(encoded.trim())
                .ok()
                .filter(|k| k.len() == 32)
                .with_context(|| {
                    format!("webhooks.secret_keys[{n}] ({id}): the key must be base64 of 32 bytes")
                })?;
            if id == DERIVED_KEY_ID {
                bail!("webhooks.secret_keys: `{DERIVED_KEY_ID}` names the key derived from auth.jwt_secret; give yours another id");
            }
            if ring.iter().any(|(other, _)| other == id) {
                bail!("webhooks.secret_keys: the id {id} is used twice");
            }
            ring.push((id.to_owned(), ChaCha20Poly1305::new(Key::from_slice(&key))));
        }
        Ok(Self { keys: ring })
    }

    /// The id of the key that seals.
    pub fn current(&self) -> &str {
        &self.keys[0].0
    }

    /// `len(id) || id || nonce || ciphertext+tag`, bound to the endpoint.
    pub fn seal(&self, endpoint: Uuid, secret: &WebhookSecret) -> Vec<u8> {
        self.seal_bytes(endpoint.as_bytes(), secret.bytes())
    }

    /// Seals any secret, bound to `aad` (the id of what it belongs to): `len(id) || id ||
    /// nonce || ciphertext+tag`.
    pub fn seal_bytes(&self, aad: &[u8], msg: &[u8]) -> Vec<u8> {
        let (id, cipher) = &self.keys[0];
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = cipher
            .encrypt(Nonce::from_slice(&nonce), Payload { msg, aad })
            .unwrap_or_else(|_| {
                unreachable!("ChaCha20-Poly1305 encrypts any message under 256 GiB")
            });
        let mut out = Vec::with_capacity(1 + id.len() + NONCE_LEN + sealed.len());
        out.push(u8::try_from(id.len()).unwrap_or(u8::MAX));
        out.extend_from_slice(id.as_bytes());
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        out
    }

    /// The key id a sealed secret names.
    pub fn key_of(sealed: &[u8]) -> Option<&str> {
        let (&len, rest) = sealed.split_first()?;
        std::str::from_utf8(rest.get(..usize::from(len))?).ok()
    }

    pub fn open(&self, endpoint: Uuid, sealed: &[u8]) -> Result<WebhookSecret, Unsealable> {
        let plain = self.open_bytes(endpoint.as_bytes(), sealed)?;
        WebhookSecret::from_bytes(plain).map_err(|_| Unsealable)
    }

    /// Opens what [`KeyRing::seal_bytes`] sealed for the same `aad`.
    pub fn open_bytes(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, Unsealable> {
        let id = Self::key_of(sealed).ok_or(Unsealable)?;
        let rest = &sealed[1 + id.len()..];
        if rest.len() < NONCE_LEN {
            return Err(Unsealable);
        }
        let (_, cipher) = self.keys.iter().find(|(k, _)| k == id).ok_or(Unsealable)?;
        let (nonce, body) = rest.split_at(NONCE_LEN);
        cipher
            .decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad })
            .map_err(|_| Unsealable)
    }
}

/// Seals every endpoint's secrets with the current key (as the owner role, across tenants);
/// how many endpoints were resealed. Each endpoint is updated only if its row is unchanged.
pub async fn reseal_all(settings: &crate::Settings, owner_url: &str) -> anyhow::Result<u64> {
    use sea_orm::{ConnectionTrait, Database, Statement};
    let ring = KeyRing::from_settings(
        &settings.webhooks.secret_keys,
        settings.auth.jwt_secret.as_bytes(),
    )?;
    let db = Database::connect(owner_url).await?;
    let rows = db
        .query_all(Statement::from_string(
            sea_orm::DbBackend::Postgres,
            "select id, secret, previous_secret from webhook_endpoints",
        ))
        .await?;
    let mut resealed = 0;
    for row in rows {
        let id: Uuid = row.try_get("", "id")?;
        let secret: Vec<u8> = row.try_get("", "secret")?;
        let previous: Option<Vec<u8>> = row.try_get("", "previous_secret")?;
        let current = ring.current();
        let stale = |sealed: &[u8]| KeyRing::key_of(sealed) != Some(current);
        if !stale(&secret) && !previous.as_deref().is_some_and(stale) {
            continue;
        }
        let new_secret = ring.seal(
            id,
            &ring
                .open(id, &secret)
                .with_context(|| format!("endpoint {id}"))?,
        );
        // A previous secret that no longer opens has stopped signing anyway: dropped.
        let new_previous = previous
            .as_deref()
            .and_then(|p| ring.open(id, p).ok())
            .map(|p| ring.seal(id, &p));
        db.execute(Statement::from_sql_and_values(
            sea_orm::DbBackend::Postgres,
            "update webhook_endpoints set secret = $2, previous_secret = $3 where id = $1 and secret = $4",
            [id.into(), new_secret.into(), new_previous.into(), secret.into()],
        ))
        .await?;
        resealed += 1;
    }
    Ok(resealed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str, byte: u8) -> String {
        format!("{id}:{}", B64.encode([byte; 32]))
    }

    #[test]
    fn a_sealed_secret_opens_only_for_its_endpoint_and_hides_the_secret() {
        let ring = KeyRing::from_settings(&[], b"a server secret of some length").unwrap();
        let secret = WebhookSecret::from_random([9; 32]);
        let (a, b) = (Uuid::new_v4(), Uuid::new_v4());
        let sealed = ring.seal(a, &secret);
        assert_eq!(ring.open(a, &sealed).unwrap(), secret);
        assert!(ring.open(b, &sealed).is_err(), "bound to its endpoint");
        assert!(
            !sealed.windows(32).any(|w| w == secret.bytes()),
            "not in the clear"
        );
        let mut damaged = sealed.clone();
        let last = damaged.len() - 1;
        damaged[last] ^= 1;
        assert!(ring.open(a, &damaged).is_err());
        assert!(ring.open(a, &[]).is_err());
        assert!(ring.open(a, &[200, 1, 2]).is_err());
    }

    #[test]
    fn keys_rotate_new_first_old_still_opening() {
        let secret = WebhookSecret::from_random([3; 32]);
        let endpoint = Uuid::new_v4();
        let old = KeyRing::from_settings(&[key("k1", 1)], b"").unwrap();
        let sealed_old = old.seal(endpoint, &secret);
        let both = KeyRing::from_settings(&[key("k2", 2), key("k1", 1)], b"").unwrap();
        assert_eq!(both.current(), "k2");
        assert_eq!(both.open(endpoint, &sealed_old).unwrap(), secret);
        let sealed_new = both.seal(endpoint, &secret);
        assert_eq!(KeyRing::key_of(&sealed_new), Some("k2"));
        assert!(
            old.open(endpoint, &sealed_new).is_err(),
            "the old ring lacks k2"
        );
        let only_new = KeyRing::from_settings(&[key("k2", 2)], b"").unwrap();
        assert!(
            only_new.open(endpoint, &sealed_old).is_err(),
            "k1 removed too early"
        );
    }

    #[test]
    fn secrets_move_off_the_derived_key() {
        let secret = WebhookSecret::from_random([5; 32]);
        let endpoint = Uuid::new_v4();
        let jwt = b"the server's secret, of some length";
        let sealed = KeyRing::from_settings(&[], jwt)
            .unwrap()
            .seal(endpoint, &secret);
        let moving = KeyRing::from_settings(&[key("k1", 1), "jwt".into()], jwt).unwrap();
        assert_eq!(moving.open(endpoint, &sealed).unwrap(), secret);
        assert_eq!(moving.current(), "k1");
        let moved = moving.seal(endpoint, &secret);
        let after = KeyRing::from_settings(&[key("k1", 1)], jwt).unwrap();
        assert_eq!(after.open(endpoint, &moved).unwrap(), secret);
        assert!(after.open(endpoint, &sealed).is_err());
    }

    #[test]
    fn bad_key_settings_are_refused_with_the_reason() {
        for (keys, says) in [
            (vec!["nocolon".to_owned()], "id:base64"),
            (vec![format!("k:{}", B64.encode([1u8; 16]))], "32 bytes"),
            (vec![key("bad id", 1)], "letters"),
            (vec![key("k", 1), key("k", 2)], "twice"),
            (vec!["jwt".into(), "jwt".into()], "twice"),
            (vec![key("jwt", 1)], "another id"),
        ] {
            let err = KeyRing::from_settings(&keys, b"")
                .err()
                .unwrap()
                .to_string();
            assert!(err.contains(says), "{err}");
        }
    }
}
