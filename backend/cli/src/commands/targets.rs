//! `targets create | list | show`: versioned things that read one schema version.

use super::shared::{fields, parse_target_version, print_list, Column};
use crate::args::{CreateTargetArgs, GlobalArgs, ShowTargetArgs, TargetsCommand};
use crate::client::Client;
use crate::error::{one_line, CliError};
use crate::output::{self, note, out, show, OutputFormat};
use versiqii_api::v1::{NewTargetVersionRequest, TargetSummaryView, TargetVersionView};

pub fn run(global: &GlobalArgs, command: TargetsCommand) -> Result<(), CliError> {
    match command {
        TargetsCommand::Create(args) => create(global, &args),
        TargetsCommand::List => list(global),
        TargetsCommand::Show(args) => show_target(global, &args),
    }
}

fn create(global: &GlobalArgs, args: &CreateTargetArgs) -> Result<(), CliError> {
    let body = NewTargetVersionRequest {
        name: args.name.clone(),
        family: args.family.clone(),
        version: args.version.clone(),
        scheme: args.scheme.map(|scheme| scheme.as_str().to_owned()),
        schema_version: args.schema_version.clone(),
    };
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let created = client.create_target_version(&body)?;
    match global.output {
        OutputFormat::Json => output::print_json_of(&created),
        OutputFormat::Table => {
            // The ID stands alone on stdout so `T=$(versiqii targets create ...)` works.
            out(&one_line(&created.id.to_string()))?;
            note(&format!(
                "created {}@{} reading {}@{}",
                show(&created.target),
                show(&created.version),
                show(&created.family),
                show(&created.schema_version),
            ));
            Ok(())
        }
    }
}

fn list(global: &GlobalArgs) -> Result<(), CliError> {
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let targets = client.targets()?;
    const COLUMNS: [Column<TargetSummaryView>; 4] = [
        ("TARGET", |t| show(&t.name)),
        ("FAMILY", |t| show(&t.family)),
        ("VERSIONS", |t| show(&t.versions)),
        ("CREATED", |t| show(&t.created_at)),
    ];
    print_list(global.output, &targets.items, &COLUMNS, "no targets")
}

fn show_target(global: &GlobalArgs, args: &ShowTargetArgs) -> Result<(), CliError> {
    let target = parse_target_version(&args.target)?;
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let version = client.target_version(&target)?;
    match global.output {
        OutputFormat::Json => output::print_json_of(&version),
        OutputFormat::Table => out(&target_lines(&version).join("\n")),
    }
}

fn target_lines(v: &TargetVersionView) -> Vec<String> {
    fields(&[
        ("id", show(&v.id)),
        ("target", show(&v.target)),
        ("version", show(&v.version)),
        ("scheme", show(&v.scheme)),
        ("family", show(&v.family)),
        ("schema", show(&v.schema_version)),
        ("hash", show(&v.schema_hash)),
        ("created", show(&v.created_at)),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::target_version_path;
    use serde_json::json;
    use versiqii_api::reference::{TargetRef, TargetVersionRef};

    #[test]
    fn targets_are_named_by_name_at_version_or_id() {
        assert_eq!(
            parse_target_version("payment-api@3.2.1").unwrap(),
            TargetVersionRef::Name(TargetRef::new("payment-api", "3.2.1").unwrap())
        );
        assert_eq!(
            target_version_path(&parse_target_version("payment-api@1.0.0+b@2").unwrap()),
            "/v1/targets/payment-api%401.0.0%2Bb/versions/2"
        );
        assert_eq!(
            target_version_path(
                &parse_target_version("0B6F1C9E-4A53-4C8E-9D7A-2F1E8B3C5D40").unwrap()
            ),
            "/v1/target-versions/0b6f1c9e-4a53-4c8e-9d7a-2f1e8b3c5d40"
        );
        for bad in ["payment-api", "payment-api@", "@3.2.1", ""] {
            assert_eq!(
                parse_target_version(bad).unwrap_err().exit_code(),
                2,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn target_details_are_labelled() {
        let body: TargetVersionView = serde_json::from_value(json!({
            "id": "0b6f1c9e-4a53-4c8e-9d7a-2f1e8b3c5d40", "target": "payment-api",
            "version": "3.2.1", "scheme": "semver", "family": "F",
            "schema_version": "2025-07", "schema_hash": "h",
            "created_at": "2025-07-01T00:00:00Z"}))
        .unwrap();
        let lines = target_lines(&body);
        assert_eq!(lines[0], "id       0b6f1c9e-4a53-4c8e-9d7a-2f1e8b3c5d40");
        assert_eq!(lines[5], "schema   2025-07");
    }
}
