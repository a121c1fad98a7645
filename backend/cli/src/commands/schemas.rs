//! `schemas add | list | show`: JSON Schema versions grouped in families.

use super::shared::{
    compact, encode, expect_object, fields, items, list_table, print_list, read_source, short_hash,
    split_at_version, text_field, Column, Source,
};
use crate::args::{AddSchemaArgs, GlobalArgs, SchemasCommand, ShowSchemaArgs};
use crate::client::Client;
use crate::error::{one_line, CliError};
use crate::output::{self, cell, out, OutputFormat};
use serde_json::{json, Value};

pub fn run(global: &GlobalArgs, command: SchemasCommand) -> Result<(), CliError> {
    match command {
        SchemasCommand::Add(args) => add(global, &args),
        SchemasCommand::List => list(global),
        SchemasCommand::Show(args) => show(global, &args),
    }
}

fn add(global: &GlobalArgs, args: &AddSchemaArgs) -> Result<(), CliError> {
    let source = read_source(&args.file)?;
    let schema = parse_schema(&source)?;
    let body = json!({
        "version": args.version,
        "schema": schema,
        "compat": args.compat.map(|level| level.as_str()),
        "dry_run": args.dry_run,
    });
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let path = format!("/v1/families/{}/schemas", encode(&args.family));
    let value = client.post(&path, &body)?;
    expect_object(&value, "schema version")?;
    match global.output {
        OutputFormat::Json => output::print_json(&value)?,
        OutputFormat::Table => {
            for line in added_lines(&value, args.dry_run)? {
                out(&line)?;
            }
        }
    }
    // A dry run that finds breaks is a refusal, so CI can gate on the exit code.
    if args.dry_run && value["report"]["compatible"] == Value::Bool(false) {
        return Err(CliError::Reported(crate::error::exit::REJECTED));
    }
    Ok(())
}

/// The schema file as JSON data. JSON is tried first; YAML (a superset of most JSON)
/// is the fallback, and when both fail the error of the likelier format is reported.
fn parse_schema(source: &Source) -> Result<Value, CliError> {
    let text = source.text.strip_prefix('\u{feff}').unwrap_or(&source.text);
    let value = match serde_json::from_str::<Value>(text) {
        Ok(value) => value,
        Err(json_error) => {
            let yaml_allowed = source.extension().as_deref() != Some("json");
            match serde_yaml_ng::from_str::<Value>(text) {
                Ok(value) if yaml_allowed => value,
                Err(yaml_error) if yaml_allowed && !looks_like_json(text) => {
                    return Err(CliError::usage(format!(
                        "{} is not valid JSON or YAML: {}",
                        source.label,
                        one_line(&yaml_error.to_string())
                    )))
                }
                _ => {
                    return Err(CliError::usage(format!(
                        "{} is not valid JSON: {json_error}",
                        source.label
                    )))
                }
            }
        }
    };
    if !value.is_object() {
        return Err(CliError::usage(format!(
            "{} does not hold a JSON Schema: expected an object at the top level",
            source.label
        )));
    }
    Ok(value)
}

fn looks_like_json(text: &str) -> bool {
    matches!(text.trim_start().chars().next(), Some('{' | '['))
}

/// `added family@version (hash)`, then the compatibility report's breaks, if any.
fn added_lines(value: &Value, dry_run: bool) -> Result<Vec<String>, CliError> {
    let family = text_field(value, "family", "schema version")?;
    let version = text_field(value, "version", "schema version")?;
    let hash = short_hash(value.get("hash"));
    let stored = value.get("stored").and_then(Value::as_bool).unwrap_or(true);
    let subject = format!("{}@{}", one_line(&family), one_line(&version));
    let mut lines = vec![if dry_run || !stored {
        format!("checked {subject} ({hash}): dry run, nothing stored")
    } else {
        format!("added {subject} ({hash})")
    }];
    if let Some(report) = value.get("report") {
        lines.extend(report_lines(report, false));
    }
    Ok(lines)
}

