//! Compiling `.proto` sources handed in as text into a descriptor pool.

use miette::Diagnostic;
use prost_reflect::prost::Message as _;
use prost_reflect::prost_types::FileDescriptorSet;
use prost_reflect::{DescriptorPool, MessageDescriptor};
use protox::file::{File, FileResolver, GoogleFileResolver};
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

/// Largest accepted `.proto` file.
pub const MAX_FILE_BYTES: usize = 256 * 1024;
/// Largest accepted sum of all files of one schema, imports included.
pub const MAX_TOTAL_BYTES: usize = 1024 * 1024;
/// Most files one schema may consist of, imports included.
pub const MAX_FILES: usize = 64;
/// Deepest nesting of `{`, `[` and `(` in a file. The parser recurses on nesting.
pub const MAX_NESTING: usize = 32;

/// One `.proto` file given to [`ProtoSchema::compile`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProtoFile<'a> {
    /// The name other files import it by, e.g. `acme/billing/v1/config.proto`.
    pub path: &'a str,
    pub source: &'a str,
    /// Where the file comes from when it is not the family's own, e.g. `Common@3` for a file of
    /// a referenced schema version; only used in error messages.
    pub origin: Option<&'a str>,
}

impl<'a> ProtoFile<'a> {
    pub fn new(path: &'a str, source: &'a str) -> Self {
        ProtoFile {
            path,
            source,
            origin: None,
        }
    }

    /// A file of a referenced schema version (`family@version`).
    pub fn referenced(path: &'a str, source: &'a str, origin: &'a str) -> Self {
        ProtoFile {
            path,
            source,
            origin: Some(origin),
        }
    }
}

/// Why `.proto` sources do not make a usable schema. Messages are one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtoSchemaError {
    #[error("no .proto file given")]
    NoFiles,
    #[error("too many .proto files: {count} (at most {max})")]
    TooManyFiles { count: usize, max: usize },
    #[error("`{path}` is {bytes} bytes (at most {max})")]
    FileTooLarge {
        path: String,
        bytes: usize,
        max: usize,
    },
    #[error("the .proto files total {bytes} bytes (at most {max})")]
    TooLarge { bytes: usize, max: usize },
    #[error("`{path}` is not a valid import path: relative, `/`-separated, ending in .proto")]
    BadPath { path: String },
    #[error("`{path}` is given twice")]
    DuplicateFile { path: String },
    #[error("{location}: nesting deeper than {max} levels")]
    TooDeep { location: String, max: usize },
    #[error("{location}: import `{import}` is not among the files given (nor a well-known type)")]
    MissingImport { location: String, import: String },
    #[error("import cycle: {cycle}")]
    ImportCycle { cycle: String },
    /// Syntax and semantic errors reported by the compiler.
    #[error("{location}: {message}")]
    Compile { location: String, message: String },
    #[error("the main file defines no message")]
    NoMessage,
    #[error("the main file defines several messages ({candidates}); name the config's one")]
    AmbiguousMessage { candidates: String },
    #[error("message `{name}` is not defined")]
    UnknownMessage { name: String },
}

/// Compiled `.proto` sources and the message configs are written as.
#[derive(Debug, Clone)]
pub struct ProtoSchema {
    pool: DescriptorPool,
    message: MessageDescriptor,
    /// Names of the files given, main first; well-known imports are not listed.
    files: Vec<String>,
}

