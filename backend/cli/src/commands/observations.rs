//! `report`: what actually runs in an environment, as observed by a deploy tool or agent.

use super::shared::{encode, expect_object};
use crate::args::{GlobalArgs, ReportArgs};
use crate::client::Client;
use crate::error::CliError;
use crate::output::{self, cell, out, OutputFormat};
use serde_json::{json, Value};

pub fn report(global: &GlobalArgs, args: &ReportArgs) -> Result<(), CliError> {
    let body = json!({
        "target": args.target,
        "version": args.version,
        "config_hash": args.config_hash,
    });
    let path = format!("/v1/envs/{}/observations", encode(&args.env));
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let value = client.post(&path, &body)?;
    expect_object(&value, "observation")?;
    match global.output {
        OutputFormat::Json => output::print_json(&value),
        OutputFormat::Table => out(&reported_line(&value)),
    }
}

fn reported_line(observation: &Value) -> String {
    format!(
        "reported {}@{} in {}",
        cell(observation.get("target")),
        cell(observation.get("version")),
        cell(observation.get("env")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{Cli, Command};
    use clap::Parser;

    #[test]
    fn observations_are_summarised_in_one_line() {
        let body = json!({"id": "o", "env": "prod-eu", "target": "payment-api",
            "version": "3.2.1", "config_hash": null, "observed_at": "t"});
        assert_eq!(
            reported_line(&body),
            "reported payment-api@3.2.1 in prod-eu"
        );
    }

    #[test]
    fn report_parses_with_an_optional_config_hash() {
        let cli = Cli::try_parse_from([
            "versiqii",
            "report",
            "--env",
            "prod-eu",
            "--target",
            "payment-api",
            "--version",
            "3.2.1",
        ])
        .unwrap();
        let Command::Report(args) = cli.command else {
            panic!("parsed the wrong command");
        };
        assert_eq!(args.config_hash, None);
        assert!(
            Cli::try_parse_from(["versiqii", "report", "--env", "e", "--target", "t"]).is_err()
        );
    }
}
