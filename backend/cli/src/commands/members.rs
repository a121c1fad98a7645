//! `orgs list|switch`: a person's organisations and the session's; `members list|set-role|
//! remove|leave`: the session's organisation's people.

use super::shared::{print_list, Column};
use crate::args::{GlobalArgs, MembersCommand, OrgsCommand};
use crate::client::Client;
use crate::error::{one_line, CliError};
use crate::output::{self, out, show, OutputFormat};
use serde_json::json;
use versiqii_api::v1::{
    MemberRoleRequest, MemberView, NewOrganisationRequest, OrganisationView, SwitchRequest,
};

pub fn orgs(global: &GlobalArgs, command: OrgsCommand) -> Result<(), CliError> {
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    match command {
        OrgsCommand::List => {
            let list = client.organisations()?;
            const COLUMNS: [Column<OrganisationView>; 4] = [
                ("", |o| if o.current { "*".into() } else { String::new() }),
                ("SLUG", |o| show(&o.slug)),
                ("NAME", |o| show(&o.name)),
                ("ROLE", |o| show(&o.role)),
            ];
            print_list(global.output, &list.items, &COLUMNS, "no organisations")
        }
        OrgsCommand::Create(args) => {
            let created = client.create_organisation(&NewOrganisationRequest {
                slug: args.slug.clone(),
                name: args.name.clone(),
            })?;
            client.save_session(&created.tokens)?;
            match global.output {
                OutputFormat::Json => output::print_json_of(&created.organisation),
                OutputFormat::Table => out(&format!(
                    "created {} and switched to it",
                    one_line(&created.organisation.slug)
                )),
            }
        }
        OrgsCommand::Switch(args) => {
            let grant = client.switch_organisation(&SwitchRequest {
                organisation: args.org.clone(),
            })?;
            client.save_session(&grant)?;
            match global.output {
                OutputFormat::Json => output::print_json_of(&json!({
                    "organisation": args.org,
                    "tenant_id": grant.tenant_id,
                    "expires_in": grant.expires_in,
                })),
                OutputFormat::Table => out(&format!("switched to {}", one_line(&args.org))),
            }
        }
    }
}

pub fn run(global: &GlobalArgs, command: MembersCommand) -> Result<(), CliError> {
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    match command {
        MembersCommand::List => {
            let list = client.members()?;
            print_list(global.output, &list.items, &MEMBER_COLUMNS, "no members")
        }
        MembersCommand::SetRole(args) => {
            let member = client.set_member_role(
                args.user,
                &MemberRoleRequest {
                    role: args.role.clone(),
                },
            )?;
            match global.output {
                OutputFormat::Json => output::print_json_of(&member),
                OutputFormat::Table => out(&format!(
                    "{} is now {}",
                    one_line(&member.email),
                    one_line(&member.role)
                )),
            }
        }
        MembersCommand::Remove(args) => {
            client.remove_member(args.user)?;
            done(global, "removed", &args.user.to_string())
        }
        MembersCommand::Leave => {
            client.leave_organisation()?;
            done(global, "left", "the organisation")
        }
    }
}

const MEMBER_COLUMNS: [Column<MemberView>; 4] = [
    ("USER", |m| show(&m.user_id)),
    ("EMAIL", |m| show(&m.email)),
    ("ROLE", |m| show(&m.role)),
    ("JOINED", |m| show(&m.joined_at)),
];

fn done(global: &GlobalArgs, what: &str, whom: &str) -> Result<(), CliError> {
    match global.output {
        OutputFormat::Json => output::print_json(&json!({ what: whom })),
        OutputFormat::Table => out(&format!("{what} {}", one_line(whom))),
    }
}
