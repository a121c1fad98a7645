//! `schemas add | list | show`: schema versions (JSON Schema, Avro, Protobuf) grouped in
//! families.

use super::shared::{
    compact, fields, list_table, parse_name_at_version, print_list, read_source, short_hash,
    Column, Source,
};
use super::validate;
use crate::args::{AddSchemaArgs, GlobalArgs, SchemaFormat, SchemasCommand, ShowSchemaArgs};
use crate::client::Client;
use crate::error::{one_line, CliError};
use crate::output::{self, cell, out, show, OutputFormat};
use serde_json::Value;
use versiqii_api::v1::{
    FamilySummaryView, FamilyVersion, FamilyView, NewSchemaRequest, ProtoFileSource,
    SchemaVersionView,
};
use versiqii_core::document::{parse_within, Caps, DocumentError, Format};

pub fn run(global: &GlobalArgs, command: SchemasCommand) -> Result<(), CliError> {
    match command {
        SchemasCommand::Add(args) => add(global, &args),
        SchemasCommand::List => list(global),
        SchemasCommand::Show(args) => show_schema(global, &args),
    }
}

/// The format the file is in: as given, else by its extension (`None`: the family decides,
/// JSON Schema for a new one).
fn format_of_file(args: &AddSchemaArgs) -> Option<SchemaFormat> {
    args.format
        .or_else(|| SchemaFormat::of_path(std::path::Path::new(&args.file)))
}

fn add(global: &GlobalArgs, args: &AddSchemaArgs) -> Result<(), CliError> {
    let format = format_of_file(args);
    if args.message.is_some() && format != Some(SchemaFormat::Protobuf) {
        return Err(CliError::usage(
            "--message applies only to a Protobuf schema (a .proto file or --format protobuf)",
        ));
    }
    let (schema, files) = if format == Some(SchemaFormat::Protobuf) {
        if args.file == "-" {
            return Err(CliError::usage(
                "a .proto schema is read from a file (its imports are read from beside it), not standard input",
            ));
        }
        let files = validate::proto_files::gather(std::path::Path::new(&args.file))?
            .into_iter()
            .map(|(path, source)| ProtoFileSource { path, source })
            .collect();
        (Value::Null, files)
    } else {
        let source = read_source(&args.file)?;
        (parse_schema(&source, format)?, Vec::new())
    };
    let body = NewSchemaRequest {
        version: args.version.clone(),
        format: format.map(|f| f.as_str().to_owned()),
        schema,
        files,
        message: args.message.clone(),
        references: args.references.clone(),
        buf_category: args.buf_category.map(|c| c.as_str().to_owned()),
        compat: args.compat.map(|level| level.as_str().to_owned()),
        dry_run: args.dry_run,
    };
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let added = client.add_schema(&args.family, &body)?;
    match global.output {
        OutputFormat::Json => output::print_json_of(&added)?,
        OutputFormat::Table => {
            for line in added_lines(&added, args.dry_run) {
                out(&line)?;
            }
        }
    }
    // A dry run that finds breaks is a refusal, so CI can gate on the exit code.
    if args.dry_run && added.report["compatible"] == Value::Bool(false) {
        return Err(CliError::Reported(crate::error::exit::REJECTED));
    }
    Ok(())
}

