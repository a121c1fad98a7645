//! `bindings create | list`: which config revision each target reads in an environment.

use super::shared::{encode, items, parse_uuid, print_list, text_field, Column};
use crate::args::{BindingsCommand, CreateBindingArgs, GlobalArgs, ListBindingsArgs};
use crate::client::Client;
use crate::error::{one_line, CliError};
use crate::output::{self, cell, note, out, OutputFormat};
use serde_json::{json, Value};

pub fn run(global: &GlobalArgs, command: BindingsCommand) -> Result<(), CliError> {
    match command {
        BindingsCommand::Create(args) => create(global, &args),
        BindingsCommand::List(args) => list(global, &args),
    }
}

/// The server validates the revision against its target's schema first; a 422
/// `config_invalid` comes back with every violation, which the error report lists.
fn create(global: &GlobalArgs, args: &CreateBindingArgs) -> Result<(), CliError> {
    let config_id = parse_uuid(&args.config, "config ID")?;
    let mut body = json!({ "config_id": config_id, "env": args.env });
    // Only when asked for, so servers that predate migrations still accept the request.
    if let Some(version) = &args.version {
        body["version"] = json!(version);
    }
    if args.no_migrate {
        body["no_migrate"] = json!(true);
    }
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let value = client.post("/v1/bindings", &body)?;
    let id = text_field(&value, "id", "binding creation")?;
    match global.output {
        OutputFormat::Json => output::print_json(&value),
        OutputFormat::Table => {
            // The ID stands alone on stdout so `B=$(versiqii bindings create ...)` works.
            out(&one_line(&id))?;
            if let Some(migrated) = value.get("migrated").filter(|m| m.is_object()) {
                for line in super::migrations::migrated_lines(migrated) {
                    note(&line);
                }
            }
            note(&bound_line(&value));
            Ok(())
        }
    }
}

fn bound_line(binding: &Value) -> String {
    format!(
        "bound {}#{} to {} @ {}",
        cell(binding.get("config_name")),
        cell(binding.get("revision")),
        cell(binding.get("env")),
        cell(binding.get("target")),
    )
}

fn list(global: &GlobalArgs, args: &ListBindingsArgs) -> Result<(), CliError> {
    let path = match &args.env {
        Some(env) => format!("/v1/bindings?env={}", encode(env)),
        None => "/v1/bindings".to_owned(),
    };
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let value = client.get(&path)?;
    let items = items(&value, "binding list")?;
    const COLUMNS: [Column; 6] = [
        ("ENV", |b| cell(b.get("env"))),
        ("TARGET", |b| cell(b.get("target"))),
        ("CONFIG", |b| cell(b.get("config_name"))),
        ("REV", |b| cell(b.get("revision"))),
        ("ID", |b| cell(b.get("config_id"))),
        ("CREATED", |b| cell(b.get("created_at"))),
    ];
    print_list(global.output, items, &COLUMNS, "no bindings")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bindings_are_summarised_in_one_line() {
        let body = json!({"id": "b", "env": "prod-eu", "config_id": "c",
            "config_name": "payment_service.yaml", "revision": 3, "target": "payment-api",
            "target_version_id": "t", "schema_version": "2025-07", "created_at": "x"});
        assert_eq!(
            bound_line(&body),
            "bound payment_service.yaml#3 to prod-eu @ payment-api"
        );
    }
}
