//! `migrations add | list`: lenses and WASM modules on the edges between schema versions.

use super::shared::{print_list, read_source, Column};
use crate::args::{AddMigrationArgs, GlobalArgs, ListMigrationsArgs, MigrationsCommand};
use crate::client::Client;
use crate::error::{exit, CliError};
use crate::output::{self, out, show, OutputFormat};
use base64::Engine;
use versiqii_api::v1::{MigratedConfig, MigrationView, NewMigrationRequest};

pub fn run(global: &GlobalArgs, command: MigrationsCommand) -> Result<(), CliError> {
    match command {
        MigrationsCommand::Add(args) => add(global, &args),
        MigrationsCommand::List(args) => list(global, &args),
    }
}

fn add(global: &GlobalArgs, args: &AddMigrationArgs) -> Result<(), CliError> {
    let mut body = NewMigrationRequest {
        from: args.from.clone(),
        to: args.to.clone(),
        lens: None,
        wasm: None,
        dry_run: args.dry_run,
    };
    if let Some(path) = &args.lens {
        body.lens = Some(read_source(path)?.text);
    } else if let Some(path) = &args.wasm {
        let bytes =
            std::fs::read(path).map_err(|e| CliError::usage(format!("cannot read {path}: {e}")))?;
        // Modules are binary; the API takes them base64-encoded.
        body.wasm = Some(base64::engine::general_purpose::STANDARD.encode(&bytes));
    }
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let migration = client.add_migration(&args.family, &body)?;
    match global.output {
        OutputFormat::Json => output::print_json_of(&migration)?,
        OutputFormat::Table => {
            for line in added_lines(&migration) {
                out(&line)?;
            }
        }
    }
    if migration.failing > 0 {
        return Err(CliError::Reported(exit::REJECTED));
    }
    Ok(())
}

fn added_lines(m: &MigrationView) -> Vec<String> {
    let mut lines = vec![format!(
        "{} {} migration {} {} -> {} ({})",
        if m.stored { "added" } else { "dry run of" },
        show(&m.kind),
        show(&m.family),
        show(&m.from),
        show(&m.to),
        show(&m.hash).chars().take(12).collect::<String>(),
    )];
    if m.dry_run.is_empty() {
        lines.push("no configs are bound with the from-version".into());
    }
    for r in &m.dry_run {
        lines.push(format!(
            "  {} {} in {} ({})",
            if r.ok { "ok  " } else { "FAIL" },
            show(&r.config),
            show(&r.env),
            show(&r.target),
        ));
        if let Some(error) = &r.error {
            lines.push(format!("       {error}"));
        }
        for v in &r.violations {
            let pointer = show(&v.pointer);
            lines.push(format!(
                "       {}: {}",
                if pointer.is_empty() { "/" } else { &pointer },
                show(&v.message)
            ));
        }
    }
    lines
}

/// A migrated config in words, then its diff.
pub fn migrated_lines(migrated: &MigratedConfig) -> Vec<String> {
    let path: Vec<String> = migrated
        .steps
        .iter()
        .map(|s| format!("{} {}", show(&s.kind), s.direction))
        .collect();
    let target = match migrated.revision {
        Some(n) => format!(" as #{n}"),
        None => String::new(),
    };
    let mut lines = vec![format!(
        "migrated {}#{} from {} to {}{target} ({})",
        show(&migrated.config),
        show(&migrated.from_revision),
        show(&migrated.from_schema),
        show(&migrated.to_schema),
        path.join(", "),
    )];
    lines.extend(migrated.diff.lines().map(|l| format!("    {l}")));
    lines
}

fn list(global: &GlobalArgs, args: &ListMigrationsArgs) -> Result<(), CliError> {
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let migrations = client.migrations(&args.family)?;
    const COLUMNS: [Column<MigrationView>; 5] = [
        ("FROM", |m| show(&m.from)),
        ("TO", |m| show(&m.to)),
        ("KIND", |m| show(&m.kind)),
        ("BY", |m| show(&m.created_by)),
        ("AT", |m| show(&m.created_at)),
    ];
    print_list(global.output, &migrations.items, &COLUMNS, "no migrations")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ID: &str = "0b6f1c9e-4a53-4c8e-9d7a-2f1e8b3c5d40";

    #[test]
    fn a_dry_run_lists_each_bound_config() {
        let value: MigrationView = serde_json::from_value(json!({"id": null,
            "stored": false, "kind": "lens", "family": "payments", "created_by": null,
            "created_at": null, "not_dry_run": 0,
            "from": "1.0.0", "to": "2.0.0", "hash": "abcdef0123456789",
            "dry_run": [
                {"env": "prod", "target": "api", "config": "api#2", "ok": true},
                {"env": "dev", "target": "api", "config": "api#3", "ok": false,
                 "violations": [{"pointer": "/timeout_ms", "keyword": "type",
                     "message": "\"x\" is not of type integer"}]}
            ], "failing": 1}))
        .unwrap();
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
        let value: MigratedConfig = serde_json::from_value(json!({"config": "api",
            "from_revision": 1, "from_revision_id": ID, "revision": 2,
            "from_schema": "payments@1.0.0", "to_schema": "payments@2.0.0",
            "steps": [{"migration_id": ID, "kind": "lens", "direction": "up",
                "from": "payments@1.0.0", "to": "payments@2.0.0"}],
            "diff": "--- a\n+++ b\n-  \"timeout\": 30\n+  \"timeout_ms\": 30\n"}))
        .unwrap();
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
