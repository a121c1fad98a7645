//! Protobuf contracts: a config's schema given as `.proto` sources and a message type.
//!
//! Sources are compiled in memory with `protox` (no file system: imports resolve only to the
//! files handed in, plus Google's well-known types), configs are checked against the message's
//! proto3 canonical JSON mapping ([`ProtoSchema::validate`]), and versions are compared with
//! buf's breaking-change rules ([`check`]). See docs/protobuf.md.
//!
//! Hostile sources are bounded before the parser sees them: per-file and total size, file
//! count, and bracket nesting (the parser recurses on nesting, so depth is what could blow the
//! stack).

mod breaking;
mod compile;
mod validate;

#[cfg(test)]
mod tests;

pub use breaking::{check, BufCategory, UnknownBufCategory};
pub use compile::{ProtoFile, ProtoSchema, ProtoSchemaError};
pub use compile::{MAX_FILES, MAX_FILE_BYTES, MAX_NESTING, MAX_TOTAL_BYTES};
pub use validate::MAX_DEPTH;
