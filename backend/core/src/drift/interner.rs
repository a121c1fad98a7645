//! Ids to dense `u32` indices, so the matrix addresses cells by position.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// A multiply-and-rotate hash (FxHash's) for the interners. A full recompute looks up a
/// million ids, and SipHash was a fifth of its time; SipHash's resistance to chosen keys buys
/// nothing here because the ids are UUIDs the server generates, never a client.
#[derive(Default)]
pub(super) struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, word: usize) {
        self.write_u64(word as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub(super) struct Interner<K> {
    pub(super) ids: Vec<K>,
    index: HashMap<K, u32, BuildHasherDefault<IdHasher>>,
}

impl<K: Copy + Eq + Hash> Interner<K> {
    pub(super) fn new() -> Self {
        Self {
            ids: Vec::new(),
            index: HashMap::default(),
        }
    }

    pub(super) fn get(&self, id: K) -> Option<usize> {
        self.index.get(&id).map(|&i| i as usize)
    }

    pub(super) fn intern(&mut self, id: K) -> usize {
        if let Some(i) = self.get(id) {
            return i;
        }
        self.ids.push(id);
        // Environments and targets of one tenant number thousands, not billions.
        let i = u32::try_from(self.ids.len() - 1).unwrap_or(u32::MAX);
        self.index.insert(id, i);
        i as usize
    }
}