/// A compatibility report. `full` adds the level and what was checked, for `show`;
/// otherwise only breaks are shown, with a heading saying what they mean.
fn report_lines(report: &Value, full: bool) -> Vec<String> {
    let breaks = report
        .get("breaks")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let compatible = report.get("compatible").and_then(Value::as_bool);
    let mut lines = Vec::new();
    if full {
        lines.push(format!(
            "compatibility {} against {}: {}",
            cell(report.get("level")),
            cell(report.get("checked_against")),
            match compatible {
                Some(true) => "compatible",
                Some(false) => "incompatible",
                None => "-",
            }
        ));
    } else if !breaks.is_empty() {
        let verdict = match compatible {
            Some(false) => "incompatible",
            _ => "allowed by the compatibility level",
        };
        lines.push(format!(
            "{} breaking change(s) against {} at level {} ({verdict}):",
            breaks.len(),
            cell(report.get("checked_against")),
            cell(report.get("level")),
        ));
    }
    lines.extend(breaks.iter().map(break_line));
    lines
}

fn break_line(item: &Value) -> String {
    let pointer = match item.get("pointer").and_then(Value::as_str) {
        Some("") | None => "(root)".to_owned(),
        Some(pointer) => one_line(pointer),
    };
    format!(
        "  {pointer}: {}: {}",
        cell(item.get("rule")),
        cell(item.get("message"))
    )
}

fn list(global: &GlobalArgs) -> Result<(), CliError> {
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let value = client.get("/v1/families")?;
    let items = items(&value, "family list")?;
    const COLUMNS: [Column; 5] = [
        ("FAMILY", |f| cell(f.get("name"))),
        ("LEVEL", |f| cell(f.get("compat_level"))),
        ("LATEST", |f| cell(f.get("latest_version"))),
        ("VERSIONS", |f| version_count(f.get("versions"))),
        ("CREATED", |f| cell(f.get("created_at"))),
    ];
    print_list(global.output, items, &COLUMNS, "no schema families")
}

/// Families list their versions either as a count or as the version objects.
fn version_count(versions: Option<&Value>) -> String {
    match versions {
        Some(Value::Array(items)) => items.len().to_string(),
        other => cell(other),
    }
}

fn show(global: &GlobalArgs, args: &ShowSchemaArgs) -> Result<(), CliError> {
    let (family, version) = if args.schema.contains('@') {
        let (family, version) = split_at_version(&args.schema, "schema")?;
        (family, Some(version))
    } else if args.schema.is_empty() {
        return Err(CliError::usage(
            "the family name is empty: expected FAMILY or FAMILY@VERSION",
        ));
    } else {
        (args.schema.as_str(), None)
    };
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let path = match version {
        Some(version) => format!(
            "/v1/families/{}/schemas/{}",
            encode(family),
            encode(version)
        ),
        None => format!("/v1/families/{}", encode(family)),
    };
    let value = client.get(&path)?;
    expect_object(&value, "schema")?;
    match global.output {
        OutputFormat::Json => output::print_json(&value),
        OutputFormat::Table => {
            let lines = match version {
                Some(_) => version_lines(&value),
                None => family_lines(&value),
            };
            out(&lines.join("\n"))
        }
    }
}

fn family_lines(value: &Value) -> Vec<String> {
    let mut lines = fields(
        value,
        &[
            ("family", "name"),
            ("level", "compat_level"),
            ("latest", "latest_version"),
            ("created", "created_at"),
        ],
    );
    if let Some(versions) = value.get("versions").and_then(Value::as_array) {
        const COLUMNS: [Column; 3] = [
            ("VERSION", |v| cell(v.get("version"))),
            ("HASH", |v| short_hash(v.get("hash"))),
            ("CREATED", |v| cell(v.get("created_at"))),
        ];
        lines.push(String::new());
        lines.push(list_table(versions, &COLUMNS));
    }
    lines
}

