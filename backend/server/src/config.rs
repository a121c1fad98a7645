//! Settings: defaults, then `versiqii.toml` (or the file in `VERSIQII_CONFIG`), then `VERSIQII_*`
//! variables. Secrets may also come from `VERSIQII_<NAME>_FILE`, so they need not sit in the
//! environment.

use anyhow::{bail, Context};
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub http_host: String,
    pub http_port: u16,
    /// The app role's URL: no BYPASSRLS, owns nothing.
    pub database_url: String,
    /// The owner role's URL, used only by `versiqii-server migrate`.
    pub owner_database_url: Option<String>,
    pub database_max_connections: u32,
    pub redis_url: String,
    /// Prefix for every Redis key, so several deployments (or tests) can share one Redis.
    pub redis_prefix: String,
    pub jwt_secret: String,
    pub access_token_ttl_secs: u64,
    pub refresh_token_ttl_days: u64,
    pub max_body_bytes: usize,
    pub sentry_dsn: Option<String>,
    /// Bearer token for `/metrics`; the endpoint is off without one.
    pub metrics_token: Option<String>,
    /// Per client address and per login email, per minute.
    pub login_attempts_per_minute: u32,
    pub signups_per_hour: u32,
    pub workers: usize,
    /// A tenant's actors are stopped after this long without a request (they reload on use).
    pub tenant_idle_secs: u64,
    /// Threads the tenants' actors are spread over.
    pub actor_threads: usize,
    /// Requests of one tenant served at once; more wait their turn.
    pub tenant_max_inflight: usize,
    /// Requests a second per tenant on each plan (`tenants.plan`); 0 is unlimited.
    pub plan_rate_free: f64,
    pub plan_rate_team: f64,
    pub plan_rate_enterprise: f64,
    /// A plan's burst: this many seconds of its rate at once after a pause.
    pub plan_burst_secs: f64,
    /// A request over its tenant's budget waits for its turn up to this long; further ahead it
    /// is refused with 429.
    pub tenant_max_wait_ms: u64,
    /// Config migrations running at once in the whole process, and per tenant.
    pub migration_threads: usize,
    pub migration_per_tenant: usize,
    /// Limits of one WASM migration call.
    pub migration_deadline_ms: u64,
    pub migration_fuel: u64,
    pub migration_memory_mb: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            http_host: "127.0.0.1".into(),
            http_port: 8080,
            database_url: "postgres://versiqii_app@127.0.0.1:5432/versiqii".into(),
            owner_database_url: None,
            database_max_connections: 16,
            redis_url: "redis://127.0.0.1:6379".into(),
            redis_prefix: "vq:".into(),
            jwt_secret: String::new(),
            access_token_ttl_secs: 900,
            refresh_token_ttl_days: 30,
            max_body_bytes: 1024 * 1024,
            sentry_dsn: None,
            metrics_token: None,
            login_attempts_per_minute: 10,
            signups_per_hour: 30,
            workers: 2,
            tenant_idle_secs: 600,
            actor_threads: 2,
            tenant_max_inflight: 4,
            plan_rate_free: 20.0,
            plan_rate_team: 200.0,
            plan_rate_enterprise: 1000.0,
            plan_burst_secs: 2.0,
            tenant_max_wait_ms: 2000,
            migration_threads: 4,
            migration_per_tenant: 1,
            migration_deadline_ms: 500,
            migration_fuel: 200_000_000,
            migration_memory_mb: 16,
        }
    }
}

const SECRETS: &[&str] = &[
    "JWT_SECRET",
    "DATABASE_URL",
    "OWNER_DATABASE_URL",
    "REDIS_URL",
    "SENTRY_DSN",
];

