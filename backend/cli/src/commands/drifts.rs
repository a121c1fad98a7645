//! `drifts list`: the drift matrix, one row per environment and target, with the four
//! dimensions in which what runs can differ from what should run.

use super::shared::{items, print_list, with_query, Column};
use crate::args::{DriftsCommand, GlobalArgs, ListDriftsArgs};
use crate::client::Client;
use crate::error::CliError;
use crate::output::cell;
use serde_json::Value;

pub fn run(global: &GlobalArgs, command: DriftsCommand) -> Result<(), CliError> {
    match command {
        DriftsCommand::List(args) => list(global, &args),
    }
}

fn list(global: &GlobalArgs, args: &ListDriftsArgs) -> Result<(), CliError> {
    let path = with_query(
        "/v1/drifts",
        &[
            ("env", args.env.as_deref()),
            ("target", args.target.as_deref()),
            ("dimension", args.dimension.map(|d| d.as_str())),
        ],
    );
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let value = client.get(&path)?;
    let items = items(&value, "drift matrix")?;
    print_list(global.output, items, &DRIFT_COLUMNS, "no drift rows")
}

/// `DRIFT` where the row drifts in `dimension`, `-` where it does not.
fn flag(row: &Value, dimension: &str) -> String {
    let drifts = row
        .get("dimensions")
        .and_then(|dimensions| dimensions.get(dimension))
        .and_then(Value::as_bool);
    if drifts == Some(true) { "DRIFT" } else { "-" }.to_owned()
}

/// The first CONFIG column is the bound config revision, the second its drift flag.
const DRIFT_COLUMNS: [Column; 9] = [
    ("ENV", |r| cell(r.get("env"))),
    ("TARGET", |r| cell(r.get("target"))),
    ("DESIRED", |r| cell(r.get("desired_version"))),
    ("OBSERVED", |r| cell(r.get("observed_version"))),
    ("CONFIG", |r| cell(r.get("bound_config"))),
    ("SCHEMA", |r| flag(r, "schema")),
    ("DEPENDENCY", |r| flag(r, "dependency")),
    ("CONFIG", |r| flag(r, "config")),
    ("ENVIRONMENT", |r| flag(r, "environment")),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{Cli, Command, DriftDimension};
    use crate::commands::shared::list_table;
    use clap::Parser;
    use serde_json::json;

    #[test]
    fn drift_rows_flag_each_dimension() {
        let items = [
            json!({"env": "prod-eu", "target": "payment-api", "desired_version": "4.0.0",
                "observed_version": "3.2.1", "bound_config": "payments#3",
                "dimensions": {"schema": true, "dependency": false, "config": false,
                    "environment": true},
                "details": ["observed 3.2.1, desired 4.0.0"]}),
            json!({"env": "staging", "target": "auth", "desired_version": "1.6.0",
                "observed_version": null, "bound_config": null,
                "dimensions": {"schema": false, "dependency": false, "config": false,
                    "environment": false},
                "details": []}),
        ];
        assert_eq!(
            list_table(&items, &DRIFT_COLUMNS),
            "ENV      TARGET       DESIRED  OBSERVED  CONFIG      SCHEMA  DEPENDENCY  CONFIG  \
             ENVIRONMENT\n\
             prod-eu  payment-api  4.0.0    3.2.1     payments#3  DRIFT   -           -       \
             DRIFT\n\
             staging  auth         1.6.0    -         -           -       -           -       -"
        );
        assert_eq!(flag(&json!({}), "schema"), "-");
    }

    #[test]
    fn drifts_list_filters_parse() {
        let cli = Cli::try_parse_from([
            "versiqii",
            "drifts",
            "list",
            "--env",
            "prod-eu",
            "--dimension",
            "config",
        ])
        .unwrap();
        let Command::Drifts(DriftsCommand::List(args)) = cli.command else {
            panic!("parsed the wrong command");
        };
        assert_eq!(args.dimension, Some(DriftDimension::Config));
        assert_eq!(args.target, None);
        assert!(
            Cli::try_parse_from(["versiqii", "drifts", "list", "--dimension", "owner"]).is_err()
        );
    }
}
