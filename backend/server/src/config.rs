//! Settings by layers, each merged over the one before key by key:
//!
//! 1. `config/defaults.toml`, built into the binary: every key, its default and what it means
//!    (the documentation; Rust holds no second copy of the defaults);
//! 2. `versiqii.toml` in the working directory if there is one, or the file named by
//!    `VERSIQII_CONFIG`, which must exist;
//! 3. `VERSIQII_*` variables, by the table [`ENV`] (and [`PLAN_FIELDS`] for every plan).
//!    Secrets may also come from `VERSIQII_<NAME>_FILE`, so they need not sit in the
//!    environment.
//!
//! The merged table is then read with unknown keys refused, so a typo in a file is an error
//! naming the key.

use crate::auth::budget::{PlanRates, Rate, FALLBACK_PLAN};
use anyhow::{bail, Context};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use toml::{Table, Value};

/// The first layer: every key with its default and meaning.
pub const DEFAULTS: &str = include_str!("../../../config/defaults.toml");

/// The server's settings; `config/defaults.toml` says what each key means.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub http: Http,
    pub database: Database,
    pub redis: Redis,
    pub auth: Auth,
    pub tenants: Tenants,
    pub compute: Compute,
    pub migrations: Migrations,
    pub observability: Observability,
    pub mail: Mail,
    pub webhooks: Webhooks,
    pub metering: Metering,
    pub operators: Operators,
    pub sla: Sla,
    pub billing: Billing,
    /// Each plan's limits by its name in `tenants.plan`.
    pub plans: BTreeMap<String, Plan>,
}

/// `[http]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Http {
    pub host: String,
    pub port: u16,
    pub workers: usize,
    pub max_body_bytes: usize,
    /// A tenant archive sent to `POST /v1/import` (docs/archive.md) may be this large.
    pub max_archive_bytes: usize,
    pub trusted_proxies: Vec<String>,
}

/// `[database]`
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Database {
    pub url: String,
    #[serde(deserialize_with = "unset_if_empty")]
    pub owner_url: Option<String>,
    pub max_connections: u32,
    pub statement_timeout_ms: u64,
    pub idle_in_transaction_timeout_ms: u64,
}

/// `[redis]`
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Redis {
    pub url: String,
    pub prefix: String,
}

/// `[auth]`
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Auth {
    pub jwt_secret: String,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_days: u64,
    pub login_attempts_per_minute: u32,
    pub signups_per_hour: u32,
    pub failed_auth_per_minute: u32,
    pub reset_mails_per_hour: u32,
    pub reset_requests_per_hour: u32,
    pub invite_accepts_per_hour: u32,
    pub require_verified_email: bool,
    pub verification_mails_per_hour: u32,
}

/// `[tenants]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tenants {
    pub idle_secs: u64,
    pub actor_threads: usize,
    pub max_inflight: usize,
    pub max_wait_ms: u64,
}

/// `[compute]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Compute {
    pub threads: usize,
    pub per_tenant: usize,
    pub task_ms: u64,
    pub queue_ms: u64,
}

/// `[migrations]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Migrations {
    pub deadline_ms: u64,
    pub fuel: u64,
    pub memory_mb: usize,
}

/// `[observability]`
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observability {
    #[serde(deserialize_with = "unset_if_empty")]
    pub sentry_dsn: Option<String>,
    #[serde(deserialize_with = "unset_if_short")]
    pub metrics_token: Option<String>,
}

/// `[mail]`
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Mail {
    pub host: String,
    pub port: u16,
    pub tls: MailTls,
    pub username: String,
    pub password: String,
    pub from: String,
    pub link_base: String,
    pub timeout_ms: u64,
    pub poll_ms: u64,
    pub retry_base_ms: u64,
    pub retry_max_ms: u64,
    pub max_attempts: u32,
}

/// `[metering]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metering {
    pub flush_ms: u64,
    /// How stale an instance's view of a tenant's monthly calls (for its quota) may get.
    pub quota_refresh_ms: u64,
    /// How often the stored quantities (configs, targets, seats, ...) are snapshotted per day.
    pub snapshot_secs: u64,
}

/// `[billing]`: invoices (docs/billing.md).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Billing {
    pub currency: String,
    /// Tax in basis points of the amount due (1900 is 19%).
    pub tax_rate_bp: u32,
    /// Days after a month ends during which its invoice stays a draft.
    pub grace_days: u32,
    /// How often the billing run looks for invoices to draft and finalize.
    pub run_secs: u64,
    pub number_prefix: String,
    /// The seller's name and address, one line each, as invoices print them.
    pub seller: Vec<String>,
}

/// `[operators]`: the operators' portal (`/ops/v1`).
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operators {
    /// As the role `versiqii_operator`; unset, the portal answers 404 everywhere.
    #[serde(deserialize_with = "unset_if_empty")]
    pub database_url: Option<String>,
    pub max_connections: u32,
    pub session_hours: u64,
    pub impersonation_minutes: u64,
    pub login_attempts_per_minute: u32,
}

impl std::fmt::Debug for Operators {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Operators")
            .field(
                "database_url",
                &self.database_url.as_deref().map(redacted_url),
            )
            .field("max_connections", &self.max_connections)
            .field("session_hours", &self.session_hours)
            .field("impersonation_minutes", &self.impersonation_minutes)
            .field("login_attempts_per_minute", &self.login_attempts_per_minute)
            .finish()
    }
}

/// `[sla]`
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sla {
    /// The region this instance's embedded prober reports as; none: no embedded prober.
    #[serde(deserialize_with = "unset_if_empty")]
    pub probe_region: Option<String>,
    /// The base URL the embedded prober checks; none: this instance's own address.
    #[serde(deserialize_with = "unset_if_empty")]
    pub probe_url: Option<String>,
    pub probe_interval_secs: u64,
    pub probe_timeout_ms: u64,
}

