//! Compiled contracts (JSON Schema, Avro, Protobuf) by content hash, and what a tenant's schema references resolve to. Compiling
//! a schema costs far more than validating a config against it, and schema versions never
//! change, so a hash is a perfect key; a target version reads one schema version forever, so
//! `(tenant, "target:svc@1.0.0")` resolves once. Both are bounded and evict the least recently
//! used entry, so a validation's hot path does no database work after the first call.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use uuid::Uuid;
use versiqii_core::contract::{Contract, ContractError};
use versiqii_store::SchemaVersionRow;

const CAPACITY: usize = 512;
const RESOLVED_CAPACITY: usize = 4096;

/// A bounded map that drops its least recently used entry when full. Reads take the read lock
/// and stamp the entry's last use atomically; eviction scans (rare: only when full).
struct Lru<K, V> {
    entries: RwLock<HashMap<K, (V, AtomicU64)>>,
    clock: AtomicU64,
    capacity: usize,
}

impl<K: Hash + Eq + Clone, V: Clone> Lru<K, V> {
    fn new(capacity: usize) -> Self {
        Self {
            entries: RwLock::new(HashMap::new()),
            clock: AtomicU64::new(0),
            capacity,
        }
    }

    fn get(&self, key: &K) -> Option<V> {
        let map = self.entries.read().ok()?;
        let (value, used) = map.get(key)?;
        used.store(
            self.clock.fetch_add(1, Ordering::Relaxed),
            Ordering::Relaxed,
        );
        Some(value.clone())
    }

    fn insert(&self, key: K, value: V) {
        let Ok(mut map) = self.entries.write() else {
            return;
        };
        if map.len() >= self.capacity && !map.contains_key(&key) {
            let oldest = map
                .iter()
                .min_by_key(|(_, (_, used))| used.load(Ordering::Relaxed))
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                map.remove(&oldest);
            }
        }
        let now = self.clock.fetch_add(1, Ordering::Relaxed);
        map.insert(key, (value, AtomicU64::new(now)));
    }

    fn len(&self) -> usize {
        self.entries.read().map(|m| m.len()).unwrap_or(0)
    }
}

pub struct SchemaCache {
    compiled: Lru<String, Arc<Contract>>,
    resolved: Lru<(Uuid, String), Arc<SchemaVersionRow>>,
    /// Schemas (by hash) that once took too long to check a small config against on the
    /// caller's thread: their checks go to the CPU pool.
    slow: Lru<String, ()>,
}

impl Default for SchemaCache {
    fn default() -> Self {
        Self {
            compiled: Lru::new(CAPACITY),
            resolved: Lru::new(RESOLVED_CAPACITY),
            slow: Lru::new(CAPACITY),
        }
    }
}

impl SchemaCache {
    /// The compiled schema, if this hash was compiled before.
    pub fn get(&self, hash: &str) -> Option<Arc<Contract>> {
        self.compiled.get(&hash.to_owned())
    }

    pub fn get_or_compile(
        &self,
        hash: &str,
        document: &serde_json::Value,
    ) -> Result<Arc<Contract>, ContractError> {
        if let Some(hit) = self.get(hash) {
            return Ok(hit);
        }
        let compiled = Arc::new(Contract::from_document(document)?);
        self.compiled.insert(hash.to_owned(), compiled.clone());
        Ok(compiled)
    }

    /// The schema version a tenant's immutable reference (`target:NAME@VERSION`,
    /// `schema:FAMILY@VERSION`) resolved to before.
    pub fn resolved(&self, tenant: Uuid, reference: &str) -> Option<Arc<SchemaVersionRow>> {
        self.resolved.get(&(tenant, reference.to_owned()))
    }

    pub fn remember(&self, tenant: Uuid, reference: &str, schema: Arc<SchemaVersionRow>) {
        self.resolved.insert((tenant, reference.to_owned()), schema);
    }

    pub fn is_slow(&self, hash: &str) -> bool {
        self.slow.get(&hash.to_owned()).is_some()
    }

    pub fn mark_slow(&self, hash: &str) {
        self.slow.insert(hash.to_owned(), ());
    }

    /// How many schemas are compiled (for tests and metrics).
    pub fn compiled_len(&self) -> usize {
        self.compiled.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_least_recently_used_entry_goes_first() {
        let lru: Lru<u32, u32> = Lru::new(3);
        for k in 0..3 {
            lru.insert(k, k * 10);
        }
        assert_eq!(lru.get(&0), Some(0), "0 used again: 1 is now the oldest");
        lru.insert(3, 30);
        assert_eq!(lru.get(&1), None);
        assert_eq!(
            (lru.get(&0), lru.get(&2), lru.get(&3)),
            (Some(0), Some(20), Some(30))
        );
        assert_eq!(lru.len(), 3);
        lru.insert(3, 31);
        assert_eq!(
            (lru.len(), lru.get(&3)),
            (3, Some(31)),
            "a key replaced, nothing evicted"
        );
    }
}
