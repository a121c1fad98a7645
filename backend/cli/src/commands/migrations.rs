//! `migrations add | list`: lenses and WASM modules on the edges between schema versions.

use super::shared::{encode, expect_object, items, print_list, read_source, Column};
use crate::args::{AddMigrationArgs, GlobalArgs, ListMigrationsArgs, MigrationsCommand};
use crate::client::Client;
use crate::error::{exit, CliError};
use crate::output::{self, cell, out, OutputFormat};
use base64::Engine;
use serde_json::{json, Value};

pub fn run(global: &GlobalArgs, command: MigrationsCommand) -> Result<(), CliError> {
    match command {
        MigrationsCommand::Add(args) => add(global, &args),
        MigrationsCommand::List(args) => list(global, &args),
    }
}

fn add(global: &GlobalArgs, args: &AddMigrationArgs) -> Result<(), CliError> {
    let mut body = json!({
        "from": args.from,
        "to": args.to,
        "dry_run": args.dry_run,
    });
    if let Some(path) = &args.lens {
        body["lens"] = Value::String(read_source(path)?.text);
    } else if let Some(path) = &args.wasm {
        let bytes =
            std::fs::read(path).map_err(|e| CliError::usage(format!("cannot read {path}: {e}")))?;
        // Modules are binary; the API takes them base64-encoded.
        body["wasm"] = Value::String(base64::engine::general_purpose::STANDARD.encode(&bytes));
    }
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let value = client.post(
        &format!("/v1/families/{}/migrations", encode(&args.family)),
        &body,
    )?;
    expect_object(&value, "migration")?;
    match global.output {
        OutputFormat::Json => output::print_json(&value)?,
        OutputFormat::Table => {
            for line in added_lines(&value) {
                out(&line)?;
            }
        }
    }
    if value.get("failing").and_then(Value::as_u64).unwrap_or(0) > 0 {
        return Err(CliError::Reported(exit::REJECTED));
    }
    Ok(())
}

fn added_lines(value: &Value) -> Vec<String> {
    let stored = value.get("stored").and_then(Value::as_bool) == Some(true);
    let mut lines = vec![format!(
        "{} {} migration {} {} -> {} ({})",
        if stored { "added" } else { "dry run of" },
        cell(value.get("kind")),
        cell(value.get("family")),
        cell(value.get("from")),
        cell(value.get("to")),
        cell(value.get("hash")).chars().take(12).collect::<String>(),
    )];
    let results = value
        .get("dry_run")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    if results.is_empty() {
        lines.push("no configs are bound with the from-version".into());
    }
    for r in results {
        let ok = r.get("ok").and_then(Value::as_bool) == Some(true);
        lines.push(format!(
            "  {} {} in {} ({})",
            if ok { "ok  " } else { "FAIL" },
            cell(r.get("config")),
            cell(r.get("env")),
            cell(r.get("target")),
        ));
        if let Some(error) = r.get("error").and_then(Value::as_str) {
            lines.push(format!("       {error}"));
        }
        for v in r
            .get("violations")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let pointer = cell(v.get("pointer"));
            lines.push(format!(
                "       {}: {}",
                if pointer.is_empty() { "/" } else { &pointer },
                cell(v.get("message"))
            ));
        }
    }
    lines
}

/// A migrated config in words, then its diff.
pub fn migrated_lines(migrated: &Value) -> Vec<String> {
    let steps = migrated
        .get("steps")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let path: Vec<String> = steps
        .iter()
        .map(|s| format!("{} {}", cell(s.get("kind")), cell(s.get("direction"))))
        .collect();
    let target = match migrated.get("revision") {
        Some(Value::Number(n)) => format!(" as #{n}"),
        _ => String::new(),
    };
    let mut lines = vec![format!(
        "migrated {}#{} from {} to {}{target} ({})",
        cell(migrated.get("config")),
        cell(migrated.get("from_revision")),
        cell(migrated.get("from_schema")),
        cell(migrated.get("to_schema")),
        path.join(", "),
    )];
    if let Some(diff) = migrated.get("diff").and_then(Value::as_str) {
        lines.extend(diff.lines().map(|l| format!("    {l}")));
    }
    lines
}

fn list(global: &GlobalArgs, args: &ListMigrationsArgs) -> Result<(), CliError> {
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let value = client.get(&format!("/v1/families/{}/migrations", encode(&args.family)))?;
    let items = items(&value, "migration list")?;
    const COLUMNS: [Column; 5] = [
        ("FROM", |m| cell(m.get("from"))),
        ("TO", |m| cell(m.get("to"))),
        ("KIND", |m| cell(m.get("kind"))),
        ("BY", |m| cell(m.get("created_by"))),
        ("AT", |m| cell(m.get("created_at"))),
    ];
    print_list(global.output, items, &COLUMNS, "no migrations")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dry_run_lists_each_bound_config() {
        let value = json!({"stored": false, "kind": "lens", "family": "payments",
            "from": "1.0.0", "to": "2.0.0", "hash": "abcdef0123456789",
            "dry_run": [
                {"env": "prod", "target": "api", "config": "api#2", "ok": true},
                {"env": "dev", "target": "api", "config": "api#3", "ok": false,
                 "violations": [{"pointer": "/timeout_ms", "message": "\"x\" is not of type integer"}]}
            ], "failing": 1});
        assert_eq!(
            added_lines(&value),
            vec![
                "dry run of lens migration payments 1.0.0 -> 2.0.0 (abcdef012345)",
                "  ok   api#2 in prod (api)",
                "  FAIL api#3 in dev (api)",
                "       /timeout_ms: \"x\" is not of type integer",
            ]
        );
    }

    #[test]
    fn migrated_configs_show_their_steps_and_diff() {
        let value = json!({"config": "api", "from_revision": 1, "revision": 2,
            "from_schema": "payments@1.0.0", "to_schema": "payments@2.0.0",
            "steps": [{"kind": "lens", "direction": "up"}],
            "diff": "--- a\n+++ b\n-  \"timeout\": 30\n+  \"timeout_ms\": 30\n"});
        assert_eq!(
            migrated_lines(&value),
            vec![
                "migrated api#1 from payments@1.0.0 to payments@2.0.0 as #2 (lens up)",
                "    --- a",
                "    +++ b",
                "    -  \"timeout\": 30",
                "    +  \"timeout_ms\": 30",
            ]
        );
    }
}
