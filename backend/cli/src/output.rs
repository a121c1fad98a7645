//! Rendering results for humans (tables, short lines) or scripts (JSON).

use crate::error::{one_line, CliError};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::Value;
use std::io::{self, Write};
use versiqii_api::ids::*;

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

/// A typed response as the server sent it: the wire types re-serialize to the same JSON,
/// and going through `Value` prints its keys in the same (sorted) order as before.
pub fn print_json_of<T: Serialize + ?Sized>(value: &T) -> Result<(), CliError> {
    let value = serde_json::to_value(value)
        .map_err(|e| CliError::failure(format!("cannot encode output: {e}")))?;
    print_json(&value)
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

/// A typed field as a table cell, drawn as [`cell`] draws its JSON: `-` for nothing (absent,
/// empty text, an empty list), lists joined with commas, text kept to one line.
pub trait Cell {
    fn cell(&self) -> String;
}

impl Cell for str {
    fn cell(&self) -> String {
        if self.is_empty() {
            "-".to_owned()
        } else {
            one_line(self)
        }
    }
}

impl Cell for String {
    fn cell(&self) -> String {
        self.as_str().cell()
    }
}

impl<T: Cell + ?Sized> Cell for &T {
    fn cell(&self) -> String {
        (**self).cell()
    }
}

impl<T: Cell> Cell for Option<T> {
    fn cell(&self) -> String {
        match self {
            Some(value) => value.cell(),
            None => "-".to_owned(),
        }
    }
}

impl<T: Cell> Cell for [T] {
    fn cell(&self) -> String {
        if self.is_empty() {
            return "-".to_owned();
        }
        self.iter().map(Cell::cell).collect::<Vec<_>>().join(",")
    }
}

impl<T: Cell> Cell for Vec<T> {
    fn cell(&self) -> String {
        self.as_slice().cell()
    }
}

impl Cell for Value {
    fn cell(&self) -> String {
        cell(Some(self))
    }
}

/// As the server writes it (chrono's serde form), so a table shows the JSON's text.
impl Cell for DateTime<Utc> {
    fn cell(&self) -> String {
        self.to_rfc3339_opts(SecondsFormat::AutoSi, true)
    }
}

macro_rules! display_cells {
    ($($ty:ty),*) => {$(
        impl Cell for $ty {
            fn cell(&self) -> String {
                one_line(&self.to_string())
            }
        }
    )*};
}

display_cells!(bool, i32, i64, u32, u64, usize, uuid::Uuid);
display_cells!(
    TenantId,
    UserId,
    ApiKeyId,
    RevisionId,
    ConfigId,
    EnvironmentId,
    TargetId,
    TargetVersionId,
    SchemaVersionId,
    FamilyId,
    DeploymentId,
    BindingId,
    ObservationId,
    ConstraintId,
    MigrationId,
    AuditEventId,
    InviteId,
    WebhookEndpointId
);

/// [`Cell::cell`] as a function, for column tables.
pub fn show<T: Cell + ?Sized>(value: &T) -> String {
    value.cell()
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
    fn typed_cells_draw_as_their_json_would() {
        let at: DateTime<Utc> = "2025-07-01T10:00:00.120Z".parse().unwrap();
        for (typed, json) in [
            (show(""), cell(Some(&json!("")))),
            (show("a\nb"), cell(Some(&json!("a\nb")))),
            (show(&None::<String>), cell(Some(&Value::Null))),
            (
                show(&vec!["read", "write"]),
                cell(Some(&json!(["read", "write"]))),
            ),
            (show(&Vec::<String>::new()), cell(Some(&json!([])))),
            (show(&3_i32), cell(Some(&json!(3)))),
            (show(&true), cell(Some(&json!(true)))),
            (show(&at), cell(Some(&serde_json::to_value(at).unwrap()))),
        ] {
            assert_eq!(typed, json);
        }
        for text in [
            "2025-07-01T10:00:00Z",
            "2025-07-01T10:00:00.500Z",
            "2025-07-01T10:00:00.123456Z",
            "2025-07-01T10:00:00.123456789Z",
        ] {
            let at: DateTime<Utc> = text.parse().unwrap();
            assert_eq!(show(&at), text);
        }
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
