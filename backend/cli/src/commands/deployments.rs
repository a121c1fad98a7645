//! `env set-target | history` and `rollback`: which target version each environment should
//! run, and the plan the server checks before moving it.

use super::shared::{multi_line, parse_id, print_list, Column};
use crate::args::{GlobalArgs, HistoryArgs, RollbackArgs, SetTargetArgs};
use crate::client::Client;
use crate::error::{exit, CliError};
use crate::output::{self, out, show, OutputFormat};
use versiqii_api::v1::{DeploymentView, HistoryQuery, Plan, RollbackRequest, SetVersionRequest};

/// A safe plan is applied (or, in a dry run, only printed). An unsafe one comes back as
/// a 409 `deployment_refused` whose plan the error report prints; with --force it is
/// applied anyway and the drift matrix shows it.
pub fn set_target(global: &GlobalArgs, args: &SetTargetArgs) -> Result<(), CliError> {
    let body = SetVersionRequest {
        version: args.version.clone(),
        dry_run: args.dry_run,
        force: args.force,
    };
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let plan = client.set_version(&args.env, &args.target, &body)?;
    match global.output {
        OutputFormat::Json => output::print_json_of(&plan)?,
        OutputFormat::Table => {
            for line in plan_lines(&plan, args.dry_run) {
                out(&line)?;
            }
        }
    }
    // A dry run of an unsafe plan is a refusal too, so CI can gate on the exit code.
    if !plan.applied && !plan.safe {
        return Err(CliError::Reported(exit::REJECTED));
    }
    Ok(())
}

/// A plan in words: `plan for <target> in <env>: <from> -> <to>`, the server's summary
/// (or, without one, `  - <kind>: <message>` per problem), then what became of it.
/// `dry_run` says whether the request only asked for the plan.
pub fn plan_lines(plan: &Plan, dry_run: bool) -> Vec<String> {
    let from = match &plan.from_version {
        None => "(none)".to_owned(),
        Some(from) => show(from),
    };
    let mut lines = vec![format!(
        "plan for {} in {}: {from} -> {}",
        show(&plan.target),
        show(&plan.env),
        show(&plan.to_version),
    )];
    let summary = multi_line(&plan.summary);
    if summary.trim().is_empty() {
        lines.extend(
            plan.problems
                .iter()
                .map(|problem| format!("  - {}: {}", show(&problem.kind), show(&problem.message))),
        );
    } else {
        lines.extend(
            summary
                .lines()
                .filter(|line| !line.trim().is_empty())
                .map(str::to_owned),
        );
    }
    for migrated in &plan.migrations {
        lines.extend(super::migrations::migrated_lines(migrated));
    }
    lines.push(
        match (plan.applied, plan.forced, dry_run) {
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
        .map(|raw| parse_id(raw, "deployment ID"))
        .transpose()?;
    let body = RollbackRequest {
        to_version: args.to_version.clone(),
        to_deployment,
        dry_run: args.dry_run,
        force: args.force,
    };
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let rollback = client.rollback(&args.env, &args.target, &body)?;
    match global.output {
        OutputFormat::Json => output::print_json_of(&rollback)?,
        OutputFormat::Table => {
            let mut lines = plan_lines(&rollback.plan, args.dry_run);
            if let Some(config) = &rollback.config {
                let verb = if args.dry_run { "would bind" } else { "bound" };
                lines.insert(
                    lines.len() - 1,
                    format!(
                        "{verb} {}#{}{}",
                        show(&config.config),
                        show(&config.revision),
                        if config.migrated { " (migrated)" } else { "" }
                    ),
                );
            }
            for line in lines {
                out(&line)?;
            }
        }
    }
    if !rollback.plan.applied && !rollback.plan.safe {
        return Err(CliError::Reported(exit::REJECTED));
    }
    Ok(())
}

pub fn history(global: &GlobalArgs, args: &HistoryArgs) -> Result<(), CliError> {
    let query = HistoryQuery {
        target: args.target.clone(),
    };
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let deployments = client.deployment_history(&args.env, &query)?;
    print_list(
        global.output,
        &deployments.items,
        &HISTORY_COLUMNS,
        "no deployments",
    )
}

const HISTORY_COLUMNS: [Column<DeploymentView>; 5] = [
    ("TARGET", |d| show(&d.target)),
    ("VERSION", |d| show(&d.version)),
    ("FORCED", |d| if d.forced { "yes" } else { "no" }.to_owned()),
    ("BY", |d| show(&d.created_by)),
    ("AT", |d| show(&d.created_at)),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{Cli, Command, EnvsCommand};
    use crate::commands::shared::list_table;
    use clap::Parser;
    use serde_json::{json, Value};

    fn plan(applied: bool, forced: bool, safe: bool, summary: &str) -> Plan {
        from(
            json!({"env": "prod-eu", "target": "payment-api", "from_version": "3.2.1",
            "to_version": "4.0.0", "applied": applied, "forced": forced, "safe": safe,
            "problems": [
                {"kind": "requires-unmet",
                 "message": "payment-api@4.0.0 requires auth >=2 but prod-eu runs auth@1.6.0"},
                {"kind": "binding-invalid",
                 "message": "payments#3 has 2 violation(s) against OpenAPI-Payments@2025-08"}],
            "summary": summary}),
        )
    }

    fn from<T: serde::de::DeserializeOwned>(value: Value) -> T {
        serde_json::from_value(value).unwrap()
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
        let body: Plan = from(json!({"env": "staging", "target": "auth",
            "from_version": null, "to_version": "1.6.0", "applied": true, "forced": false,
            "safe": true, "problems": [], "summary": "no problems"}));
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
        let items: [DeploymentView; 1] = [from(json!({
            "id": "0b6f1c9e-4a53-4c8e-9d7a-2f1e8b3c5d40", "env": "prod-eu",
            "target": "payment-api", "version": "4.0.0", "forced": true,
            "created_by": "ada@acme.test", "created_at": "2025-07-01T10:00:00Z"}))];
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
