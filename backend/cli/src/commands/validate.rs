//! `validate`: judge many local config files against one schema (JSON Schema, Avro or
//! Protobuf), as fast as the machine allows. The schema is compiled once; each file is read, parsed and validated in
//! one pass on a worker pool; results are printed afterwards in file order.

mod check;
mod files;
mod progress;
pub(crate) mod proto_files;
mod remote;
mod report;
mod schema_cache;
mod schema_source;

use crate::args::{GlobalArgs, ValidateArgs};
use crate::error::{exit, CliError};
use std::io::IsTerminal;
use std::time::Instant;

/// Below this many files the run is over before a progress line would be worth drawing.
const PROGRESS_MIN_FILES: usize = 200;

pub fn run(global: &GlobalArgs, args: &ValidateArgs) -> Result<(), CliError> {
    let started = Instant::now();
    if let (true, Some(target)) = (args.remote, &args.target) {
        return run_remote(global, args, target, started);
    }
    let schema = schema_source::contract(global, args)?;

    let inputs: Vec<_> = args.files.iter().chain(&args.paths).cloned().collect();
    let files = files::expand(&inputs, args.recursive)?;

    let pool = check::pool(args.jobs.map(usize::from))?;
    let show_progress = files.len() > PROGRESS_MIN_FILES && std::io::stderr().is_terminal();
    let outcomes = if show_progress {
        progress::run_with_progress(files.len(), |done| {
            pool.install(|| check::check_all(&files, &schema, Some(done)))
        })
    } else {
        pool.install(|| check::check_all(&files, &schema, None))
    };

    finish(global, args, &files, &outcomes, started)
}

/// The files judged by the server against the target version's schema.
fn run_remote(
    global: &GlobalArgs,
    args: &ValidateArgs,
    target: &str,
    started: Instant,
) -> Result<(), CliError> {
    let mut client =
        crate::client::Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let inputs: Vec<_> = args.files.iter().chain(&args.paths).cloned().collect();
    let files = files::expand(&inputs, args.recursive)?;
    let show_progress = files.len() > PROGRESS_MIN_FILES && std::io::stderr().is_terminal();
    let outcomes = if show_progress {
        progress::run_with_progress(files.len(), |done| {
            remote::check_all(&mut client, target, &files, Some(done))
        })
    } else {
        remote::check_all(&mut client, target, &files, None)
    }?;
    finish(global, args, &files, &outcomes, started)
}

fn finish(
    global: &GlobalArgs,
    args: &ValidateArgs,
    files: &[std::path::PathBuf],
    outcomes: &[check::Outcome],
    started: Instant,
) -> Result<(), CliError> {
    let summary = report::Summary::of(outcomes);
    if !args.quiet {
        report::print(files, outcomes, &summary, global.output)?;
    }
    report::print_summary(&summary, started.elapsed());
    if summary.invalid > 0 {
        Err(CliError::Reported(exit::REJECTED))
    } else {
        Ok(())
    }
}
