//! `env set-target | history` and `rollback`: which target version each environment should
//! run, and the plan the server checks before moving it.

use super::shared::{
    encode, expect_object, items, multi_line, parse_uuid, print_list, with_query, Column,
};
use crate::args::{GlobalArgs, HistoryArgs, RollbackArgs, SetTargetArgs};
use crate::client::Client;
use crate::error::{exit, CliError};
use crate::output::{self, cell, out, OutputFormat};
use serde_json::{json, Value};

/// A safe plan is applied (or, in a dry run, only printed). An unsafe one comes back as
/// a 409 `deployment_refused` whose plan the error report prints; with --force it is
/// applied anyway and the drift matrix shows it.
pub fn set_target(global: &GlobalArgs, args: &SetTargetArgs) -> Result<(), CliError> {
    let body = json!({
        "version": args.version,
        "dry_run": args.dry_run,
        "force": args.force,
    });
    let path = format!(
        "/v1/envs/{}/targets/{}/version",
        encode(&args.env),
        encode(&args.target)
    );
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let value = client.put(&path, &body)?;
    expect_object(&value, "deployment plan")?;
    match global.output {
        OutputFormat::Json => output::print_json(&value)?,
        OutputFormat::Table => {
            for line in plan_lines(&value, args.dry_run) {
                out(&line)?;
            }
        }
    }
    // A dry run of an unsafe plan is a refusal too, so CI can gate on the exit code.
    let applied = value.get("applied").and_then(Value::as_bool) == Some(true);
    let safe = value.get("safe").and_then(Value::as_bool);
    if !applied && safe == Some(false) {
        return Err(CliError::Reported(exit::REJECTED));
    }
    Ok(())
}

/// A plan in words: `plan for <target> in <env>: <from> -> <to>`, the server's summary
/// (or, without one, `  - <kind>: <message>` per problem), then what became of it.
/// `dry_run` says whether the request only asked for the plan.
pub fn plan_lines(plan: &Value, dry_run: bool) -> Vec<String> {
    let from = match plan.get("from_version") {
        None | Some(Value::Null) => "(none)".to_owned(),
        from => cell(from),
    };
    let mut lines = vec![format!(
        "plan for {} in {}: {from} -> {}",
        cell(plan.get("target")),
        cell(plan.get("env")),
        cell(plan.get("to_version")),
    )];
    let summary = plan
        .get("summary")
        .and_then(Value::as_str)
        .map(multi_line)
        .unwrap_or_default();
    if summary.trim().is_empty() {
        let problems = plan
            .get("problems")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default();
        lines.extend(problems.iter().map(|problem| {
            format!(
                "  - {}: {}",
                cell(problem.get("kind")),
                cell(problem.get("message"))
            )
        }));
    } else {
        lines.extend(
            summary
                .lines()
                .filter(|line| !line.trim().is_empty())
                .map(str::to_owned),
        );
    }
    for migrated in plan
        .get("migrations")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        lines.extend(super::migrations::migrated_lines(migrated));
    }
    let flag = |key: &str| plan.get(key).and_then(Value::as_bool) == Some(true);
    lines.push(
        match (flag("applied"), flag("forced"), dry_run) {
            (true, true, _) => "applied (forced: drift recorded)",
            (true, false, _) => "applied",
            (false, _, true) => "dry run: nothing changed",
            (false, _, false) => "refused: nothing changed",
        }
        .to_owned(),
    );
    lines
}

/// Like `set_target`: a refused or unsafe plan exits with 1 and prints its problems.
pub fn rollback(global: &GlobalArgs, args: &RollbackArgs) -> Result<(), CliError> {
    let to_deployment = args
        .to_deployment
        .as_deref()
        .map(|raw| parse_uuid(raw, "deployment ID"))
        .transpose()?;
    let body = json!({
        "to_version": args.to_version,
        "to_deployment": to_deployment,
        "dry_run": args.dry_run,
        "force": args.force,
    });
    let path = format!(
        "/v1/envs/{}/targets/{}/rollback",
        encode(&args.env),
        encode(&args.target)
    );
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let value = client.post(&path, &body)?;
    expect_object(&value, "rollback plan")?;
    match global.output {
        OutputFormat::Json => output::print_json(&value)?,
        OutputFormat::Table => {
            let mut lines = plan_lines(&value, args.dry_run);
            if let Some(config) = value.get("config").filter(|c| c.is_object()) {
                let verb = if args.dry_run { "would bind" } else { "bound" };
                lines.insert(
                    lines.len() - 1,
                    format!(
                        "{verb} {}#{}{}",
                        cell(config.get("config")),
                        cell(config.get("revision")),
                        if config.get("migrated").and_then(Value::as_bool) == Some(true) {
                            " (migrated)"
                        } else {
                            ""
                        }
                    ),
                );
            }
            for line in lines {
                out(&line)?;
            }
        }
    }
    let applied = value.get("applied").and_then(Value::as_bool) == Some(true);
    if !applied && value.get("safe").and_then(Value::as_bool) == Some(false) {
        return Err(CliError::Reported(exit::REJECTED));
    }
    Ok(())
}

