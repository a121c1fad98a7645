//! `envs create | list`: the environments configs are bound to. `set-target` and
//! `history` (deployments) live in `deployments`.

use super::shared::{items, print_list, text_field, Column};
use crate::args::{CreateEnvArgs, EnvsCommand, GlobalArgs};
use crate::client::Client;
use crate::error::{one_line, CliError};
use crate::output::{self, cell, out, OutputFormat};
use serde_json::json;

pub fn run(global: &GlobalArgs, command: EnvsCommand) -> Result<(), CliError> {
    match command {
        EnvsCommand::Create(args) => create(global, &args),
        EnvsCommand::List => list(global),
        EnvsCommand::SetTarget(args) => super::deployments::set_target(global, &args),
        EnvsCommand::History(args) => super::deployments::history(global, &args),
    }
}

fn create(global: &GlobalArgs, args: &CreateEnvArgs) -> Result<(), CliError> {
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let value = client.post("/v1/envs", &json!({ "name": args.name }))?;
    let name = text_field(&value, "name", "environment creation")?;
    match global.output {
        OutputFormat::Json => output::print_json(&value),
        OutputFormat::Table => out(&format!("created environment {}", one_line(&name))),
    }
}

fn list(global: &GlobalArgs) -> Result<(), CliError> {
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let value = client.get("/v1/envs")?;
    let items = items(&value, "environment list")?;
    const COLUMNS: [Column; 2] = [
        ("ENV", |e| cell(e.get("name"))),
        ("CREATED", |e| cell(e.get("created_at"))),
    ];
    print_list(global.output, items, &COLUMNS, "no environments")
}
