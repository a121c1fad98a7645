//! Compiled schemas by content hash. Compiling a schema costs far more than validating a config
//! against it, and schema versions never change, so a hash is a perfect cache key.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use versiqii_core::schema::{CompiledSchema, SchemaError};

const CAPACITY: usize = 512;

#[derive(Default)]
pub struct SchemaCache {
    compiled: RwLock<HashMap<String, Arc<CompiledSchema>>>,
}

impl SchemaCache {
    /// The compiled schema, if this hash was compiled before.
    pub fn get(&self, hash: &str) -> Option<Arc<CompiledSchema>> {
        self.compiled.read().ok().and_then(|m| m.get(hash).cloned())
    }

    pub fn get_or_compile(
        &self,
        hash: &str,
        document: &serde_json::Value,
    ) -> Result<Arc<CompiledSchema>, SchemaError> {
        if let Some(hit) = self.get(hash) {
            return Ok(hit);
        }
        let compiled = Arc::new(CompiledSchema::compile(document)?);
        if let Ok(mut map) = self.compiled.write() {
            // Crude but bounded: schemas are few per tenant, and a miss only costs a compile.
            if map.len() >= CAPACITY {
                map.clear();
            }
            map.insert(hash.to_owned(), compiled.clone());
        }
        Ok(compiled)
    }
}
