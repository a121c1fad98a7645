//! `digests list | set | remove`.

use super::shared::{parse_id, print_list, Column};
use crate::args::{DigestsCommand, GlobalArgs};
use crate::client::Client;
use crate::error::CliError;
use crate::output::{self, out, show, OutputFormat};
use serde_json::json;
use versiqii_api::v1::{DigestRequest, DigestView};

pub fn run(global: &GlobalArgs, command: DigestsCommand) -> Result<(), CliError> {
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    match command {
        DigestsCommand::List => {
            let list = client.digests()?;
            const COLUMNS: [Column<DigestView>; 5] = [
                ("USER", |d| show(&d.user_id)),
                ("EMAIL", |d| show(&d.email)),
                ("EVENTS", |d| show(&d.events)),
                ("EVERY", |d| show(&d.every)),
                ("NEXT", |d| show(&d.next_due_at)),
            ];
            print_list(global.output, &list.items, &COLUMNS, "no digests")
        }
        DigestsCommand::Set(args) => {
            let user = parse_id(&args.user_id, "user ID")?;
            let body = DigestRequest {
                events: (!args.events.is_empty()).then(|| args.events.clone()),
                every: Some(args.every.clone()),
            };
            let digest = client.set_digest(user, &body)?;
            match global.output {
                OutputFormat::Json => output::print_json_of(&digest),
                OutputFormat::Table => out(&format!(
                    "{} gets a {} digest of {}; the next is due {}",
                    digest.email,
                    digest.every,
                    show(&digest.events),
                    show(&digest.next_due_at)
                )),
            }
        }
        DigestsCommand::Remove(args) => {
            let user = parse_id(&args.user_id, "user ID")?;
            client.delete_digest(user)?;
            match global.output {
                OutputFormat::Json => {
                    output::print_json(&json!({ "user_id": user, "removed": true }))
                }
                OutputFormat::Table => out(&format!("removed the digest of {user}")),
            }
        }
    }
}
