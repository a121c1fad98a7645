//! `api-keys create | list | revoke`.

use super::shared::{parse_id, print_list, Column};
use crate::args::{ApiKeysCommand, CreateKeyArgs, GlobalArgs, RevokeKeyArgs, Scope};
use crate::client::Client;
use crate::error::{one_line, CliError};
use crate::output::{self, note, out, show, OutputFormat};
use crate::timestamp;
use chrono::{DateTime, Utc};
use serde_json::json;
use versiqii_api::ids::ApiKeyId;
use versiqii_api::v1::{ApiKeyView, NewApiKeyRequest};

pub fn run(global: &GlobalArgs, command: ApiKeysCommand) -> Result<(), CliError> {
    match command {
        ApiKeysCommand::Create(args) => create(global, &args),
        ApiKeysCommand::List => list(global),
        ApiKeysCommand::Revoke(args) => revoke(global, &args),
    }
}

fn create(global: &GlobalArgs, args: &CreateKeyArgs) -> Result<(), CliError> {
    let expires_at = args
        .expires_in_days
        .map(expiry)
        .transpose()
        .map_err(CliError::usage)?;
    let body = NewApiKeyRequest {
        name: args.name.clone(),
        scopes: scope_names(&args.scopes)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        expires_at,
        environments: (!args.envs.is_empty()).then(|| args.envs.clone()),
    };
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let created = client.create_api_key(&body)?;
    match global.output {
        OutputFormat::Json => output::print_json_of(&created),
        OutputFormat::Table => {
            // The secret stands alone on stdout so `KEY=$(versiqii api-keys create ...)` works.
            out(&created.key)?;
            note(&format!(
                "created API key {} ({}); store it now: it is shown only once",
                one_line(&created.key_info.id.to_string()),
                one_line(&created.key_info.prefix)
            ));
            Ok(())
        }
    }
}

/// `now + days`, to the second (as the request has always carried it).
fn expiry(days: u32) -> Result<DateTime<Utc>, String> {
    let text = timestamp::days_from_now(days)?;
    text.parse()
        .map_err(|e| format!("{days} days from now is out of range: {e}"))
}

/// Defaults to read-only and drops repeats, so `--scope read --scope read` is harmless.
fn scope_names(scopes: &[Scope]) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for scope in scopes {
        if !names.contains(&scope.as_str()) {
            names.push(scope.as_str());
        }
    }
    if names.is_empty() {
        names.push(Scope::Read.as_str());
    }
    names
}

fn list(global: &GlobalArgs) -> Result<(), CliError> {
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let keys = client.api_keys()?;
    const COLUMNS: [Column<ApiKeyView>; 8] = [
        ("ID", |k| show(&k.id)),
        ("NAME", |k| show(&k.name)),
        ("PREFIX", |k| show(&k.prefix)),
        ("SCOPES", |k| show(&k.scopes)),
        ("ENVIRONMENTS", |k| match &k.environments {
            Some(envs) => show(envs),
            None => "all".to_owned(),
        }),
        ("EXPIRES", |k| show(&k.expires_at)),
        ("LAST USED", |k| show(&k.last_used_at)),
        ("CREATED", |k| show(&k.created_at)),
    ];
    print_list(global.output, &keys.items, &COLUMNS, "no API keys")
}

fn revoke(global: &GlobalArgs, args: &RevokeKeyArgs) -> Result<(), CliError> {
    let id = parse_key_id(&args.id)?;
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    client.revoke_api_key(id)?;
    match global.output {
        OutputFormat::Json => output::print_json(&json!({ "id": id, "revoked": true })),
        OutputFormat::Table => out(&format!("revoked {id}")),
    }
}

/// Checked locally so a typo fails fast with exit 2 instead of becoming a 404.
fn parse_key_id(raw: &str) -> Result<ApiKeyId, CliError> {
    parse_id(raw, "API key ID")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_default_to_read_and_deduplicate() {
        assert_eq!(scope_names(&[]), vec!["read"]);
        assert_eq!(
            scope_names(&[Scope::Write, Scope::Read, Scope::Write]),
            vec!["write", "read"]
        );
    }

    #[test]
    fn ids_must_be_uuids() {
        assert_eq!(
            parse_key_id("0B6F1C9E-4A53-4C8E-9D7A-2F1E8B3C5D40")
                .unwrap()
                .to_string(),
            "0b6f1c9e-4a53-4c8e-9d7a-2f1e8b3c5d40"
        );
        assert_eq!(parse_key_id("42").unwrap_err().exit_code(), 2);
        assert_eq!(parse_key_id("../me").unwrap_err().exit_code(), 2);
    }

    #[test]
    fn expiries_are_whole_seconds() {
        let at = expiry(30).unwrap();
        let text = serde_json::to_value(at).unwrap();
        let text = text.as_str().unwrap();
        assert!(text.ends_with('Z') && !text.contains('.'), "{text}");
    }
}
