//! Helpers the registry commands share: local input files, identifiers typed on the
//! command line, URL path segments and the list/detail shapes of registry responses.

use crate::error::{one_line, CliError};
use crate::output::{self, note, out, render_table, OutputFormat};
use serde::Serialize;
use serde_json::Value;
use std::io::Read;
use std::path::Path;
use std::str::FromStr;
use versiqii_api::reference::{TargetRef, TargetVersionRef};

/// A local document named on the command line: a file path, or `-` for stdin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub text: String,
    /// The file's own name (`payment_service.yaml`); `None` for stdin.
    pub file_name: Option<String>,
    /// How the source is named in messages: the path, or `standard input`.
    pub label: String,
}

impl Source {
    /// The extension of the file name, lowercased, if any.
    pub fn extension(&self) -> Option<String> {
        let name = self.file_name.as_deref()?;
        Path::new(name)
            .extension()
            .and_then(|ext| ext.to_str())
            .map(str::to_ascii_lowercase)
    }
}

/// Reads `path` (or stdin for `-`) as UTF-8 text; any failure is bad input (exit 2).
pub fn read_source(path: &str) -> Result<Source, CliError> {
    if path == "-" {
        return read_from(std::io::stdin().lock(), "standard input", None);
    }
    if path.is_empty() {
        return Err(CliError::usage(
            "the file name is empty; pass a path or `-` for standard input",
        ));
    }
    let file = std::fs::File::open(path)
        .map_err(|e| CliError::usage(format!("cannot read {path}: {e}")))?;
    let file_name = Path::new(path)
        .file_name()
        .and_then(|name| name.to_str())
        .map(str::to_owned);
    read_from(file, path, file_name)
}

pub fn read_from(
    mut reader: impl Read,
    label: &str,
    file_name: Option<String>,
) -> Result<Source, CliError> {
    let mut bytes = Vec::new();
    reader
        .read_to_end(&mut bytes)
        .map_err(|e| CliError::usage(format!("cannot read {label}: {e}")))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| CliError::usage(format!("{label} is not valid UTF-8 text")))?;
    Ok(Source {
        text,
        file_name,
        label: label.to_owned(),
    })
}

/// A typed id (`RevisionId`, `ConstraintId`, ...) typed on the command line, checked
/// locally so a typo fails fast with exit 2 instead of becoming a 404; surrounding spaces
/// are forgiven.
pub fn parse_id<T: FromStr>(raw: &str, what: &str) -> Result<T, CliError> {
    raw.trim()
        .parse()
        .map_err(|_| CliError::usage(format!("invalid {what} {raw:?}: expected a UUID")))
}

/// `NAME@VERSION`, split on the last `@`, so the name part may itself contain one.
pub fn parse_name_at_version(raw: &str, what: &str) -> Result<TargetRef, CliError> {
    raw.parse()
        .map_err(|_| CliError::usage(format!("invalid {what} {raw:?}: expected NAME@VERSION")))
}

/// What `targets show`, `configs create --target` and `graphs link --from` accept:
/// `NAME@VERSION` or the target version's ID.
pub fn parse_target_version(raw: &str) -> Result<TargetVersionRef, CliError> {
    raw.trim().parse().map_err(|_| {
        CliError::usage(format!(
            "invalid target {raw:?}: expected NAME@VERSION or a target version ID"
        ))
    })
}

/// The first 12 hex digits of a content hash, as shown in tables and summaries.
pub fn short_hash(hash: &str) -> String {
    if hash.is_empty() {
        "-".to_owned()
    } else {
        one_line(&hash.chars().take(12).collect::<String>())
    }
}

/// A table column: its header and how a cell is drawn from one item.
pub type Column<T> = (&'static str, fn(&T) -> String);

/// Prints a list response: its items array as JSON, or a table (a note when empty).
pub fn print_list<T: Serialize>(
    format: OutputFormat,
    items: &[T],
    columns: &[Column<T>],
    empty: &str,
) -> Result<(), CliError> {
    match format {
        OutputFormat::Json => output::print_json_of(items),
        OutputFormat::Table if items.is_empty() => {
            note(empty);
            Ok(())
        }
        OutputFormat::Table => out(&list_table(items, columns)),
    }
}

pub fn list_table<T>(items: &[T], columns: &[Column<T>]) -> String {
    let headers: Vec<&str> = columns.iter().map(|(header, _)| *header).collect();
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|item| columns.iter().map(|(_, draw)| draw(item)).collect())
        .collect();
    render_table(&headers, &rows)
}

