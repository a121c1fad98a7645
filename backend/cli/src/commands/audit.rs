//! `audit list`: the tenant's hash-chained audit log, newest first; `audit verify`: the chain
//! recomputed by the server, the first broken event named.

use super::shared::{print_list, Column};
use crate::args::{AuditCommand, AuditListArgs, GlobalArgs};
use crate::client::Client;
use crate::error::{exit, CliError};
use crate::output::{self, out, show, OutputFormat};
use versiqii_api::v1::{AuditEventView, AuditQuery};

pub fn run(global: &GlobalArgs, command: AuditCommand) -> Result<(), CliError> {
    match command {
        AuditCommand::List(args) => list(global, &args),
        AuditCommand::Verify => verify(global),
    }
}

fn verify(global: &GlobalArgs) -> Result<(), CliError> {
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let verdict = client.verify_audit()?;
    match global.output {
        OutputFormat::Json => output::print_json_of(&verdict)?,
        OutputFormat::Table => match &verdict.first_broken {
            None => out(&format!(
                "audit chain intact: {} event(s) verified",
                verdict.events
            ))?,
            Some(b) => out(&format!(
                "audit chain broken at event #{}: {}",
                b.seq, b.reason
            ))?,
        },
    }
    if verdict.ok {
        Ok(())
    } else {
        Err(CliError::Reported(exit::REJECTED))
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
