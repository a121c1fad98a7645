//! `envs create | list`: the environments configs are bound to. `set-target` and
//! `history` (deployments) live in `deployments`.

use super::shared::{print_list, Column};
use crate::args::{CreateEnvArgs, EnvsCommand, GlobalArgs};
use crate::client::Client;
use crate::error::{one_line, CliError};
use crate::output::{self, out, show, OutputFormat};
use versiqii_api::v1::{EnvView, NewEnvRequest};

pub fn run(global: &GlobalArgs, command: EnvsCommand) -> Result<(), CliError> {
    match command {
        EnvsCommand::Create(args) => create(global, &args),
        EnvsCommand::List => list(global),
        EnvsCommand::SetTarget(args) => super::deployments::set_target(global, &args),
        EnvsCommand::History(args) => super::deployments::history(global, &args),
        EnvsCommand::Pull(args) => super::env_pull::pull(global, &args),
    }
}

fn create(global: &GlobalArgs, args: &CreateEnvArgs) -> Result<(), CliError> {
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let env = client.create_env(&NewEnvRequest {
        name: args.name.clone(),
    })?;
    match global.output {
        OutputFormat::Json => output::print_json_of(&env),
        OutputFormat::Table => out(&format!("created environment {}", one_line(&env.name))),
    }
}

fn list(global: &GlobalArgs) -> Result<(), CliError> {
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let envs = client.envs()?;
    const COLUMNS: [Column<EnvView>; 2] = [
        ("ENV", |e| show(&e.name)),
        ("CREATED", |e| show(&e.created_at)),
    ];
    print_list(global.output, &envs.items, &COLUMNS, "no environments")
}
