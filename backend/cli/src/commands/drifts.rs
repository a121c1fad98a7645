//! `drifts list`: the drift matrix, one row per environment and target, with the four
//! dimensions in which what runs can differ from what should run.

use super::shared::{print_list, Column};
use crate::args::{DriftsCommand, GlobalArgs, ListDriftsArgs};
use crate::client::Client;
use crate::error::CliError;
use crate::output::show;
use versiqii_api::v1::{DriftQuery, DriftRow};

pub fn run(global: &GlobalArgs, command: DriftsCommand) -> Result<(), CliError> {
    match command {
        DriftsCommand::List(args) => list(global, &args),
    }
}

fn list(global: &GlobalArgs, args: &ListDriftsArgs) -> Result<(), CliError> {
    let query = DriftQuery {
        env: args.env.clone(),
        target: args.target.clone(),
        dimension: args.dimension.map(|d| d.as_str().to_owned()),
    };
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let matrix = client.drifts(&query)?;
    print_list(
        global.output,
        &matrix.items,
        &DRIFT_COLUMNS,
        "no drift rows",
    )
}

/// `DRIFT` where the row drifts in a dimension, `-` where it does not.
fn flag(drifts: bool) -> String {
    if drifts { "DRIFT" } else { "-" }.to_owned()
}

/// The first CONFIG column is the bound config revision, the second its drift flag.
const DRIFT_COLUMNS: [Column<DriftRow>; 9] = [
    ("ENV", |r| show(&r.env)),
    ("TARGET", |r| show(&r.target)),
    ("DESIRED", |r| show(&r.desired_version)),
    ("OBSERVED", |r| show(&r.observed_version)),
    ("CONFIG", |r| show(&r.bound_config)),
    ("SCHEMA", |r| flag(r.dimensions.schema)),
    ("DEPENDENCY", |r| flag(r.dimensions.dependency)),
    ("CONFIG", |r| flag(r.dimensions.config)),
    ("ENVIRONMENT", |r| flag(r.dimensions.environment)),
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
        let items: Vec<DriftRow> = serde_json::from_value(json!([
            {"env": "prod-eu", "target": "payment-api", "desired_version": "4.0.0",
                "observed_version": "3.2.1", "bound_config": "payments#3",
                "dimensions": {"schema": true, "dependency": false, "config": false,
                    "environment": true},
                "details": ["observed 3.2.1, desired 4.0.0"]},
            {"env": "staging", "target": "auth", "desired_version": "1.6.0",
                "observed_version": null, "bound_config": null,
                "dimensions": {"schema": false, "dependency": false, "config": false,
                    "environment": false},
                "details": []},
        ]))
        .unwrap();
        assert_eq!(
            list_table(&items, &DRIFT_COLUMNS),
            "ENV      TARGET       DESIRED  OBSERVED  CONFIG      SCHEMA  DEPENDENCY  CONFIG  \
             ENVIRONMENT\n\
             prod-eu  payment-api  4.0.0    3.2.1     payments#3  DRIFT   -           -       \
             DRIFT\n\
             staging  auth         1.6.0    -         -           -       -           -       -"
        );
        assert_eq!(flag(false), "-");
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
