//! `audit list`: the tenant's hash-chained audit log, newest first.

use super::shared::{items, print_list, Column};
use crate::args::{AuditCommand, AuditListArgs, GlobalArgs};
use crate::client::Client;
use crate::error::CliError;
use crate::output::cell;

pub fn run(global: &GlobalArgs, command: AuditCommand) -> Result<(), CliError> {
    match command {
        AuditCommand::List(args) => list(global, &args),
    }
}

fn list(global: &GlobalArgs, args: &AuditListArgs) -> Result<(), CliError> {
    let path = match args.limit {
        Some(limit) => format!("/v1/audit?limit={limit}"),
        None => "/v1/audit".to_owned(),
    };
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let value = client.get(&path)?;
    let items = items(&value, "audit log")?;
    const COLUMNS: [Column; 5] = [
        ("SEQ", |e| cell(e.get("seq"))),
        ("AT", |e| cell(e.get("at"))),
        ("ACTOR", |e| cell(e.get("actor"))),
        ("ACTION", |e| cell(e.get("action"))),
        ("OBJECT", |e| cell(e.get("object"))),
    ];
    print_list(global.output, items, &COLUMNS, "no audit events")
}
