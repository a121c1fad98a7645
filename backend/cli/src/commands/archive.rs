//! `export` and `import`: the organisation's registry as one archive (docs/archive.md).

use crate::args::{ExportArgs, GlobalArgs, ImportArgs};
use crate::client::Client;
use crate::error::CliError;
use crate::output::{self, note, out, OutputFormat};
use serde::Serialize;
use std::collections::BTreeMap;
use versiqii_core::archive::{self, TenantRows};

/// An archive at most unpacks to this much, here as on the server (16 × its 64 MiB default).
const MAX_UNPACKED: u64 = 1 << 30;

#[derive(Serialize)]
struct ExportSummary {
    file: String,
    bytes: u64,
    format: &'static str,
    manifest_sha256: String,
    counts: BTreeMap<String, u64>,
}

fn counts_line(counts: &BTreeMap<String, u64>) -> String {
    counts
        .iter()
        .map(|(file, n)| format!("{} {n}", file.trim_end_matches(".jsonl")))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn export(global: &GlobalArgs, args: &ExportArgs) -> Result<(), CliError> {
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    note(&format!("exporting from {} …", client.base_url()));
    let bytes = client.export_archive()?;
    // Checked as an import would check it before anything is written to disk.
    let unpacked = archive::unpack(&bytes, MAX_UNPACKED)
        .map_err(|e| CliError::failure(format!("the server sent an invalid archive: {e}")))?;
    TenantRows::from_archive(&unpacked)
        .map_err(|e| CliError::failure(format!("the server sent an invalid archive: {e}")))?;
    let path = &args.out;
    let tmp = path.with_extension("partial");
    std::fs::write(&tmp, &bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| CliError::usage(format!("cannot write {}: {e}", path.display())))?;
    let summary = ExportSummary {
        file: path.display().to_string(),
        bytes: bytes.len() as u64,
        format: archive::FORMAT,
        manifest_sha256: unpacked.manifest_sha256,
        counts: unpacked.manifest.counts,
    };
    match global.output {
        OutputFormat::Json => output::print_json_of(&summary),
        OutputFormat::Table => out(&format!(
            "wrote {} ({} bytes, manifest {}): {}",
            summary.file,
            summary.bytes,
            summary.manifest_sha256,
            counts_line(&summary.counts)
        )),
    }
}

pub fn import(global: &GlobalArgs, args: &ImportArgs) -> Result<(), CliError> {
    let path = &args.file;
    let bytes = std::fs::read(path)
        .map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))?;
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    note(&format!(
        "{} {} ({} bytes) into {} …",
        if args.dry_run {
            "checking"
        } else {
            "importing"
        },
        path.display(),
        bytes.len(),
        client.base_url()
    ));
    let summary = client.import_archive(&bytes, args.dry_run)?;
    match global.output {
        OutputFormat::Json => output::print_json_of(&summary),
        OutputFormat::Table => out(&format!(
            "{} {} (manifest {}): {}",
            if summary.dry_run {
                "would import"
            } else {
                "imported"
            },
            path.display(),
            summary.manifest_sha256,
            counts_line(&summary.counts)
        )),
    }
}
