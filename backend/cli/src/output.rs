//! Rendering results for humans (tables, short lines) or scripts (JSON).

use crate::error::{one_line, CliError};
use serde_json::Value;
use std::io::{self, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Aligned columns and short sentences, for people.
    Table,
    /// The server's JSON, pretty-printed, for scripts.
    Json,
}

/// Writes a line to stdout. `println!` would panic when a reader such as `head`
/// closes the pipe early; a vanished reader is not an error worth reporting.
pub fn out(text: &str) -> Result<(), CliError> {
    let mut stdout = io::stdout().lock();
    match writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(CliError::usage(format!(
            "cannot write to standard output: {e}"
        ))),
        _ => Ok(()),
    }
}

/// Human-facing remarks go to stderr so stdout stays clean for scripts.
pub fn note(text: &str) {
    let _ = writeln!(io::stderr(), "{text}");
}

pub fn print_json(value: &Value) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::failure(format!("cannot encode output: {e}")))?;
    out(&text)
}

/// Server strings become table cells; `-` stands in for null or absent values.
pub fn cell(value: Option<&Value>) -> String {
    match value {
        None | Some(Value::Null) => "-".to_owned(),
        Some(Value::String(s)) if s.is_empty() => "-".to_owned(),
        Some(Value::String(s)) => one_line(s),
        Some(Value::Array(items)) if items.is_empty() => "-".to_owned(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|item| cell(Some(item)))
            .collect::<Vec<_>>()
            .join(","),
        Some(other) => one_line(&other.to_string()),
    }
}

pub fn render_table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, value) in widths.iter_mut().zip(row) {
            *width = (*width).max(value.chars().count());
        }
    }
    let line = |values: &mut dyn Iterator<Item = &str>| {
        let padded: Vec<String> = values
            .zip(&widths)
            .map(|(value, width)| format!("{value:<width$}"))
            .collect();
        padded.join("  ").trim_end().to_owned()
    };
    let mut out = vec![line(&mut headers.iter().copied())];
    for row in rows {
        out.push(line(&mut row.iter().map(String::as_str)));
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn cells_render_nulls_and_lists() {
        assert_eq!(cell(None), "-");
        assert_eq!(cell(Some(&Value::Null)), "-");
        assert_eq!(cell(Some(&json!(["read", "write"]))), "read,write");
        assert_eq!(cell(Some(&json!("a\nb"))), "a b");
    }

    #[test]
    fn table_aligns_columns() {
        let rows = vec![
            vec!["1".to_owned(), "ci".to_owned(), "-".to_owned()],
            vec!["22".to_owned(), "deploy".to_owned(), "x".to_owned()],
        ];
        let table = render_table(&["ID", "NAME", "LAST USED"], &rows);
        assert_eq!(table, "ID  NAME    LAST USED\n1   ci      -\n22  deploy  x");
    }
}