impl ProtoSchema {
    /// Compiles `files` (the first is the main file; the others are what it may import,
    /// directly or not, including files of referenced schema versions) and selects the config
    /// message: `message` by full name (`pkg.Config`), else the main file's only top-level
    /// message.
    pub fn compile(
        files: &[ProtoFile<'_>],
        message: Option<&str>,
    ) -> Result<Self, ProtoSchemaError> {
        let main = files.first().ok_or(ProtoSchemaError::NoFiles)?;
        check_limits(files)?;
        let sources: BTreeMap<String, String> = files
            .iter()
            .map(|f| (f.path.to_owned(), f.source.to_owned()))
            .collect();
        let missing = Rc::new(RefCell::new(Vec::new()));
        let resolver = Resolver {
            sources: sources.clone(),
            google: GoogleFileResolver::new(),
            missing: Rc::clone(&missing),
        };
        let mut compiler = protox::Compiler::with_file_resolver(resolver);
        compiler.include_imports(true).include_source_info(false);
        for file in files {
            compiler
                .open_file(file.path)
                .map_err(|e| compile_error(&e, &sources, files, &missing.borrow()))?;
        }
        let pool = compiler.descriptor_pool();
        let message = select_message(&pool, main.path, message)?;
        Ok(ProtoSchema {
            pool,
            message,
            files: files.iter().map(|f| f.path.to_owned()).collect(),
        })
    }

    /// The config message.
    pub fn message(&self) -> &MessageDescriptor {
        &self.message
    }

    /// Full name of the config message, e.g. `acme.billing.v1.Config`.
    pub fn message_name(&self) -> &str {
        self.message.full_name()
    }

    pub fn pool(&self) -> &DescriptorPool {
        &self.pool
    }

    /// Names of the files given, main first.
    pub fn file_names(&self) -> &[String] {
        &self.files
    }

    /// The content that defines the schema, for hashing: the given files' descriptors as an
    /// encoded `FileDescriptorSet` in dependency order, without source info. Comments, layout
    /// and declaration formatting do not change it; renaming anything, options and numbers do.
    /// Well-known imports are left out (they are fixed by the compiler version). The config
    /// message's name is appended after a NUL, since two families may share sources.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let file = self
            .pool
            .files()
            .filter(|f| self.files.iter().any(|name| name == f.name()))
            .map(|f| {
                let mut proto = f.file_descriptor_proto().clone();
                proto.source_code_info = None;
                proto
            })
            .collect();
        let mut bytes = FileDescriptorSet { file }.encode_to_vec();
        bytes.push(0);
        bytes.extend_from_slice(self.message_name().as_bytes());
        bytes
    }

    /// Hex SHA-256 of [`Self::canonical_bytes`].
    pub fn content_hash(&self) -> String {
        hex::encode(Sha256::digest(self.canonical_bytes()))
    }

    /// Whether a file of the pool was given (as opposed to a well-known import).
    pub(crate) fn is_own_file(&self, name: &str) -> bool {
        self.files.iter().any(|f| f == name)
    }
}

