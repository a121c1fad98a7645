//! `auth forgot-password` and `auth reset-password`.

use super::auth::read_password;
use crate::args::{ForgotPasswordArgs, GlobalArgs, ResetPasswordArgs};
use crate::client::Client;
use crate::error::{one_line, CliError};
use crate::output::{self, out, OutputFormat};
use serde_json::json;
use versiqii_api::v1::{ForgotPasswordRequest, ResetPasswordRequest};

pub fn forgot(global: &GlobalArgs, args: &ForgotPasswordArgs) -> Result<(), CliError> {
    let client = Client::anonymous(global.url.as_deref())?;
    let accepted = client.forgot_password(&ForgotPasswordRequest {
        email: args.email.clone(),
    })?;
    match global.output {
        OutputFormat::Json => output::print_json_of(&accepted),
        OutputFormat::Table => out(&one_line(&accepted.message)),
    }
}

pub fn reset(global: &GlobalArgs, args: &ResetPasswordArgs) -> Result<(), CliError> {
    let password = read_password(&args.password)?;
    let client = Client::anonymous(global.url.as_deref())?;
    client.reset_password(&ResetPasswordRequest {
        token: args.token.trim().to_owned(),
        password,
    })?;
    match global.output {
        OutputFormat::Json => output::print_json(&json!({ "reset": true })),
        OutputFormat::Table => {
            out("password changed; every session of the account has ended: log in with the new one")
        }
    }
}
