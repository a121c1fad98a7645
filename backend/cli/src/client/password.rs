//! A forgotten password and email verification: no `Authorization` header, like sign-up and
//! login (but for asking a new verification link, which is the caller's own).

use super::Client;
use crate::error::CliError;
use versiqii_api::v1::{
    EmailVerified, ForgotPasswordAccepted, ForgotPasswordRequest, ResetPasswordRequest,
    VerifyEmailRequest,
};

impl Client {
    /// Always 202 with the same answer, whether or not the email has an account.
    pub fn forgot_password(
        &self,
        body: &ForgotPasswordRequest,
    ) -> Result<ForgotPasswordAccepted, CliError> {
        self.send_anonymous("/v1/auth/password/forgot", body, "password reset request")
    }

    /// 204 once the password is changed.
    pub fn verify_email(&self, body: &VerifyEmailRequest) -> Result<EmailVerified, CliError> {
        self.send_anonymous("/v1/auth/verify", body, "email verification")
    }

    pub fn resend_verification(&mut self) -> Result<(), CliError> {
        self.send_for_status(
            super::Method::Post,
            "/v1/auth/verify/resend",
            Some(&serde_json::json!({})),
        )
    }

    pub fn reset_password(&self, body: &ResetPasswordRequest) -> Result<(), CliError> {
        let body = super::to_json(body)?;
        self.post_anonymous("/v1/auth/password/reset", &body)
            .map(drop)
    }
}
