//! `configs create | list | show | history | diff`: content-addressed config revisions.

use super::shared::{
    compact, fields, multi_line, parse_id, parse_target_version, print_list, read_source,
    short_hash, Column, Source,
};
use crate::args::GlobalArgs;
use crate::args::{ConfigFormat, ConfigIdArgs, ConfigsCommand, CreateConfigArgs, DiffConfigsArgs};
use crate::client::Client;
use crate::error::{one_line, CliError};
use crate::output::{self, note, out, show, OutputFormat};
use serde_json::Value;
use versiqii_api::v1::{
    ConfigDiff, ConfigRevisionView, ConfigSummaryView, DiffQuery, NewConfigRequest, PathChangeView,
};

pub fn run(global: &GlobalArgs, command: ConfigsCommand) -> Result<(), CliError> {
    match command {
        ConfigsCommand::Create(args) => create(global, &args),
        ConfigsCommand::List => list(global),
        ConfigsCommand::Show(args) => show_revision(global, &args),
        ConfigsCommand::History(args) => history(global, &args),
        ConfigsCommand::Diff(args) => diff(global, &args),
    }
}

fn create(global: &GlobalArgs, args: &CreateConfigArgs) -> Result<(), CliError> {
    // Checked here; sent as typed (an id in its canonical form).
    let target = parse_target_version(&args.target)?.to_string();
    let source = read_source(&args.file)?;
    let body = create_body(&target, args.name.as_deref(), args.format, &source);
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let revision = client.create_config(&body)?;
    match global.output {
        OutputFormat::Json => output::print_json_of(&revision),
        OutputFormat::Table => {
            // The ID stands alone on stdout so `C=$(versiqii configs create ...)` works.
            out(&one_line(&revision.id.to_string()))?;
            note(&format!(
                "{} revision {} ({})",
                show(&revision.name),
                show(&revision.revision),
                short_hash(&revision.hash)
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
) -> NewConfigRequest {
    let name = name.map(str::to_owned).or_else(|| source.file_name.clone());
    let format = format
        .map(ConfigFormat::as_str)
        .or_else(|| match source.extension().as_deref() {
            Some("json") => Some("json"),
            Some("yaml" | "yml") => Some("yaml"),
            _ => None,
        });
    NewConfigRequest {
        target: target.to_owned(),
        name,
        content: source.text.clone(),
        format: format.map(str::to_owned),
    }
}

fn list(global: &GlobalArgs) -> Result<(), CliError> {
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let configs = client.configs()?;
    const COLUMNS: [Column<ConfigSummaryView>; 4] = [
        ("NAME", |c| show(&c.name)),
        ("REV", |c| show(&c.latest_revision)),
        ("ID", |c| show(&c.latest_id)),
        ("UPDATED", |c| show(&c.updated_at)),
    ];
    print_list(global.output, &configs.items, &COLUMNS, "no configs")
}

fn show_revision(global: &GlobalArgs, args: &ConfigIdArgs) -> Result<(), CliError> {
    let id = parse_id(&args.id, "config ID")?;
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let revision = client.config_revision(id)?;
    match global.output {
        OutputFormat::Json => output::print_json_of(&revision),
        OutputFormat::Table => out(&revision_lines(&revision).join("\n")),
    }
}

fn revision_lines(r: &ConfigRevisionView) -> Vec<String> {
    let mut lines = fields(&[
        ("name", show(&r.name)),
        ("revision", show(&r.revision)),
        ("id", show(&r.id)),
        ("target", show(&r.target)),
        ("hash", show(&r.hash)),
        ("format", show(&r.format)),
        ("created", show(&r.created_at)),
    ]);
    lines.push(String::new());
    match &r.original {
        Some(original) => lines.push(multi_line(original)),
        // Without the original text, the canonical data is the next best thing.
        None => lines.push(compact(Some(&r.data))),
    }
    lines
}

fn history(global: &GlobalArgs, args: &ConfigIdArgs) -> Result<(), CliError> {
    let id = parse_id(&args.id, "config ID")?;
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let revisions = client.config_history(id)?;
    const COLUMNS: [Column<ConfigRevisionView>; 5] = [
        ("REV", |r| show(&r.revision)),
        ("ID", |r| show(&r.id)),
        ("HASH", |r| short_hash(&r.hash)),
        ("TARGET", |r| show(&r.target)),
        ("CREATED", |r| show(&r.created_at)),
    ];
    print_list(global.output, &revisions.items, &COLUMNS, "no revisions")
}

fn diff(global: &GlobalArgs, args: &DiffConfigsArgs) -> Result<(), CliError> {
    let query = DiffQuery {
        from: parse_id(&args.from, "config ID")?,
        to: parse_id(&args.to, "config ID")?,
    };
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let diff = client.config_diff(&query)?;
    match global.output {
        OutputFormat::Json => output::print_json_of(&diff),
        OutputFormat::Table => {
            let lines = diff_lines(&diff);
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
fn diff_lines(diff: &ConfigDiff) -> Vec<String> {
    let mut lines: Vec<String> = diff.changes.iter().map(change_line).collect();
    if diff.truncated {
        lines.push(format!(
            "(the diff stops at the server's limits: {} changes listed; compare the revisions for the rest)",
            diff.changes.len()
        ));
    }
    let unified = multi_line(&diff.unified);
    if !unified.is_empty() {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.push(unified);
    }
    lines
}

fn change_line(change: &PathChangeView) -> String {
    let pointer = match change.pointer.as_str() {
        "" => "(root)".to_owned(),
        pointer => one_line(pointer),
    };
    // A JSON `null` (the wire's "no value") reads back as `None`; it prints as it was sent.
    let value = |v: &Option<Value>| compact(Some(v.as_ref().unwrap_or(&Value::Null)));
    let before = value(&change.before);
    let after = value(&change.after);
    match change.op.as_str() {
        "added" => format!("+ {pointer}: {after}"),
        "removed" => format!("- {pointer}: {before}"),
        "changed" => format!("~ {pointer}: {before} -> {after}"),
        "" => format!("? {pointer}: unknown change ({before} -> {after})"),
        other => format!("? {pointer}: {} ({before} -> {after})", one_line(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn wire(body: &NewConfigRequest) -> Value {
        serde_json::to_value(body).unwrap()
    }

    const ID: &str = "0b6f1c9e-4a53-4c8e-9d7a-2f1e8b3c5d40";

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
        let body = wire(&create_body("payment-api@3.2.1", None, None, &file));
        assert_eq!(
            body,
            json!({"target": "payment-api@3.2.1", "name": "payment_service.yaml",
                   "content": "currency: EUR\n", "format": "yaml"})
        );

        let stdin = source("{\"a\": 1}", None);
        let body = wire(&create_body("t@1", None, None, &stdin));
        assert_eq!(body["name"], Value::Null);
        assert_eq!(body["format"], Value::Null);
        assert_eq!(body["content"], "{\"a\": 1}");

        let named = wire(&create_body(
            "t@1",
            Some("payments"),
            Some(ConfigFormat::Json),
            &file,
        ));
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
        let body = wire(&create_body("t@1", None, None, &file));
        assert_eq!(body["name"], "settings.conf");
        assert_eq!(body["format"], Value::Null);
        let yml = source("a: 1", Some("x.YML"));
        assert_eq!(
            wire(&create_body("t@1", None, None, &yml))["format"],
            "yaml"
        );
    }

    #[test]
    fn diffs_render_changes_then_the_unified_text() {
        let body: ConfigDiff = serde_json::from_value(json!({
            "from": ID, "to": ID,
            "changes": [
                {"pointer": "/timeout", "op": "changed", "before": 30, "after": 45},
                {"pointer": "/retries", "op": "added", "before": null, "after": {"max": 3}},
                {"pointer": "/legacy", "op": "removed", "before": "yes", "after": null},
            ],
            "unified": "--- a\n+++ b\n@@ -1 +1 @@\n-timeout: 30\n+timeout: 45\n"
        }))
        .unwrap();
        assert_eq!(
            diff_lines(&body).join("\n"),
            "~ /timeout: 30 -> 45\n\
             + /retries: {\"max\":3}\n\
             - /legacy: \"yes\"\n\
             \n\
             --- a\n+++ b\n@@ -1 +1 @@\n-timeout: 30\n+timeout: 45"
        );
        let same: ConfigDiff =
            serde_json::from_value(json!({"from": ID, "to": ID, "changes": [], "unified": ""}))
                .unwrap();
        assert!(diff_lines(&same).is_empty());
        let cut: ConfigDiff = serde_json::from_value(json!({"from": ID, "to": ID,
            "changes": [{"pointer": "/a", "op": "added", "before": null, "after": 1}],
            "unified": "", "truncated": true}))
        .unwrap();
        assert_eq!(
            diff_lines(&cut)[1],
            "(the diff stops at the server's limits: 1 changes listed; compare the revisions for the rest)"
        );
    }

    #[test]
    fn a_null_prints_as_null() {
        let change: PathChangeView = serde_json::from_value(
            json!({"pointer": "", "op": "changed", "before": null, "after": 1}),
        )
        .unwrap();
        assert_eq!(change_line(&change), "~ (root): null -> 1");
    }

    #[test]
    fn revisions_show_their_original_text() {
        let body: ConfigRevisionView = serde_json::from_value(json!({"id": ID,
            "name": "payments", "revision": 2, "hash": "h", "target": "payment-api@3.2.1",
            "target_version_id": ID, "format": "yaml", "created_by": "u",
            "created_at": "2025-07-01T00:00:00Z", "parent_id": null,
            "data": {"a": 1}, "original": "a: 1\n"}))
        .unwrap();
        let lines = revision_lines(&body);
        assert_eq!(lines[0], "name      payments");
        assert_eq!(lines[1], "revision  2");
        assert_eq!(lines.last().unwrap(), "a: 1");
    }
}