/// `[webhooks]`
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Webhooks {
    #[serde(deserialize_with = "unset_if_empty")]
    pub database_url: Option<String>,
    pub embedded: bool,
    pub secret_keys: Vec<String>,
    pub allow_loopback: bool,
    pub nameservers: Vec<String>,
    pub timeout_ms: u64,
    pub retry_schedule_ms: Vec<u64>,
    pub throttle_min_ms: u64,
    pub throttle_max_ms: u64,
    pub disable_after_secs: u64,
    pub previous_secret_hours: u64,
    pub keep_events_days: u64,
    pub poll_ms: u64,
    pub batch: u32,
    pub concurrency: usize,
    pub max_endpoints: u64,
    pub digest_hourly_secs: u64,
    pub digest_daily_secs: u64,
}

impl std::fmt::Debug for Webhooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhooks")
            .field(
                "database_url",
                &self.database_url.as_deref().map(redacted_url),
            )
            .field("embedded", &self.embedded)
            .field(
                "secret_keys",
                &self
                    .secret_keys
                    .iter()
                    .map(|_| REDACTED)
                    .collect::<Vec<_>>(),
            )
            .field("allow_loopback", &self.allow_loopback)
            .field("nameservers", &self.nameservers)
            .field("timeout_ms", &self.timeout_ms)
            .field("retry_schedule_ms", &self.retry_schedule_ms)
            .field("throttle_min_ms", &self.throttle_min_ms)
            .field("throttle_max_ms", &self.throttle_max_ms)
            .field("disable_after_secs", &self.disable_after_secs)
            .field("previous_secret_hours", &self.previous_secret_hours)
            .field("keep_events_days", &self.keep_events_days)
            .field("poll_ms", &self.poll_ms)
            .field("batch", &self.batch)
            .field("concurrency", &self.concurrency)
            .field("max_endpoints", &self.max_endpoints)
            .field("digest_hourly_secs", &self.digest_hourly_secs)
            .field("digest_daily_secs", &self.digest_daily_secs)
            .finish()
    }
}

/// `mail.tls`: how the SMTP connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTls {
    /// Plain SMTP (a local relay or the development mailbox only).
    None,
    /// Plain, then upgraded with STARTTLS, which is required.
    Starttls,
    /// TLS from the first byte (SMTPS, usually port 465).
    Tls,
}

/// Secrets print as `<redacted>` (URLs keep their scheme and host, lose their credentials), so
/// settings can be logged or shown in a panic without leaking them.
fn redacted_url(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
            let host = host.split(['/', '?']).next().unwrap_or("");
            format!("{scheme}://<redacted>@{host}/…")
        }
        None => "<redacted>".to_owned(),
    }
}

const REDACTED: &str = "<redacted>";

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database")
            .field("url", &redacted_url(&self.url))
            .field("owner_url", &self.owner_url.as_deref().map(redacted_url))
            .field("max_connections", &self.max_connections)
            .field("statement_timeout_ms", &self.statement_timeout_ms)
            .field(
                "idle_in_transaction_timeout_ms",
                &self.idle_in_transaction_timeout_ms,
            )
            .finish()
    }
}

impl std::fmt::Debug for Redis {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redis")
            .field("url", &redacted_url(&self.url))
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("jwt_secret", &REDACTED)
            .field("access_token_ttl_secs", &self.access_token_ttl_secs)
            .field("refresh_token_ttl_days", &self.refresh_token_ttl_days)
            .field("login_attempts_per_minute", &self.login_attempts_per_minute)
            .field("signups_per_hour", &self.signups_per_hour)
            .field("failed_auth_per_minute", &self.failed_auth_per_minute)
            .field("reset_mails_per_hour", &self.reset_mails_per_hour)
            .field("reset_requests_per_hour", &self.reset_requests_per_hour)
            .field("invite_accepts_per_hour", &self.invite_accepts_per_hour)
            .field("require_verified_email", &self.require_verified_email)
            .field(
                "verification_mails_per_hour",
                &self.verification_mails_per_hour,
            )
            .finish()
    }
}

impl std::fmt::Debug for Observability {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Observability")
            .field("sentry_dsn", &self.sentry_dsn.as_ref().map(|_| REDACTED))
            .field(
                "metrics_token",
                &self.metrics_token.as_ref().map(|_| REDACTED),
            )
            .finish()
    }
}

impl std::fmt::Debug for Mail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mail")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &REDACTED)
            .field("from", &self.from)
            .field("link_base", &self.link_base)
            .field("timeout_ms", &self.timeout_ms)
            .field("poll_ms", &self.poll_ms)
            .field("retry_base_ms", &self.retry_base_ms)
            .field("retry_max_ms", &self.retry_max_ms)
            .field("max_attempts", &self.max_attempts)
            .finish()
    }
}

/// `[plans.<name>]`: one plan's limits. A new limit is a new field here and a key in each
/// plan of `config/defaults.toml` (and a line in [`PLAN_FIELDS`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    pub rate: f64,
    pub burst_secs: f64,
    /// Quotas (0 is unlimited): config lineages, targets, members, API calls a calendar month.
    pub quota_configs: u64,
    pub quota_targets: u64,
    pub quota_seats: u64,
    pub quota_calls_month: u64,
    /// The monthly price and what it includes, in the currency's minor units (`billing.currency`).
    pub price_cents: u64,
    pub included_calls: u64,
    pub overage_calls_per_1k_cents: u64,
    pub included_deliveries: u64,
    pub overage_deliveries_per_1k_cents: u64,
    pub included_seats: u64,
    pub seat_cents: u64,
    /// The availability promised, in parts per million (999000 is 99.9%); 0 promises none.
    pub sla_target_ppm: u64,
    /// Owners may move to it themselves (`PUT /v1/plan`); other plans are set by operators.
    pub self_serve: bool,
}

