//! `promote`: what one environment runs, with its bound configs, copied to another. The plan is
//! asked for (a dry run) and printed in words first; only then is it applied.

use super::deployments::plan_lines;
use crate::args::{GlobalArgs, PromoteArgs};
use crate::client::Client;
use crate::error::{exit, CliError};
use crate::output::{self, out, show, OutputFormat};
use versiqii_api::v1::{PromotionPlan, PromotionRequest};

pub fn run(global: &GlobalArgs, args: &PromoteArgs) -> Result<(), CliError> {
    let mut body = PromotionRequest {
        from: args.from.clone(),
        to: args.to.clone(),
        targets: args.targets.clone(),
        dry_run: true,
        force: args.force,
    };
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let planned = client.promote(&body)?;
    let table = matches!(global.output, OutputFormat::Table);
    if table {
        for line in plan_in_words(&planned) {
            out(&line)?;
        }
    }
    let done = planned.targets.is_empty();
    let refused = !planned.safe && !args.force;
    let result = if args.dry_run || done || refused {
        planned
    } else {
        body.dry_run = false;
        client.promote(&body)?
    };
    match global.output {
        OutputFormat::Json => output::print_json_of(&result)?,
        OutputFormat::Table => out(outcome(&result, args.dry_run))?,
    }
    // A dry run of an unsafe plan is a refusal too, so CI can gate on the exit code.
    if !result.applied && !result.safe {
        return Err(CliError::Reported(exit::REJECTED));
    }
    Ok(())
}

/// The plan in words: one line for the whole, then each target's plan as `env set-target`
/// prints it (without its outcome line), with the config it binds.
pub fn plan_in_words(plan: &PromotionPlan) -> Vec<String> {
    let mut lines =
        vec![plan.summary.lines().next().map(show).unwrap_or_else(|| {
            format!("promotion from {} to {}", show(&plan.from), show(&plan.to))
        })];
    for target in &plan.targets {
        let mut own = plan_lines(&target.plan, true);
        own.pop();
        lines.extend(own);
        if let Some(config) = &target.config {
            lines.push(format!(
                "binds {}#{}{}",
                show(&config.config),
                show(&config.revision),
                if config.migrated { " (migrated)" } else { "" }
            ));
        }
    }
    if !plan.unchanged.is_empty() {
        let names: Vec<String> = plan.unchanged.iter().map(show).collect();
        lines.push(format!("unchanged: {}", names.join(", ")));
    }
    lines
}

fn outcome(plan: &PromotionPlan, dry_run: bool) -> &'static str {
    match (plan.targets.is_empty(), plan.applied, plan.forced, dry_run) {
        (true, ..) => "nothing to promote",
        (_, true, true, _) => "applied (forced: drift recorded)",
        (_, true, false, _) => "applied",
        (_, false, _, true) => "dry run: nothing changed",
        (_, false, _, false) => "refused: nothing changed (use --force to promote anyway)",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{Cli, Command};
    use clap::Parser;
    use serde_json::json;

    fn plan(safe: bool) -> PromotionPlan {
        serde_json::from_value(json!({
            "from": "staging", "to": "prod", "safe": safe, "applied": false, "forced": false,
            "unchanged": ["auth"],
            "summary": "promotion of 1 target(s) from staging to prod: 1 problem(s)\nmore",
            "targets": [{
                "env": "prod", "target": "payment-api", "from_version": null,
                "to_version": "4.0.0", "safe": safe, "applied": false, "forced": false,
                "problems": [], "migrations": [],
                "summary": "payment-api in prod: (none) -> 4.0.0: nothing breaks",
                "config": {"config": "payments", "revision": 3,
                           "revision_id": "0b6f1c9e-4a53-4c8e-9d7a-2f1e8b3c5d40",
                           "migrated": true}}]}))
        .unwrap()
    }

    #[test]
    fn the_plan_is_told_target_by_target() {
        assert_eq!(
            plan_in_words(&plan(true)),
            vec![
                "promotion of 1 target(s) from staging to prod: 1 problem(s)",
                "plan for payment-api in prod: (none) -> 4.0.0",
                "payment-api in prod: (none) -> 4.0.0: nothing breaks",
                "binds payments#3 (migrated)",
                "unchanged: auth",
            ]
        );
        assert_eq!(
            outcome(&plan(false), false),
            "refused: nothing changed (use --force to promote anyway)"
        );
        assert_eq!(outcome(&plan(false), true), "dry run: nothing changed");
    }

    #[test]
    fn targets_repeat() {
        let cli = Cli::try_parse_from([
            "versiqii",
            "promote",
            "--from",
            "staging",
            "--to",
            "prod",
            "--target",
            "a",
            "--target",
            "b",
            "--dry-run",
        ])
        .unwrap();
        let Command::Promote(args) = cli.command else {
            panic!("not promote");
        };
        assert_eq!(args.targets, ["a", "b"]);
        assert!(args.dry_run && !args.force);
    }
}
