//! HTTP access to the Versiqii API: URL and token resolution, problem+json errors,
//! and the one-shot token refresh that keeps stored sessions alive.
//!
//! The client is typed: requests are `versiqii_api` types serialized as they are, and every
//! success body is read into the `versiqii_api` type of its operation ([`endpoints`] names each
//! operation once: its method, path and types).

mod archive;
mod endpoints;
mod invites;
mod password;

#[cfg(test)]
pub use endpoints::target_version_path;

use crate::credentials::{CredentialStore, Credentials};
use crate::error::{CliError, ProblemExt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use std::time::Duration;
use ureq::{Agent, RequestBuilder};
use versiqii_api::v1::{RefreshRequest, TokenPair};
use versiqii_api::Problem;

pub const DEFAULT_URL: &str = "http://127.0.0.1:8080";

#[derive(Debug, Clone, Copy)]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

/// Where the request's identity comes from decides whether a 401 may be retried:
/// only stored sessions have a refresh token to fall back on.
enum Auth {
    Explicit(String),
    Stored(Credentials),
    Missing { hint: String },
}

pub struct Client {
    agent: Agent,
    base_url: String,
    auth: Auth,
    store: CredentialStore,
}

impl Client {
    /// For commands that establish a session (`login`, `signup`): stored tokens are
    /// irrelevant, and a damaged credentials file must not stop the user replacing it.
    pub fn anonymous(url: Option<&str>) -> Result<Self, CliError> {
        let store = CredentialStore::from_env()?;
        let stored = store.load().ok().flatten();
        let base_url = resolve_url(url, stored.as_ref())?;
        check_transport(
            &base_url,
            INSECURE.load(std::sync::atomic::Ordering::Relaxed),
        )?;
        let auth = Auth::Missing {
            hint: String::new(),
        };
        Ok(Self::build(base_url, auth, store))
    }

    /// For commands that act as someone: `--token` wins, else the stored session,
    /// which is only used against the server it was issued by.
    pub fn authenticated(url: Option<&str>, token: Option<&str>) -> Result<Self, CliError> {
        let store = CredentialStore::from_env()?;
        let token = token.map(str::trim).filter(|t| !t.is_empty());
        let stored = match (url, token) {
            (Some(_), Some(_)) => None,
            _ => store.load()?,
        };
        let base_url = resolve_url(url, stored.as_ref())?;
        check_transport(
            &base_url,
            INSECURE.load(std::sync::atomic::Ordering::Relaxed),
        )?;
        let auth = match (token, stored) {
            (Some(token), _) => Auth::Explicit(check_token(token)?),
            (None, Some(creds)) if normalize(&creds.url) == base_url => Auth::Stored(creds),
            (None, Some(creds)) => Auth::Missing {
                hint: format!(" (the stored session is for {})", creds.url),
            },
            (None, None) => Auth::Missing {
                hint: String::new(),
            },
        };
        Ok(Self::build(base_url, auth, store))
    }

    fn build(base_url: String, auth: Auth, store: CredentialStore) -> Self {
        let agent = Agent::config_builder()
            .http_status_as_error(false)
            // The API never redirects; following one could leak a request elsewhere.
            .max_redirects(0)
            .timeout_connect(Some(Duration::from_secs(10)))
            .timeout_global(Some(Duration::from_secs(60)))
            .user_agent(concat!("versiqii-cli/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Self {
            agent,
            base_url,
            auth,
            store,
        }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn stored_session(&self) -> Option<&Credentials> {
        match &self.auth {
            Auth::Stored(creds) => Some(creds),
            _ => None,
        }
    }

    /// Stores the tokens of `POST /v1/auth/login`, `/refresh` or `/signup`.
    pub fn save_session(&self, grant: &TokenPair) -> Result<Credentials, CliError> {
        let creds = Credentials {
            url: self.base_url.clone(),
            access_token: grant.access_token.clone(),
            refresh_token: grant.refresh_token.clone(),
            tenant_id: grant.tenant_id.map(|t| t.to_string()).unwrap_or_default(),
            user_id: grant.user_id.to_string(),
        };
        self.store.save(&creds)?;
        Ok(creds)
    }

    pub fn forget_session(&self) -> Result<bool, CliError> {
        self.store.delete()
    }

    /// An authenticated request whose success body is read as `Resp`; `what` names the answer
    /// in the error when it does not fit.
    pub fn send<Req, Resp>(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Req>,
        what: &str,
    ) -> Result<Resp, CliError>
    where
        Req: Serialize + ?Sized,
        Resp: DeserializeOwned,
    {
        let body = body.map(to_json).transpose()?;
        decode(self.request(method, path, body.as_ref())?, what)
    }

    /// An authenticated request whose answer has no body worth reading (204 No Content).
    pub fn send_for_status<Req: Serialize + ?Sized>(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Req>,
    ) -> Result<(), CliError> {
        let body = body.map(to_json).transpose()?;
        self.request(method, path, body.as_ref()).map(drop)
    }

    /// A request that carries no `Authorization` header, its success body read as `Resp`.
    pub fn send_anonymous<Req, Resp>(
        &self,
        path: &str,
        body: &Req,
        what: &str,
    ) -> Result<Resp, CliError>
    where
        Req: Serialize + ?Sized,
        Resp: DeserializeOwned,
    {
        let body = to_json(body)?;
        decode(self.post_anonymous(path, &body)?, what)
    }

    /// An authenticated request; with a stored session, an expired access token is
    /// refreshed and the request retried exactly once.
    fn request(
        &mut self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, CliError> {
        let token = self.token()?;
        match self.send_retrying(method, path, body, Some(&token)) {
            Err(CliError::Api { status: 401, .. }) if self.refresh()? => {
                let token = self
                    .stored_session()
                    .map(|creds| creds.access_token.clone());
                self.send_retrying(method, path, body, token.as_deref())
            }
            other => other,
        }
    }

    fn token(&self) -> Result<String, CliError> {
        match &self.auth {
            Auth::Explicit(token) => Ok(token.clone()),
            Auth::Stored(creds) => Ok(creds.access_token.clone()),
            Auth::Missing { hint } => Err(CliError::usage(format!(
                "not logged in to {}{hint}; run `versiqii login` or pass --token",
                self.base_url
            ))),
        }
    }

    /// A conditional `GET`: `None` when the server answers 304 (nothing changed since `etag`),
    /// else the body read as `Resp` and its `ETag`.
    pub fn get_if_changed<Resp: DeserializeOwned>(
        &mut self,
        path: &str,
        etag: Option<&str>,
        what: &str,
    ) -> Result<Option<(Resp, Option<String>)>, CliError> {
        let token = self.token()?;
        let answer = match self.get_conditional(path, &token, etag) {
            Err(CliError::Api { status: 401, .. }) if self.refresh()? => {
                let token = self.token()?;
                self.get_conditional(path, &token, etag)
            }
            other => other,
        }?;
        answer
            .map(|(value, tag)| decode(value, what).map(|v| (v, tag)))
            .transpose()
    }

    fn get_conditional(
        &self,
        path: &str,
        token: &str,
        etag: Option<&str>,
    ) -> Result<Option<(Value, Option<String>)>, CliError> {
        let url = format!("{}{path}", self.base_url);
        let mut request = headers(self.agent.get(&url), Some(token));
        if let Some(etag) = etag {
            request = request.header("If-None-Match", etag);
        }
        let response = request
            .call()
            .map_err(|e| transport_error(&self.base_url, e))?;
        let status = response.status().as_u16();
        if status == 304 {
            return Ok(None);
        }
        let tag = response
            .headers()
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = response
            .into_body()
            .read_to_string()
            .map_err(|e| transport_error(&self.base_url, e))?;
        if !(200..300).contains(&status) {
            return Err(CliError::api(status, Problem::from_body(&text)));
        }
        let value = serde_json::from_str(&text).map_err(|e| {
            CliError::failure(format!("the server sent a response that is not JSON: {e}"))
        })?;
        Ok(Some((value, tag)))
    }

    /// A request that carries no `Authorization` header.
    fn post_anonymous(&self, path: &str, body: &Value) -> Result<Value, CliError> {
        self.send_retrying(Method::Post, path, Some(body), None)
    }

    /// Returns whether a fresh token pair is now stored. A rejected refresh is not an
    /// error of its own: the caller reports the original 401, which is what matters.
    fn refresh(&mut self) -> Result<bool, CliError> {
        let Some(refresh_token) = self
            .stored_session()
            .map(|creds| creds.refresh_token.clone())
            .filter(|t| !t.is_empty())
        else {
            return Ok(false);
        };
        let grant = match self.refresh_session(&RefreshRequest { refresh_token }) {
            Ok(grant) => grant,
            Err(CliError::Api { .. }) => return Ok(false),
            Err(other) => return Err(other),
        };
        self.auth = Auth::Stored(self.save_session(&grant)?);
        Ok(true)
    }

    /// Sends the request; a 429 (the tenant is over its plan's budget, and nothing was done)
    /// is sent again after its `Retry-After`, a few times, so pipelines ride out a busy moment.
    fn send_retrying(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        token: Option<&str>,
    ) -> Result<Value, CliError> {
        let mut retries = 0;
        loop {
            match self.send_once(method, path, body, token) {
                // Waits the whole Retry-After, when it is short; a longer one (a login or
                // sign-up limit) is reported at once rather than retried early.
                (Err(CliError::Api { status: 429, .. }), Some(wait))
                    if retries < MAX_RATE_LIMIT_RETRIES && wait <= MAX_RATE_LIMIT_WAIT_SECS =>
                {
                    retries += 1;
                    let wait = wait.max(1);
                    eprintln!("rate limited by the server; retrying in {wait} s");
                    std::thread::sleep(std::time::Duration::from_secs(wait));
                }
                (answer, _) => return answer,
            }
        }
    }

    /// The answer, and the `Retry-After` seconds of a 429.
    fn send_once(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        token: Option<&str>,
    ) -> (Result<Value, CliError>, Option<u64>) {
        let url = format!("{}{path}", self.base_url);
        let sent = match (method, body) {
            (Method::Get, _) => headers(self.agent.get(&url), token).call(),
            (Method::Delete, _) => headers(self.agent.delete(&url), token).call(),
            (Method::Post, Some(body)) => headers(self.agent.post(&url), token).send_json(body),
            (Method::Post, None) => headers(self.agent.post(&url), token).send_empty(),
            (Method::Put, Some(body)) => headers(self.agent.put(&url), token).send_json(body),
            (Method::Put, None) => headers(self.agent.put(&url), token).send_empty(),
            (Method::Patch, Some(body)) => headers(self.agent.patch(&url), token).send_json(body),
            (Method::Patch, None) => headers(self.agent.patch(&url), token).send_empty(),
        };
        let response = match sent {
            Ok(response) => response,
            Err(e) => return (Err(transport_error(&self.base_url, e)), None),
        };
        let status = response.status().as_u16();
        let retry_after = (status == 429).then(|| {
            response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(1)
        });
        let answer = response
            .into_body()
            .read_to_string()
            .map_err(|e| transport_error(&self.base_url, e))
            .and_then(|text| {
                if !(200..300).contains(&status) {
                    return Err(CliError::api(status, Problem::from_body(&text)));
                }
                if text.trim().is_empty() {
                    return Ok(Value::Null);
                }
                serde_json::from_str(&text).map_err(|e| {
                    CliError::failure(format!("the server sent a response that is not JSON: {e}"))
                })
            });
        (answer, retry_after)
    }
}

/// A 429 is sent again this many times before it is reported.
const MAX_RATE_LIMIT_RETRIES: u32 = 3;
/// A 429 asking for a longer wait than this is reported, not waited out.
const MAX_RATE_LIMIT_WAIT_SECS: u64 = 30;

fn headers<B>(request: RequestBuilder<B>, token: Option<&str>) -> RequestBuilder<B> {
    let request = request.header("Accept", "application/json, application/problem+json");
    match token {
        Some(token) => request.header("Authorization", format!("Bearer {token}")),
        None => request,
    }
}

/// Decodes a success body into the shape a command relies on; a mismatch means the
/// server and this CLI disagree about the contract, which is a server-side failure.
pub fn decode<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, CliError> {
    serde_json::from_value(value)
        .map_err(|e| CliError::failure(format!("unexpected {what} response from the server: {e}")))
}

fn to_json<T: Serialize + ?Sized>(body: &T) -> Result<Value, CliError> {
    serde_json::to_value(body)
        .map_err(|e| CliError::failure(format!("cannot encode the request: {e}")))
}

/// Percent-encodes one URL path segment or query value: user-typed names must not be
/// able to change which route a request goes to.
pub fn encode(raw: &str) -> String {
    let mut encoded = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// `path?key=value&...` with the given parameters percent-encoded; absent ones are left
/// out, and so is the `?` when none is given.
pub fn with_query(path: &str, params: &[(&str, Option<&str>)]) -> String {
    let pairs: Vec<String> = params
        .iter()
        .filter_map(|(key, value)| value.map(|value| format!("{key}={}", encode(value))))
        .collect();
    if pairs.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", pairs.join("&"))
    }
}

fn resolve_url(explicit: Option<&str>, stored: Option<&Credentials>) -> Result<String, CliError> {
    let url = explicit
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .or(stored.map(|c| c.url.as_str()))
        .unwrap_or(DEFAULT_URL);
    let url = normalize(url);
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"));
    match rest {
        Some(host) if !host.is_empty() => Ok(url),
        _ => Err(CliError::usage(format!(
            "invalid server URL {url:?}: expected something like {DEFAULT_URL}"
        ))),
    }
}

static INSECURE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `--insecure`: allow plain `http://` to hosts other than this machine.
pub fn allow_insecure(allow: bool) {
    INSECURE.store(allow, std::sync::atomic::Ordering::Relaxed);
}

/// Credentials and configs travel in the clear over plain HTTP: only to this machine, unless
/// the user says `--insecure`.
fn check_transport(url: &str, insecure: bool) -> Result<(), CliError> {
    let lower = url.to_ascii_lowercase();
    let Some(rest) = lower.strip_prefix("http://") else {
        return Ok(());
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.split(':').next().unwrap_or(""),
    };
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback || insecure {
        return Ok(());
    }
    Err(CliError::usage(format!(
        "refusing plain http:// to {host}: use https://, or --insecure to send credentials unencrypted"
    )))
}

fn normalize(url: &str) -> String {
    url.trim().trim_end_matches('/').to_owned()
}

fn check_token(token: &str) -> Result<String, CliError> {
    if token.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(token.to_owned())
    } else {
        Err(CliError::usage(
            "the token contains spaces or characters that cannot be sent in a header",
        ))
    }
}

fn transport_error(base_url: &str, error: ureq::Error) -> CliError {
    use ureq::Error as E;
    match error {
        E::BadUri(detail) => CliError::usage(format!("invalid server URL {base_url}: {detail}")),
        E::Http(detail) => CliError::usage(format!("cannot build a request: {detail}")),
        E::Timeout(_) => CliError::failure(format!("{base_url} did not answer in time")),
        E::HostNotFound => CliError::failure(format!("cannot resolve the host of {base_url}")),
        E::ConnectionFailed => CliError::failure(format!("cannot connect to {base_url}")),
        E::Io(e) => CliError::failure(format!("cannot talk to {base_url}: {e}")),
        _ if base_url.to_ascii_lowercase().starts_with("https://") => CliError::failure(format!(
            "cannot talk to {base_url}: https is not supported by this build of versiqii; \
             use an http:// URL ({error})"
        )),
        other => CliError::failure(format!("request to {base_url} failed: {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_goes_only_to_this_machine_unless_insecure() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost",
            "http://[::1]:9000/x",
            "http://127.9.9.9",
            "https://versiqii.example",
            "HTTPS://api.example:443",
        ] {
            assert!(check_transport(ok, false).is_ok(), "{ok}");
        }
        for refused in [
            "http://versiqii.example",
            "http://10.0.0.5:8080",
            "http://[2001:db8::1]",
            "http://localhost.evil.example",
            "http://127.0.0.1@evil.example",
        ] {
            let err = check_transport(refused, false).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{refused}");
            assert!(check_transport(refused, true).is_ok(), "{refused}");
        }
    }

    #[test]
    fn url_resolution_prefers_flag_then_session_then_default() {
        let stored = Credentials {
            url: "http://stored:9000/".into(),
            access_token: "a".into(),
            refresh_token: "r".into(),
            tenant_id: "t".into(),
            user_id: "u".into(),
        };
        assert_eq!(
            resolve_url(Some("http://flag:1/"), Some(&stored)).unwrap(),
            "http://flag:1"
        );
        assert_eq!(
            resolve_url(None, Some(&stored)).unwrap(),
            "http://stored:9000"
        );
        assert_eq!(resolve_url(None, None).unwrap(), DEFAULT_URL);
        assert_eq!(
            resolve_url(Some("ftp://x"), None).unwrap_err().exit_code(),
            2
        );
        assert_eq!(
            resolve_url(Some("http://"), None).unwrap_err().exit_code(),
            2
        );
    }

    #[test]
    fn tokens_must_be_header_safe() {
        assert!(check_token("vq_live_abc.def-ghi").is_ok());
        assert_eq!(check_token("a b").unwrap_err().exit_code(), 2);
        assert_eq!(check_token("a\nb").unwrap_err().exit_code(), 2);
    }
}