impl Plan {
    /// The quota's limit on this plan; `None` when unlimited.
    pub fn limit(&self, quota: crate::quota::Quota) -> Option<u64> {
        use crate::quota::Quota;
        let limit = match quota {
            Quota::Configs => self.quota_configs,
            Quota::Targets => self.quota_targets,
            Quota::Seats => self.quota_seats,
            Quota::CallsMonth => self.quota_calls_month,
        };
        (limit > 0).then_some(limit)
    }
}

/// An empty string is unset.
fn unset_if_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Some(String::deserialize(d)?).filter(|s| !s.is_empty()))
}

/// A token shorter than 16 bytes (or empty) is unset: the endpoint stays off.
fn unset_if_short<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Some(String::deserialize(d)?).filter(|s| s.len() >= 16))
}

/// How a variable's text becomes a value.
#[derive(Clone, Copy)]
pub enum Read {
    Text,
    /// Text, or the trimmed contents of the file named by `VERSIQII_<NAME>_FILE`.
    Secret,
    /// A number of the key's type, so that a bad one is refused naming the variable.
    Number(fn(&str) -> Option<Value>),
    /// Comma-separated text items (blank items dropped).
    List,
    /// A list that is a secret: the variable, or the file named by `VERSIQII_<NAME>_FILE`
    /// (items separated by commas or lines).
    SecretList,
    /// Comma-separated whole numbers.
    NumberList,
}

const TEXT: Read = Read::Text;
const SECRET: Read = Read::Secret;
const U16: Read = Read::Number(int::<u16>);
const U32: Read = Read::Number(int::<u32>);
const U64: Read = Read::Number(int::<u64>);
const USIZE: Read = Read::Number(int::<usize>);
const F64: Read = Read::Number(float);
const BOOL: Read = Read::Number(boolean);

fn int<T: std::str::FromStr + TryInto<i64>>(text: &str) -> Option<Value> {
    text.parse::<T>().ok()?.try_into().ok().map(Value::Integer)
}

fn boolean(text: &str) -> Option<Value> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(Value::Boolean(true)),
        "false" | "0" | "no" | "off" => Some(Value::Boolean(false)),
        _ => None,
    }
}

fn float(text: &str) -> Option<Value> {
    text.parse::<f64>().ok().map(Value::Float)
}

