//! The hot loop: read, parse and validate each file on the worker pool.

use crate::error::CliError;
use rayon::prelude::*;
use std::cell::RefCell;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use versiqii_core::contract::Contract;
use versiqii_core::document::{parse_document, Format, MAX_CONFIG_BYTES};
use versiqii_core::schema::Violation;

pub enum Outcome {
    Valid,
    Invalid(Vec<Violation>),
    /// The file could not be read or parsed; the message says why.
    Broken(String),
}

impl Outcome {
    pub fn is_valid(&self) -> bool {
        matches!(self, Outcome::Valid)
    }
}

/// Configs are ~1 KB; this covers nearly all of them without a regrowth.
const INITIAL_BUFFER: usize = 64 * 1024;

thread_local! {
    // One buffer per worker, reused for every file it reads.
    static BUFFER: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(INITIAL_BUFFER));
}

pub fn pool(jobs: Option<usize>) -> Result<rayon::ThreadPool, CliError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs.unwrap_or(0))
        .build()
        .map_err(|e| CliError::failure(format!("cannot start worker threads: {e}")))
}

/// One outcome per file, in the order of `files`.
pub fn check_all(files: &[PathBuf], schema: &Contract, done: Option<&AtomicUsize>) -> Vec<Outcome> {
    files
        .par_iter()
        .map(|path| {
            let outcome = BUFFER.with_borrow_mut(|buf| check_one(path, schema, buf));
            if let Some(done) = done {
                done.fetch_add(1, Ordering::Relaxed);
            }
            outcome
        })
        .collect()
}

fn check_one(path: &Path, schema: &Contract, buf: &mut Vec<u8>) -> Outcome {
    if let Err(e) = read_capped(path, buf) {
        return Outcome::Broken(format!("cannot read: {e}"));
    }
    let format = path
        .extension()
        .and_then(|ext| ext.to_str())
        .and_then(Format::from_path_ext);
    match parse_document(buf, format) {
        Ok((doc, _)) if schema.is_valid(&doc) => Outcome::Valid,
        Ok((doc, _)) => Outcome::Invalid(schema.validate(&doc)),
        Err(e) => Outcome::Broken(e.to_string()),
    }
}

/// Reads at most one byte past the cap, which is enough for the parser to refuse the file,
/// and skips the `stat` that `fs::read` makes to size its buffer.
pub(super) fn read_capped(path: &Path, buf: &mut Vec<u8>) -> std::io::Result<()> {
    buf.clear();
    let cap = u64::try_from(MAX_CONFIG_BYTES).map_or(u64::MAX, |max| max + 1);
    File::open(path)?.take(cap).read_to_end(buf)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use versiqii_core::schema::CompiledSchema;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("vq-check-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn outcomes_follow_file_order_and_classify() {
        let dir = temp_dir("order");
        let schema = Contract::JsonSchema(
            CompiledSchema::compile(&json!({"type": "object", "required": ["a"]})).unwrap(),
        );
        let files: Vec<PathBuf> = ["ok.yaml", "bad.json", "broken.yaml", "missing.json"]
            .iter()
            .map(|n| dir.join(n))
            .collect();
        std::fs::write(&files[0], "a: 1\n").unwrap();
        std::fs::write(&files[1], "{}").unwrap();
        std::fs::write(&files[2], "a: [1\n").unwrap();
        let outcomes = check_all(&files, &schema, None);
        assert!(outcomes[0].is_valid());
        assert!(matches!(&outcomes[1], Outcome::Invalid(v) if v[0].keyword == "required"));
        assert!(matches!(&outcomes[2], Outcome::Broken(m) if m.contains("line")));
        assert!(matches!(&outcomes[3], Outcome::Broken(m) if m.starts_with("cannot read")));
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn oversized_files_are_refused() {
        let dir = temp_dir("big");
        let path = dir.join("big.json");
        std::fs::write(&path, vec![b' '; MAX_CONFIG_BYTES + 10]).unwrap();
        let schema = Contract::JsonSchema(CompiledSchema::compile(&json!({})).unwrap());
        let outcomes = check_all(&[path], &schema, None);
        assert!(matches!(&outcomes[0], Outcome::Broken(m) if m.contains("KiB")));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
