//! Invites: managed with the session's organisation; accepted signed in (any organisation's
//! session) or by signing up (no `Authorization` header, like sign-up).

use super::{Client, Method};
use crate::error::CliError;
use versiqii_api::ids::InviteId;
use versiqii_api::v1::{
    AcceptInviteRequest, AcceptInviteSignupRequest, InviteList, InviteView, NewInviteRequest,
    TokenPair,
};

const NO_BODY: Option<&()> = None;

impl Client {
    pub fn create_invite(&mut self, body: &NewInviteRequest) -> Result<InviteView, CliError> {
        self.send(Method::Post, "/v1/invites", Some(body), "invite")
    }

    pub fn invites(&mut self) -> Result<InviteList, CliError> {
        self.send(Method::Get, "/v1/invites", NO_BODY, "invite list")
    }

    pub fn resend_invite(&mut self, id: InviteId) -> Result<InviteView, CliError> {
        let path = format!("/v1/invites/{id}/resend");
        self.send(
            Method::Post,
            &path,
            Some(&serde_json::json!({})),
            "resent invite",
        )
    }

    /// 204 once revoked.
    pub fn revoke_invite(&mut self, id: InviteId) -> Result<(), CliError> {
        self.send_for_status(Method::Delete, &format!("/v1/invites/{id}"), NO_BODY)
    }

    /// A session in the invite's organisation.
    pub fn accept_invite(&mut self, body: &AcceptInviteRequest) -> Result<TokenPair, CliError> {
        self.send(
            Method::Post,
            "/v1/invites/accept",
            Some(body),
            "invite acceptance",
        )
    }

    /// A new person and a session in the invite's organisation.
    pub fn accept_invite_by_signup(
        &self,
        body: &AcceptInviteSignupRequest,
    ) -> Result<TokenPair, CliError> {
        self.send_anonymous("/v1/invites/accept/signup", body, "invite acceptance")
    }
}
