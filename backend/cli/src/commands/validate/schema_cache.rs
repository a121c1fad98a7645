//! Target schemas kept on disk, so `validate --target` works offline after one fetch.
//!
//! Layout under `<cache dir>/versiqii/schemas/`: `<hash>.json` holds a schema by content
//! hash, and `index.json` maps `<server url>|<name>@<version>` to a hash. Schemas are
//! immutable per hash, so a cached file never goes stale; only the index entry can.

use serde_json::{Map, Value};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

const INDEX_FILE: &str = "index.json";

pub struct SchemaCache {
    dir: PathBuf,
}

/// The hash becomes a file name, so it must not be able to name anything else.
pub fn is_safe_hash(hash: &str) -> bool {
    !hash.is_empty()
        && hash.len() <= 128
        && hash
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub fn key(url: &str, name: &str, version: &str) -> String {
    format!("{url}|{name}@{version}")
}

impl SchemaCache {
    /// `VERSIQII_CACHE_DIR` replaces the platform cache directory; `None` when there is
    /// neither, in which case schemas are simply fetched every time.
    pub fn from_env() -> Option<Self> {
        let base = std::env::var_os("VERSIQII_CACHE_DIR")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(dirs::cache_dir)?;
        Some(Self::in_dir(base.join("versiqii").join("schemas")))
    }

    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Any damage (missing, unreadable or corrupt files) is just a miss: the server has
    /// the real copy.
    pub fn lookup(&self, key: &str) -> Option<Value> {
        let index = self.read_index();
        let hash = index.get(key)?.as_str().filter(|h| is_safe_hash(h))?;
        let bytes = fs::read(self.schema_path(hash)).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    pub fn store(&self, key: &str, hash: &str, schema: &Value) -> io::Result<()> {
        if !is_safe_hash(hash) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("unusable schema hash {hash:?}"),
            ));
        }
        fs::create_dir_all(&self.dir)?;
        let text = serde_json::to_vec(schema)?;
        write_atomically(&self.schema_path(hash), &text)?;
        let mut index = self.read_index();
        index.insert(key.to_owned(), Value::String(hash.to_owned()));
        let text = serde_json::to_vec_pretty(&index)?;
        write_atomically(&self.dir.join(INDEX_FILE), &text)
    }

    fn schema_path(&self, hash: &str) -> PathBuf {
        self.dir.join(format!("{hash}.json"))
    }

    fn read_index(&self) -> Map<String, Value> {
        fs::read(self.dir.join(INDEX_FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }
}

/// Readers (other `validate` runs) must never see a half-written file.
fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("cache");
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    fs::write(&tmp, bytes)?;
    fs::rename(&tmp, path).inspect_err(|_| {
        let _ = fs::remove_file(&tmp);
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cache(name: &str) -> SchemaCache {
        let dir = std::env::temp_dir().join(format!("vq-cache-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        SchemaCache::in_dir(dir.join("versiqii").join("schemas"))
    }

    #[test]
    fn stored_schemas_are_found_by_url_and_target() {
        let c = cache("roundtrip");
        let k = key("http://127.0.0.1:8080", "payment-api", "1.4.0");
        assert_eq!(c.lookup(&k), None);
        let schema = json!({"type": "object"});
        c.store(&k, "ab12", &schema).unwrap();
        assert_eq!(c.lookup(&k), Some(schema.clone()));
        assert!(c.dir().join("ab12.json").is_file());
        // Another server or version is another entry.
        assert_eq!(
            c.lookup(&key("http://other:8080", "payment-api", "1.4.0")),
            None
        );
        assert_eq!(
            c.lookup(&key("http://127.0.0.1:8080", "payment-api", "1.5.0")),
            None
        );
        // Re-pointing a key replaces its entry and keeps the others.
        let k2 = key("http://127.0.0.1:8080", "payment-api", "1.5.0");
        c.store(&k2, "cd34", &json!(true)).unwrap();
        c.store(&k, "cd34", &json!(true)).unwrap();
        assert_eq!(c.lookup(&k), Some(json!(true)));
        assert_eq!(c.lookup(&k2), Some(json!(true)));
        let _ = fs::remove_dir_all(c.dir().parent().unwrap().parent().unwrap());
    }

    #[test]
    fn damage_is_a_miss_and_bad_hashes_are_refused() {
        let c = cache("damage");
        let k = key("http://x", "t", "1");
        c.store(&k, "ff00", &json!({})).unwrap();
        fs::write(c.dir().join("ff00.json"), "{not json").unwrap();
        assert_eq!(c.lookup(&k), None);
        fs::write(c.dir().join(INDEX_FILE), "[]").unwrap();
        assert_eq!(c.lookup(&k), None);
        for bad in ["", "../evil", "a/b", "a.b", &"f".repeat(129)] {
            assert!(!is_safe_hash(bad), "{bad:?}");
            assert!(c.store(&k, bad, &json!({})).is_err());
        }
        assert!(is_safe_hash(&"0123abcdef".repeat(6)));
        let _ = fs::remove_dir_all(c.dir().parent().unwrap().parent().unwrap());
    }
}
