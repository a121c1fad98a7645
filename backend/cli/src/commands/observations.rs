//! `report`: what actually runs in an environment, as observed by a deploy tool or agent.

use crate::args::{GlobalArgs, ReportArgs};
use crate::client::Client;
use crate::error::CliError;
use crate::output::{self, out, show, OutputFormat};
use versiqii_api::v1::{ObservationRequest, ObservationView};

pub fn report(global: &GlobalArgs, args: &ReportArgs) -> Result<(), CliError> {
    let body = ObservationRequest {
        target: args.target.clone(),
        version: args.version.clone(),
        config_hash: args.config_hash.clone(),
    };
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let observation = client.record_observation(&args.env, &body)?;
    match global.output {
        OutputFormat::Json => output::print_json_of(&observation),
        OutputFormat::Table => out(&reported_line(&observation)),
    }
}

fn reported_line(observation: &ObservationView) -> String {
    format!(
        "reported {}@{} in {}",
        show(&observation.target),
        show(&observation.version),
        show(&observation.env),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{Cli, Command};
    use clap::Parser;
    use serde_json::json;

    #[test]
    fn observations_are_summarised_in_one_line() {
        let body: ObservationView = serde_json::from_value(json!({
            "id": "0b6f1c9e-4a53-4c8e-9d7a-2f1e8b3c5d40", "env": "prod-eu",
            "target": "payment-api", "version": "3.2.1", "config_hash": null,
            "observed_at": "2025-07-01T00:00:00Z"}))
        .unwrap();
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
