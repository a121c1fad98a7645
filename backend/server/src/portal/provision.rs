//! Creating an operator (`versiqii-server operator create`): operators are provisioned by the
//! people who run the service, never signed up. The TOTP secret is shown once, for the
//! operator's authenticator app, and stored sealed.

use super::OperatorRole;
use anyhow::Context;
use rand::RngCore;
use uuid::Uuid;
use versiqii_core::totp::TotpSecret;
use versiqii_core::{Email, Password};
use versiqii_store::{NewOperator, OperatorStore};

/// What the new operator needs to sign in (the secret is shown this once).
#[derive(Debug, serde::Serialize)]
pub struct Provisioned {
    pub id: Uuid,
    pub email: String,
    pub role: &'static str,
    /// For typing into an authenticator app.
    pub totp_secret: String,
    /// For a QR code.
    pub otpauth_uri: String,
}

pub async fn create_operator(
    settings: &crate::Settings,
    email: &str,
    role: OperatorRole,
    display_name: Option<&str>,
    password: String,
) -> anyhow::Result<Provisioned> {
    let email = Email::parse(email).map_err(|e| anyhow::anyhow!("--email: {e}"))?;
    let password = Password::parse(password).map_err(|e| anyhow::anyhow!("the password: {e}"))?;
    let url = settings
        .operators
        .database_url
        .as_deref()
        .context("set VERSIQII_OPERATOR_DATABASE_URL (operators.database_url)")?;
    let store = OperatorStore::connect(url, 1).await?;
    let keys = crate::webhooks::keyring::KeyRing::from_settings(
        &settings.webhooks.secret_keys,
        settings.auth.jwt_secret.as_bytes(),
    )?;
    let mut bytes = [0u8; 20];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let secret = TotpSecret::new(bytes);
    let id = Uuid::new_v4();
    let hash = crate::auth::passwords::hash(password.expose().to_owned())
        .await
        .map_err(|e| anyhow::anyhow!("hashing the password: {e}"))?;
    store
        .create_operator(NewOperator {
            id,
            email: email.as_str(),
            display_name,
            password_hash: &hash,
            role: role.as_str(),
            totp_sealed: &super::auth::seal_totp(&keys, id, &bytes),
        })
        .await
        .map_err(|e| match e {
            versiqii_store::StoreError::Conflict(_) => {
                anyhow::anyhow!("an operator with this email exists")
            }
            other => other.into(),
        })?;
    Ok(Provisioned {
        id,
        email: email.as_str().to_owned(),
        role: role.as_str(),
        totp_secret: secret.to_base32(),
        otpauth_uri: secret.otpauth_uri("Versiqii operators", email.as_str()),
    })
}