/// `VERSIQII_<NAME>` → the key it sets. A new setting is a key in `config/defaults.toml`, a
/// field above and a line here.
#[rustfmt::skip]
pub const ENV: &[(&str, &str, Read)] = &[
    ("HTTP_HOST",                 "http.host",                      TEXT),
    ("HTTP_PORT",                 "http.port",                      U16),
    ("WORKERS",                   "http.workers",                   USIZE),
    ("MAX_BODY_BYTES",            "http.max_body_bytes",            USIZE),
    ("MAX_ARCHIVE_BYTES",         "http.max_archive_bytes",         USIZE),
    ("TRUSTED_PROXIES",           "http.trusted_proxies",           Read::List),
    ("DATABASE_URL",              "database.url",                   SECRET),
    ("OWNER_DATABASE_URL",        "database.owner_url",             SECRET),
    ("DATABASE_MAX_CONNECTIONS",  "database.max_connections",       U32),
    ("DATABASE_STATEMENT_TIMEOUT_MS", "database.statement_timeout_ms", U64),
    ("DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS", "database.idle_in_transaction_timeout_ms", U64),
    ("REDIS_URL",                 "redis.url",                      SECRET),
    ("REDIS_PREFIX",              "redis.prefix",                   TEXT),
    ("JWT_SECRET",                "auth.jwt_secret",                SECRET),
    ("ACCESS_TOKEN_TTL_SECS",     "auth.access_token_ttl_secs",     U64),
    ("REFRESH_TOKEN_TTL_DAYS",    "auth.refresh_token_ttl_days",    U64),
    ("LOGIN_ATTEMPTS_PER_MINUTE", "auth.login_attempts_per_minute", U32),
    ("SIGNUPS_PER_HOUR",          "auth.signups_per_hour",          U32),
    ("FAILED_AUTH_PER_MINUTE",    "auth.failed_auth_per_minute",    U32),
    ("RESET_MAILS_PER_HOUR",      "auth.reset_mails_per_hour",      U32),
    ("REQUIRE_VERIFIED_EMAIL",    "auth.require_verified_email",    BOOL),
    ("VERIFICATION_MAILS_PER_HOUR", "auth.verification_mails_per_hour", U32),
    ("RESET_REQUESTS_PER_HOUR",   "auth.reset_requests_per_hour",   U32),
    ("INVITE_ACCEPTS_PER_HOUR",   "auth.invite_accepts_per_hour",   U32),
    ("TENANT_IDLE_SECS",          "tenants.idle_secs",              U64),
    ("ACTOR_THREADS",             "tenants.actor_threads",          USIZE),
    ("TENANT_MAX_INFLIGHT",       "tenants.max_inflight",           USIZE),
    ("TENANT_MAX_WAIT_MS",        "tenants.max_wait_ms",            U64),
    ("COMPUTE_THREADS",           "compute.threads",                USIZE),
    ("COMPUTE_PER_TENANT",        "compute.per_tenant",             USIZE),
    ("COMPUTE_TASK_MS",           "compute.task_ms",                U64),
    ("COMPUTE_QUEUE_MS",          "compute.queue_ms",               U64),
    ("MIGRATION_DEADLINE_MS",     "migrations.deadline_ms",         U64),
    ("MIGRATION_FUEL",            "migrations.fuel",                U64),
    ("MIGRATION_MEMORY_MB",       "migrations.memory_mb",           USIZE),
    ("SENTRY_DSN",                "observability.sentry_dsn",       SECRET),
    ("METRICS_TOKEN",             "observability.metrics_token",    TEXT),
    ("MAIL_HOST",                 "mail.host",                      TEXT),
    ("MAIL_PORT",                 "mail.port",                      U16),
    ("MAIL_TLS",                  "mail.tls",                       TEXT),
    ("MAIL_USERNAME",             "mail.username",                  TEXT),
    ("MAIL_PASSWORD",             "mail.password",                  SECRET),
    ("MAIL_FROM",                 "mail.from",                      TEXT),
    ("MAIL_LINK_BASE",            "mail.link_base",                 TEXT),
    ("MAIL_TIMEOUT_MS",           "mail.timeout_ms",                U64),
    ("MAIL_POLL_MS",              "mail.poll_ms",                   U64),
    ("MAIL_RETRY_BASE_MS",        "mail.retry_base_ms",             U64),
    ("MAIL_RETRY_MAX_MS",         "mail.retry_max_ms",              U64),
    ("MAIL_MAX_ATTEMPTS",         "mail.max_attempts",              U32),
    ("DISPATCHER_DATABASE_URL",   "webhooks.database_url",          SECRET),
    ("OPERATOR_DATABASE_URL",     "operators.database_url",         SECRET),
    ("BILLING_CURRENCY",          "billing.currency",               TEXT),
    ("BILLING_TAX_RATE_BP",       "billing.tax_rate_bp",            U32),
    ("BILLING_GRACE_DAYS",        "billing.grace_days",             U32),
    ("BILLING_RUN_SECS",          "billing.run_secs",               U64),
    ("BILLING_NUMBER_PREFIX",     "billing.number_prefix",          TEXT),
    ("BILLING_SELLER",            "billing.seller",                 Read::List),
    ("OPERATORS_MAX_CONNECTIONS", "operators.max_connections",      U32),
    ("OPERATORS_SESSION_HOURS",   "operators.session_hours",        U64),
    ("OPERATORS_IMPERSONATION_MINUTES", "operators.impersonation_minutes", U64),
    ("OPERATORS_LOGIN_ATTEMPTS_PER_MINUTE", "operators.login_attempts_per_minute", U32),
    ("WEBHOOKS_EMBEDDED",         "webhooks.embedded",              BOOL),
    ("WEBHOOK_SECRET_KEYS",       "webhooks.secret_keys",           Read::SecretList),
    ("WEBHOOKS_ALLOW_LOOPBACK",   "webhooks.allow_loopback",        BOOL),
    ("WEBHOOKS_NAMESERVERS",      "webhooks.nameservers",           Read::List),
    ("WEBHOOKS_TIMEOUT_MS",       "webhooks.timeout_ms",            U64),
    ("WEBHOOKS_DISABLE_AFTER_SECS", "webhooks.disable_after_secs",  U64),
    ("WEBHOOKS_KEEP_EVENTS_DAYS", "webhooks.keep_events_days",      U64),
    ("WEBHOOKS_POLL_MS",          "webhooks.poll_ms",               U64),
    ("WEBHOOKS_BATCH",            "webhooks.batch",                 U32),
    ("WEBHOOKS_CONCURRENCY",      "webhooks.concurrency",           USIZE),
    ("WEBHOOKS_RETRY_SCHEDULE_MS", "webhooks.retry_schedule_ms",    Read::NumberList),
    ("WEBHOOKS_THROTTLE_MIN_MS",  "webhooks.throttle_min_ms",       U64),
    ("WEBHOOKS_THROTTLE_MAX_MS",  "webhooks.throttle_max_ms",       U64),
    ("WEBHOOKS_PREVIOUS_SECRET_HOURS", "webhooks.previous_secret_hours", U64),
    ("WEBHOOKS_MAX_ENDPOINTS",    "webhooks.max_endpoints",         U64),
    ("WEBHOOKS_DIGEST_HOURLY_SECS", "webhooks.digest_hourly_secs",  U64),
    ("WEBHOOKS_DIGEST_DAILY_SECS", "webhooks.digest_daily_secs",    U64),
    ("METERING_FLUSH_MS",         "metering.flush_ms",              U64),
    ("METERING_QUOTA_REFRESH_MS", "metering.quota_refresh_ms",      U64),
    ("METERING_SNAPSHOT_SECS",    "metering.snapshot_secs",         U64),
    ("SLA_PROBE_REGION",          "sla.probe_region",               TEXT),
    ("SLA_PROBE_URL",             "sla.probe_url",                  TEXT),
    ("SLA_PROBE_INTERVAL_SECS",   "sla.probe_interval_secs",        U64),
    ("SLA_PROBE_TIMEOUT_MS",      "sla.probe_timeout_ms",           U64),
];

/// Each plan's keys, set for every plan in the table (the defaults' and any a file adds) by
/// `VERSIQII_PLAN_<FIELD>_<PLAN>` (e.g. `VERSIQII_PLAN_RATE_FREE` → `plans.free.rate`), and
/// for all plans at once by `VERSIQII_PLAN_<FIELD>` (e.g. `VERSIQII_PLAN_BURST_SECS`), which
/// the per-plan variable overrides.
pub const PLAN_FIELDS: &[(&str, Read)] = &[
    ("rate", F64),
    ("burst_secs", F64),
    ("quota_configs", U64),
    ("quota_targets", U64),
    ("quota_seats", U64),
    ("quota_calls_month", U64),
    ("price_cents", U64),
    ("included_calls", U64),
    ("overage_calls_per_1k_cents", U64),
    ("included_deliveries", U64),
    ("overage_deliveries_per_1k_cents", U64),
    ("included_seats", U64),
    ("seat_cents", U64),
    ("sla_target_ppm", U64),
    ("self_serve", BOOL),
];