fn version_lines(value: &Value) -> Vec<String> {
    let mut lines = fields(
        value,
        &[
            ("family", "family"),
            ("version", "version"),
            ("hash", "hash"),
            ("level", "compat_level"),
            ("created", "created_at"),
        ],
    );
    if let Some(report) = value.get("report").filter(|r| r.is_object()) {
        lines.extend(report_lines(report, true));
    }
    if let Some(schema) = value.get("schema") {
        lines.push(format!("schema   {}", compact(Some(schema))));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str, file_name: Option<&str>) -> Source {
        Source {
            text: text.to_owned(),
            file_name: file_name.map(str::to_owned),
            label: file_name.unwrap_or("standard input").to_owned(),
        }
    }

    #[test]
    fn schemas_parse_as_json_or_yaml() {
        let json_schema = source(r#"{"type": "object"}"#, Some("s.json"));
        assert_eq!(
            parse_schema(&json_schema).unwrap(),
            json!({"type": "object"})
        );
        let yaml_schema = source("type: object\nrequired: [a]\n", None);
        assert_eq!(
            parse_schema(&yaml_schema).unwrap(),
            json!({"type": "object", "required": ["a"]})
        );
    }

    #[test]
    fn bad_schemas_are_bad_input() {
        let broken_json = source(r#"{"type": "object""#, Some("s.json"));
        let error = parse_schema(&broken_json).unwrap_err();
        assert_eq!(error.exit_code(), 2);
        assert!(error.to_string().contains("not valid JSON"), "{error}");

        // YAML in a file that claims to be JSON is refused rather than guessed at.
        let yaml_in_json = source("type: object\n", Some("s.json"));
        assert_eq!(parse_schema(&yaml_in_json).unwrap_err().exit_code(), 2);

        let not_object = source("[1, 2]", None);
        assert_eq!(parse_schema(&not_object).unwrap_err().exit_code(), 2);
        let broken_yaml = source("a: [1\n", None);
        assert_eq!(parse_schema(&broken_yaml).unwrap_err().exit_code(), 2);
    }

    #[test]
    fn added_summary_lists_breaks() {
        let body = json!({
            "family": "OpenAPI-Payments", "version": "2025-08",
            "hash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "compat_level": "NONE", "stored": true,
            "report": {"level": "NONE", "compatible": true, "checked_against": ["2025-07"],
                "breaks": [{"pointer": "/properties/amount", "rule": "type_narrowed",
                            "message": "number became integer", "against": "2025-07"}]}
        });
        assert_eq!(
            added_lines(&body, false).unwrap(),
            vec![
                "added OpenAPI-Payments@2025-08 (9f86d081884c)",
                "1 breaking change(s) against 2025-07 at level NONE \
                 (allowed by the compatibility level):",
                "  /properties/amount: type_narrowed: number became integer",
            ]
        );
    }

    #[test]
    fn dry_runs_say_nothing_was_stored() {
        let body = json!({"family": "F", "version": "2", "hash": "abc", "stored": false,
            "report": {"level": "BACKWARD", "compatible": false, "checked_against": ["1"],
                "breaks": [{"pointer": "", "rule": "required_added", "message": "m"}]}});
        assert_eq!(
            added_lines(&body, true).unwrap(),
            vec![
                "checked F@2 (abc): dry run, nothing stored",
                "1 breaking change(s) against 1 at level BACKWARD (incompatible):",
                "  (root): required_added: m",
            ]
        );
        assert_eq!(added_lines(&json!({}), false).unwrap_err().exit_code(), 3);
    }

    #[test]
    fn version_details_include_the_report() {
        let body = json!({"family": "F", "version": "2", "hash": "h", "compat_level": "BACKWARD",
            "created_at": "2025-07-01T00:00:00Z", "schema": {"type": "object"},
            "report": {"level": "BACKWARD", "compatible": true, "checked_against": ["1"],
                       "breaks": []}});
        let lines = version_lines(&body);
        assert_eq!(lines[0], "family   F");
        assert!(lines.contains(&"compatibility BACKWARD against 1: compatible".to_owned()));
        assert_eq!(lines.last().unwrap(), r#"schema   {"type":"object"}"#);
        assert_eq!(version_count(Some(&json!([{}, {}]))), "2");
        assert_eq!(version_count(Some(&json!(3))), "3");
    }
}
