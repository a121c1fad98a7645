//! Access tokens: HS256 only (the algorithm is pinned, whatever the header says), with `exp`,
//! `iat`, `aud`, `iss` and `sub` required.

use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use versiqii_core::Role;

pub const ISSUER: &str = "versiqii";
pub const AUDIENCE: &str = "versiqii-api";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    pub sub: Uuid,
    /// The session's organisation and the person's role there; both absent for a personal
    /// session (a person with no organisation), which no tenant route accepts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tid: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Set on an operator's read-only look at `tid` (`sub` is the operator).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub imp: bool,
    pub iss: String,
    pub aud: String,
    pub iat: u64,
    pub exp: u64,
}

pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub ttl_secs: u64,
}

impl JwtKeys {
    pub fn new(secret: &[u8], ttl_secs: u64) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_audience(&[AUDIENCE]);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iat", "aud", "iss", "sub"]);
        validation.leeway = 5;
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl_secs,
        }
    }

    /// A session's access token in `tenant`, where `user` has `role`.
    pub fn issue(&self, user: Uuid, tenant: Uuid, role: Role) -> anyhow::Result<String> {
        self.sign(user, Some((tenant, role)))
    }

    /// A personal session's access token: a person with no organisation.
    pub fn issue_personal(&self, user: Uuid) -> anyhow::Result<String> {
        self.sign(user, None)
    }

    /// An operator's read-only look at `tenant`, for `ttl_secs`.
    pub fn issue_impersonation(
        &self,
        operator: Uuid,
        tenant: Uuid,
        ttl_secs: u64,
    ) -> anyhow::Result<String> {
        let now = jsonwebtoken::get_current_timestamp();
        self.encode(Claims {
            sub: operator,
            tid: Some(tenant),
            role: Some(Role::Viewer),
            imp: true,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now,
            exp: now + ttl_secs,
        })
    }

    fn sign(&self, user: Uuid, membership: Option<(Uuid, Role)>) -> anyhow::Result<String> {
        let now = jsonwebtoken::get_current_timestamp();
        self.encode(Claims {
            sub: user,
            tid: membership.map(|m| m.0),
            role: membership.map(|m| m.1),
            imp: false,
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
            iat: now,
            exp: now + self.ttl_secs,
        })
    }

    fn encode(&self, claims: Claims) -> anyhow::Result<String> {
        Ok(encode(
            &Header::new(Algorithm::HS256),
            &claims,
            &self.encoding,
        )?)
    }

    pub fn verify(&self, token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
        decode::<Claims>(token, &self.decoding, &self.validation).map(|data| data.claims)
    }
}