/// The largest price a plan may state (minor units), so invoice sums cannot overflow.
const MAX_CENTS: u64 = 1_000_000_000_000;

/// The variable (without `VERSIQII_`) that sets `plans.<plan>.<field>`.
pub fn plan_var(field: &str, plan: &str) -> String {
    let plan: String = plan
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("PLAN_{}_{plan}", field.to_ascii_uppercase())
}

impl Default for Settings {
    /// The built-in defaults alone: no file, no variables.
    fn default() -> Self {
        Self::from_layers(None, |_| None).expect("config/defaults.toml is valid (a unit test)")
    }
}

impl Settings {
    /// The three layers from this process's environment and working directory.
    pub fn load() -> anyhow::Result<Self> {
        Self::load_from(|k| std::env::var(k).ok())
    }

    /// The three layers with variables from `get`: the file is `VERSIQII_CONFIG` (an error
    /// when missing) or else `versiqii.toml` when it exists.
    pub fn load_from(get: impl Fn(&str) -> Option<String>) -> anyhow::Result<Self> {
        let (path, named) = match get("VERSIQII_CONFIG").filter(|p| !p.is_empty()) {
            Some(path) => (path, true),
            None => ("versiqii.toml".to_owned(), false),
        };
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => Some(text),
            Err(e) if !named && e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) if named => {
                return Err(e).with_context(|| format!("reading VERSIQII_CONFIG={path}"))
            }
            Err(e) => return Err(e).with_context(|| format!("reading {path}")),
        };
        Self::from_layers(text.as_deref().map(|t| (path.as_str(), t)), get)
    }

    /// The defaults, then `file` (its name, for errors, and text), then the variables.
    pub fn from_layers(
        file: Option<(&str, &str)>,
        get: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Self> {
        let mut table: Table = toml::from_str(DEFAULTS).context("parsing config/defaults.toml")?;
        let mut sources = "config/defaults.toml".to_owned();
        if let Some((name, text)) = file {
            let over: Table = toml::from_str(text).with_context(|| format!("parsing {name}"))?;
            merge(&mut table, over);
            sources = format!("{name} over {sources}");
        }
        apply_env(&mut table, &get)?;
        Value::Table(table)
            .try_into()
            .with_context(|| format!("reading settings ({sources}, then VERSIQII_* variables)"))
    }

    /// Checks what `serve` needs; `migrate` and `openapi` need less.
    pub fn validate_for_serving(&self) -> anyhow::Result<()> {
        crate::client_addr::TrustedProxies::parse(&self.http.trusted_proxies)?;
        if self.auth.jwt_secret.len() < 32 {
            bail!(
                "auth.jwt_secret (VERSIQII_JWT_SECRET or VERSIQII_JWT_SECRET_FILE) must hold at \
                 least 32 bytes"
            );
        }
        crate::mail::validate_settings(&self.mail)?;
        crate::sla::validate_settings(&self.sla)?;
        versiqii_core::billing::Currency::parse(&self.billing.currency)
            .map_err(|e| anyhow::anyhow!("billing.currency (VERSIQII_BILLING_CURRENCY): {e}"))?;
        if self.billing.tax_rate_bp > 10_000 {
            bail!(
                "billing.tax_rate_bp (VERSIQII_BILLING_TAX_RATE_BP) must be at most 10000 (100%)"
            );
        }
        if self.billing.number_prefix.is_empty()
            || self.billing.number_prefix.len() > 12
            || !self
                .billing
                .number_prefix
                .bytes()
                .all(|b| b.is_ascii_alphanumeric())
        {
            bail!("billing.number_prefix (VERSIQII_BILLING_NUMBER_PREFIX) must be 1 to 12 letters or digits");
        }
        if !self.plans.contains_key(FALLBACK_PLAN) {
            bail!("plans.{FALLBACK_PLAN} is missing: it is the plan of tenants on unknown plans");
        }
        for (name, plan) in &self.plans {
            let rate = plan.rate;
            if !(rate == 0.0 || (0.001..=1e9).contains(&rate)) {
                bail!(
                    "plans.{name}.rate (VERSIQII_{}) = {rate} must be 0 (unlimited) or from 0.001 \
                     to 1e9 requests a second",
                    plan_var("rate", name)
                );
            }
            if !(0.0..=3600.0).contains(&plan.burst_secs) {
                bail!(
                    "plans.{name}.burst_secs (VERSIQII_{}) = {} must be from 0 to 3600",
                    plan_var("burst_secs", name),
                    plan.burst_secs
                );
            }
            if plan.sla_target_ppm > 1_000_000 {
                bail!(
                    "plans.{name}.sla_target_ppm (VERSIQII_{}) = {} must be at most 1000000",
                    plan_var("sla_target_ppm", name),
                    plan.sla_target_ppm
                );
            }
            if plan.price_cents > MAX_CENTS
                || plan.overage_calls_per_1k_cents > MAX_CENTS
                || plan.overage_deliveries_per_1k_cents > MAX_CENTS
                || plan.seat_cents > MAX_CENTS
            {
                bail!("plans.{name}: a price is over {MAX_CENTS} minor units");
            }
        }
        Ok(())
    }

    /// The plans' request budgets.
    pub fn plan_rates(&self) -> PlanRates {
        PlanRates::new(self.plans.iter().map(|(name, plan)| {
            let rate = Rate {
                per_sec: plan.rate,
                burst: (plan.rate * plan.burst_secs).max(1.0),
            };
            (name.clone(), rate)
        }))
    }
}

