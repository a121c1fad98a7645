//! `configs create | list | show | history | diff`: content-addressed config revisions.

use super::shared::{
    compact, expect_object, fields, items, multi_line, parse_uuid, print_list, read_source,
    short_hash, text_field, Column, Source,
};
use super::targets::TargetRef;
use crate::args::GlobalArgs;
use crate::args::{ConfigFormat, ConfigIdArgs, ConfigsCommand, CreateConfigArgs, DiffConfigsArgs};
use crate::client::Client;
use crate::error::{one_line, CliError};
use crate::output::{self, cell, note, out, OutputFormat};
use serde_json::{json, Value};

pub fn run(global: &GlobalArgs, command: ConfigsCommand) -> Result<(), CliError> {
    match command {
        ConfigsCommand::Create(args) => create(global, &args),
        ConfigsCommand::List => list(global),
        ConfigsCommand::Show(args) => show(global, &args),
        ConfigsCommand::History(args) => history(global, &args),
        ConfigsCommand::Diff(args) => diff(global, &args),
    }
}

fn create(global: &GlobalArgs, args: &CreateConfigArgs) -> Result<(), CliError> {
    let target = match TargetRef::parse(&args.target)? {
        TargetRef::Id(id) => id,
        TargetRef::NameVersion(..) => args.target.clone(),
    };
    let source = read_source(&args.file)?;
    let body = create_body(&target, args.name.as_deref(), args.format, &source);
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let value = client.post("/v1/configs", &body)?;
    let id = text_field(&value, "id", "config creation")?;
    match global.output {
        OutputFormat::Json => output::print_json(&value),
        OutputFormat::Table => {
            // The ID stands alone on stdout so `C=$(versiqii configs create ...)` works.
            out(&one_line(&id))?;
            note(&format!(
                "{} revision {} ({})",
                cell(value.get("name")),
                cell(value.get("revision")),
                short_hash(value.get("hash"))
            ));
            Ok(())
        }
    }
}

/// The request body. Without `--name` a file's own name names the config and stdin
/// leaves it to the server (the target's name); without `--format` a `.json`, `.yaml`
/// or `.yml` extension decides it, and otherwise the server detects it.
fn create_body(
    target: &str,
    name: Option<&str>,
    format: Option<ConfigFormat>,
    source: &Source,
) -> Value {
    let name = name.map(str::to_owned).or_else(|| source.file_name.clone());
    let format = format
        .map(ConfigFormat::as_str)
        .or_else(|| match source.extension().as_deref() {
            Some("json") => Some("json"),
            Some("yaml" | "yml") => Some("yaml"),
            _ => None,
        });
    json!({
        "target": target,
        "name": name,
        "content": source.text,
        "format": format,
    })
}

fn list(global: &GlobalArgs) -> Result<(), CliError> {
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let value = client.get("/v1/configs")?;
    let items = items(&value, "config list")?;
    const COLUMNS: [Column; 4] = [
        ("NAME", |c| cell(c.get("name"))),
        ("REV", |c| cell(c.get("latest_revision"))),
        ("ID", |c| cell(c.get("latest_id"))),
        ("UPDATED", |c| cell(c.get("updated_at"))),
    ];
    print_list(global.output, items, &COLUMNS, "no configs")
}

fn show(global: &GlobalArgs, args: &ConfigIdArgs) -> Result<(), CliError> {
    let id = parse_uuid(&args.id, "config ID")?;
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let value = client.get(&format!("/v1/configs/{id}"))?;
    expect_object(&value, "config")?;
    match global.output {
        OutputFormat::Json => output::print_json(&value),
        OutputFormat::Table => out(&revision_lines(&value).join("\n")),
    }
}

fn revision_lines(value: &Value) -> Vec<String> {
    let mut lines = fields(
        value,
        &[
            ("name", "name"),
            ("revision", "revision"),
            ("id", "id"),
            ("target", "target"),
            ("hash", "hash"),
            ("format", "format"),
            ("created", "created_at"),
        ],
    );
    lines.push(String::new());
    match value.get("original").and_then(Value::as_str) {
        Some(original) => lines.push(multi_line(original)),
        // Without the original text, the canonical data is the next best thing.
        None => lines.push(compact(value.get("data"))),
    }
    lines
}

fn history(global: &GlobalArgs, args: &ConfigIdArgs) -> Result<(), CliError> {
    let id = parse_uuid(&args.id, "config ID")?;
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let value = client.get(&format!("/v1/configs/{id}/history"))?;
    let items = items(&value, "config history")?;
    const COLUMNS: [Column; 5] = [
        ("REV", |r| cell(r.get("revision"))),
        ("ID", |r| cell(r.get("id"))),
        ("HASH", |r| short_hash(r.get("hash"))),
        ("TARGET", |r| cell(r.get("target"))),
        ("CREATED", |r| cell(r.get("created_at"))),
    ];
    print_list(global.output, items, &COLUMNS, "no revisions")
}

