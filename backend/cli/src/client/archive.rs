//! Tenant archives travel as bytes (`application/zstd`), not JSON: their own two requests.

use super::{headers, transport_error, Client};
use crate::error::{CliError, ProblemExt};
use versiqii_api::v1::ImportSummary;
use versiqii_api::Problem;

/// The largest archive the CLI reads from the server.
const MAX_ARCHIVE_BYTES: u64 = 4 << 30;

impl Client {
    /// Sends once, and once more after refreshing a stored session that answered 401.
    fn with_refresh<T>(
        &mut self,
        mut send: impl FnMut(&Self, &str) -> Result<T, CliError>,
    ) -> Result<T, CliError> {
        let token = self.token()?;
        match send(self, &token) {
            Err(CliError::Api { status: 401, .. }) if self.refresh()? => {
                let token = self.token()?;
                send(self, &token)
            }
            other => other,
        }
    }

    /// `GET /v1/export`: the archive's bytes.
    pub fn export_archive(&mut self) -> Result<Vec<u8>, CliError> {
        self.with_refresh(|client, token| {
            let url = format!("{}/v1/export", client.base_url);
            let mut response = headers(client.agent.get(&url), Some(token))
                .header("Accept", "application/zstd, application/problem+json")
                .call()
                .map_err(|e| transport_error(&client.base_url, e))?;
            let status = response.status().as_u16();
            let body = response
                .body_mut()
                .with_config()
                .limit(MAX_ARCHIVE_BYTES)
                .read_to_vec()
                .map_err(|e| transport_error(&client.base_url, e))?;
            if !(200..300).contains(&status) {
                let text = String::from_utf8_lossy(&body);
                return Err(CliError::api(status, Problem::from_body(&text)));
            }
            Ok(body)
        })
    }

    /// `POST /v1/import`: what was (or, with `dry_run`, would be) written.
    pub fn import_archive(
        &mut self,
        archive: &[u8],
        dry_run: bool,
    ) -> Result<ImportSummary, CliError> {
        self.with_refresh(|client, token| {
            let path = if dry_run {
                "/v1/import?dry_run=true"
            } else {
                "/v1/import"
            };
            let url = format!("{}{path}", client.base_url);
            let response = headers(client.agent.post(&url), Some(token))
                .header("Content-Type", "application/zstd")
                .send(archive)
                .map_err(|e| transport_error(&client.base_url, e))?;
            let status = response.status().as_u16();
            let text = response
                .into_body()
                .read_to_string()
                .map_err(|e| transport_error(&client.base_url, e))?;
            if !(200..300).contains(&status) {
                return Err(CliError::api(status, Problem::from_body(&text)));
            }
            let value = serde_json::from_str(&text).map_err(|e| {
                CliError::failure(format!("the server sent a response that is not JSON: {e}"))
            })?;
            super::decode(value, "import")
        })
    }
}
