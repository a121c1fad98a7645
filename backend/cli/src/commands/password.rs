//! `auth forgot-password`, `auth reset-password`, `auth verify` and
//! `auth resend-verification`.

use super::auth::read_password;
use crate::args::{ForgotPasswordArgs, GlobalArgs, ResetPasswordArgs, VerifyArgs};
use crate::client::Client;
use crate::error::{one_line, CliError};
use crate::output::{self, out, OutputFormat};
use serde_json::json;
use versiqii_api::v1::{ForgotPasswordRequest, ResetPasswordRequest, VerifyEmailRequest};

pub fn verify(global: &GlobalArgs, args: &VerifyArgs) -> Result<(), CliError> {
    let client = Client::anonymous(global.url.as_deref())?;
    let verified = client.verify_email(&VerifyEmailRequest {
        token: args.token.trim().to_owned(),
    })?;
    match global.output {
        OutputFormat::Json => output::print_json_of(&verified),
        OutputFormat::Table => out("email verified: you can create API keys and invite others"),
    }
}

pub fn resend(global: &GlobalArgs) -> Result<(), CliError> {
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    client.resend_verification()?;
    match global.output {
        OutputFormat::Json => output::print_json(&json!({ "sent": true })),
        OutputFormat::Table => out("a new verification link is on its way"),
    }
}

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
