//! `graphs link | list | unlink | impact`: version constraints between targets (the
//! version graph) and what a move of one target would break.

use super::shared::{parse_id, parse_name_at_version, parse_target_version, print_list, Column};
use crate::args::{
    GlobalArgs, GraphsCommand, ImpactArgs, LinkArgs, ListConstraintsArgs, UnlinkArgs,
};
use crate::client::Client;
use crate::error::{exit, one_line, CliError};
use crate::output::{self, out, show, OutputFormat};
use serde_json::json;
use versiqii_api::ids::ConstraintId;
use versiqii_api::v1::{
    ConstraintQuery, ConstraintView, ImpactQuery, ImpactView, NewConstraintRequest,
};

pub fn run(global: &GlobalArgs, command: GraphsCommand) -> Result<(), CliError> {
    match command {
        GraphsCommand::Link(args) => link(global, &args),
        GraphsCommand::List(args) => list(global, &args),
        GraphsCommand::Unlink(args) => unlink(global, &args),
        GraphsCommand::Impact(args) => impact(global, &args),
    }
}

/// The body of `POST /v1/constraints`, checked locally so typos fail with exit 2. A
/// constraint that would close a cycle comes back as 409 `constraint_cycle`, whose
/// detail (the cycle) the error line shows.
fn link_body(args: &LinkArgs) -> Result<NewConstraintRequest, CliError> {
    let from = parse_target_version(&args.from)?.to_string();
    let (kind, target) = match (&args.requires, &args.accepts) {
        (Some(target), None) => ("requires", target),
        (None, Some(target)) => ("accepts", target),
        _ => {
            return Err(CliError::usage(
                "pass exactly one of --requires or --accepts",
            ))
        }
    };
    if target.trim().is_empty() {
        return Err(CliError::usage(format!("--{kind} needs a target name")));
    }
    if args.range.trim().is_empty() {
        return Err(CliError::usage(
            "the range is empty; pass one such as '>=1.5, <2'",
        ));
    }
    Ok(NewConstraintRequest {
        from,
        kind: kind.to_owned(),
        target: target.clone(),
        range: args.range.clone(),
    })
}

fn link(global: &GlobalArgs, args: &LinkArgs) -> Result<(), CliError> {
    let body = link_body(args)?;
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let constraint = client.create_constraint(&body)?;
    match global.output {
        OutputFormat::Json => output::print_json_of(&constraint),
        OutputFormat::Table => out(&format!(
            "linked {} {} {} {} ({})",
            show(&constraint.from),
            show(&constraint.kind),
            show(&constraint.target),
            show(&constraint.range),
            one_line(&constraint.id.to_string()),
        )),
    }
}

fn list(global: &GlobalArgs, args: &ListConstraintsArgs) -> Result<(), CliError> {
    let query = ConstraintQuery {
        target: args.target.clone(),
    };
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let constraints = client.constraints(&query)?;
    const COLUMNS: [Column<ConstraintView>; 5] = [
        ("FROM", |c| show(&c.from)),
        ("KIND", |c| show(&c.kind)),
        ("TARGET", |c| show(&c.target)),
        ("RANGE", |c| show(&c.range)),
        ("ID", |c| show(&c.id)),
    ];
    print_list(
        global.output,
        &constraints.items,
        &COLUMNS,
        "no constraints",
    )
}

fn unlink(global: &GlobalArgs, args: &UnlinkArgs) -> Result<(), CliError> {
    let id: ConstraintId = parse_id(&args.id, "constraint ID")?;
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    client.delete_constraint(id)?;
    match global.output {
        OutputFormat::Json => output::print_json(&json!({ "id": id, "unlinked": true })),
        OutputFormat::Table => out(&format!("unlinked {id}")),
    }
}

/// A report, not a verdict: exit 0 whether or not the move is safe, unless the caller
/// asked for --fail-on-break.
fn impact(global: &GlobalArgs, args: &ImpactArgs) -> Result<(), CliError> {
    let (target, version) = parse_name_at_version(&args.target, "target")?.into_parts();
    let query = ImpactQuery { target, version };
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let report = client.impact(&query)?;
    match global.output {
        OutputFormat::Json => output::print_json_of(&report)?,
        OutputFormat::Table => out(&impact_lines(&report).join("\n"))?,
    }
    if args.fail_on_break && !report.safe {
        return Err(CliError::Reported(exit::REJECTED));
    }
    Ok(())
}

