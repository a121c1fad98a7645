//! What `validate` prints: violations on stdout, the summary on stderr.

use super::check::Outcome;
use crate::error::{one_line, CliError};
use crate::output::{note, OutputFormat};
use serde::Serialize;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;
use versiqii_core::schema::Violation;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub checked: usize,
    pub valid: usize,
    pub invalid: usize,
}

impl Summary {
    pub fn of(outcomes: &[Outcome]) -> Self {
        let valid = outcomes.iter().filter(|o| o.is_valid()).count();
        Self {
            checked: outcomes.len(),
            valid,
            invalid: outcomes.len() - valid,
        }
    }
}

pub fn print_summary(summary: &Summary, elapsed: Duration) {
    let files = if summary.checked == 1 {
        "file"
    } else {
        "files"
    };
    note(&format!(
        "checked {} {files}: {} valid, {} invalid ({:.2}s)",
        summary.checked,
        summary.valid,
        summary.invalid,
        elapsed.as_secs_f64()
    ));
}

pub fn print(
    files: &[PathBuf],
    outcomes: &[Outcome],
    summary: &Summary,
    format: OutputFormat,
) -> Result<(), CliError> {
    let mut stdout = BufWriter::new(io::stdout().lock());
    let written = match format {
        OutputFormat::Table => write_table(&mut stdout, files, outcomes),
        OutputFormat::Json => write_json(&mut stdout, files, outcomes, summary),
    };
    match written.and_then(|()| stdout.flush()) {
        // A reader such as `head` that stops early is not a failure of the validation.
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(CliError::usage(format!(
            "cannot write to standard output: {e}"
        ))),
        _ => Ok(()),
    }
}

fn invalid<'a>(
    files: &'a [PathBuf],
    outcomes: &'a [Outcome],
) -> impl Iterator<Item = (&'a Path, &'a Outcome)> {
    files
        .iter()
        .map(PathBuf::as_path)
        .zip(outcomes)
        .filter(|(_, outcome)| !outcome.is_valid())
}

/// `path: pointer: message` per violation, `path: message` for a file that does not parse.
fn write_table(out: &mut impl Write, files: &[PathBuf], outcomes: &[Outcome]) -> io::Result<()> {
    for (path, outcome) in invalid(files, outcomes) {
        let path = path.display();
        match outcome {
            Outcome::Valid => {}
            Outcome::Broken(message) => writeln!(out, "{path}: {}", one_line(message))?,
            Outcome::Invalid(violations) => {
                for v in violations {
                    let pointer = if v.pointer.is_empty() {
                        "(root)"
                    } else {
                        &v.pointer
                    };
                    writeln!(out, "{path}: {pointer}: {}", one_line(&v.message))?;
                }
            }
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct JsonReport<'a> {
    checked: usize,
    valid: usize,
    invalid: usize,
    files: Vec<JsonFile<'a>>,
}

#[derive(Serialize)]
struct JsonFile<'a> {
    path: String,
    valid: bool,
    /// Why the file could not be read or parsed; absent when it was validated.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    violations: &'a [Violation],
}

fn write_json(
    out: &mut impl Write,
    files: &[PathBuf],
    outcomes: &[Outcome],
    summary: &Summary,
) -> io::Result<()> {
    let files = invalid(files, outcomes)
        .map(|(path, outcome)| {
            let (error, violations) = match outcome {
                Outcome::Broken(message) => (Some(message.as_str()), &[][..]),
                Outcome::Invalid(violations) => (None, violations.as_slice()),
                Outcome::Valid => (None, &[][..]),
            };
            JsonFile {
                path: path.to_string_lossy().into_owned(),
                valid: false,
                error,
                violations,
            }
        })
        .collect();
    let report = JsonReport {
        checked: summary.checked,
        valid: summary.valid,
        invalid: summary.invalid,
        files,
    };
    serde_json::to_writer_pretty(&mut *out, &report)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn sample() -> (Vec<PathBuf>, Vec<Outcome>) {
        let files = ["a.yaml", "b.json", "c.yaml"].map(PathBuf::from).to_vec();
        let outcomes = vec![
            Outcome::Valid,
            Outcome::Invalid(vec![
                Violation {
                    pointer: "".into(),
                    keyword: "required".into(),
                    message: "\"kind\" is a required property".into(),
                },
                Violation {
                    pointer: "/spec/replicas".into(),
                    keyword: "maximum".into(),
                    message: "101 is greater than the maximum of 100".into(),
                },
            ]),
            Outcome::Broken("invalid YAML at line 2, column 1: oops".into()),
        ];
        (files, outcomes)
    }

    #[test]
    fn table_lists_each_violation_with_its_file() {
        let (files, outcomes) = sample();
        let mut out = Vec::new();
        write_table(&mut out, &files, &outcomes).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "b.json: (root): \"kind\" is a required property\n\
             b.json: /spec/replicas: 101 is greater than the maximum of 100\n\
             c.yaml: invalid YAML at line 2, column 1: oops\n"
        );
    }

    #[test]
    fn json_lists_only_invalid_files() {
        let (files, outcomes) = sample();
        let summary = Summary::of(&outcomes);
        assert_eq!((summary.checked, summary.valid, summary.invalid), (3, 1, 2));
        let mut out = Vec::new();
        write_json(&mut out, &files, &outcomes, &summary).unwrap();
        let v: Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["checked"], 3);
        assert_eq!(v["files"].as_array().unwrap().len(), 2);
        assert_eq!(
            v["files"][0]["violations"][1],
            json!({"pointer": "/spec/replicas", "keyword": "maximum",
                   "message": "101 is greater than the maximum of 100"})
        );
        assert_eq!(v["files"][1]["valid"], false);
        assert!(v["files"][1]["error"].as_str().unwrap().contains("line 2"));
    }
}