/// `label  value` lines for a detail view, labels padded to a common width.
pub fn fields(fields: &[(&str, String)]) -> Vec<String> {
    let width = fields
        .iter()
        .map(|(label, _)| label.chars().count())
        .max()
        .unwrap_or(0);
    fields
        .iter()
        .map(|(label, value)| format!("{label:<width$}  {value}"))
        .collect()
}

/// Multi-line server text (a config's original, a unified diff) for a terminal: line
/// breaks and tabs survive, other control characters (escape sequences) do not.
pub fn multi_line(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() && c != '\n' && c != '\t' {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .trim_end()
        .to_owned()
}

/// A JSON value as one compact line, for diffs and reports.
pub fn compact(value: Option<&Value>) -> String {
    match value {
        None => "-".to_owned(),
        Some(value) => one_line(&value.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::{encode, with_query};
    use serde_json::json;
    use versiqii_api::ids::RevisionId;

    #[test]
    fn sources_come_from_files_or_stdin() {
        let dir = std::env::temp_dir().join(format!("vq-cli-source-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("payment_service.yaml");
        std::fs::write(&path, "currency: EUR\n").unwrap();
        let from_file = read_source(path.to_str().unwrap()).unwrap();
        assert_eq!(from_file.text, "currency: EUR\n");
        assert_eq!(from_file.file_name.as_deref(), Some("payment_service.yaml"));
        assert_eq!(from_file.extension().as_deref(), Some("yaml"));
        std::fs::remove_dir_all(&dir).unwrap();

        // `-` reads the process's stdin; the same reader path is exercised directly.
        let from_stdin = read_from(&b"{\"a\": 1}"[..], "standard input", None).unwrap();
        assert_eq!(from_stdin.text, "{\"a\": 1}");
        assert_eq!(from_stdin.file_name, None);
        assert_eq!(from_stdin.extension(), None);
    }

    #[test]
    fn unreadable_sources_are_bad_input() {
        let missing = read_source("/definitely/not/here.yaml").unwrap_err();
        assert_eq!(missing.exit_code(), 2);
        assert_eq!(read_source("").unwrap_err().exit_code(), 2);
        let binary = read_from(&[0xff, 0xfe, 0x00][..], "x.bin", None).unwrap_err();
        assert_eq!(binary.exit_code(), 2);
    }

    fn parts(r: TargetRef) -> (String, String) {
        r.into_parts()
    }

    #[test]
    fn name_at_version_splits_on_the_last_at() {
        assert_eq!(
            parts(parse_name_at_version("payment-api@3.2.1", "target").unwrap()),
            ("payment-api".into(), "3.2.1".into())
        );
        assert_eq!(
            parts(parse_name_at_version("a@b@1.0", "target").unwrap()),
            ("a@b".into(), "1.0".into())
        );
        for bad in ["payment-api", "@1.0", "payment-api@", "@", ""] {
            assert_eq!(
                parse_name_at_version(bad, "target")
                    .unwrap_err()
                    .exit_code(),
                2,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn uuids_are_normalised_or_rejected() {
        assert_eq!(
            parse_id::<RevisionId>(" 0B6F1C9E-4A53-4C8E-9D7A-2F1E8B3C5D40 ", "config ID")
                .unwrap()
                .to_string(),
            "0b6f1c9e-4a53-4c8e-9d7a-2f1e8b3c5d40"
        );
        assert_eq!(
            parse_id::<RevisionId>("42", "config ID")
                .unwrap_err()
                .exit_code(),
            2
        );
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(encode("OpenAPI-Payments"), "OpenAPI-Payments");
        assert_eq!(encode("1.0.0+build.5"), "1.0.0%2Bbuild.5");
        assert_eq!(encode("../x?y=1"), "..%2Fx%3Fy%3D1");
        assert_eq!(encode("é"), "%C3%A9");
    }

    #[test]
    fn query_strings_leave_out_absent_parameters() {
        assert_eq!(with_query("/v1/drifts", &[("env", None)]), "/v1/drifts");
        assert_eq!(
            with_query(
                "/v1/drifts",
                &[
                    ("env", Some("prod eu")),
                    ("target", None),
                    ("dimension", Some("config"))
                ]
            ),
            "/v1/drifts?env=prod%20eu&dimension=config"
        );
    }

    #[test]
    fn hashes_and_texts_render_safely() {
        let hash = json!("0123456789abcdef0123");
        assert_eq!(short_hash(hash.as_str().unwrap()), "0123456789ab");
        assert_eq!(short_hash(""), "-");
        assert_eq!(multi_line("a\n\tb\u{1b}[31m\n"), "a\n\tb [31m");
        assert_eq!(compact(Some(&json!({"a": [1, "x"]}))), r#"{"a":[1,"x"]}"#);
    }
}