/// One block per environment (`<env>: <n> problem(s)`, then its breaks and failing
/// bindings, indented), then `safe` or `unsafe`.
fn impact_lines(report: &ImpactView) -> Vec<String> {
    let mut lines = Vec::new();
    for env in &report.environments {
        lines.push(format!(
            "{}: {} problem(s)",
            show(&env.env),
            env.breaks.len() + env.bindings_failing.len()
        ));
        lines.extend(
            env.breaks
                .iter()
                .map(|item| format!("  {}: {}", show(&item.kind), show(&item.message))),
        );
        lines.extend(env.bindings_failing.iter().map(|item| {
            format!(
                "  binding {} fails with {} violation(s)",
                show(&item.config),
                show(&item.violations)
            )
        }));
    }
    lines.push(if report.safe { "safe" } else { "unsafe" }.to_owned());
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn wire(body: NewConstraintRequest) -> Value {
        serde_json::to_value(body).unwrap()
    }
    use crate::args::Cli;
    use crate::args::Command;
    use clap::Parser;

    fn parse_link(extra: &[&str]) -> Result<LinkArgs, clap::Error> {
        let mut argv = vec!["versiqii", "graphs", "link"];
        argv.extend_from_slice(extra);
        let cli = Cli::try_parse_from(argv)?;
        let Command::Graphs(GraphsCommand::Link(args)) = cli.command else {
            panic!("parsed the wrong command");
        };
        Ok(args)
    }

    #[test]
    fn link_takes_requires_xor_accepts() {
        let args = parse_link(&[
            "--from",
            "payment-api@3.2.1",
            "--requires",
            "auth",
            "--range",
            ">=1.5, <2",
        ])
        .unwrap();
        assert_eq!(
            wire(link_body(&args).unwrap()),
            json!({"from": "payment-api@3.2.1", "kind": "requires", "target": "auth",
                "range": ">=1.5, <2"})
        );

        let args = parse_link(&[
            "--from",
            "0B6F1C9E-4A53-4C8E-9D7A-2F1E8B3C5D40",
            "--accepts",
            "payment-api",
            "--range",
            "^3",
        ])
        .unwrap();
        assert_eq!(
            wire(link_body(&args).unwrap()),
            json!({"from": "0b6f1c9e-4a53-4c8e-9d7a-2f1e8b3c5d40", "kind": "accepts",
                "target": "payment-api", "range": "^3"})
        );

        for bad in [
            &["--from", "a@1", "--range", "^1"][..],
            &[
                "--from",
                "a@1",
                "--requires",
                "b",
                "--accepts",
                "c",
                "--range",
                "^1",
            ][..],
            &["--from", "a@1", "--requires", "b"][..],
            &["--requires", "b", "--range", "^1"][..],
        ] {
            let error = parse_link(bad).unwrap_err();
            assert_eq!(error.exit_code(), 2, "{bad:?}");
        }
    }

    #[test]
    fn link_checks_its_input_locally() {
        for (from, range) in [("payment-api", "^1"), ("@1.0", "^1"), ("a@1", " ")] {
            let args = parse_link(&["--from", from, "--requires", "b", "--range", range]).unwrap();
            assert_eq!(
                link_body(&args).unwrap_err().exit_code(),
                2,
                "{from} {range}"
            );
        }
    }

    #[test]
    fn impact_and_unlink_parse() {
        let cli = Cli::try_parse_from([
            "versiqii",
            "graphs",
            "impact",
            "auth@2.0.0",
            "--fail-on-break",
        ])
        .unwrap();
        let Command::Graphs(GraphsCommand::Impact(args)) = cli.command else {
            panic!("parsed the wrong command");
        };
        assert!(args.fail_on_break);
        assert_eq!(
            parse_name_at_version(&args.target, "target")
                .unwrap()
                .into_parts(),
            ("auth".into(), "2.0.0".into())
        );
        assert!(Cli::try_parse_from(["versiqii", "graphs", "unlink"]).is_err());
    }

    #[test]
    fn impact_reports_each_environment_then_a_verdict() {
        let report: ImpactView = serde_json::from_value(json!({"target": "auth",
            "version": "2.0.0", "safe": false,
            "environments": [
                {"env": "prod-eu",
                 "breaks": [{"kind": "required-by-breaks",
                     "message": "payment-api@3.2.1 requires auth >=1.5, <2"}],
                 "bindings_failing": [{"config": "auth.yaml#4", "violations": 2}]},
                {"env": "staging", "breaks": [], "bindings_failing": []}]}))
        .unwrap();
        assert_eq!(
            impact_lines(&report),
            vec![
                "prod-eu: 2 problem(s)",
                "  required-by-breaks: payment-api@3.2.1 requires auth >=1.5, <2",
                "  binding auth.yaml#4 fails with 2 violation(s)",
                "staging: 0 problem(s)",
                "unsafe",
            ]
        );
        let safe: ImpactView = serde_json::from_value(json!({"target": "auth",
            "version": "1.7.0", "environments": [], "safe": true}))
        .unwrap();
        assert_eq!(impact_lines(&safe), vec!["safe"]);
    }
}