fn diff(global: &GlobalArgs, args: &DiffConfigsArgs) -> Result<(), CliError> {
    let from = parse_uuid(&args.from, "config ID")?;
    let to = parse_uuid(&args.to, "config ID")?;
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let value = client.get(&format!("/v1/configs/diff?from={from}&to={to}"))?;
    expect_object(&value, "config diff")?;
    match global.output {
        OutputFormat::Json => output::print_json(&value),
        OutputFormat::Table => {
            let lines = diff_lines(&value);
            if lines.is_empty() {
                note("no differences");
                Ok(())
            } else {
                out(&lines.join("\n"))
            }
        }
    }
}

/// One line per changed path (`~` changed, `+` added, `-` removed), then the unified
/// text diff of the two originals.
fn diff_lines(value: &Value) -> Vec<String> {
    let changes = value
        .get("changes")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut lines: Vec<String> = changes.iter().map(change_line).collect();
    if let Some(unified) = value.get("unified").and_then(Value::as_str) {
        let unified = multi_line(unified);
        if !unified.is_empty() {
            if !lines.is_empty() {
                lines.push(String::new());
            }
            lines.push(unified);
        }
    }
    lines
}

fn change_line(change: &Value) -> String {
    let pointer = match change.get("pointer").and_then(Value::as_str) {
        Some("") | None => "(root)".to_owned(),
        Some(pointer) => one_line(pointer),
    };
    let before = compact(change.get("before"));
    let after = compact(change.get("after"));
    match change.get("op").and_then(Value::as_str) {
        Some("added") => format!("+ {pointer}: {after}"),
        Some("removed") => format!("- {pointer}: {before}"),
        Some("changed") => format!("~ {pointer}: {before} -> {after}"),
        other => format!(
            "? {pointer}: {} ({before} -> {after})",
            one_line(other.unwrap_or("unknown change"))
        ),
    }
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
    fn config_names_default_to_the_file_name() {
        let file = source("currency: EUR\n", Some("payment_service.yaml"));
        let body = create_body("payment-api@3.2.1", None, None, &file);
        assert_eq!(
            body,
            json!({"target": "payment-api@3.2.1", "name": "payment_service.yaml",
                   "content": "currency: EUR\n", "format": "yaml"})
        );

        let stdin = source("{\"a\": 1}", None);
        let body = create_body("t@1", None, None, &stdin);
        assert_eq!(body["name"], Value::Null);
        assert_eq!(body["format"], Value::Null);
        assert_eq!(body["content"], "{\"a\": 1}");

        let named = create_body("t@1", Some("payments"), Some(ConfigFormat::Json), &file);
        assert_eq!(body_fields(&named), ("payments", "json"));
    }

    fn body_fields(body: &Value) -> (&str, &str) {
        (
            body["name"].as_str().unwrap(),
            body["format"].as_str().unwrap(),
        )
    }

    #[test]
    fn other_extensions_leave_the_format_to_the_server() {
        let file = source("a = 1", Some("settings.conf"));
        let body = create_body("t@1", None, None, &file);
        assert_eq!(body["name"], "settings.conf");
        assert_eq!(body["format"], Value::Null);
        let yml = source("a: 1", Some("x.YML"));
        assert_eq!(create_body("t@1", None, None, &yml)["format"], "yaml");
    }

    #[test]
    fn diffs_render_changes_then_the_unified_text() {
        let body = json!({
            "from": "a", "to": "b",
            "changes": [
                {"pointer": "/timeout", "op": "changed", "before": 30, "after": 45},
                {"pointer": "/retries", "op": "added", "before": null, "after": {"max": 3}},
                {"pointer": "/legacy", "op": "removed", "before": "yes", "after": null},
            ],
            "unified": "--- a\n+++ b\n@@ -1 +1 @@\n-timeout: 30\n+timeout: 45\n"
        });
        assert_eq!(
            diff_lines(&body).join("\n"),
            "~ /timeout: 30 -> 45\n\
             + /retries: {\"max\":3}\n\
             - /legacy: \"yes\"\n\
             \n\
             --- a\n+++ b\n@@ -1 +1 @@\n-timeout: 30\n+timeout: 45"
        );
        let same = json!({"from": "a", "to": "a", "changes": [], "unified": ""});
        assert!(diff_lines(&same).is_empty());
    }

    #[test]
    fn revisions_show_their_original_text() {
        let body = json!({"id": "i", "name": "payments", "revision": 2, "hash": "h",
            "target": "payment-api@3.2.1", "format": "yaml", "created_at": "t",
            "data": {"a": 1}, "original": "a: 1\n"});
        let lines = revision_lines(&body);
        assert_eq!(lines[0], "name      payments");
        assert_eq!(lines[1], "revision  2");
        assert_eq!(lines.last().unwrap(), "a: 1");
    }
}
