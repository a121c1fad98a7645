//! Where the schema comes from: a local file, or a target version's schema from the server
//! (through the on-disk cache).

use super::schema_cache::{self, SchemaCache};
use crate::args::{GlobalArgs, SchemaFormat, ValidateArgs};
use crate::client::Client;
use crate::commands::shared::parse_name_at_version;
use crate::error::CliError;
use crate::output::note;
use serde_json::Value;
use std::io::Read;
use std::path::Path;
use versiqii_api::reference::TargetRef;
use versiqii_core::avro::AvroSchema;
use versiqii_core::contract::Contract;
use versiqii_core::document::{parse_within, Caps, Format};
use versiqii_core::names::TargetName;
use versiqii_core::protobuf::{ProtoFile, ProtoSchema};

/// How the schema is named in error messages.
pub fn label(args: &ValidateArgs) -> String {
    match (&args.schema, &args.target) {
        (Some(path), _) => format!("schema {}", path.display()),
        (None, Some(target)) => format!("schema of target {target}"),
        (None, None) => "schema".to_owned(),
    }
}

/// The schema compiled as the contract its file's extension names: `.avsc` Avro, `.proto`
/// Protobuf, anything else JSON Schema (or a stored document of any format, which is what a
/// target's schema is).
pub fn contract(global: &GlobalArgs, args: &ValidateArgs) -> Result<Contract, CliError> {
    let refused = |e: String| CliError::usage(format!("{}: {e}", label(args)));
    let file = args
        .schema
        .as_deref()
        .and_then(|p| Some((SchemaFormat::of_path(p)?, p)));
    match file {
        Some((SchemaFormat::Avro, path)) => AvroSchema::parse(
            &read_text_capped(path, versiqii_core::avro::MAX_TEXT_BYTES)?,
            &[],
        )
        .and_then(AvroSchema::require_record)
        .map(Contract::Avro)
        .map_err(|e| refused(e.to_string())),
        Some((SchemaFormat::Protobuf, path)) => {
            let files = super::proto_files::gather(path)?;
            let files: Vec<ProtoFile<'_>> = files
                .iter()
                .map(|(name, source)| ProtoFile::new(name, source))
                .collect();
            ProtoSchema::compile(&files, args.message.as_deref())
                .map(Contract::Protobuf)
                .map_err(|e| refused(e.to_string()))
        }
        _ if args.message.is_some() => Err(CliError::usage(
            "--message applies only to a .proto --schema",
        )),
        // A target's schema is its stored document, in whichever format its family uses.
        _ => Contract::from_document(&load(global, args)?).map_err(|e| refused(e.to_string())),
    }
}

/// A schema file's text, read up to one byte past `max` (the parser then refuses the rest).
pub(super) fn read_text_capped(path: &Path, max: usize) -> Result<String, CliError> {
    let cap = u64::try_from(max).map_or(u64::MAX, |max| max + 1);
    let mut text = String::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(cap).read_to_string(&mut text))
        .map_err(|e| CliError::usage(format!("cannot read schema {}: {e}", path.display())))?;
    Ok(text)
}

pub fn load(global: &GlobalArgs, args: &ValidateArgs) -> Result<Value, CliError> {
    match (&args.schema, &args.target) {
        (Some(path), _) => from_file(path),
        (None, Some(target)) => from_target(global, target, args.refresh),
        (None, None) => Err(CliError::usage(
            "give --schema FILE or --target NAME@VERSION",
        )),
    }
}

fn from_file(path: &Path) -> Result<Value, CliError> {
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::usage(format!("cannot read schema {}: {e}", path.display())))?;
    let yaml = path
        .extension()
        .and_then(|ext| ext.to_str())
        .and_then(Format::from_path_ext)
        == Some(Format::Yaml);
    // Schemas may outgrow a config's caps: they have their own.
    let format = if yaml { Format::Yaml } else { Format::Json };
    let parsed = parse_within(&bytes, Some(format), &Caps::SCHEMA)
        .map(|(value, _)| value)
        .map_err(|e| e.to_string());
    parsed.map_err(|e| CliError::usage(format!("cannot parse schema {}: {e}", path.display())))
}

fn from_target(global: &GlobalArgs, target: &str, refresh: bool) -> Result<Value, CliError> {
    let target = split_target(target)?;
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let key = schema_cache::key(client.base_url(), target.name(), target.version());
    let cache = SchemaCache::from_env();
    if !refresh {
        if let Some(schema) = cache.as_ref().and_then(|c| c.lookup(&key)) {
            return Ok(schema);
        }
    }
    let fetched = client.target_schema(&target)?;
    if !schema_cache::is_safe_hash(&fetched.hash) {
        return Err(CliError::failure(format!(
            "the server sent an unusable schema hash {:?}",
            fetched.hash
        )));
    }
    match &cache {
        Some(cache) => {
            if let Err(e) = cache.store(&key, &fetched.hash, &fetched.schema) {
                note(&format!(
                    "warning: cannot cache the schema in {}: {e}",
                    cache.dir().display()
                ));
            }
        }
        None => {
            note("warning: no cache directory (set VERSIQII_CACHE_DIR); the schema was not cached")
        }
    }
    Ok(fetched.schema)
}

/// `name@version`, split on the last `@`; the name is checked here so that a typo fails
/// before any request is made.
fn split_target(raw: &str) -> Result<TargetRef, CliError> {
    let target = parse_name_at_version(raw, "--target").map_err(|_| {
        CliError::usage(format!(
            "invalid --target {raw:?}: expected NAME@VERSION, e.g. payment-api@1.4.0"
        ))
    })?;
    TargetName::parse(target.name())
        .map_err(|e| CliError::usage(format!("invalid --target: {e}")))?;
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::encode;

    #[test]
    fn targets_split_on_the_last_at() {
        assert_eq!(
            split_target("payment-api@1.4.0").unwrap().into_parts(),
            ("payment-api".into(), "1.4.0".into())
        );
        for bad in [
            "payment-api",
            "payment-api@",
            "@1.0",
            "bad name@1",
            "a@b\nc",
        ] {
            assert_eq!(split_target(bad).unwrap_err().exit_code(), 2, "{bad:?}");
        }
    }

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(encode("1.4.0-rc.1"), "1.4.0-rc.1");
        assert_eq!(encode("1.0.0+build/7"), "1.0.0%2Bbuild%2F7");
    }
}