fn check_limits(files: &[ProtoFile<'_>]) -> Result<(), ProtoSchemaError> {
    if files.len() > MAX_FILES {
        return Err(ProtoSchemaError::TooManyFiles {
            count: files.len(),
            max: MAX_FILES,
        });
    }
    let mut total = 0usize;
    let mut seen = std::collections::BTreeSet::new();
    for file in files {
        if !valid_path(file.path) {
            return Err(ProtoSchemaError::BadPath {
                path: file.path.to_owned(),
            });
        }
        if !seen.insert(file.path) {
            return Err(ProtoSchemaError::DuplicateFile {
                path: file.path.to_owned(),
            });
        }
        if file.source.len() > MAX_FILE_BYTES {
            return Err(ProtoSchemaError::FileTooLarge {
                path: file.path.to_owned(),
                bytes: file.source.len(),
                max: MAX_FILE_BYTES,
            });
        }
        total += file.source.len();
        if let Some(offset) = too_deep_at(file.source) {
            let (line, col) = line_col(file.source, offset);
            return Err(ProtoSchemaError::TooDeep {
                location: format!("{}:{line}:{col}", display_name(file)),
                max: MAX_NESTING,
            });
        }
    }
    if total > MAX_TOTAL_BYTES {
        return Err(ProtoSchemaError::TooLarge {
            bytes: total,
            max: MAX_TOTAL_BYTES,
        });
    }
    Ok(())
}

/// Import names as protoc accepts them: relative, no `.`/`..` segments, no backslashes.
fn valid_path(path: &str) -> bool {
    path.ends_with(".proto")
        && path.len() <= 512
        && !path.starts_with('/')
        && !path.contains('\\')
        && path
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
        && !path.starts_with("google/protobuf/")
}

/// Byte offset where bracket nesting first exceeds [`MAX_NESTING`]. Brackets in strings and
/// comments count too: over-counting only rejects absurd files, never lets a deep one through.
fn too_deep_at(source: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (offset, byte) in source.bytes().enumerate() {
        match byte {
            b'{' | b'[' | b'(' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(offset);
                }
            }
            b'}' | b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

fn display_name(file: &ProtoFile<'_>) -> String {
    match file.origin {
        Some(origin) => format!("{} ({origin})", file.path),
        None => file.path.to_owned(),
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(source: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(source.len());
    while !source.is_char_boundary(end) {
        end -= 1;
    }
    let before = &source[..end];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn compile_error(
    err: &protox::Error,
    sources: &BTreeMap<String, String>,
    files: &[ProtoFile<'_>],
    missing: &[String],
) -> ProtoSchemaError {
    let file_name = err.file().unwrap_or_default().to_owned();
    let shown = files
        .iter()
        .find(|f| f.path == file_name)
        .map_or_else(|| file_name.clone(), display_name);
    let offset = err
        .labels()
        .and_then(|mut labels| labels.next())
        .map(|label| label.offset());
    let location = match (offset, sources.get(&file_name)) {
        (Some(offset), Some(source)) => {
            let (line, col) = line_col(source, offset);
            format!("{shown}:{line}:{col}")
        }
        _ => shown,
    };
    let message = one_line(&err.to_string());
    if let Some(cycle) = message.strip_prefix("import cycle detected: ") {
        return ProtoSchemaError::ImportCycle {
            cycle: cycle.to_owned(),
        };
    }
    if err.is_file_not_found() {
        if let Some(import) = missing.last() {
            return ProtoSchemaError::MissingImport {
                location,
                import: import.clone(),
            };
        }
    }
    ProtoSchemaError::Compile { location, message }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn select_message(
    pool: &DescriptorPool,
    main: &str,
    wanted: Option<&str>,
) -> Result<MessageDescriptor, ProtoSchemaError> {
    if let Some(name) = wanted {
        let name = name.trim().trim_start_matches('.');
        return pool
            .get_message_by_name(name)
            .filter(|m| !m.is_map_entry())
            .ok_or_else(|| ProtoSchemaError::UnknownMessage {
                name: name.to_owned(),
            });
    }
    let file = pool
        .get_file_by_name(main)
        .ok_or(ProtoSchemaError::NoMessage)?;
    let mut messages = file.messages();
    match (messages.next(), messages.next()) {
        (None, _) => Err(ProtoSchemaError::NoMessage),
        (Some(only), None) => Ok(only),
        (Some(first), Some(second)) => {
            let mut names: Vec<String> = [first, second]
                .into_iter()
                .chain(messages)
                .map(|m| m.full_name().to_owned())
                .collect();
            if names.len() > 5 {
                names.truncate(5);
                names.push("...".to_owned());
            }
            Err(ProtoSchemaError::AmbiguousMessage {
                candidates: names.join(", "),
            })
        }
    }
}

/// Resolves imports to the files given, then to Google's well-known types; remembers what it
/// could not find so the error can name it.
struct Resolver {
    sources: BTreeMap<String, String>,
    google: GoogleFileResolver,
    missing: Rc<RefCell<Vec<String>>>,
}

impl FileResolver for Resolver {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        if let Some(source) = self.sources.get(name) {
            return File::from_source(name, source);
        }
        self.google.open_file(name).inspect_err(|_| {
            self.missing.borrow_mut().push(name.to_owned());
        })
    }
}
