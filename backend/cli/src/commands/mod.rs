//! One module per API resource; each turns parsed arguments into requests and output.

mod api_keys;
mod auth;

use crate::args::{Cli, Command};
use crate::error::CliError;

pub fn run(cli: Cli) -> Result<(), CliError> {
    let Cli { global, command } = cli;
    match command {
        Command::Signup(args) => auth::signup(&global, &args),
        Command::Login(args) => auth::login(&global, &args),
        Command::Logout => auth::logout(&global),
        Command::Whoami => auth::whoami(&global),
        Command::ApiKeys(command) => api_keys::run(&global, command),
    }
}
