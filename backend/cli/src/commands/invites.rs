//! `invites create|list|resend|revoke|accept`: inviting people into the session's organisation,
//! and accepting an invite (signed in, or `--signup` for a new account).

use super::auth::read_password;
use super::shared::{print_list, Column};
use crate::args::{AcceptInviteArgs, GlobalArgs, InvitesCommand};
use crate::client::Client;
use crate::error::{one_line, CliError};
use crate::output::{self, out, show, OutputFormat};
use serde_json::json;
use versiqii_api::v1::{
    AcceptInviteRequest, AcceptInviteSignupRequest, InviteView, NewInviteRequest, TokenPair,
};

pub fn run(global: &GlobalArgs, command: InvitesCommand) -> Result<(), CliError> {
    if let InvitesCommand::Accept(args) = &command {
        return accept(global, args);
    }
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    match command {
        InvitesCommand::Create(args) => {
            let invite = client.create_invite(&NewInviteRequest {
                email: args.email.clone(),
                role: args.role.clone(),
            })?;
            match global.output {
                OutputFormat::Json => output::print_json_of(&invite),
                OutputFormat::Table => out(&format!(
                    "invited {} as {} (invite {}); the link is mailed and works until {}",
                    one_line(&invite.email),
                    one_line(&invite.role),
                    invite.id,
                    show(&invite.expires_at),
                )),
            }
        }
        InvitesCommand::List => {
            let list = client.invites()?;
            print_list(global.output, &list.items, &INVITE_COLUMNS, "no invites")
        }
        InvitesCommand::Resend(args) => {
            let invite = client.resend_invite(args.id.into())?;
            match global.output {
                OutputFormat::Json => output::print_json_of(&invite),
                OutputFormat::Table => out(&format!(
                    "mailed a new link to {} (the old one no longer works); it works until {}",
                    one_line(&invite.email),
                    show(&invite.expires_at),
                )),
            }
        }
        InvitesCommand::Revoke(args) => {
            client.revoke_invite(args.id.into())?;
            match global.output {
                OutputFormat::Json => output::print_json(&json!({ "revoked": args.id })),
                OutputFormat::Table => out(&format!("revoked invite {}", args.id)),
            }
        }
        InvitesCommand::Accept(_) => Ok(()),
    }
}

const INVITE_COLUMNS: [Column<InviteView>; 6] = [
    ("ID", |i| show(&i.id)),
    ("EMAIL", |i| show(&i.email)),
    ("ROLE", |i| show(&i.role)),
    ("STATE", |i| show(&i.state)),
    ("EXPIRES", |i| show(&i.expires_at)),
    ("SENT", |i| i.send_count.to_string()),
];

/// Accepts with the stored session (or --token), or with `--signup` as a new person; either
/// way the session for the invite's organisation is stored.
fn accept(global: &GlobalArgs, args: &AcceptInviteArgs) -> Result<(), CliError> {
    let token = args.token.trim().to_owned();
    let (client, grant) = if args.signup {
        let password = read_password(&args.password)?;
        let client = Client::anonymous(global.url.as_deref())?;
        let grant = client.accept_invite_by_signup(&AcceptInviteSignupRequest {
            token,
            password,
            display_name: args.display_name.clone(),
        })?;
        (client, grant)
    } else {
        // `--token` here is the invite's, and clap hands it to the global bearer `--token` as
        // well: the bearer is the stored session.
        let bearer = global
            .token
            .as_deref()
            .filter(|bearer| bearer.trim() != token);
        let mut client = Client::authenticated(global.url.as_deref(), bearer)?;
        let grant = client.accept_invite(&AcceptInviteRequest { token })?;
        (client, grant)
    };
    client.save_session(&grant)?;
    report(global, &grant)
}

fn report(global: &GlobalArgs, grant: &TokenPair) -> Result<(), CliError> {
    match global.output {
        // Tokens are left out: they are stored, and stdout may be logged.
        OutputFormat::Json => output::print_json_of(&json!({
            "tenant_id": grant.tenant_id,
            "user_id": grant.user_id,
            "expires_in": grant.expires_in,
        })),
        OutputFormat::Table => out(&format!(
            "joined the organisation {}; the session is now for it (`versiqii orgs list`)",
            grant.tenant_id.map(|t| t.to_string()).unwrap_or_default()
        )),
    }
}
