//! `versiqii`: the command-line client for the Versiqii API.

mod args;
mod client;
mod commands;
mod credentials;
mod error;
mod output;
mod timestamp;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Clap reports its own usage errors and exits with status 2, matching our contract.
    let cli = args::Cli::parse();
    client::allow_insecure(cli.global.insecure);
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            for line in error.render() {
                output::note(&line);
            }
            ExitCode::from(error.exit_code())
        }
    }
}
