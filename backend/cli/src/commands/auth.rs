//! `signup`, `login`, `logout` and `whoami`.

use crate::args::{GlobalArgs, LoginArgs, PasswordArgs, SignupArgs};
use crate::client::Client;
use crate::error::{one_line, CliError};
use crate::output::{self, note, out, show, OutputFormat};
use serde_json::json;
use versiqii_api::v1::{LoginRequest, RefreshRequest, SignupRequest};

pub fn signup(global: &GlobalArgs, args: &SignupArgs) -> Result<(), CliError> {
    let password = read_password(&args.password)?;
    let client = Client::anonymous(global.url.as_deref())?;
    let reply = client.signup(&SignupRequest {
        tenant_slug: args.tenant.clone(),
        tenant_name: args.tenant_name.clone(),
        email: args.email.clone(),
        password,
        display_name: args.display_name.clone(),
    })?;
    client.save_session(&reply.tokens)?;
    match global.output {
        // Tokens are deliberately left out: they are stored, and stdout may be logged.
        OutputFormat::Json => output::print_json_of(&json!({
            "tenant": reply.tenant,
            "user": reply.user,
        })),
        OutputFormat::Table => match &reply.tenant {
            Some(tenant) => out(&format!(
                "signed up {} as {} of {} (tenant {})",
                one_line(&reply.user.email),
                one_line(reply.user.role.as_deref().unwrap_or("member")),
                one_line(&tenant.slug),
                one_line(&tenant.id.to_string()),
            )),
            None => out(&format!(
                "signed up {}, in no organisation yet: create one (`versiqii orgs create SLUG`) \
                 or accept an invite (`versiqii invites accept TOKEN`)",
                one_line(&reply.user.email),
            )),
        },
    }
}

pub fn login(global: &GlobalArgs, args: &LoginArgs) -> Result<(), CliError> {
    let password = read_password(&args.password)?;
    let client = Client::anonymous(global.url.as_deref())?;
    let grant = client.login(&LoginRequest {
        email: args.email.clone(),
        password,
        organisation: args.org.clone(),
    })?;
    client.save_session(&grant)?;
    match global.output {
        OutputFormat::Json => output::print_json_of(&json!({
            "tenant_id": grant.tenant_id,
            "user_id": grant.user_id,
            "expires_in": grant.expires_in,
        })),
        OutputFormat::Table if grant.tenant_id.is_none() => out(&format!(
            "logged in as {}, in no organisation yet: create one (`versiqii orgs create SLUG`) \
             or accept an invite (`versiqii invites accept TOKEN`)",
            one_line(&args.email)
        )),
        OutputFormat::Table => out(&format!("logged in as {}", one_line(&args.email))),
    }
}

pub fn logout(global: &GlobalArgs) -> Result<(), CliError> {
    // The stored session is what gets revoked, so --token plays no part here.
    let client = Client::authenticated(global.url.as_deref(), None)?;
    let Some(session) = client.stored_session() else {
        note(&format!(
            "not logged in to {}; nothing to do",
            client.base_url()
        ));
        return done(global, false);
    };
    let body = RefreshRequest {
        refresh_token: session.refresh_token.clone(),
    };
    match client.logout(&body) {
        Ok(()) => {}
        // The server already considers the session dead; forgetting it is all that is left.
        Err(CliError::Api { status, .. }) if (400..500).contains(&status) => {}
        Err(error) => {
            note("note: the session is still stored, so `versiqii logout` can be retried");
            return Err(error);
        }
    }
    client.forget_session()?;
    done(global, true)
}

fn done(global: &GlobalArgs, logged_out: bool) -> Result<(), CliError> {
    match global.output {
        OutputFormat::Json => output::print_json(&json!({ "logged_out": logged_out })),
        OutputFormat::Table if logged_out => out("logged out"),
        OutputFormat::Table => Ok(()),
    }
}

pub fn whoami(global: &GlobalArgs) -> Result<(), CliError> {
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let me = client.me()?;
    match global.output {
        OutputFormat::Json => output::print_json_of(&me),
        OutputFormat::Table => {
            let fields = [
                ("tenant", show(&me.tenant_id)),
                ("subject", show(&me.subject)),
                ("kind", show(&me.kind)),
                ("role", show(&me.role)),
            ];
            for (label, value) in fields {
                out(&format!("{label:<8} {value}"))?;
            }
            Ok(())
        }
    }
}

pub(crate) fn read_password(args: &PasswordArgs) -> Result<String, CliError> {
    let password = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| CliError::usage(format!("cannot read the password from stdin: {e}")))?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else if let Some(password) = &args.password {
        password.clone()
    } else if let Some(password) = std::env::var_os("VERSIQII_PASSWORD") {
        password
            .into_string()
            .map_err(|_| CliError::usage("VERSIQII_PASSWORD is not valid UTF-8"))?
    } else {
        return Err(CliError::usage(
            "a password is required: use --password-stdin, VERSIQII_PASSWORD or --password",
        ));
    };
    if password.is_empty() {
        return Err(CliError::usage("the password is empty"));
    }
    Ok(password)
}
