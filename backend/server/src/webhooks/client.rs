//! The dispatcher's HTTP client, safe by construction against requests into private networks:
//! it resolves the host itself, checks every address with [`EgressPolicy`], and opens the TCP
//! connection to a checked address only. Nothing resolves the name a second time, so a DNS answer
//! that changes between the check and the connection (rebinding) changes nothing. It reads no
//! proxy from the environment, follows no redirect, and reads at most a few KiB of an answer.

use super::EgressError;
use hickory_resolver::config::{NameServerConfigGroup, ResolveHosts, ResolverConfig, ResolverOpts};
use hickory_resolver::name_server::TokioConnectionProvider;
use hickory_resolver::TokioResolver;
use http_body_util::BodyExt;
use http_body_util::Full;
use hyper::header::{HeaderName, HeaderValue};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_rustls::rustls;
use tokio_rustls::TlsConnector;
use versiqii_core::egress::EgressPolicy;
use versiqii_core::webhook::WebhookUrl;

/// The most of an answer read (the rest is dropped with the connection).
const READ_AT_MOST: usize = 16 * 1024;

/// What came back.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    /// The start of the body, as text (lossy).
    pub body: String,
    /// `Retry-After`, when the receiver sent one.
    pub retry_after: Option<Duration>,
}

impl From<EgressError> for SendError {
    fn from(e: EgressError) -> Self {
        match e {
            EgressError::Refused { .. } => SendError::Refused(e),
            // A name that does not resolve now may tomorrow: an ordinary failure.
            EgressError::Unresolvable { .. } => SendError::Failed(e.to_string()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// Every address of the host is one the service may not reach; nothing was sent.
    #[error(transparent)]
    Refused(EgressError),
    #[error("timed out after {0} ms")]
    Timeout(u128),
    #[error("{0}")]
    Failed(String),
}

pub struct Client {
    resolver: TokioResolver,
    policy: EgressPolicy,
    tls: TlsConnector,
    timeout: Duration,
    user_agent: HeaderValue,
}

impl Client {
    /// `nameservers`: `ip:port` of the DNS servers to ask; the system's when empty.
    pub fn new(
        policy: EgressPolicy,
        nameservers: &[String],
        timeout: Duration,
    ) -> anyhow::Result<Self> {
        let resolver = resolver(nameservers, timeout)?;
        let roots =
            rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
        Ok(Self {
            resolver,
            policy,
            tls: TlsConnector::from(Arc::new(tls)),
            timeout,
            user_agent: HeaderValue::from_static(concat!(
                "Versiqii-Webhooks/",
                env!("CARGO_PKG_VERSION")
            )),
        })
    }

    pub fn policy(&self) -> EgressPolicy {
        self.policy
    }

    /// The addresses of `url`'s host that may be reached, or why none may. A literal address is
    /// checked as it is; a name is resolved and its refused addresses dropped.
    pub async fn addresses(&self, url: &WebhookUrl) -> Result<Vec<SocketAddr>, EgressError> {
        let port = url.port();
        if let Some(ip) = url.literal_ip() {
            self.policy
                .check(ip)
                .map_err(|reason| EgressError::Refused { ip, reason })?;
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        let name = url.host_name().unwrap_or_default();
        let ips: Vec<IpAddr> = match self.resolver.lookup_ip(format!("{name}.")).await {
            Ok(found) => found.iter().collect(),
            Err(e) => {
                return Err(EgressError::Unresolvable {
                    name: name.to_owned(),
                    why: e.to_string(),
                })
            }
        };
        let mut allowed = Vec::with_capacity(ips.len());
        let mut first_refusal = None;
        for ip in ips {
            match self.policy.check(ip) {
                Ok(()) => allowed.push(SocketAddr::new(ip, port)),
                Err(reason) => {
                    first_refusal.get_or_insert(EgressError::Refused { ip, reason });
                }
            }
        }
        match (allowed.is_empty(), first_refusal) {
            (false, _) => Ok(allowed),
            (true, Some(refusal)) => Err(refusal),
            (true, None) => Err(EgressError::Unresolvable {
                name: name.to_owned(),
                why: "no addresses".into(),
            }),
        }
    }

    /// POSTs `body` to `url` with `headers`, within the time limit.
    pub async fn post(
        &self,
        url: &WebhookUrl,
        headers: &[(HeaderName, HeaderValue)],
        body: Vec<u8>,
    ) -> Result<Answer, SendError> {
        let started = Instant::now();
        match tokio::time::timeout(self.timeout, self.post_unbounded(url, headers, body)).await {
            Ok(result) => result,
            Err(_) => Err(SendError::Timeout(started.elapsed().as_millis())),
        }
    }

    async fn post_unbounded(
        &self,
        url: &WebhookUrl,
        headers: &[(HeaderName, HeaderValue)],
        body: Vec<u8>,
    ) -> Result<Answer, SendError> {
        let addrs = self.addresses(url).await?;
        let stream = connect(&addrs).await?;
        let mut request = hyper::Request::post(url.path_and_query())
            .body(Full::new(hyper::body::Bytes::from(body)))
            .map_err(|e| SendError::Failed(format!("request: {e}")))?;
        let host = match url.port() {
            443 if url.is_https() => url.host_str().to_owned(),
            80 if !url.is_https() => url.host_str().to_owned(),
            port => format!("{}:{port}", url.host_str()),
        };
        let h = request.headers_mut();
        h.insert(
            hyper::header::HOST,
            HeaderValue::from_str(&host).map_err(|e| SendError::Failed(format!("host: {e}")))?,
        );
        h.insert(hyper::header::USER_AGENT, self.user_agent.clone());
        h.insert(
            hyper::header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        for (name, value) in headers {
            h.insert(name.clone(), value.clone());
        }
        if url.is_https() {
            let name = rustls::pki_types::ServerName::try_from(
                url.host_str()
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .to_owned(),
            )
            .map_err(|e| SendError::Failed(format!("TLS name: {e}")))?;
            let tls = self
                .tls
                .connect(name, stream)
                .await
                .map_err(|e| SendError::Failed(format!("TLS: {e}")))?;
            exchange(tls, request).await
        } else {
            exchange(stream, request).await
        }
    }
}

fn resolver(nameservers: &[String], timeout: Duration) -> anyhow::Result<TokioResolver> {
    let mut builder = if nameservers.is_empty() {
        TokioResolver::builder_tokio()?
    } else {
        let mut group = NameServerConfigGroup::new();
        for server in nameservers {
            let addr: SocketAddr = server
                .parse()
                .map_err(|_| anyhow::anyhow!("webhooks.nameservers: `{server}` is not ip:port"))?;
            group.merge(NameServerConfigGroup::from_ips_clear(
                &[addr.ip()],
                addr.port(),
                true,
            ));
        }
        TokioResolver::builder_with_config(
            ResolverConfig::from_parts(None, Vec::new(), group),
            TokioConnectionProvider::default(),
        )
    };
    let opts: &mut ResolverOpts = builder.options_mut();
    opts.timeout = timeout.min(Duration::from_secs(5));
    opts.attempts = 2;
    opts.use_hosts_file = if nameservers.is_empty() {
        ResolveHosts::Auto
    } else {
        ResolveHosts::Never
    };
    // Answers are cached no longer than they say (rebinding does not matter: what is checked is
    // what is connected to), and not at all for the DNS servers a test runs.
    if !nameservers.is_empty() {
        opts.cache_size = 0;
    }
    Ok(builder.build())
}

/// Connects to the first address that answers.
async fn connect(addrs: &[SocketAddr]) -> Result<TcpStream, SendError> {
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => last = Some(format!("connecting to {addr}: {e}")),
        }
    }
    Err(SendError::Failed(
        last.unwrap_or_else(|| "no address to connect to".into()),
    ))
}

async fn exchange<S>(
    stream: S,
    request: hyper::Request<Full<hyper::body::Bytes>>,
) -> Result<Answer, SendError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
            .await
            .map_err(|e| SendError::Failed(format!("HTTP: {e}")))?;
    let driver = tokio::spawn(connection);
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| SendError::Failed(format!("HTTP: {e}")))?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get(hyper::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(retry_after);
    let mut body = response.into_body();
    let mut read = Vec::new();
    while read.len() < READ_AT_MOST {
        match body.frame().await {
            Some(Ok(frame)) => {
                if let Ok(data) = frame.into_data() {
                    let room = READ_AT_MOST - read.len();
                    read.extend_from_slice(&data[..data.len().min(room)]);
                }
            }
            // A body cut short still has its status: the attempt is judged on that.
            Some(Err(_)) | None => break,
        }
    }
    drop(body);
    drop(sender);
    driver.abort();
    Ok(Answer {
        status,
        body: String::from_utf8_lossy(&read).into_owned(),
        retry_after,
    })
}

/// `Retry-After` in seconds or as an HTTP date.
fn retry_after(value: &str) -> Option<Duration> {
    if let Some(secs) = versiqii_core::webhook::retry_after_secs(value) {
        return Some(secs);
    }
    let at = chrono::DateTime::parse_from_rfc2822(value.trim()).ok()?;
    let wait = at.signed_duration_since(chrono::Utc::now());
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(retry_after("120"), Some(Duration::from_secs(120)));
        let later = (chrono::Utc::now() + chrono::Duration::seconds(300)).to_rfc2822();
        let wait = retry_after(&later.replace("+0000", "GMT"))
            .unwrap()
            .as_secs();
        assert!((295..=300).contains(&wait), "{wait}");
        assert_eq!(
            retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(retry_after("later"), None);
    }
}