/// `over`'s keys replace `base`'s, tables merged key by key.
fn merge(base: &mut Table, over: Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(Value::Table(base)), Value::Table(over)) => merge(base, over),
            (Some(slot), value) => *slot = value,
            (None, value) => {
                base.insert(key, value);
            }
        }
    }
}

/// Sets the key at `path` when its parents are tables (a file that made one something else
/// gets that error when the settings are read).
fn set(table: &mut Table, path: &[&str], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut table = table;
    for parent in parents {
        match table.get_mut(*parent) {
            Some(Value::Table(inner)) => table = inner,
            _ => return,
        }
    }
    table.insert((*last).to_owned(), value);
}

fn apply_env(table: &mut Table, get: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<()> {
    for &(name, key, read) in ENV {
        if let Some(value) = var(name, read, get)? {
            set(table, &key.split('.').collect::<Vec<_>>(), value);
        }
    }
    let plans: Vec<String> = match table.get("plans") {
        Some(Value::Table(plans)) => plans.keys().cloned().collect(),
        _ => Vec::new(),
    };
    for &(field, read) in PLAN_FIELDS {
        if let Some(value) = var(&format!("PLAN_{}", field.to_ascii_uppercase()), read, get)? {
            for plan in &plans {
                set(table, &["plans", plan, field], value.clone());
            }
        }
        for plan in &plans {
            if let Some(value) = var(&plan_var(field, plan), read, get)? {
                set(table, &["plans", plan, field], value);
            }
        }
    }
    Ok(())
}

/// `VERSIQII_<name>` (or, for a secret, the file named by `VERSIQII_<name>_FILE`), read.
fn var(
    name: &str,
    read: Read,
    get: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<Option<Value>> {
    let var = format!("VERSIQII_{name}");
    let text = match (get(&var), read) {
        (Some(text), _) => text,
        (None, Read::Secret | Read::SecretList) => match get(&format!("{var}_FILE")) {
            Some(file) => std::fs::read_to_string(&file)
                .with_context(|| format!("reading {var}_FILE={file}"))?
                .trim_end()
                .to_owned(),
            None => return Ok(None),
        },
        (None, _) => return Ok(None),
    };
    match read {
        Read::Text | Read::Secret => Ok(Some(Value::String(text))),
        Read::List | Read::SecretList => Ok(Some(Value::Array(
            text.split([',', '\n'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        ))),
        Read::NumberList => text
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|n| {
                n.parse::<u64>()
                    .ok()
                    .and_then(|n| i64::try_from(n).ok())
                    .map(Value::Integer)
            })
            .collect::<Option<Vec<_>>>()
            .map(|items| Some(Value::Array(items)))
            .with_context(|| {
                format!("{var}={text} is not a comma-separated list of whole numbers")
            }),
        Read::Number(parse) => parse(&text)
            .map(Some)
            .with_context(|| format!("{var}={text} is not a valid number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |k| vars.get(k).cloned()
    }

    fn temp_dir() -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("vq-config-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn serving() -> Settings {
        let mut s = Settings::default();
        s.auth.jwt_secret = "s".repeat(32);
        s
    }

    /// Every key of `table` as `a.b.c`, tables walked into.
    fn leaves(table: &Table, prefix: &str, out: &mut Vec<String>) {
        for (key, value) in table {
            let path = format!("{prefix}{key}");
            match value {
                Value::Table(inner) => leaves(inner, &format!("{path}."), out),
                _ => out.push(path),
            }
        }
    }

    #[test]
    fn the_defaults_file_parses_and_states_every_field() {
        // No `serde(default)` anywhere and unknown keys refused: the file alone must hold
        // exactly the fields (an optional one too, as "").
        let s: Settings = toml::from_str(DEFAULTS).unwrap();
        assert_eq!(s.http.port, 8080);
        assert_eq!(s.database.owner_url, None);
        assert_eq!(s.observability.metrics_token, None);
        assert_eq!(s.plans["team"].rate, 200.0);
        for missing in ["port = 8080\n", "owner_url = \"\"\n", "sentry_dsn = \"\"\n"] {
            let text = DEFAULTS.replacen(missing, "", 1);
            assert_ne!(text, DEFAULTS);
            let err = toml::from_str::<Settings>(&text).unwrap_err().to_string();
            assert!(err.contains("missing field"), "{err}");
        }
        // Each key is documented: a comment sits right above every key but the plans' (whose
        // keys are described once, above the first plan).
        let (mut above, mut section) = ("", "");
        for line in DEFAULTS.lines() {
            if line.starts_with('[') {
                section = line;
            } else if !line.is_empty() && !line.starts_with('#') {
                assert!(
                    above.starts_with('#') || section.starts_with("[plans."),
                    "no comment says what `{line}` in {section} means"
                );
            }
            above = line;
        }
    }

    #[test]
    fn every_key_but_the_plans_has_one_variable_and_every_variable_a_key() {
        let table: Table = toml::from_str(DEFAULTS).unwrap();
        let mut keys = Vec::new();
        leaves(&table, "", &mut keys);
        keys.retain(|k| !k.starts_with("plans."));
        let mut mapped: Vec<String> = ENV.iter().map(|(_, key, _)| (*key).to_owned()).collect();
        keys.sort();
        mapped.sort();
        assert_eq!(keys, mapped);
        let mut names: Vec<_> = ENV.iter().map(|(name, _, _)| name).collect();
        names.dedup();
        assert_eq!(names.len(), ENV.len());
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let s = Settings::from_layers(
            None,
            env(&[
                (
                    "VERSIQII_JWT_SECRET",
                    "jwt-secret-jwt-secret-jwt-secret-jwt",
                ),
                (
                    "VERSIQII_DATABASE_URL",
                    "postgres://app:db-password@db.internal:5432/vq",
                ),
                (
                    "VERSIQII_REDIS_URL",
                    "redis://:redis-password@cache.internal:6379",
                ),
                ("VERSIQII_SENTRY_DSN", "https://sentry-key@sentry.example/1"),
                ("VERSIQII_METRICS_TOKEN", "metrics-token-metrics-token"),
                ("VERSIQII_MAIL_PASSWORD", "smtp-password-smtp-password"),
            ]),
        )
        .unwrap();
        let shown = format!("{s:?}");
        for secret in [
            "smtp-password",
            "jwt-secret",
            "db-password",
            "redis-password",
            "sentry-key",
            "metrics-token",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("db.internal"), "{shown}");
    }

    #[test]
    fn the_readme_lists_every_variable() {
        let readme = include_str!("../../../README.md");
        for (name, key, _) in ENV {
            let row = format!("| `VERSIQII_{name}` | `{key}` |");
            assert!(readme.contains(&row), "README.md lacks the row {row}");
        }
    }

    #[test]
    fn layers_apply_in_order_defaults_then_file_then_env() {
        let file = "[http]\nport = 9000\nhost = \"0.0.0.0\"\n[tenants]\nidle_secs = 5\n";
        let s = Settings::from_layers(
            Some(("test.toml", file)),
            env(&[("VERSIQII_HTTP_PORT", "9999")]),
        )
        .unwrap();
        assert_eq!(s.http.port, 9999, "env over file");
        assert_eq!(s.http.host, "0.0.0.0", "file over defaults");
        assert_eq!(s.tenants.idle_secs, 5);
        // Keys the file does not name keep their defaults, in the same section and others.
        assert_eq!(s.http.workers, 2);
        assert_eq!(s.migrations.fuel, 200_000_000);
        assert_eq!(s.plans["free"].rate, 20.0);
    }

    #[test]
    fn nested_keys_and_plans_merge_key_by_key() {
        let file = "[plans.team]\nburst_secs = 5\n\
                    [plans.startup]\nrate = 50\nburst_secs = 1.5\n\
                    quota_configs = 0\nquota_targets = 0\nquota_seats = 0\nquota_calls_month = 0\nprice_cents = 0\nincluded_calls = 0\noverage_calls_per_1k_cents = 0\nincluded_deliveries = 0\noverage_deliveries_per_1k_cents = 0\nincluded_seats = 0\nseat_cents = 0\nsla_target_ppm = 0\nself_serve = false\n\
                    [observability]\nmetrics_token = \"0123456789abcdef\"\n";
        let s = Settings::from_layers(Some(("test.toml", file)), |_| None).unwrap();
        assert_eq!(s.plans["team"].burst_secs, 5.0);
        assert_eq!(s.plans["team"].rate, 200.0);
        assert_eq!(s.plans["startup"].rate, 50.0);
        assert_eq!(
            s.observability.metrics_token.as_deref(),
            Some("0123456789abcdef")
        );
        let rates = s.plan_rates();
        assert_eq!(rates.of("startup").per_sec, 50.0);
        assert_eq!(rates.of("team").burst, 1000.0);
        assert_eq!(rates.of("platinum"), rates.of("free"));
        // A plan a file adds must state every key.
        let err = Settings::from_layers(Some(("test.toml", "[plans.gold]\nrate = 5\n")), |_| None)
            .unwrap_err();
        assert!(format!("{err:#}").contains("burst_secs"), "{err:#}");
    }

    #[test]
    fn an_unknown_key_in_the_file_is_refused_by_name() {
        for (file, key, section) in [
            ("[http]\nprot = 80\n", "prot", "http"),
            ("[plans.free]\nrat = 1\n", "rat", "plans.free"),
            ("[htp]\nport = 80\n", "htp", ""),
        ] {
            let err = Settings::from_layers(Some(("test.toml", file)), |_| None).unwrap_err();
            let err = format!("{err:#}");
            assert!(err.contains(&format!("`{key}`")), "{err}");
            assert!(err.contains(section), "{err}");
            assert!(err.contains("test.toml"), "{err}");
        }
        let err = Settings::from_layers(Some(("test.toml", "[http]\nport = \"80\"\n")), |_| None)
            .unwrap_err();
        assert!(format!("{err:#}").contains("http.port"), "{err:#}");
    }

    #[test]
    fn env_vars_set_plans_each_and_all() {
        let s = Settings::from_layers(
            Some((
                "test.toml",
                "[plans.startup]\nrate = 50\nburst_secs = 1\n\
                 quota_configs = 0\nquota_targets = 0\nquota_seats = 0\nquota_calls_month = 0\nprice_cents = 0\nincluded_calls = 0\noverage_calls_per_1k_cents = 0\nincluded_deliveries = 0\noverage_deliveries_per_1k_cents = 0\nincluded_seats = 0\nseat_cents = 0\nsla_target_ppm = 0\nself_serve = false\n",
            )),
            env(&[
                ("VERSIQII_PLAN_RATE_FREE", "0"),
                ("VERSIQII_PLAN_BURST_SECS", "4"),
                ("VERSIQII_PLAN_BURST_SECS_TEAM", "0.5"),
                ("VERSIQII_PLAN_RATE_STARTUP", "60"),
            ]),
        )
        .unwrap();
        assert_eq!(s.plans["free"].rate, 0.0);
        assert_eq!(s.plans["team"].rate, 200.0);
        assert_eq!(s.plans["free"].burst_secs, 4.0);
        assert_eq!(s.plans["enterprise"].burst_secs, 4.0);
        assert_eq!(
            s.plans["team"].burst_secs, 0.5,
            "one plan's over all plans'"
        );
        assert_eq!(s.plans["startup"].rate, 60.0);
        assert_eq!(s.plans["startup"].burst_secs, 4.0);
        assert!(s.plan_rates().of("free").per_sec == 0.0);
    }

    #[test]
    fn env_overrides_defaults_and_secrets_come_from_files() {
        let dir = temp_dir();
        let secret = dir.join("jwt");
        std::fs::write(&secret, "s".repeat(40) + "\n").unwrap();
        let dsn = dir.join("dsn");
        std::fs::write(&dsn, "https://key@sentry.example/1\n").unwrap();
        let s = Settings::from_layers(
            None,
            env(&[
                ("VERSIQII_HTTP_PORT", "9999"),
                ("VERSIQII_JWT_SECRET_FILE", secret.to_str().unwrap()),
                ("VERSIQII_SENTRY_DSN_FILE", dsn.to_str().unwrap()),
                ("VERSIQII_REDIS_URL", "redis://direct"),
                ("VERSIQII_REDIS_URL_FILE", "/nonexistent"),
                ("VERSIQII_OWNER_DATABASE_URL", "postgres://owner@db/vq"),
            ]),
        )
        .unwrap();
        assert_eq!(s.http.port, 9999);
        assert_eq!(s.auth.jwt_secret, "s".repeat(40));
        assert_eq!(
            s.observability.sentry_dsn.as_deref(),
            Some("https://key@sentry.example/1")
        );
        assert_eq!(
            s.redis.url, "redis://direct",
            "the variable wins over its file"
        );
        assert_eq!(
            s.database.owner_url.as_deref(),
            Some("postgres://owner@db/vq")
        );
        assert!(s.validate_for_serving().is_ok());
        // Only secrets come from files; a missing secret file is an error naming it.
        let s = Settings::from_layers(None, env(&[("VERSIQII_HTTP_HOST_FILE", "/x")])).unwrap();
        assert_eq!(s.http.host, "127.0.0.1");
        let err = Settings::from_layers(None, env(&[("VERSIQII_JWT_SECRET_FILE", "/nonexistent")]))
            .unwrap_err();
        assert!(
            err.to_string().contains("VERSIQII_JWT_SECRET_FILE"),
            "{err}"
        );
    }

    #[test]
    fn empty_and_short_values_leave_optional_settings_unset() {
        let s = Settings::from_layers(
            None,
            env(&[
                ("VERSIQII_SENTRY_DSN", ""),
                ("VERSIQII_METRICS_TOKEN", "too-short"),
            ]),
        )
        .unwrap();
        assert_eq!(s.observability.sentry_dsn, None);
        assert_eq!(s.observability.metrics_token, None);
    }

    #[test]
    fn a_bad_number_is_named() {
        for (var, value) in [
            ("VERSIQII_HTTP_PORT", "eighty"),
            ("VERSIQII_HTTP_PORT", "70000"),
            ("VERSIQII_MIGRATION_FUEL", "-1"),
            ("VERSIQII_PLAN_RATE_TEAM", "fast"),
            ("VERSIQII_PLAN_BURST_SECS", "2s"),
        ] {
            let err = Settings::from_layers(None, env(&[(var, value)])).unwrap_err();
            assert!(err.to_string().contains(var), "{err}");
        }
    }

    #[test]
    fn the_named_file_must_exist_and_is_read() {
        // The implicit versiqii.toml may be absent (tests run in backend/server, which has none).
        if !std::path::Path::new("versiqii.toml").exists() {
            assert_eq!(Settings::load_from(|_| None).unwrap().http.port, 8080);
        }
        let missing =
            Settings::load_from(env(&[("VERSIQII_CONFIG", "/nonexistent/vq.toml")])).unwrap_err();
        assert!(missing.to_string().contains("VERSIQII_CONFIG"), "{missing}");
        let file = temp_dir().join("vq.toml");
        std::fs::write(&file, "[redis]\nprefix = \"x:\"\n").unwrap();
        let s = Settings::load_from(env(&[("VERSIQII_CONFIG", file.to_str().unwrap())])).unwrap();
        assert_eq!(s.redis.prefix, "x:");
    }

    #[test]
    fn short_jwt_secret_is_refused() {
        let err = Settings::default().validate_for_serving().unwrap_err();
        assert!(err.to_string().contains("VERSIQII_JWT_SECRET"), "{err}");
    }

    #[test]
    fn plan_budgets_out_of_range_are_refused_by_name() {
        assert!(serving().validate_for_serving().is_ok());
        let mut unlimited = serving();
        unlimited.plans.get_mut("free").unwrap().rate = 0.0;
        assert!(unlimited.validate_for_serving().is_ok());
        let bad = |plan: &str, edit: fn(&mut Plan)| {
            let mut s = serving();
            let free = s.plans["free"].clone();
            edit(s.plans.entry(plan.to_owned()).or_insert(free));
            s.validate_for_serving().unwrap_err().to_string()
        };
        for (err, names) in [
            (
                bad("free", |p| p.rate = 1e-9),
                ["plans.free.rate", "PLAN_RATE_FREE"],
            ),
            (
                bad("team", |p| p.rate = f64::NAN),
                ["plans.team.rate", "PLAN_RATE_TEAM"],
            ),
            (
                bad("enterprise", |p| p.burst_secs = 4000.0),
                ["plans.enterprise.burst_secs", "PLAN_BURST_SECS_ENTERPRISE"],
            ),
            (
                bad("start-up", |p| p.rate = -1.0),
                ["plans.start-up.rate", "PLAN_RATE_START_UP"],
            ),
        ] {
            for name in names {
                assert!(err.contains(name), "{err}");
            }
        }
        let mut no_free = serving();
        no_free.plans.remove("free");
        let err = no_free.validate_for_serving().unwrap_err().to_string();
        assert!(err.contains("plans.free"), "{err}");
    }
}
