//! `audit list`: the tenant's hash-chained audit log, newest first.

use super::shared::{print_list, Column};
use crate::args::{AuditCommand, AuditListArgs, GlobalArgs};
use crate::client::Client;
use crate::error::CliError;
use crate::output::show;
use versiqii_api::v1::{AuditEventView, AuditQuery};

pub fn run(global: &GlobalArgs, command: AuditCommand) -> Result<(), CliError> {
    match command {
        AuditCommand::List(args) => list(global, &args),
    }
}

fn list(global: &GlobalArgs, args: &AuditListArgs) -> Result<(), CliError> {
    let query = AuditQuery {
        limit: args.limit.map(u64::from),
        before: None,
    };
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let page = client.audit(&query)?;
    const COLUMNS: [Column<AuditEventView>; 5] = [
        ("SEQ", |e| show(&e.seq)),
        ("AT", |e| show(&e.at)),
        ("ACTOR", |e| show(&e.actor)),
        ("ACTION", |e| show(&e.action)),
        ("OBJECT", |e| show(&e.object)),
    ];
    print_list(global.output, &page.items, &COLUMNS, "no audit events")
}
