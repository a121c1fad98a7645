//! `api-keys create | list | revoke`.

use crate::args::{ApiKeysCommand, CreateKeyArgs, GlobalArgs, RevokeKeyArgs, Scope};
use crate::client::{parse, Client};
use crate::error::{one_line, CliError};
use crate::output::{self, cell, note, out, render_table, OutputFormat};
use crate::timestamp;
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

pub fn run(global: &GlobalArgs, command: ApiKeysCommand) -> Result<(), CliError> {
    match command {
        ApiKeysCommand::Create(args) => create(global, &args),
        ApiKeysCommand::List => list(global),
        ApiKeysCommand::Revoke(args) => revoke(global, &args),
    }
}

#[derive(Deserialize)]
struct CreatedKey {
    id: String,
    prefix: String,
    key: String,
}

fn create(global: &GlobalArgs, args: &CreateKeyArgs) -> Result<(), CliError> {
    let expires_at = args
        .expires_in_days
        .map(timestamp::days_from_now)
        .transpose()
        .map_err(CliError::usage)?;
    let body = json!({
        "name": args.name,
        "scopes": scope_names(&args.scopes),
        "expires_at": expires_at,
    });
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let value = client.post("/v1/api-keys", &body)?;
    let created: CreatedKey = parse(value.clone(), "API key creation")?;
    match global.output {
        OutputFormat::Json => output::print_json(&value),
        OutputFormat::Table => {
            // The secret stands alone on stdout so `KEY=$(versiqii api-keys create ...)` works.
            out(&created.key)?;
            note(&format!(
                "created API key {} ({}); store it now: it is shown only once",
                one_line(&created.id),
                one_line(&created.prefix)
            ));
            Ok(())
        }
    }
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
    let value = client.get("/v1/api-keys")?;
    let items = value
        .get("items")
        .and_then(Value::as_array)
        .ok_or_else(|| CliError::failure("unexpected API key list response from the server"))?;
    match global.output {
        OutputFormat::Json => output::print_json(&Value::Array(items.clone())),
        OutputFormat::Table if items.is_empty() => {
            note("no API keys");
            Ok(())
        }
        OutputFormat::Table => {
            const COLUMNS: [(&str, &str); 7] = [
                ("ID", "id"),
                ("NAME", "name"),
                ("PREFIX", "prefix"),
                ("SCOPES", "scopes"),
                ("EXPIRES", "expires_at"),
                ("LAST USED", "last_used_at"),
                ("CREATED", "created_at"),
            ];
            let headers = COLUMNS.map(|(header, _)| header);
            let rows: Vec<Vec<String>> = items
                .iter()
                .map(|item| COLUMNS.iter().map(|(_, key)| cell(item.get(key))).collect())
                .collect();
            out(&render_table(&headers, &rows))
        }
    }
}

fn revoke(global: &GlobalArgs, args: &RevokeKeyArgs) -> Result<(), CliError> {
    let id = parse_id(&args.id)?;
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    client.delete(&format!("/v1/api-keys/{id}"))?;
    match global.output {
        OutputFormat::Json => output::print_json(&json!({ "id": id, "revoked": true })),
        OutputFormat::Table => out(&format!("revoked {id}")),
    }
}

/// Checked locally so a typo fails fast with exit 2 instead of becoming a 404.
fn parse_id(raw: &str) -> Result<String, CliError> {
    Uuid::parse_str(raw.trim())
        .map(|id| id.hyphenated().to_string())
        .map_err(|_| CliError::usage(format!("invalid API key ID {raw:?}: expected a UUID")))
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
            parse_id("0B6F1C9E-4A53-4C8E-9D7A-2F1E8B3C5D40").unwrap(),
            "0b6f1c9e-4a53-4c8e-9d7a-2f1e8b3c5d40"
        );
        assert_eq!(parse_id("42").unwrap_err().exit_code(), 2);
        assert_eq!(parse_id("../me").unwrap_err().exit_code(), 2);
    }
}
