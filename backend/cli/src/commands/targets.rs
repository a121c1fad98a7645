//! `targets create | list | show`: versioned things that read one schema version.

use super::shared::{
    encode, expect_object, fields, items, parse_uuid, print_list, split_at_version, text_field,
    Column,
};
use crate::args::{CreateTargetArgs, GlobalArgs, ShowTargetArgs, TargetsCommand};
use crate::client::Client;
use crate::error::{one_line, CliError};
use crate::output::{self, cell, note, out, OutputFormat};
use serde_json::{json, Value};

pub fn run(global: &GlobalArgs, command: TargetsCommand) -> Result<(), CliError> {
    match command {
        TargetsCommand::Create(args) => create(global, &args),
        TargetsCommand::List => list(global),
        TargetsCommand::Show(args) => show(global, &args),
    }
}

fn create(global: &GlobalArgs, args: &CreateTargetArgs) -> Result<(), CliError> {
    let body = json!({
        "name": args.name,
        "family": args.family,
        "version": args.version,
        "scheme": args.scheme.map(|scheme| scheme.as_str()),
        "schema_version": args.schema_version,
    });
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let value = client.post("/v1/targets", &body)?;
    let id = text_field(&value, "id", "target creation")?;
    match global.output {
        OutputFormat::Json => output::print_json(&value),
        OutputFormat::Table => {
            // The ID stands alone on stdout so `T=$(versiqii targets create ...)` works.
            out(&one_line(&id))?;
            note(&format!(
                "created {}@{} reading {}@{}",
                cell(value.get("target")),
                cell(value.get("version")),
                cell(value.get("family")),
                cell(value.get("schema_version")),
            ));
            Ok(())
        }
    }
}

fn list(global: &GlobalArgs) -> Result<(), CliError> {
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let value = client.get("/v1/targets")?;
    let items = items(&value, "target list")?;
    const COLUMNS: [Column; 4] = [
        ("TARGET", |t| cell(t.get("name"))),
        ("FAMILY", |t| cell(t.get("family"))),
        ("VERSIONS", |t| cell(t.get("versions"))),
        ("CREATED", |t| cell(t.get("created_at"))),
    ];
    print_list(global.output, items, &COLUMNS, "no targets")
}

/// What `targets show` and `configs create --target` accept: `NAME@VERSION` or the
/// target version's ID.
#[derive(Debug, PartialEq, Eq)]
pub enum TargetRef<'a> {
    Id(String),
    NameVersion(&'a str, &'a str),
}

impl<'a> TargetRef<'a> {
    pub fn parse(raw: &'a str) -> Result<Self, CliError> {
        if raw.contains('@') {
            let (name, version) = split_at_version(raw, "target")?;
            return Ok(Self::NameVersion(name, version));
        }
        parse_uuid(raw, "target").map(Self::Id).map_err(|_| {
            CliError::usage(format!(
                "invalid target {raw:?}: expected NAME@VERSION or a target version ID"
            ))
        })
    }

    pub fn path(&self) -> String {
        match self {
            Self::Id(id) => format!("/v1/target-versions/{id}"),
            Self::NameVersion(name, version) => {
                format!("/v1/targets/{}/versions/{}", encode(name), encode(version))
            }
        }
    }
}

fn show(global: &GlobalArgs, args: &ShowTargetArgs) -> Result<(), CliError> {
    let target = TargetRef::parse(&args.target)?;
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let value = client.get(&target.path())?;
    expect_object(&value, "target version")?;
    match global.output {
        OutputFormat::Json => output::print_json(&value),
        OutputFormat::Table => out(&target_lines(&value).join("\n")),
    }
}

fn target_lines(value: &Value) -> Vec<String> {
    fields(
        value,
        &[
            ("id", "id"),
            ("target", "target"),
            ("version", "version"),
            ("scheme", "scheme"),
            ("family", "family"),
            ("schema", "schema_version"),
            ("hash", "schema_hash"),
            ("created", "created_at"),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_named_by_name_at_version_or_id() {
        assert_eq!(
            TargetRef::parse("payment-api@3.2.1").unwrap(),
            TargetRef::NameVersion("payment-api", "3.2.1")
        );
        assert_eq!(
            TargetRef::parse("payment-api@1.0.0+b@2").unwrap().path(),
            "/v1/targets/payment-api%401.0.0%2Bb/versions/2"
        );
        assert_eq!(
            TargetRef::parse("0B6F1C9E-4A53-4C8E-9D7A-2F1E8B3C5D40")
                .unwrap()
                .path(),
            "/v1/target-versions/0b6f1c9e-4a53-4c8e-9d7a-2f1e8b3c5d40"
        );
        for bad in ["payment-api", "payment-api@", "@3.2.1", ""] {
            assert_eq!(TargetRef::parse(bad).unwrap_err().exit_code(), 2, "{bad:?}");
        }
    }

    #[test]
    fn target_details_are_labelled() {
        let body = json!({"id": "i", "target": "payment-api", "version": "3.2.1",
            "scheme": "semver", "family": "F", "schema_version": "2025-07",
            "schema_hash": "h", "created_at": "t"});
        let lines = target_lines(&body);
        assert_eq!(lines[0], "id       i");
        assert_eq!(lines[5], "schema   2025-07");
    }
}