pub fn history(global: &GlobalArgs, args: &HistoryArgs) -> Result<(), CliError> {
    let path = with_query(
        &format!("/v1/envs/{}/deployments", encode(&args.env)),
        &[("target", args.target.as_deref())],
    );
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let value = client.get(&path)?;
    let items = items(&value, "deployment history")?;
    print_list(global.output, items, &HISTORY_COLUMNS, "no deployments")
}

const HISTORY_COLUMNS: [Column; 5] = [
    ("TARGET", |d| cell(d.get("target"))),
    ("VERSION", |d| cell(d.get("version"))),
    ("FORCED", |d| match d.get("forced") {
        Some(Value::Bool(true)) => "yes".to_owned(),
        Some(Value::Bool(false)) => "no".to_owned(),
        other => cell(other),
    }),
    ("BY", |d| cell(d.get("created_by"))),
    ("AT", |d| cell(d.get("created_at"))),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{Cli, Command, EnvsCommand};
    use crate::commands::shared::list_table;
    use clap::Parser;

    fn plan(applied: bool, forced: bool, safe: bool, summary: &str) -> Value {
        json!({"env": "prod-eu", "target": "payment-api", "from_version": "3.2.1",
            "to_version": "4.0.0", "applied": applied, "forced": forced, "safe": safe,
            "problems": [
                {"kind": "requires-unmet",
                 "message": "payment-api@4.0.0 requires auth >=2 but prod-eu runs auth@1.6.0"},
                {"kind": "binding-invalid",
                 "message": "payments#3 has 2 violation(s) against OpenAPI-Payments@2025-08"}],
            "summary": summary})
    }

    #[test]
    fn plans_print_their_summary_then_their_outcome() {
        let summary = "payment-api 3.2.1 -> 4.0.0 in prod-eu:\n\
            requires-unmet: auth >=2 but prod-eu runs auth@1.6.0\n\
            binding-invalid: payments#3 fails\u{1b}[31m\n";
        assert_eq!(
            plan_lines(&plan(true, true, false, summary), false),
            vec![
                "plan for payment-api in prod-eu: 3.2.1 -> 4.0.0",
                "payment-api 3.2.1 -> 4.0.0 in prod-eu:",
                "requires-unmet: auth >=2 but prod-eu runs auth@1.6.0",
                "binding-invalid: payments#3 fails [31m",
                "applied (forced: drift recorded)",
            ]
        );
    }

    #[test]
    fn plans_without_a_summary_list_their_problems() {
        assert_eq!(
            plan_lines(&plan(false, false, false, ""), true),
            vec![
                "plan for payment-api in prod-eu: 3.2.1 -> 4.0.0",
                "  - requires-unmet: payment-api@4.0.0 requires auth >=2 but prod-eu runs \
                 auth@1.6.0",
                "  - binding-invalid: payments#3 has 2 violation(s) against \
                 OpenAPI-Payments@2025-08",
                "dry run: nothing changed",
            ]
        );
        assert_eq!(
            plan_lines(&plan(false, false, false, ""), false).last(),
            Some(&"refused: nothing changed".to_owned())
        );
    }

    #[test]
    fn first_deployments_come_from_nowhere() {
        let body = json!({"env": "staging", "target": "auth", "from_version": null,
            "to_version": "1.6.0", "applied": true, "forced": false, "safe": true,
            "problems": [], "summary": "no problems"});
        assert_eq!(
            plan_lines(&body, false),
            vec![
                "plan for auth in staging: (none) -> 1.6.0",
                "no problems",
                "applied",
            ]
        );
    }

    #[test]
    fn history_is_a_table() {
        let items = [json!({"id": "d", "env": "prod-eu", "target": "payment-api",
            "version": "4.0.0", "forced": true, "created_by": "ada@acme.test",
            "created_at": "2025-07-01T10:00:00Z"})];
        assert_eq!(
            list_table(&items, &HISTORY_COLUMNS),
            "TARGET       VERSION  FORCED  BY             AT\n\
             payment-api  4.0.0    yes     ada@acme.test  2025-07-01T10:00:00Z"
        );
    }

    #[test]
    fn set_target_parses_under_env_and_envs() {
        for group in ["env", "envs"] {
            let cli = Cli::try_parse_from([
                "versiqii",
                group,
                "set-target",
                "--env",
                "prod-eu",
                "--target",
                "payment-api",
                "--version",
                "4.0.0",
                "--dry-run",
            ])
            .unwrap();
            let Command::Envs(EnvsCommand::SetTarget(args)) = cli.command else {
                panic!("parsed the wrong command");
            };
            assert_eq!(
                (
                    args.env.as_str(),
                    args.target.as_str(),
                    args.version.as_str()
                ),
                ("prod-eu", "payment-api", "4.0.0")
            );
            assert!(args.dry_run && !args.force);
        }
        let missing_version = Cli::try_parse_from([
            "versiqii",
            "env",
            "set-target",
            "--env",
            "e",
            "--target",
            "t",
        ]);
        assert!(missing_version.is_err());
    }
}
