//! `bindings create | list`: which config revision each target reads in an environment.

use super::shared::{parse_id, print_list, Column};
use crate::args::{BindingsCommand, CreateBindingArgs, GlobalArgs, ListBindingsArgs};
use crate::client::Client;
use crate::error::{one_line, CliError};
use crate::output::{self, note, out, show, OutputFormat};
use versiqii_api::v1::{BindingQuery, BindingView, NewBindingRequest};

pub fn run(global: &GlobalArgs, command: BindingsCommand) -> Result<(), CliError> {
    match command {
        BindingsCommand::Create(args) => create(global, &args),
        BindingsCommand::List(args) => list(global, &args),
    }
}

/// The server validates the revision against its target's schema first; a 422
/// `config_invalid` comes back with every violation, which the error report lists.
fn create(global: &GlobalArgs, args: &CreateBindingArgs) -> Result<(), CliError> {
    // `version` and `no_migrate` are sent only when asked for, so servers that predate
    // migrations still accept the request (see `NewBindingRequest`'s serde attributes).
    let body = NewBindingRequest {
        config_id: parse_id(&args.config, "config ID")?,
        env: args.env.clone(),
        version: args.version.clone(),
        no_migrate: args.no_migrate,
    };
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let binding = client.create_binding(&body)?;
    match global.output {
        OutputFormat::Json => output::print_json_of(&binding),
        OutputFormat::Table => {
            // The ID stands alone on stdout so `B=$(versiqii bindings create ...)` works.
            out(&one_line(&binding.id.to_string()))?;
            if let Some(migrated) = &binding.migrated {
                for line in super::migrations::migrated_lines(migrated) {
                    note(&line);
                }
            }
            note(&bound_line(&binding));
            Ok(())
        }
    }
}

fn bound_line(binding: &BindingView) -> String {
    format!(
        "bound {}#{} to {} @ {}",
        show(&binding.config_name),
        show(&binding.revision),
        show(&binding.env),
        show(&binding.target),
    )
}

fn list(global: &GlobalArgs, args: &ListBindingsArgs) -> Result<(), CliError> {
    let query = BindingQuery {
        env: args.env.clone(),
    };
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let bindings = client.bindings(&query)?;
    const COLUMNS: [Column<BindingView>; 6] = [
        ("ENV", |b| show(&b.env)),
        ("TARGET", |b| show(&b.target)),
        ("CONFIG", |b| show(&b.config_name)),
        ("REV", |b| show(&b.revision)),
        ("ID", |b| show(&b.config_id)),
        ("CREATED", |b| show(&b.created_at)),
    ];
    print_list(global.output, &bindings.items, &COLUMNS, "no bindings")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ID: &str = "0b6f1c9e-4a53-4c8e-9d7a-2f1e8b3c5d40";

    #[test]
    fn bindings_are_summarised_in_one_line() {
        let body: BindingView = serde_json::from_value(json!({"id": ID, "env": "prod-eu",
            "config_id": ID, "config_name": "payment_service.yaml", "revision": 3,
            "target": "payment-api", "target_version_id": ID, "schema_version": "2025-07",
            "created_by": "u", "created_at": "2025-07-01T00:00:00Z"}))
        .unwrap();
        assert_eq!(
            bound_line(&body),
            "bound payment_service.yaml#3 to prod-eu @ payment-api"
        );
    }

    #[test]
    fn binding_requests_carry_only_what_was_asked() {
        let body = NewBindingRequest {
            config_id: parse_id(ID, "config ID").unwrap(),
            env: "prod".into(),
            version: None,
            no_migrate: false,
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"config_id": ID, "env": "prod"})
        );
        assert_eq!(
            parse_id::<versiqii_api::ids::RevisionId>("42", "config ID")
                .unwrap_err()
                .exit_code(),
            2
        );
    }
}
