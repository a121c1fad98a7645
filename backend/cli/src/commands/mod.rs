//! One module per API resource; each turns parsed arguments into requests and output.

mod api_keys;
mod audit;
mod auth;
mod bindings;
mod configs;
mod deployments;
mod digests;
mod drifts;
mod env_pull;
mod envs;
mod graphs;
mod invites;
mod members;
mod migrations;
mod observations;
mod password;
mod schemas;
mod shared;
mod sla;
mod targets;
mod usage;
mod validate;
mod webhooks;

use crate::args::{AuthCommand, Cli, Command};
use crate::error::CliError;

/// Also used by the error report of a refused deployment, which carries its plan.
pub(crate) use deployments::plan_lines;

pub fn run(cli: Cli) -> Result<(), CliError> {
    let Cli { global, command } = cli;
    match command {
        Command::Signup(args) => auth::signup(&global, &args),
        Command::Login(args) => auth::login(&global, &args),
        Command::Logout => auth::logout(&global),
        Command::Whoami => auth::whoami(&global),
        Command::Auth(AuthCommand::ForgotPassword(args)) => password::forgot(&global, &args),
        Command::Auth(AuthCommand::ResetPassword(args)) => password::reset(&global, &args),
        Command::Auth(AuthCommand::Verify(args)) => password::verify(&global, &args),
        Command::Auth(AuthCommand::ResendVerification) => password::resend(&global),
        Command::Orgs(command) => members::orgs(&global, command),
        Command::Members(command) => members::run(&global, command),
        Command::Invites(command) => invites::run(&global, command),
        Command::ApiKeys(command) => api_keys::run(&global, command),
        Command::Validate(args) => validate::run(&global, &args),
        Command::Schemas(command) => schemas::run(&global, command),
        Command::Targets(command) => targets::run(&global, command),
        Command::Configs(command) => configs::run(&global, command),
        Command::Envs(command) => envs::run(&global, command),
        Command::Bindings(command) => bindings::run(&global, command),
        Command::Graphs(command) => graphs::run(&global, command),
        Command::Report(args) => observations::report(&global, &args),
        Command::Drifts(command) => drifts::run(&global, command),
        Command::Migrations(command) => migrations::run(&global, command),
        Command::Rollback(args) => deployments::rollback(&global, &args),
        Command::Audit(command) => audit::run(&global, command),
        Command::Webhooks(command) => webhooks::run(&global, command),
        Command::Digests(command) => digests::run(&global, command),
        Command::Usage(args) => usage::run(&global, args),
        Command::Sla(args) => sla::run(&global, args),
    }
}
