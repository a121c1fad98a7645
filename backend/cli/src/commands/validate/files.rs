//! Turning the paths on the command line into a sorted list of config files.

use crate::error::CliError;
use std::ffi::OsStr;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use versiqii_core::document::Format;

/// Files named directly are always checked; directories and globs contribute only these.
fn is_config_name(name: &OsStr) -> bool {
    Path::new(name)
        .extension()
        .and_then(OsStr::to_str)
        .and_then(Format::from_path_ext)
        .is_some()
}

fn looks_like_glob(text: &str) -> bool {
    text.contains(['*', '?', '['])
}

/// Expands every input, then sorts and deduplicates, so output order never depends on
/// the order of the arguments or of the directory listing.
pub fn expand(inputs: &[PathBuf], recursive: bool) -> Result<Vec<PathBuf>, CliError> {
    let mut files = Vec::new();
    for input in inputs {
        match fs::metadata(input) {
            Ok(meta) if meta.is_dir() => {
                list_dir(input, recursive, &mut files).map_err(|e| unreadable(input, &e))?
            }
            Ok(_) => files.push(input.clone()),
            Err(e) => match input.to_str().filter(|text| looks_like_glob(text)) {
                Some(pattern) => expand_glob(pattern, &mut files)?,
                None => return Err(unreadable(input, &e)),
            },
        }
    }
    files.sort_unstable();
    files.dedup();
    if files.is_empty() {
        return Err(CliError::usage(
            "no files matched: give config files, or directories or globs containing \
             *.json, *.yaml or *.yml files",
        ));
    }
    Ok(files)
}

fn unreadable(path: &Path, error: &io::Error) -> CliError {
    CliError::usage(format!("cannot read {}: {error}", path.display()))
}

fn list_dir(dir: &Path, recursive: bool, files: &mut Vec<PathBuf>) -> io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        // The directory entry already knows its type, so most entries cost no `stat`.
        let mut kind = entry.file_type()?;
        if kind.is_symlink() {
            match fs::metadata(entry.path()) {
                Ok(meta) => kind = meta.file_type(),
                Err(_) => continue,
            }
        }
        if kind.is_dir() {
            if recursive && !name.as_encoded_bytes().starts_with(b".") {
                list_dir(&entry.path(), recursive, files)?;
            }
        } else if is_config_name(&name) {
            files.push(entry.path());
        }
    }
    Ok(())
}

fn expand_glob(pattern: &str, files: &mut Vec<PathBuf>) -> Result<(), CliError> {
    let options = glob::MatchOptions {
        require_literal_leading_dot: true,
        ..glob::MatchOptions::new()
    };
    let paths = glob::glob_with(pattern, options)
        .map_err(|e| CliError::usage(format!("invalid glob {pattern:?}: {e}")))?;
    for path in paths {
        let path = path.map_err(|e| unreadable(e.path(), e.error()))?;
        if path.file_name().is_some_and(is_config_name) && !path.is_dir() {
            files.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Tree(PathBuf);

    impl Tree {
        fn new(name: &str, files: &[&str]) -> Self {
            let root = std::env::temp_dir().join(format!("vq-files-{name}-{}", std::process::id()));
            let _ = fs::remove_dir_all(&root);
            for file in files {
                let path = root.join(file);
                fs::create_dir_all(path.parent().unwrap()).unwrap();
                fs::write(path, "{}").unwrap();
            }
            Self(root)
        }

        fn names(&self, files: &[PathBuf]) -> Vec<String> {
            files
                .iter()
                .map(|f| {
                    f.strip_prefix(&self.0)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned()
                })
                .collect()
        }
    }

    impl Drop for Tree {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.0);
        }
    }

    const FILES: &[&str] = &[
        "b.yaml",
        "a.json",
        "notes.txt",
        "c.yml",
        "sub/d.json",
        "sub/deeper/e.yaml",
        ".hidden/f.json",
    ];

    #[test]
    fn directories_take_config_files_sorted() {
        let t = Tree::new("flat", FILES);
        let files = expand(std::slice::from_ref(&t.0), false).unwrap();
        assert_eq!(t.names(&files), ["a.json", "b.yaml", "c.yml"]);
    }

    #[test]
    fn recursion_skips_hidden_directories() {
        let t = Tree::new("deep", FILES);
        let files = expand(std::slice::from_ref(&t.0), true).unwrap();
        assert_eq!(
            t.names(&files),
            [
                "a.json",
                "b.yaml",
                "c.yml",
                "sub/d.json",
                "sub/deeper/e.yaml"
            ]
        );
    }

    #[test]
    fn globs_and_files_combine_without_duplicates() {
        let t = Tree::new("glob", FILES);
        let pattern = t.0.join("**").join("*.json");
        let inputs = [pattern, t.0.join("a.json"), t.0.join("notes.txt")];
        let files = expand(&inputs, false).unwrap();
        assert_eq!(t.names(&files), ["a.json", "notes.txt", "sub/d.json"]);
    }

    #[test]
    fn missing_paths_and_empty_matches_are_usage_errors() {
        let t = Tree::new("missing", FILES);
        let err = expand(&[t.0.join("nope.yaml")], false).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(err.to_string().contains("nope.yaml"), "{err}");
        let err = expand(&[t.0.join("*.toml")], false).unwrap_err();
        assert!(err.to_string().contains("no files matched"), "{err}");
    }
}
