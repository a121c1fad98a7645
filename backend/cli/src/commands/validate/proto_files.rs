//! The files a `.proto` schema needs, read from disk: the file itself, then every file it
//! imports, looked up relative to its directory (as `protoc -I <its dir>` would), transitively.
//! Google's well-known types come with the compiler and are not read.

use super::schema_source::read_text_capped;
use crate::error::CliError;
use std::collections::BTreeSet;
use std::path::{Component, Path};
use versiqii_core::protobuf::{MAX_FILES, MAX_FILE_BYTES};

/// `(path relative to the main file's directory, source)`, the main file first. An import that
/// is not on disk is left out, so that the compiler names it with its line.
pub fn gather(main: &Path) -> Result<Vec<(String, String)>, CliError> {
    let root = main.parent().unwrap_or(Path::new("."));
    let name = main
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| CliError::usage(format!("unusable schema path {}", main.display())))?;
    let mut files = vec![(name.to_owned(), read_text_capped(main, MAX_FILE_BYTES)?)];
    let mut seen: BTreeSet<String> = BTreeSet::from([name.to_owned()]);
    let mut next = 0;
    // One past the cap is enough for the compiler to refuse the set.
    while next < files.len() && files.len() <= MAX_FILES {
        let wanted = imports(&files[next].1);
        next += 1;
        for import in wanted {
            if import.starts_with("google/protobuf/") || !is_relative(&import) {
                continue;
            }
            if seen.insert(import.clone()) {
                let path = root.join(&import);
                if path.is_file() {
                    files.push((import, read_text_capped(&path, MAX_FILE_BYTES)?));
                }
            }
        }
    }
    Ok(files)
}

/// A plain relative path: no root, no `..`.
fn is_relative(import: &str) -> bool {
    Path::new(import)
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
}

/// The paths of `import "x.proto";` statements (also `import public` / `import weak`), one per
/// line as protobuf style has them; a commented-out import is skipped.
fn imports(source: &str) -> Vec<String> {
    source
        .lines()
        .filter_map(|line| {
            let line = line.split("//").next().unwrap_or("").trim();
            let rest = line.strip_prefix("import")?;
            if !rest.starts_with([' ', '\t', '"']) {
                return None;
            }
            let start = rest.find('"')? + 1;
            let len = rest[start..].find('"')?;
            Some(rest[start..start + len].to_owned())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_statements_are_found_and_comments_skipped() {
        let src = "syntax = \"proto3\";\nimport \"common/money.proto\";\nimport public \"a.proto\"; // why\n// import \"old.proto\";\nimport weak \"w.proto\";\nimported_thing = 1;\n";
        assert_eq!(
            imports(src),
            vec!["common/money.proto", "a.proto", "w.proto"]
        );
    }

    #[test]
    fn only_plain_relative_paths_are_read() {
        assert!(is_relative("common/money.proto"));
        assert!(!is_relative("../secret.proto"));
        assert!(!is_relative("/etc/passwd"));
    }
}
