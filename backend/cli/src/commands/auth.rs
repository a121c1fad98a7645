//! `signup`, `login`, `logout` and `whoami`.

use crate::args::{GlobalArgs, LoginArgs, PasswordArgs, SignupArgs};
use crate::client::{parse, Client, TokenGrant};
use crate::error::{one_line, CliError};
use crate::output::{self, cell, note, out, OutputFormat};
use serde::Deserialize;
use serde_json::json;

#[derive(Deserialize)]
struct SignupReply {
    tenant: Tenant,
    user: User,
    tokens: Tokens,
}

#[derive(Deserialize)]
struct Tenant {
    id: String,
    slug: String,
}

#[derive(Deserialize)]
struct User {
    id: String,
    email: String,
    role: String,
}

#[derive(Deserialize)]
struct Tokens {
    access_token: String,
    refresh_token: String,
    expires_in: i64,
}

pub fn signup(global: &GlobalArgs, args: &SignupArgs) -> Result<(), CliError> {
    let password = read_password(&args.password)?;
    let client = Client::anonymous(global.url.as_deref())?;
    let body = json!({
        "tenant_slug": args.tenant,
        "tenant_name": args.tenant_name,
        "email": args.email,
        "password": password,
        "display_name": args.display_name,
    });
    let value = client.post_anonymous("/v1/auth/signup", &body)?;
    let reply: SignupReply = parse(value.clone(), "signup")?;
    client.save_session(&TokenGrant {
        access_token: reply.tokens.access_token,
        refresh_token: reply.tokens.refresh_token,
        expires_in: reply.tokens.expires_in,
        tenant_id: reply.tenant.id.clone(),
        user_id: reply.user.id,
    })?;
    match global.output {
        // Tokens are deliberately left out: they are stored, and stdout may be logged.
        OutputFormat::Json => output::print_json(&json!({
            "tenant": value.get("tenant"),
            "user": value.get("user"),
        })),
        OutputFormat::Table => out(&format!(
            "signed up {} as {} of {} (tenant {})",
            one_line(&reply.user.email),
            one_line(&reply.user.role),
            one_line(&reply.tenant.slug),
            one_line(&reply.tenant.id),
        )),
    }
}

pub fn login(global: &GlobalArgs, args: &LoginArgs) -> Result<(), CliError> {
    let password = read_password(&args.password)?;
    let client = Client::anonymous(global.url.as_deref())?;
    let body = json!({ "email": args.email, "password": password });
    let value = client.post_anonymous("/v1/auth/login", &body)?;
    let grant: TokenGrant = parse(value, "login")?;
    client.save_session(&grant)?;
    match global.output {
        OutputFormat::Json => output::print_json(&json!({
            "tenant_id": grant.tenant_id,
            "user_id": grant.user_id,
            "expires_in": grant.expires_in,
        })),
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
    let body = json!({ "refresh_token": session.refresh_token });
    match client.post_anonymous("/v1/auth/logout", &body) {
        Ok(_) => {}
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
    let me = client.get("/v1/me")?;
    if !me.is_object() {
        return Err(CliError::failure(
            "unexpected /v1/me response from the server",
        ));
    }
    match global.output {
        OutputFormat::Json => output::print_json(&me),
        OutputFormat::Table => {
            let fields = [
                ("tenant", "tenant_id"),
                ("subject", "subject"),
                ("kind", "kind"),
                ("role", "role"),
            ];
            for (label, key) in fields {
                out(&format!("{label:<8} {}", cell(me.get(key))))?;
            }
            Ok(())
        }
    }
}

fn read_password(args: &PasswordArgs) -> Result<String, CliError> {
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
