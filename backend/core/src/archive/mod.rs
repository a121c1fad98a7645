//! A tenant's registry as one file (`versiqii-archive/1`, described in `docs/archive.md`): a
//! zstd-compressed tar whose first entry, `manifest.json`, names the format and every other
//! file with its SHA-256, and whose data files are JSON Lines of canonical JSON keyed by
//! natural keys (names, `config#revision`), never database ids. Everything here works on
//! bytes in memory; the same rows always pack to the same bytes.

mod rows;
mod verify;

pub use rows::*;
pub use verify::verify_rows;

use crate::canonical::canonical_json;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::Read;

pub const FORMAT: &str = "versiqii-archive/1";
pub const MANIFEST: &str = "manifest.json";
/// zstd's level: the same level and library version give the same bytes.
const ZSTD_LEVEL: i32 = 6;

/// Why an archive was refused; the message names the file, line or check that failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ArchiveError(pub String);

impl ArchiveError {
    pub fn new(msg: impl Into<String>) -> Self {
        Self(msg.into())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: String,
    /// Rows per data file (lines), by file path.
    pub counts: BTreeMap<String, u64>,
    pub files: Vec<FileEntry>,
}

/// An unpacked archive whose files all match the manifest's hashes.
#[derive(Debug, Clone)]
pub struct Archive {
    pub manifest: Manifest,
    /// SHA-256 of `manifest.json` as stored, which covers every file through its hash.
    pub manifest_sha256: String,
    files: BTreeMap<String, Vec<u8>>,
}

impl Archive {
    pub fn file(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// One canonical JSON document per line, in the order given.
pub fn to_jsonl<T: Serialize>(rows: &[T]) -> Result<Vec<u8>, ArchiveError> {
    let mut out = Vec::new();
    for row in rows {
        let value = serde_json::to_value(row).map_err(|e| ArchiveError::new(e.to_string()))?;
        out.extend_from_slice(canonical_json(&value).as_bytes());
        out.push(b'\n');
    }
    Ok(out)
}

/// Reads a JSON Lines file; each line must be canonical JSON (so re-exporting reproduces it).
pub fn from_jsonl<T: for<'de> Deserialize<'de>>(
    path: &str,
    bytes: &[u8],
) -> Result<Vec<T>, ArchiveError> {
    let text =
        std::str::from_utf8(bytes).map_err(|_| ArchiveError::new(format!("{path}: not UTF-8")))?;
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let Some(body) = text.strip_suffix('\n') else {
        return Err(ArchiveError::new(format!(
            "{path}: does not end with a newline"
        )));
    };
    body.split('\n')
        .enumerate()
        .map(|(i, line)| {
            let at = || format!("{path} line {}", i + 1);
            let value: serde_json::Value = serde_json::from_str(line)
                .map_err(|e| ArchiveError::new(format!("{}: {e}", at())))?;
            if canonical_json(&value) != line {
                return Err(ArchiveError::new(format!("{}: not canonical JSON", at())));
            }
            serde_json::from_value(value).map_err(|e| ArchiveError::new(format!("{}: {e}", at())))
        })
        .collect()
}

/// A packed archive and the SHA-256 of its manifest (what audit rows and events name it by).
#[derive(Debug, Clone)]
pub struct Packed {
    pub bytes: Vec<u8>,
    pub manifest_sha256: String,
}

/// Packs `files` (in this order, after the manifest) into a deterministic tar.zst: fixed
/// mtime, owner and mode, no timestamps anywhere.
pub fn pack(
    counts: BTreeMap<String, u64>,
    files: &[(String, Vec<u8>)],
) -> Result<Packed, ArchiveError> {
    let manifest = Manifest {
        format: FORMAT.to_owned(),
        counts,
        files: files
            .iter()
            .map(|(path, bytes)| FileEntry {
                path: path.clone(),
                sha256: sha256_hex(bytes),
                bytes: bytes.len() as u64,
            })
            .collect(),
    };
    let manifest_bytes = manifest_bytes(&manifest)?;
    let mut entries = Vec::with_capacity(files.len() + 1);
    entries.push((MANIFEST, manifest_bytes.as_slice()));
    entries.extend(files.iter().map(|(p, b)| (p.as_str(), b.as_slice())));
    Ok(Packed {
        bytes: pack_entries(&entries)?,
        manifest_sha256: sha256_hex(&manifest_bytes),
    })
}

/// The manifest as `pack` writes it (canonical JSON), for tools that re-pack an archive.
pub fn manifest_bytes(manifest: &Manifest) -> Result<Vec<u8>, ArchiveError> {
    let value = serde_json::to_value(manifest).map_err(|e| ArchiveError::new(e.to_string()))?;
    Ok(canonical_json(&value).into_bytes())
}

/// A tar.zst of exactly these entries, in this order, with fixed metadata; the manifest is
/// the caller's (`pack` writes a true one; tests write false ones).
pub fn pack_entries(entries: &[(&str, &[u8])]) -> Result<Vec<u8>, ArchiveError> {
    let io = |e: std::io::Error| ArchiveError::new(format!("writing the archive: {e}"));
    let mut tar = tar::Builder::new(Vec::new());
    for (path, bytes) in entries {
        let mut header = tar::Header::new_ustar();
        header.set_path(path).map_err(io)?;
        header.set_size(bytes.len() as u64);
        header.set_entry_type(tar::EntryType::Regular);
        header.set_mode(0o644);
        header.set_mtime(0);
        header.set_uid(0);
        header.set_gid(0);
        header.set_cksum();
        tar.append(&header, *bytes).map_err(io)?;
    }
    let tar = tar.into_inner().map_err(io)?;
    zstd::stream::encode_all(tar.as_slice(), ZSTD_LEVEL).map_err(io)
}

/// Unpacks and checks an archive: zstd, then tar of regular files only; `manifest.json`
/// first, of this format; then exactly the manifest's files, in its order, each matching its
/// size and hash. At most `max_unpacked` bytes are decompressed.
pub fn unpack(bytes: &[u8], max_unpacked: u64) -> Result<Archive, ArchiveError> {
    let mut tar_bytes = Vec::new();
    zstd::stream::read::Decoder::new(bytes)
        .map_err(|e| ArchiveError::new(format!("not a zstd stream: {e}")))?
        .take(max_unpacked.saturating_add(1))
        .read_to_end(&mut tar_bytes)
        .map_err(|e| ArchiveError::new(format!("not a zstd stream: {e}")))?;
    if tar_bytes.len() as u64 > max_unpacked {
        return Err(ArchiveError::new(format!(
            "unpacks to more than {max_unpacked} bytes"
        )));
    }
    let bad_tar = |e: std::io::Error| ArchiveError::new(format!("not a tar archive: {e}"));
    let mut tar = tar::Archive::new(tar_bytes.as_slice());
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    for entry in tar.entries().map_err(bad_tar)? {
        let mut entry = entry.map_err(bad_tar)?;
        let path = entry
            .path()
            .map_err(bad_tar)?
            .to_str()
            .ok_or_else(|| ArchiveError::new("an entry's path is not UTF-8"))?
            .to_owned();
        if entry.header().entry_type() != tar::EntryType::Regular {
            return Err(ArchiveError::new(format!("{path}: not a regular file")));
        }
        let mut data = Vec::with_capacity(entry.size() as usize);
        entry.read_to_end(&mut data).map_err(bad_tar)?;
        entries.push((path, data));
    }
    let mut entries = entries.into_iter();
    let Some((first, manifest_bytes)) = entries.next() else {
        return Err(ArchiveError::new("the archive is empty"));
    };
    if first != MANIFEST {
        return Err(ArchiveError::new(format!(
            "the first file is `{first}`, not {MANIFEST}"
        )));
    }
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| ArchiveError::new(format!("{MANIFEST}: {e}")))?;
    if manifest.format != FORMAT {
        return Err(ArchiveError::new(format!(
            "{MANIFEST}: format `{}` is not {FORMAT}",
            manifest.format
        )));
    }
    let mut files = BTreeMap::new();
    let mut listed = manifest.files.iter();
    for (path, data) in entries {
        let Some(entry) = listed.next() else {
            return Err(ArchiveError::new(format!(
                "{path}: not listed in the manifest"
            )));
        };
        if entry.path != path {
            return Err(ArchiveError::new(format!(
                "{path}: the manifest lists `{}` at this place",
                entry.path
            )));
        }
        if entry.bytes != data.len() as u64 || entry.sha256 != sha256_hex(&data) {
            return Err(ArchiveError::new(format!(
                "{path}: its content does not match the manifest's hash"
            )));
        }
        if files.insert(path.clone(), data).is_some() {
            return Err(ArchiveError::new(format!("{path}: appears twice")));
        }
    }
    if let Some(missing) = listed.next() {
        return Err(ArchiveError::new(format!(
            "{}: listed in the manifest but missing",
            missing.path
        )));
    }
    Ok(Archive {
        manifest_sha256: sha256_hex(&manifest_bytes),
        manifest,
        files,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files() -> Vec<(String, Vec<u8>)> {
        vec![
            ("a.jsonl".into(), b"{\"a\":1}\n".to_vec()),
            ("b/c.jsonl".into(), Vec::new()),
        ]
    }

    #[test]
    fn packing_is_deterministic_and_round_trips() {
        let counts = BTreeMap::from([("a.jsonl".to_owned(), 1)]);
        let one = pack(counts.clone(), &files()).expect("pack");
        assert_eq!(one.bytes, pack(counts, &files()).expect("pack").bytes);
        let back = unpack(&one.bytes, 1 << 20).expect("unpack");
        assert_eq!(back.manifest_sha256, one.manifest_sha256);
        assert_eq!(back.file("a.jsonl"), Some(&b"{\"a\":1}\n"[..]));
        assert_eq!(back.file("b/c.jsonl"), Some(&b""[..]));
        assert_eq!(back.manifest.files.len(), 2);
    }

    #[test]
    fn a_changed_file_or_byte_is_refused() {
        let packed = pack(BTreeMap::new(), &files()).expect("pack").bytes;
        let mut flipped = packed.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0x01;
        assert!(unpack(&flipped, 1 << 20).is_err());
        // Re-packed with a changed file but the original manifest.
        let original = unpack(&packed, 1 << 20).expect("unpack");
        let manifest = manifest_bytes(&original.manifest).expect("json");
        let tampered = pack_entries(&[
            (MANIFEST, manifest.as_slice()),
            ("a.jsonl", b"{\"a\":2}\n".as_slice()),
            ("b/c.jsonl", b"".as_slice()),
        ])
        .expect("pack");
        let err = unpack(&tampered, 1 << 20).expect_err("refused");
        assert!(err.0.contains("a.jsonl"), "{err}");
    }

    #[test]
    fn unpacking_is_bounded() {
        let big = vec![("big".to_owned(), vec![b'x'; 100_000])];
        let packed = pack(BTreeMap::new(), &big).expect("pack").bytes;
        let err = unpack(&packed, 10_000).expect_err("too big");
        assert!(err.0.contains("more than"), "{err}");
    }

    #[test]
    fn jsonl_lines_must_be_canonical() {
        let rows: Vec<serde_json::Value> =
            from_jsonl("x", b"{\"a\":1,\"b\":2}\n").expect("canonical");
        assert_eq!(rows.len(), 1);
        assert!(from_jsonl::<serde_json::Value>("x", b"{\"b\":2,\"a\":1}\n").is_err());
        assert!(from_jsonl::<serde_json::Value>("x", b"{\"a\":1}").is_err());
    }
}
