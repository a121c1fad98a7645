//! Verified API keys, remembered briefly so a pipeline's steady stream of requests does not
//! cost a database read and a write each. A revocation evicts the key at once on every
//! instance (the revoking transaction notifies at commit); the short lifetime bounds anything
//! else (expiry is checked on every use).

use super::authorized::Principal;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// How long a verified key is trusted without looking again.
const TTL: Duration = Duration::from_secs(10);
/// `last_used_at` is written at most this often per key.
const TOUCH_EVERY: Duration = Duration::from_secs(60);
const MAX_ENTRIES: usize = 10_000;
/// How long a key found nowhere is refused without looking again. No key can come into
/// existence under a hash someone already tried (the server makes every secret), so this only
/// bounds memory, not correctness.
const UNKNOWN_TTL: Duration = Duration::from_secs(60);

struct Entry {
    principal: Principal,
    expires_at: Option<DateTime<Utc>>,
    verified: Instant,
}

#[derive(Default)]
pub struct KeyCache {
    /// By SHA-256 of the key (what is stored; the key itself is never kept).
    keys: Mutex<HashMap<[u8; 32], Entry>>,
    touched: Mutex<HashMap<Uuid, Instant>>,
    /// Bumped by every eviction: a look-up that started before one must not cache what it
    /// read (it may predate the revocation).
    evictions: AtomicU64,
    /// Hashes of well-formed keys the database did not know: a client repeating a wrong or
    /// deleted key costs no query.
    unknown: Mutex<HashMap<[u8; 32], Instant>>,
    /// Key look-ups by outcome: found in the database, unknown to it, refused from memory.
    lookups: [AtomicU64; 3],
}

/// What became of an API key look-up (for metrics).
#[derive(Debug, Clone, Copy)]
pub enum Lookup {
    Found = 0,
    Unknown = 1,
    RememberedUnknown = 2,
}

impl KeyCache {
    /// Whether this hash was unknown to the database a moment ago.
    pub fn known_unknown(&self, hash: &[u8; 32]) -> bool {
        let Ok(unknown) = self.unknown.lock() else {
            return false;
        };
        unknown
            .get(hash)
            .is_some_and(|seen| seen.elapsed() < UNKNOWN_TTL)
    }

    pub fn remember_unknown(&self, hash: [u8; 32]) {
        if let Ok(mut unknown) = self.unknown.lock() {
            if unknown.len() >= MAX_ENTRIES {
                unknown.retain(|_, seen| seen.elapsed() < UNKNOWN_TTL);
                if unknown.len() >= MAX_ENTRIES {
                    unknown.clear();
                }
            }
            unknown.insert(hash, Instant::now());
        }
    }

    pub fn count(&self, outcome: Lookup) {
        self.lookups[outcome as usize].fetch_add(1, Ordering::Relaxed);
    }

    /// (found, unknown, refused from memory) so far.
    pub fn lookups(&self) -> [u64; 3] {
        [0, 1, 2].map(|i| self.lookups[i].load(Ordering::Relaxed))
    }

    pub fn get(&self, hash: &[u8; 32]) -> Option<Principal> {
        let keys = self.keys.lock().ok()?;
        let entry = keys.get(hash)?;
        let fresh = entry.verified.elapsed() < TTL;
        let unexpired = entry.expires_at.is_none_or(|at| at > Utc::now());
        (fresh && unexpired).then(|| entry.principal.clone())
    }

    /// Call before reading a key from the database; pass it to `put`.
    pub fn epoch(&self) -> u64 {
        self.evictions.load(Ordering::SeqCst)
    }

    /// Remembers a verified key unless an eviction happened since `epoch`.
    pub fn put(
        &self,
        epoch: u64,
        hash: [u8; 32],
        principal: Principal,
        expires_at: Option<DateTime<Utc>>,
    ) {
        if let Ok(mut keys) = self.keys.lock() {
            // Checked under the lock that `evict` also takes, so none slips in between.
            if self.evictions.load(Ordering::SeqCst) != epoch {
                return;
            }
            if keys.len() >= MAX_ENTRIES {
                keys.retain(|_, e| e.verified.elapsed() < TTL);
                if keys.len() >= MAX_ENTRIES {
                    keys.clear();
                }
            }
            keys.insert(
                hash,
                Entry {
                    principal,
                    expires_at,
                    verified: Instant::now(),
                },
            );
        }
    }

    /// Forgets a key by its id (on revocation).
    pub fn evict(&self, id: Uuid) {
        if let Ok(mut keys) = self.keys.lock() {
            self.evictions.fetch_add(1, Ordering::SeqCst);
            keys.retain(|_, e| e.principal.id != id);
        }
    }

    /// Forgets every key (after missed notifications).
    pub fn clear(&self) {
        if let Ok(mut keys) = self.keys.lock() {
            self.evictions.fetch_add(1, Ordering::SeqCst);
            keys.clear();
        }
    }

    /// Whether this use should be written to `last_used_at` (once a minute per key).
    pub fn should_touch(&self, id: Uuid) -> bool {
        let Ok(mut touched) = self.touched.lock() else {
            return false;
        };
        if touched.len() >= MAX_ENTRIES {
            touched.retain(|_, at| at.elapsed() < TOUCH_EVERY);
        }
        match touched.get(&id) {
            Some(at) if at.elapsed() < TOUCH_EVERY => false,
            _ => {
                touched.insert(id, Instant::now());
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::authorized::PrincipalKind;
    use versiqii_core::{Role, TenantId};

    fn principal(id: Uuid) -> Principal {
        Principal {
            tenant: TenantId(Uuid::new_v4()),
            id,
            kind: PrincipalKind::ApiKey,
            role: Role::Editor,
            envs: None,
        }
    }

    #[test]
    fn cached_keys_are_evicted_by_id_and_expire_with_the_key() {
        let cache = KeyCache::default();
        let id = Uuid::new_v4();
        cache.put(cache.epoch(), [1; 32], principal(id), None);
        assert_eq!(cache.get(&[1; 32]).map(|p| p.id), Some(id));
        assert!(cache.get(&[2; 32]).is_none());
        cache.evict(id);
        assert!(cache.get(&[1; 32]).is_none(), "a revoked key stayed cached");

        let past = Utc::now() - chrono::Duration::seconds(1);
        cache.put(
            cache.epoch(),
            [3; 32],
            principal(Uuid::new_v4()),
            Some(past),
        );
        assert!(
            cache.get(&[3; 32]).is_none(),
            "an expired key was served from the cache"
        );
    }

    #[test]
    fn a_lookup_that_raced_a_revocation_is_not_cached() {
        let cache = KeyCache::default();
        let id = Uuid::new_v4();
        let epoch = cache.epoch();
        // The revocation lands while the look-up is reading the (not yet revoked) row.
        cache.evict(id);
        cache.put(epoch, [4; 32], principal(id), None);
        assert!(cache.get(&[4; 32]).is_none());
    }

    #[test]
    fn use_is_recorded_once_a_minute() {
        let cache = KeyCache::default();
        let id = Uuid::new_v4();
        assert!(cache.should_touch(id));
        assert!(!cache.should_touch(id));
        assert!(cache.should_touch(Uuid::new_v4()));
    }
}