impl Settings {
    pub fn load() -> anyhow::Result<Self> {
        let path = std::env::var("VERSIQII_CONFIG").unwrap_or_else(|_| "versiqii.toml".into());
        let mut settings = if Path::new(&path).exists() {
            let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
            toml::from_str(&text).with_context(|| format!("parsing {path}"))?
        } else {
            Settings::default()
        };
        settings.apply_env(|k| std::env::var(k).ok())?;
        Ok(settings)
    }

    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        let var = |name: &str| -> anyhow::Result<Option<String>> {
            if let Some(v) = get(&format!("VERSIQII_{name}")) {
                return Ok(Some(v));
            }
            if SECRETS.contains(&name) {
                if let Some(file) = get(&format!("VERSIQII_{name}_FILE")) {
                    let text = std::fs::read_to_string(&file)
                        .with_context(|| format!("reading VERSIQII_{name}_FILE={file}"))?;
                    return Ok(Some(text.trim_end().to_owned()));
                }
            }
            Ok(None)
        };
        fn num<T: std::str::FromStr>(name: &str, v: String) -> anyhow::Result<T> {
            v.parse()
                .map_err(|_| anyhow::anyhow!("VERSIQII_{name}={v} is not a valid number"))
        }
        if let Some(v) = var("HTTP_HOST")? {
            self.http_host = v;
        }
        if let Some(v) = var("HTTP_PORT")? {
            self.http_port = num("HTTP_PORT", v)?;
        }
        if let Some(v) = var("DATABASE_URL")? {
            self.database_url = v;
        }
        if let Some(v) = var("OWNER_DATABASE_URL")? {
            self.owner_database_url = Some(v);
        }
        if let Some(v) = var("DATABASE_MAX_CONNECTIONS")? {
            self.database_max_connections = num("DATABASE_MAX_CONNECTIONS", v)?;
        }
        if let Some(v) = var("REDIS_URL")? {
            self.redis_url = v;
        }
        if let Some(v) = var("REDIS_PREFIX")? {
            self.redis_prefix = v;
        }
        if let Some(v) = var("JWT_SECRET")? {
            self.jwt_secret = v;
        }
        if let Some(v) = var("ACCESS_TOKEN_TTL_SECS")? {
            self.access_token_ttl_secs = num("ACCESS_TOKEN_TTL_SECS", v)?;
        }
        if let Some(v) = var("MAX_BODY_BYTES")? {
            self.max_body_bytes = num("MAX_BODY_BYTES", v)?;
        }
        if let Some(v) = var("SENTRY_DSN")? {
            self.sentry_dsn = Some(v).filter(|s| !s.is_empty());
        }
        if let Some(v) = var("METRICS_TOKEN")? {
            self.metrics_token = Some(v).filter(|s| s.len() >= 16);
        }
        if let Some(v) = var("LOGIN_ATTEMPTS_PER_MINUTE")? {
            self.login_attempts_per_minute = num("LOGIN_ATTEMPTS_PER_MINUTE", v)?;
        }
        if let Some(v) = var("SIGNUPS_PER_HOUR")? {
            self.signups_per_hour = num("SIGNUPS_PER_HOUR", v)?;
        }
        if let Some(v) = var("TENANT_IDLE_SECS")? {
            self.tenant_idle_secs = num("TENANT_IDLE_SECS", v)?;
        }
        if let Some(v) = var("ACTOR_THREADS")? {
            self.actor_threads = num("ACTOR_THREADS", v)?;
        }
        if let Some(v) = var("TENANT_MAX_INFLIGHT")? {
            self.tenant_max_inflight = num("TENANT_MAX_INFLIGHT", v)?;
        }
        if let Some(v) = var("PLAN_RATE_FREE")? {
            self.plan_rate_free = num("PLAN_RATE_FREE", v)?;
        }
        if let Some(v) = var("PLAN_RATE_TEAM")? {
            self.plan_rate_team = num("PLAN_RATE_TEAM", v)?;
        }
        if let Some(v) = var("PLAN_RATE_ENTERPRISE")? {
            self.plan_rate_enterprise = num("PLAN_RATE_ENTERPRISE", v)?;
        }
        if let Some(v) = var("PLAN_BURST_SECS")? {
            self.plan_burst_secs = num("PLAN_BURST_SECS", v)?;
        }
        if let Some(v) = var("TENANT_MAX_WAIT_MS")? {
            self.tenant_max_wait_ms = num("TENANT_MAX_WAIT_MS", v)?;
        }
        if let Some(v) = var("MIGRATION_THREADS")? {
            self.migration_threads = num("MIGRATION_THREADS", v)?;
        }
        if let Some(v) = var("MIGRATION_PER_TENANT")? {
            self.migration_per_tenant = num("MIGRATION_PER_TENANT", v)?;
        }
        if let Some(v) = var("MIGRATION_DEADLINE_MS")? {
            self.migration_deadline_ms = num("MIGRATION_DEADLINE_MS", v)?;
        }
        if let Some(v) = var("MIGRATION_FUEL")? {
            self.migration_fuel = num("MIGRATION_FUEL", v)?;
        }
        if let Some(v) = var("MIGRATION_MEMORY_MB")? {
            self.migration_memory_mb = num("MIGRATION_MEMORY_MB", v)?;
        }
        if let Some(v) = var("WORKERS")? {
            self.workers = num("WORKERS", v)?;
        }
        Ok(())
    }

    /// Checks what `serve` needs; `migrate` and `openapi` need less.
    pub fn validate_for_serving(&self) -> anyhow::Result<()> {
        if self.jwt_secret.len() < 32 {
            bail!("VERSIQII_JWT_SECRET (or VERSIQII_JWT_SECRET_FILE) must hold at least 32 bytes");
        }
        for (name, rate) in [
            ("PLAN_RATE_FREE", self.plan_rate_free),
            ("PLAN_RATE_TEAM", self.plan_rate_team),
            ("PLAN_RATE_ENTERPRISE", self.plan_rate_enterprise),
        ] {
            if !(rate == 0.0 || (0.001..=1e9).contains(&rate)) {
                bail!(
                    "VERSIQII_{name}={rate} must be 0 (unlimited) or from 0.001 to 1e9 requests a second"
                );
            }
        }
        if !(0.0..=3600.0).contains(&self.plan_burst_secs) {
            bail!(
                "VERSIQII_PLAN_BURST_SECS={} must be from 0 to 3600",
                self.plan_burst_secs
            );
        }
        Ok(())
    }

    /// The plans' request budgets.
    pub fn plan_rates(&self) -> crate::auth::budget::PlanRates {
        let rate = |per_sec: f64| crate::auth::budget::Rate {
            per_sec,
            burst: (per_sec * self.plan_burst_secs).max(1.0),
        };
        crate::auth::budget::PlanRates {
            free: rate(self.plan_rate_free),
            team: rate(self.plan_rate_team),
            enterprise: rate(self.plan_rate_enterprise),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn env_overrides_defaults_and_secrets_come_from_files() {
        let dir = std::env::temp_dir().join(format!("vq-config-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let secret = dir.join("jwt");
        std::fs::write(&secret, "s".repeat(40) + "\n").unwrap();
        let env: HashMap<String, String> = [
            ("VERSIQII_HTTP_PORT", "9999"),
            ("VERSIQII_JWT_SECRET_FILE", secret.to_str().unwrap()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let mut s = Settings::default();
        s.apply_env(|k| env.get(k).cloned()).unwrap();
        assert_eq!(s.http_port, 9999);
        assert_eq!(s.jwt_secret, "s".repeat(40));
        assert!(s.validate_for_serving().is_ok());
    }

    #[test]
    fn a_bad_number_is_named() {
        let mut s = Settings::default();
        let err = s
            .apply_env(|k| (k == "VERSIQII_HTTP_PORT").then(|| "eighty".to_owned()))
            .unwrap_err();
        assert!(err.to_string().contains("VERSIQII_HTTP_PORT"));
    }

    #[test]
    fn short_jwt_secret_is_refused() {
        assert!(Settings::default().validate_for_serving().is_err());
    }

    #[test]
    fn plan_budgets_out_of_range_are_refused_by_name() {
        let serving = || Settings {
            jwt_secret: "s".repeat(32),
            ..Settings::default()
        };
        assert!(serving().validate_for_serving().is_ok());
        let unlimited = Settings {
            plan_rate_free: 0.0,
            ..serving()
        };
        assert!(unlimited.validate_for_serving().is_ok());
        for (bad, name) in [
            (
                Settings {
                    plan_rate_free: 1e-9,
                    ..serving()
                },
                "PLAN_RATE_FREE",
            ),
            (
                Settings {
                    plan_rate_team: f64::NAN,
                    ..serving()
                },
                "PLAN_RATE_TEAM",
            ),
            (
                Settings {
                    plan_burst_secs: 4000.0,
                    ..serving()
                },
                "PLAN_BURST_SECS",
            ),
        ] {
            let err = bad.validate_for_serving().unwrap_err().to_string();
            assert!(err.contains(name), "{err}");
        }
    }
}