/// The schema file as JSON data. JSON is tried first; YAML (a superset of most JSON)
/// is the fallback, and when both fail the error of the likelier format is reported. Either is
/// read by core's parser, within a schema's caps (YAML aliases expanded; 64 levels deep).
fn parse_schema(source: &Source, format: Option<SchemaFormat>) -> Result<Value, CliError> {
    let bytes = source.text.as_bytes();
    let over = |e: DocumentError| {
        CliError::usage(format!(
            "{} is not a usable schema: {}",
            source.label,
            one_line(&e.to_string())
        ))
    };
    let value = match parse_within(bytes, Some(Format::Json), &Caps::SCHEMA) {
        Ok((value, _)) => value,
        Err(e @ (DocumentError::ExpandsTooLarge { .. } | DocumentError::TooDeep { .. })) => {
            return Err(over(e))
        }
        Err(json_error) => {
            let yaml_allowed = source.extension().as_deref() != Some("json");
            let json_error = match json_error {
                DocumentError::Json {
                    line,
                    column,
                    message,
                } => format!("{message} at line {line} column {column}"),
                other => other.to_string(),
            };
            match parse_within(bytes, Some(Format::Yaml), &Caps::SCHEMA) {
                Ok((value, _)) if yaml_allowed => value,
                Err(
                    e @ (DocumentError::ExpandsTooLarge { .. } | DocumentError::TooDeep { .. }),
                ) if yaml_allowed => return Err(over(e)),
                Err(yaml_error) if yaml_allowed && !looks_like_json(&source.text) => {
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
    // An Avro schema may be a bare name or a union at its top; the server says what is wrong.
    if !value.is_object() && format != Some(SchemaFormat::Avro) {
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
fn added_lines(added: &SchemaVersionView, dry_run: bool) -> Vec<String> {
    let hash = short_hash(&added.hash);
    let subject = format!("{}@{}", one_line(&added.family), one_line(&added.version));
    let mut lines = vec![if dry_run || !added.stored {
        format!("checked {subject} ({hash}): dry run, nothing stored")
    } else {
        format!("added {subject} ({hash})")
    }];
    lines.extend(report_lines(&added.report, false));
    lines
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
    let families = client.families()?;
    const COLUMNS: [Column<FamilySummaryView>; 6] = [
        ("FAMILY", |f| show(&f.name)),
        ("FORMAT", |f| show(&f.format)),
        ("LEVEL", |f| show(&f.compat_level)),
        ("LATEST", |f| show(&f.latest_version)),
        ("VERSIONS", |f| show(&f.version_count)),
        ("CREATED", |f| show(&f.created_at)),
    ];
    print_list(
        global.output,
        &families.items,
        &COLUMNS,
        "no schema families",
    )
}

fn show_schema(global: &GlobalArgs, args: &ShowSchemaArgs) -> Result<(), CliError> {
    let version = if args.schema.contains('@') {
        Some(parse_name_at_version(&args.schema, "schema")?)
    } else if args.schema.is_empty() {
        return Err(CliError::usage(
            "the family name is empty: expected FAMILY or FAMILY@VERSION",
        ));
    } else {
        None
    };
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    match version {
        Some(schema) => {
            let version = client.schema_version(&schema)?;
            match global.output {
                OutputFormat::Json => output::print_json_of(&version),
                OutputFormat::Table => out(&version_lines(&version).join("\n")),
            }
        }
        None => {
            let family = client.family(&args.schema)?;
            match global.output {
                OutputFormat::Json => output::print_json_of(&family),
                OutputFormat::Table => out(&family_lines(&family).join("\n")),
            }
        }
    }
}

fn family_lines(family: &FamilyView) -> Vec<String> {
    let mut lines = fields(&[
        ("family", show(&family.name)),
        ("format", show(&family.format)),
        ("level", show(&family.compat_level)),
        ("rules", show(&family.buf_category)),
        ("latest", show(&family.latest_version)),
        ("created", show(&family.created_at)),
    ]);
    const COLUMNS: [Column<FamilyVersion>; 3] = [
        ("VERSION", |v| show(&v.version)),
        ("HASH", |v| short_hash(&v.hash)),
        ("CREATED", |v| show(&v.created_at)),
    ];
    lines.push(String::new());
    lines.push(list_table(&family.versions, &COLUMNS));
    lines
}

fn version_lines(version: &SchemaVersionView) -> Vec<String> {
    let mut rows = vec![
        ("family", show(&version.family)),
        ("version", show(&version.version)),
        ("format", show(&version.format)),
    ];
    if version.message.is_some() {
        rows.push(("message", show(&version.message)));
    }
    if !version.references.is_empty() {
        rows.push(("refs", show(&version.references.join(", "))));
    }
    rows.extend([
        ("hash", show(&version.hash)),
        ("level", show(&version.compat_level)),
        ("created", show(&version.created_at)),
    ]);
    let mut lines = fields(&rows);
    if version.report.is_object() {
        lines.extend(report_lines(&version.report, true));
    }
    lines.push(format!("schema   {}", compact(Some(&version.schema))));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
            parse_schema(&json_schema, None).unwrap(),
            json!({"type": "object"})
        );
        let yaml_schema = source("type: object\nrequired: [a]\n", None);
        assert_eq!(
            parse_schema(&yaml_schema, None).unwrap(),
            json!({"type": "object", "required": ["a"]})
        );
    }

    #[test]
    fn bad_schemas_are_bad_input() {
        let broken_json = source(r#"{"type": "object""#, Some("s.json"));
        let error = parse_schema(&broken_json, None).unwrap_err();
        assert_eq!(error.exit_code(), 2);
        assert!(error.to_string().contains("not valid JSON"), "{error}");

        // YAML in a file that claims to be JSON is refused rather than guessed at.
        let yaml_in_json = source("type: object\n", Some("s.json"));
        assert_eq!(
            parse_schema(&yaml_in_json, None).unwrap_err().exit_code(),
            2
        );

        let not_object = source("[1, 2]", None);
        assert_eq!(parse_schema(&not_object, None).unwrap_err().exit_code(), 2);
        let broken_yaml = source("a: [1\n", None);
        assert_eq!(parse_schema(&broken_yaml, None).unwrap_err().exit_code(), 2);
    }

    #[test]
    fn schemas_are_read_within_their_caps() {
        // A YAML alias bomb: 10^7 strings from 7 KB, refused without being built.
        let mut bomb = format!("a0: &a0 [{}]\n", vec!["lol"; 1000].join(", "));
        for level in 1..3 {
            let refs = vec![format!("*a{}", level - 1); 100].join(", ");
            bomb.push_str(&format!("a{level}: &a{level} [{refs}]\n"));
        }
        // (The core parser's tests show it refuses before building; here, that the CLI
        // passes the refusal on as a usage error.)
        let error = parse_schema(&source(&bomb, Some("bomb.yaml")), None).unwrap_err();
        assert_eq!(error.exit_code(), 2);
        assert!(
            error.to_string().contains("expands to more than 4096 KiB"),
            "{error}"
        );
        // Nesting past 64 levels, in either format.
        let deep = format!("{{\"a\": {}1{}}}", "[".repeat(64), "]".repeat(64));
        for name in ["deep.json", "deep.yaml"] {
            let error = parse_schema(&source(&deep, Some(name)), None).unwrap_err();
            assert!(
                error.to_string().contains("more than 64 levels deep"),
                "{error}"
            );
        }
        // Anchors are fine within the caps.
        let anchored = "$defs:\n  id: &id {type: string}\nproperties:\n  a: *id\n  b: *id\n";
        let schema = parse_schema(&source(anchored, None), None).unwrap();
        assert_eq!(schema["properties"]["b"], json!({"type": "string"}));
    }

    #[test]
    fn added_summary_lists_breaks() {
        let body = view(json!({
            "family": "OpenAPI-Payments", "version": "2025-08", "schema": {},
            "created_at": "2025-07-01T00:00:00Z",
            "hash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "compat_level": "NONE", "stored": true,
            "report": {"level": "NONE", "compatible": true, "checked_against": ["2025-07"],
                "breaks": [{"pointer": "/properties/amount", "rule": "type_narrowed",
                            "message": "number became integer", "against": "2025-07"}]}
        }));
        assert_eq!(
            added_lines(&body, false),
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
        let body = view(
            json!({"family": "F", "version": "2", "hash": "abc", "stored": false,
            "compat_level": "BACKWARD", "schema": {}, "created_at": null,
            "report": {"level": "BACKWARD", "compatible": false, "checked_against": ["1"],
                "breaks": [{"pointer": "", "rule": "required_added", "message": "m"}]}}),
        );
        assert_eq!(
            added_lines(&body, true),
            vec![
                "checked F@2 (abc): dry run, nothing stored",
                "1 breaking change(s) against 1 at level BACKWARD (incompatible):",
                "  (root): required_added: m",
            ]
        );
        // A body without the fields the CLI relies on breaks the contract: a failure.
        let error = crate::client::decode::<SchemaVersionView>(json!({}), "schema version");
        assert_eq!(error.unwrap_err().exit_code(), 3);
    }

    #[test]
    fn version_details_include_the_report() {
        let body = view(json!({"family": "F", "version": "2", "hash": "h",
            "compat_level": "BACKWARD", "stored": true,
            "created_at": "2025-07-01T00:00:00Z", "schema": {"type": "object"},
            "report": {"level": "BACKWARD", "compatible": true, "checked_against": ["1"],
                       "breaks": []}}));
        let lines = version_lines(&body);
        assert_eq!(lines[0], "family   F");
        assert!(lines.contains(&"compatibility BACKWARD against 1: compatible".to_owned()));
        assert_eq!(lines.last().unwrap(), r#"schema   {"type":"object"}"#);
        assert_eq!(lines[2], "format   json_schema");
        assert_eq!(lines[5], "created  2025-07-01T00:00:00Z");
        let proto = view(
            json!({"family": "P", "version": "1", "hash": "h", "format": "protobuf",
            "message": "acme.Config", "references": ["Types@1", "Common@2"],
            "compat_level": "BACKWARD", "stored": true, "created_at": "2025-07-01T00:00:00Z",
            "schema": {}, "report": {}}),
        );
        let lines = version_lines(&proto);
        assert_eq!(lines[3], "message  acme.Config");
        assert_eq!(lines[4], "refs     Types@1, Common@2");
    }

    fn view(value: Value) -> SchemaVersionView {
        serde_json::from_value(value).unwrap()
    }

    #[test]
    fn families_list_their_version_count() {
        let family: FamilyView = serde_json::from_value(json!({"name": "F",
            "compat_level": "BACKWARD", "latest_version": "2",
            "versions": [{"version": "1", "hash": "0123456789abcdef",
                          "created_at": "2025-07-01T00:00:00Z"}],
            "created_at": "2025-07-01T00:00:00Z"}))
        .unwrap();
        let lines = family_lines(&family);
        assert_eq!(lines[0], "family   F");
        assert_eq!(
            lines.last().unwrap(),
            "VERSION  HASH          CREATED\n\
             1        0123456789ab  2025-07-01T00:00:00Z"
        );
    }
}
