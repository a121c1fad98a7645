//! The compiled-module cache: content hash → migration, bounded, least recently used evicted.
//!
//! A few hundred entries at most, so eviction scans for the oldest stamp instead of keeping a
//! linked list; lookups, the hot path, are one hash probe and a counter bump.

use std::collections::HashMap;
use std::sync::Arc;

use super::WasmMigration;

pub(crate) struct Cache {
    capacity: usize,
    clock: u64,
    entries: HashMap<String, Entry>,
}

struct Entry {
    migration: Arc<WasmMigration>,
    used: u64,
}

impl Cache {
    pub(crate) fn new(capacity: usize) -> Cache {
        Cache {
            capacity,
            clock: 0,
            entries: HashMap::with_capacity(capacity.min(1024)),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    pub(crate) fn get(&mut self, hash: &str) -> Option<Arc<WasmMigration>> {
        self.clock += 1;
        let entry = self.entries.get_mut(hash)?;
        entry.used = self.clock;
        Some(entry.migration.clone())
    }

    /// Inserts `migration` unless an entry for `hash` exists already (another thread compiled
    /// the same bytes meanwhile); returns whichever is cached, or `migration` itself when the
    /// cache holds nothing.
    pub(crate) fn insert(
        &mut self,
        hash: String,
        migration: Arc<WasmMigration>,
    ) -> Arc<WasmMigration> {
        if let Some(existing) = self.get(&hash) {
            return existing;
        }
        if self.capacity == 0 {
            return migration;
        }
        while self.entries.len() >= self.capacity {
            let oldest = self
                .entries
                .iter()
                .min_by_key(|(_, entry)| entry.used)
                .map(|(hash, _)| hash.clone());
            match oldest {
                Some(oldest) => self.entries.remove(&oldest),
                None => break,
            };
        }
        self.clock += 1;
        self.entries.insert(
            hash,
            Entry {
                migration: migration.clone(),
                used: self.clock,
            },
        );
        migration
    }
}
