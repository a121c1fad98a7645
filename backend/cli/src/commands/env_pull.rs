//! `env pull`: what an environment should run, written as files for a deploy step. One file
//! per bound target (its canonical data, checked against the hash the server gives), and a
//! manifest of what was pulled.

use crate::args::{EnvPullArgs, GlobalArgs, PullFormat};
use crate::client::Client;
use crate::error::{exit, one_line, CliError};
use crate::output::{self, note, out, OutputFormat};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use versiqii_api::v1::{EnvConfig, EnvConfigs};
use versiqii_core::canonical::content_hash;
use versiqii_core::names::TargetName;

/// The manifest's name: no target is named with a leading underscore, so it never collides.
const MANIFEST: &str = "_versiqii.json";

pub fn pull(global: &GlobalArgs, args: &EnvPullArgs) -> Result<(), CliError> {
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let answer = client.env_configs(&args.env)?;
    std::fs::create_dir_all(&args.dir)
        .map_err(|e| CliError::usage(format!("cannot create {}: {e}", args.dir.display())))?;
    let previous = previous_files(&args.dir);
    let mut written = Vec::new();
    let mut manifest_items = Vec::with_capacity(answer.items.len());
    for item in &answer.items {
        let file = match &item.config {
            Some(config) => Some(write_config(
                &args.dir,
                item,
                &config.data,
                &config.hash,
                args.format,
            )?),
            None => None,
        };
        manifest_items.push(manifest_item(item, file.as_deref()));
        written.extend(file);
    }
    for stale in previous.iter().filter(|f| !written.contains(f)) {
        // Only names the previous manifest listed, and only plain file names.
        let _ = std::fs::remove_file(args.dir.join(stale));
    }
    let manifest = json!({"env": answer.env, "items": manifest_items});
    write_atomically(&args.dir.join(MANIFEST), &pretty(&manifest)?)?;

    let drifting: Vec<&EnvConfig> = answer.items.iter().filter(|i| drifts(i)).collect();
    report(global, args, &answer, &written, &manifest)?;
    for item in &drifting {
        note(&format!(
            "{} drifts in {}: {}",
            one_line(&item.target),
            one_line(&answer.env),
            one_line(&item.drift_details.join("; "))
        ));
    }
    if drifting.is_empty() {
        Ok(())
    } else {
        Err(CliError::Reported(exit::REJECTED))
    }
}

fn report(
    global: &GlobalArgs,
    args: &EnvPullArgs,
    answer: &EnvConfigs,
    written: &[String],
    manifest: &Value,
) -> Result<(), CliError> {
    match global.output {
        OutputFormat::Json => output::print_json(&json!({
            "env": answer.env,
            "dir": args.dir.display().to_string(),
            "files": written,
            "items": manifest["items"],
        })),
        OutputFormat::Table => out(&format!(
            "pulled {} into {}: {} config file{} ({} target{} in the environment)",
            one_line(&answer.env),
            args.dir.display(),
            written.len(),
            if written.len() == 1 { "" } else { "s" },
            answer.items.len(),
            if answer.items.len() == 1 { "" } else { "s" },
        )),
    }
}

fn drifts(item: &EnvConfig) -> bool {
    let d = item.drift;
    d.schema || d.dependency || d.config || d.environment
}

/// Writes one target's config; answers the file's name. The target's name becomes a file
/// name only once it is known to be a target name (no separators, no `..`), whatever the
/// server sent; the data only if it hashes to what the server says it is.
fn write_config(
    dir: &Path,
    item: &EnvConfig,
    data: &Value,
    hash: &str,
    format: PullFormat,
) -> Result<String, CliError> {
    let target = TargetName::parse(&item.target).map_err(|e| {
        CliError::failure(format!(
            "the server named a target `{}`: {e}",
            one_line(&item.target)
        ))
    })?;
    if content_hash(data) != hash {
        return Err(CliError::failure(format!(
            "the config bound to {target} does not match its hash; nothing more was written"
        )));
    }
    let (name, text) = match format {
        PullFormat::Json => (format!("{target}.json"), pretty(data)?),
        PullFormat::Yaml => (
            format!("{target}.yaml"),
            serde_yaml_ng::to_string(data)
                .map_err(|e| CliError::failure(format!("cannot write YAML: {e}")))?,
        ),
    };
    write_atomically(&dir.join(&name), &text)?;
    Ok(name)
}

fn manifest_item(item: &EnvConfig, file: Option<&str>) -> Value {
    json!({
        "target": item.target,
        "version": item.version,
        "schema_version": item.schema_version,
        "config": item.config.as_ref().map(|c| json!({
            "name": c.name,
            "revision": c.revision,
            "revision_id": c.revision_id,
            "hash": c.hash,
            "bound_for_version": c.bound_for_version,
            "schema_version": c.schema_version,
            "file": file,
        })),
        "drift": item.drift,
        "drift_details": item.drift_details,
    })
}

/// The config files the previous pull wrote, from its manifest (none when there is none).
fn previous_files(dir: &Path) -> Vec<String> {
    let Ok(text) = std::fs::read_to_string(dir.join(MANIFEST)) else {
        return Vec::new();
    };
    let Ok(manifest) = serde_json::from_str::<Value>(&text) else {
        return Vec::new();
    };
    manifest["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|i| i["config"]["file"].as_str())
        .filter(|f| is_plain_file_name(f))
        .map(str::to_owned)
        .collect()
}

fn is_plain_file_name(name: &str) -> bool {
    let path = PathBuf::from(name);
    path.components().count() == 1
        && matches!(
            path.components().next(),
            Some(std::path::Component::Normal(_))
        )
        && !name.starts_with('.')
}

fn pretty(value: &Value) -> Result<String, CliError> {
    serde_json::to_string_pretty(value)
        .map(|mut s| {
            s.push('\n');
            s
        })
        .map_err(|e| CliError::failure(format!("cannot encode JSON: {e}")))
}

/// Written beside the file, then renamed over it: a deploy step reading the directory never
/// sees half a file.
fn write_atomically(path: &Path, text: &str) -> Result<(), CliError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| CliError::usage(format!("cannot write {}: {e}", path.display())))
}

#[cfg(test)]
mod tests {
    use super::is_plain_file_name;

    #[test]
    fn only_plain_names_from_a_manifest_are_removed() {
        assert!(is_plain_file_name("svc.json"));
        for bad in [
            "../svc.json",
            "/etc/passwd",
            "a/b.json",
            ".",
            "..",
            ".hidden",
            "",
        ] {
            assert!(!is_plain_file_name(bad), "{bad}");
        }
    }
}
