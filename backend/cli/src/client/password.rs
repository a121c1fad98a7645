//! A forgotten password: no `Authorization` header, like sign-up and login.

use super::Client;
use crate::error::CliError;
use versiqii_api::v1::{ForgotPasswordAccepted, ForgotPasswordRequest, ResetPasswordRequest};

impl Client {
    /// Always 202 with the same answer, whether or not the email has an account.
    pub fn forgot_password(
        &self,
        body: &ForgotPasswordRequest,
    ) -> Result<ForgotPasswordAccepted, CliError> {
        self.send_anonymous("/v1/auth/password/forgot", body, "password reset request")
    }

    /// 204 once the password is changed.
    pub fn reset_password(&self, body: &ResetPasswordRequest) -> Result<(), CliError> {
        let body = super::to_json(body)?;
        self.post_anonymous("/v1/auth/password/reset", &body)
            .map(drop)
    }
}
