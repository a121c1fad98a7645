//! Webhooks as the Standard Webhooks specification has them (the one Svix published): the
//! endpoint's URL and secret, which events an endpoint takes, the signature over each delivery,
//! and when a failed delivery is tried again. Pure values; the dispatcher does the IO.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::net::IpAddr;
use std::time::Duration;

/// Why a webhook value is refused, in words for the person who typed it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("the URL is not valid: {0}")]
    Url(String),
    #[error("the secret must be `whsec_` followed by base64 of 24 to 64 bytes")]
    Secret,
    #[error("`{0}` is not an event type pattern (`drift.changed`, `deployment.*` or `*`)")]
    Pattern(String),
}

/// Where deliveries go: an `http` or `https` URL with a host and no credentials in it. Whether the
/// host's addresses may be reached is the dispatcher's question at each delivery (names can change
/// their answers), though a literal address can be judged at once: [`WebhookUrl::literal_ip`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl(url::Url);

/// URLs are at most this long (Svix's limit too).
pub const MAX_URL_LEN: usize = 2048;

impl WebhookUrl {
    pub fn parse(text: &str) -> Result<Self, WebhookError> {
        if text.len() > MAX_URL_LEN {
            return Err(WebhookError::Url(format!(
                "longer than {MAX_URL_LEN} characters"
            )));
        }
        let url = url::Url::parse(text.trim()).map_err(|e| WebhookError::Url(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(WebhookError::Url("the scheme must be http or https".into()));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(WebhookError::Url(
                "credentials do not belong in the URL; deliveries are signed instead".into(),
            ));
        }
        if url.fragment().is_some() {
            return Err(WebhookError::Url(
                "a fragment is never sent; remove it".into(),
            ));
        }
        match url.host() {
            None => return Err(WebhookError::Url("there is no host".into())),
            Some(url::Host::Domain("")) => {
                return Err(WebhookError::Url("there is no host".into()))
            }
            Some(_) => {}
        }
        Ok(Self(url))
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn is_https(&self) -> bool {
        self.0.scheme() == "https"
    }

    /// The host as a name to resolve, or `None` when it is an address.
    pub fn host_name(&self) -> Option<&str> {
        match self.0.host() {
            Some(url::Host::Domain(d)) if crate::egress::literal_ip(d).is_none() => Some(d),
            _ => None,
        }
    }

    /// The host when it is an address (however it is spelt).
    pub fn literal_ip(&self) -> Option<IpAddr> {
        match self.0.host()? {
            url::Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
            url::Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
            url::Host::Domain(d) => crate::egress::literal_ip(d),
        }
    }

    /// The host as the `Host` header and TLS name want it.
    pub fn host_str(&self) -> &str {
        self.0.host_str().unwrap_or_default()
    }

    pub fn port(&self) -> u16 {
        self.0.port_or_known_default().unwrap_or(443)
    }

    /// The path and query, as the request line wants them.
    pub fn path_and_query(&self) -> String {
        match self.0.query() {
            Some(q) => format!("{}?{q}", self.0.path()),
            None => self.0.path().to_owned(),
        }
    }
}

impl std::fmt::Display for WebhookUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An endpoint's signing secret: `whsec_` and the base64 of 24 to 64 random bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

const SECRET_PREFIX: &str = "whsec_";

impl WebhookSecret {
    pub const MIN_BYTES: usize = 24;
    pub const MAX_BYTES: usize = 64;

    /// A secret of 32 bytes from `bytes`, which must come from a CSPRNG.
    pub fn from_random(bytes: [u8; 32]) -> Self {
        Self(bytes.to_vec())
    }

    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, WebhookError> {
        if (Self::MIN_BYTES..=Self::MAX_BYTES).contains(&bytes.len()) {
            Ok(Self(bytes))
        } else {
            Err(WebhookError::Secret)
        }
    }

    pub fn parse(text: &str) -> Result<Self, WebhookError> {
        let encoded = text
            .strip_prefix(SECRET_PREFIX)
            .ok_or(WebhookError::Secret)?;
        let bytes = B64.decode(encoded).map_err(|_| WebhookError::Secret)?;
        Self::from_bytes(bytes)
    }

    pub fn bytes(&self) -> &[u8] {
        &self.0
    }

    /// The secret as it is shown once and as receivers configure it.
    pub fn expose(&self) -> String {
        format!("{SECRET_PREFIX}{}", B64.encode(&self.0))
    }

    /// `v1,` and the base64 HMAC-SHA256 of `{id}.{timestamp}.{body}`.
    pub fn sign(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
        // HMAC takes a key of any length; new_from_slice cannot fail for it.
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.0) else {
            unreachable!("HMAC accepts keys of every length")
        };
        mac.update(msg_id.as_bytes());
        mac.update(b".");
        mac.update(timestamp.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("v1,{}", B64.encode(mac.finalize().into_bytes()))
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(..)")
    }
}

/// The `webhook-signature` header: one signature per secret in use, separated by spaces (the new
/// secret first during a rotation, so receivers holding either verify).
pub fn signature_header(
    secrets: &[&WebhookSecret],
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
) -> String {
    secrets
        .iter()
        .map(|s| s.sign(msg_id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Which event types an endpoint takes: `*`, an exact type (`drift.changed`), or a prefix
/// (`deployment.*`, every type starting `deployment.`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventPattern(String);

impl EventPattern {
    pub fn parse(text: &str) -> Result<Self, WebhookError> {
        let t = text.trim();
        let stem = t.strip_suffix(".*").unwrap_or(t);
        let valid = t == "*"
            || (!stem.is_empty()
                && t.len() <= 80
                && stem.split('.').all(|part| {
                    !part.is_empty()
                        && part
                            .bytes()
                            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
                }));
        if valid {
            Ok(Self(t.to_owned()))
        } else {
            Err(WebhookError::Pattern(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn matches(&self, event_type: &str) -> bool {
        match self.0.strip_suffix('*') {
            Some(prefix) => event_type.starts_with(prefix),
            None => self.0 == event_type,
        }
    }
}

/// When a failed delivery is tried again: Svix's schedule (immediately, then 5 s, 5 min, 30 min,
/// 2 h, 5 h, 10 h, 10 h), each wait spread by ±20% so endpoints that failed together do not come
/// back together. A throttled or timed-out attempt waits at least `throttle_min` (or what the
/// receiver's `Retry-After` asks, within `throttle_min..=throttle_max`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    /// The wait before each retry; its length is the number of retries.
    pub waits: Vec<Duration>,
    pub throttle_min: Duration,
    pub throttle_max: Duration,
}

impl Default for RetrySchedule {
    fn default() -> Self {
        let s = Duration::from_secs;
        Self {
            waits: vec![s(5), s(300), s(1800), s(7200), s(18000), s(36000), s(36000)],
            throttle_min: s(60),
            throttle_max: s(6 * 3600),
        }
    }
}

/// How an attempt ended, as far as the schedule cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Any other failure: an error status, a refused connection, a bad answer.
    Failed,
    /// 429, 503 or a timeout: the receiver is busy; `Retry-After` if it said one.
    Throttled { retry_after: Option<Duration> },
}

impl RetrySchedule {
    /// Attempts in all (the first and every retry).
    pub fn max_attempts(&self) -> u32 {
        u32::try_from(self.waits.len())
            .unwrap_or(u32::MAX)
            .saturating_add(1)
    }

    /// The wait after the `attempts`-th attempt failed, or `None` when that was the last.
    /// `jitter` in `[-1, 1]` spreads the wait by up to ±20%.
    pub fn next_wait(&self, attempts: u32, failure: Failure, jitter: f64) -> Option<Duration> {
        let index = usize::try_from(attempts.checked_sub(1)?).ok()?;
        let base = *self.waits.get(index)?;
        let spread = base.mul_f64(1.0 + 0.2 * jitter.clamp(-1.0, 1.0));
        Some(match failure {
            Failure::Failed => spread,
            Failure::Throttled { retry_after } => {
                let asked = retry_after.unwrap_or(Duration::ZERO);
                spread
                    .max(self.throttle_min)
                    .max(asked.min(self.throttle_max))
            }
        })
    }
}

/// Reads a `Retry-After` value given in seconds (the form receivers use; an HTTP date is read by
/// the caller, which knows the time).
pub fn retry_after_secs(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn urls_are_http_with_a_host_and_no_credentials() {
        for good in [
            "https://hooks.slack.com/services/T0/B0/x",
            "http://127.0.0.1:8080/hook?x=1",
            "https://[::1]/",
        ] {
            assert!(WebhookUrl::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "ftp://example.com/",
            "https://user:pw@example.com/",
            "https://example.com/#frag",
            "not a url",
            "file:///etc/passwd",
            "https://",
            "mailto:a@b.c",
        ] {
            assert!(WebhookUrl::parse(bad).is_err(), "{bad}");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert!(WebhookUrl::parse(&long).is_err());
    }

    #[test]
    fn literal_hosts_are_read_however_they_are_spelt() {
        let ip = |u: &str| WebhookUrl::parse(u).unwrap().literal_ip();
        assert_eq!(ip("http://0x7f.1/"), Some("127.0.0.1".parse().unwrap()));
        assert_eq!(ip("http://2130706433/"), Some("127.0.0.1".parse().unwrap()));
        assert_eq!(
            ip("http://169.254.169.254/latest"),
            Some("169.254.169.254".parse().unwrap())
        );
        assert_eq!(
            ip("http://[::ffff:127.0.0.1]/"),
            Some("::ffff:127.0.0.1".parse().unwrap())
        );
        assert_eq!(ip("http://example.com/"), None);
        let u = WebhookUrl::parse("https://example.com/a/b?c=d").unwrap();
        assert_eq!(u.host_name(), Some("example.com"));
        assert_eq!(u.port(), 443);
        assert_eq!(u.path_and_query(), "/a/b?c=d");
    }

    #[test]
    fn secrets_round_trip_and_refuse_bad_lengths() {
        let s = WebhookSecret::from_random([7; 32]);
        let text = s.expose();
        assert!(text.starts_with("whsec_"));
        assert_eq!(WebhookSecret::parse(&text).unwrap(), s);
        assert!(WebhookSecret::parse("whsec_AAAA").is_err(), "3 bytes");
        assert!(WebhookSecret::parse(&format!("whsec_{}", B64.encode([1u8; 65]))).is_err());
        assert!(
            WebhookSecret::parse(&B64.encode([1u8; 32])).is_err(),
            "no prefix"
        );
        assert!(WebhookSecret::parse("whsec_!!!").is_err());
        assert_eq!(format!("{s:?}"), "WebhookSecret(..)", "never printed");
    }

    #[test]
    fn the_signature_matches_the_specifications_example() {
        // The example from the Standard Webhooks specification (and Svix's libraries' tests).
        let secret = WebhookSecret::parse("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            secret.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn a_rotation_signs_with_each_secret() {
        let a = WebhookSecret::from_random([1; 32]);
        let b = WebhookSecret::from_random([2; 32]);
        let header = signature_header(&[&a, &b], "msg_1", 5, b"{}");
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(
            parts,
            [a.sign("msg_1", 5, b"{}"), b.sign("msg_1", 5, b"{}")]
        );
        assert_ne!(parts[0], parts[1]);
    }

    #[test]
    fn patterns_match_exact_types_prefixes_and_everything() {
        let p = |t: &str| EventPattern::parse(t).unwrap();
        assert!(p("*").matches("drift.changed"));
        assert!(p("drift.changed").matches("drift.changed"));
        assert!(!p("drift.changed").matches("drift.changed_more"));
        assert!(p("deployment.*").matches("deployment.rolled_back"));
        assert!(!p("deployment.*").matches("deployments.x"));
        assert!(!p("deployment.*").matches("deployment"));
        for bad in [
            "",
            ".",
            "Drift.changed",
            "a..b",
            "a.*.b",
            "drift changed",
            "**",
            ".*",
        ] {
            assert!(EventPattern::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn retries_follow_svix_with_jitter_and_throttling() {
        let s = RetrySchedule::default();
        assert_eq!(s.max_attempts(), 8);
        let waits: Vec<u64> = (1..=7)
            .map(|n| s.next_wait(n, Failure::Failed, 0.0).unwrap().as_secs())
            .collect();
        assert_eq!(waits, [5, 300, 1800, 7200, 18000, 36000, 36000]);
        assert_eq!(
            s.next_wait(8, Failure::Failed, 0.0),
            None,
            "eight attempts in all"
        );
        assert_eq!(s.next_wait(0, Failure::Failed, 0.0), None);
        assert_eq!(s.next_wait(2, Failure::Failed, 1.0).unwrap().as_secs(), 360);
        assert_eq!(
            s.next_wait(2, Failure::Failed, -1.0).unwrap().as_secs(),
            240
        );
        assert_eq!(
            s.next_wait(2, Failure::Failed, 9.0).unwrap().as_secs(),
            360,
            "clamped"
        );
        let throttled = |after| Failure::Throttled { retry_after: after };
        assert_eq!(
            s.next_wait(1, throttled(None), 0.0).unwrap().as_secs(),
            60,
            "at least 60 s"
        );
        assert_eq!(
            s.next_wait(1, throttled(Some(Duration::from_secs(120))), 0.0)
                .unwrap()
                .as_secs(),
            120,
            "Retry-After honoured"
        );
        assert_eq!(
            s.next_wait(1, throttled(Some(Duration::from_secs(10 * 86400))), 0.0)
                .unwrap()
                .as_secs(),
            6 * 3600,
            "within bounds"
        );
        assert_eq!(retry_after_secs(" 42 "), Some(Duration::from_secs(42)));
        assert_eq!(retry_after_secs("soon"), None);
    }

    proptest! {
        #[test]
        fn waits_stay_within_twenty_percent(n in 1u32..8, jitter in -5.0f64..5.0) {
            let s = RetrySchedule::default();
            let base = s.waits[(n - 1) as usize].as_secs_f64();
            let w = s.next_wait(n, Failure::Failed, jitter).unwrap().as_secs_f64();
            prop_assert!(w >= base * 0.8 - 1e-6 && w <= base * 1.2 + 1e-6);
        }

        #[test]
        fn url_parsing_never_panics(text in ".{0,300}") {
            let _ = WebhookUrl::parse(&text);
        }

        #[test]
        fn pattern_parsing_never_panics_and_stars_match_their_prefix(stem in "[a-z_]{1,10}(\\.[a-z_]{1,10}){0,2}", rest in "[a-z_.]{0,12}") {
            let p = EventPattern::parse(&format!("{stem}.*")).unwrap();
            let inside = format!("{stem}.{rest}");
            prop_assert!(p.matches(&inside));
            prop_assert!(!p.matches(&stem));
        }
    }
}
