//! Builds the application from settings and runs it on a listener.

use crate::auth::authorized::Gatekeeper;
use crate::auth::jwt::JwtKeys;
use crate::auth::rbac::Rbac;
use crate::error::{self, ApiError};
use crate::rate_limit::RateLimiter;
use crate::{openapi, request_id, routes, Settings};
use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use anyhow::Context;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use versiqii_store::Store;

pub struct SessionPolicy {
    pub refresh_ttl: chrono::Duration,
    pub login_attempts_per_minute: u32,
    pub signups_per_hour: u32,
    pub reset_mails_per_hour: u32,
    pub reset_requests_per_hour: u32,
    pub invite_accepts_per_hour: u32,
    pub verification_mails_per_hour: u32,
}

/// The server will not serve as a role that can step around row-level security (`serve`
/// exits 2 with this message).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UnsafeDatabaseRole(pub String);

/// What `/readyz` checks.
pub struct Probes {
    pub store: Store,
    pub limiter: RateLimiter,
}

#[derive(Clone)]
pub struct AppState {
    gate: Arc<Gatekeeper>,
    limiter: web::Data<RateLimiter>,
    policy: web::Data<SessionPolicy>,
    probes: web::Data<Probes>,
    schemas: web::Data<crate::schema_cache::SchemaCache>,
    directory: web::Data<crate::actors::Directory>,
    migrations: web::Data<crate::actors::MigrationPool>,
    ops: web::Data<crate::ops::Ops>,
    http_metrics: web::Data<crate::metrics::HttpMetrics>,
    metrics_token: web::Data<crate::metrics::MetricsToken>,
    portal: web::Data<crate::portal::Portal>,
    sla_gauges: web::Data<crate::sla::Gauges>,
    /// The embedded prober's settings (`sla.probe_region` set): started by [`serve`], which
    /// knows the address to probe when `sla.probe_url` is empty.
    probe: Option<crate::config::Sla>,
    max_body_bytes: usize,
}

impl AppState {
    pub async fn init(settings: &Settings) -> anyhow::Result<Self> {
        settings.validate_for_serving()?;
        let db = &settings.database;
        let limits = versiqii_store::SessionLimits {
            statement_timeout: std::time::Duration::from_millis(db.statement_timeout_ms),
            idle_in_transaction: std::time::Duration::from_millis(
                db.idle_in_transaction_timeout_ms,
            ),
        };
        let store = Store::connect_with(&db.url, db.max_connections, limits)
            .await
            .context("connecting to Postgres")?;
        if let Some(role) = store
            .unsafe_role()
            .await
            .context("checking the database role")?
        {
            return Err(UnsafeDatabaseRole(role.to_string()).into());
        }
        let redis = redis::Client::open(settings.redis.url.as_str())
            .context("parsing the Redis URL")?
            .get_connection_manager()
            .await
            .context("connecting to Redis")?;
        let limiter = RateLimiter::new(redis, settings.redis.prefix.clone());
        let plans = crate::quota::Plans::new(settings.plans.clone());
        let (calls, calls_warnings) = crate::quota::CallQuota::new(
            plans.clone(),
            std::time::Duration::from_millis(settings.metering.quota_refresh_ms),
        );
        let gate = Gatekeeper {
            calls,
            suspended: Default::default(),
            store: store.clone(),
            jwt: JwtKeys::new(
                settings.auth.jwt_secret.as_bytes(),
                settings.auth.access_token_ttl_secs,
            ),
            rbac: Rbac::load().await?,
            fair_share: crate::auth::fair_share::FairShare::new(settings.tenants.max_inflight),
            budgets: crate::auth::budget::Budgets::new(
                settings.plan_rates(),
                std::time::Duration::from_millis(settings.tenants.max_wait_ms),
            ),
            keys: Default::default(),
            failed_auth: crate::auth::failed_auth::FailedAuth::new(
                settings.auth.failed_auth_per_minute,
            ),
            meter: Default::default(),
            sla: Default::default(),
            proxies: crate::client_addr::TrustedProxies::parse(&settings.http.trusted_proxies)?,
        };
        let gate = Arc::new(gate);
        let refresh_ttl = i64::try_from(settings.auth.refresh_token_ttl_days)
            .ok()
            .and_then(chrono::Duration::try_days)
            .context("auth.refresh_token_ttl_days is too large")?;
        let schemas = std::sync::Arc::new(crate::schema_cache::SchemaCache::default());
        let runtime = versiqii_migrate::WasmRuntime::new(versiqii_migrate::WasmLimits {
            fuel: settings.migrations.fuel,
            deadline: std::time::Duration::from_millis(settings.migrations.deadline_ms),
            memory_bytes: settings.migrations.memory_mb << 20,
            ..Default::default()
        })
        .map_err(|e| anyhow::anyhow!("starting the WASM runtime: {e}"))?;
        let compute = Arc::new(crate::compute::Compute::new(
            settings.compute.threads,
            settings.compute.per_tenant,
            std::time::Duration::from_millis(settings.compute.task_ms),
            std::time::Duration::from_millis(settings.compute.queue_ms),
        ));
        let migrations = Arc::new(crate::actors::MigrationPool::new(runtime, compute.clone()));
        let directory = crate::actors::Directory::new(crate::actors::TenantDirectory::new(
            store.clone(),
            schemas.clone(),
            migrations.clone(),
            std::time::Duration::from_secs(settings.tenants.idle_secs),
            settings.tenants.actor_threads,
        ));
        let dispatch_metrics = Arc::new(crate::webhooks::dispatcher::DispatchMetrics::default());
        let ops = crate::ops::Ops {
            store: store.clone(),
            directory: directory.clone(),
            schemas: schemas.clone(),
            migrations: migrations.clone(),
            compute,
            gate: gate.clone(),
            instance: uuid::Uuid::new_v4().simple().to_string().into(),
            mail: Arc::new(crate::mail::Mail::new(settings)),
            require_verified_email: settings.auth.require_verified_email,
            webhooks: Arc::new(crate::ops::webhooks::WebhookTools {
                client: crate::webhooks::dispatcher::client(&settings.webhooks)?,
                keys: crate::webhooks::keyring::KeyRing::from_settings(
                    &settings.webhooks.secret_keys,
                    settings.auth.jwt_secret.as_bytes(),
                )?,
                max_endpoints: settings.webhooks.max_endpoints,
                overlap_secs: settings.webhooks.previous_secret_hours.saturating_mul(3600),
                digest_periods: (
                    settings.webhooks.digest_hourly_secs,
                    settings.webhooks.digest_daily_secs,
                ),
                metrics: dispatch_metrics.clone(),
            }),
            plans: Arc::new(plans),
            billing: Arc::new(settings.billing.clone()),
            max_archive_bytes: settings.http.max_archive_bytes,
        };
        let mail_worker =
            crate::mail::worker::Worker::new(store.clone(), ops.mail.clone(), &settings.mail)?;
        actix_web::rt::spawn(mail_worker.run(settings.database.url.clone()));
        actix_web::rt::spawn(gate.meter.clone().run(
            store.clone(),
            std::time::Duration::from_millis(settings.metering.flush_ms.max(10)),
        ));
        actix_web::rt::spawn(gate.sla.clone().run(
            store.clone(),
            std::time::Duration::from_millis(settings.metering.flush_ms.max(10)),
        ));
        actix_web::rt::spawn(crate::ops::quotas::send_warnings(
            ops.clone(),
            calls_warnings,
        ));
        gate.suspended.reload(&store).await;
        actix_web::rt::spawn(crate::auth::suspended::Suspended::refresh(gate.clone()));
        if settings.billing.run_secs > 0 {
            actix_web::rt::spawn(crate::ops::billing::run_forever(
                ops.clone(),
                std::time::Duration::from_secs(settings.billing.run_secs),
            ));
        }
        actix_web::rt::spawn(crate::metering::snapshot(
            store.clone(),
            std::time::Duration::from_secs(settings.metering.snapshot_secs.max(1)),
        ));
        match (&settings.webhooks.database_url, settings.webhooks.embedded) {
            (Some(_), true) => {
                let dispatcher = crate::webhooks::dispatcher::Dispatcher::new(
                    settings,
                    dispatch_metrics.clone(),
                )
                .await
                .context("starting the webhook dispatcher")?;
                actix_web::rt::spawn(dispatcher.run());
            }
            (None, true) => tracing::warn!(
                "no webhook dispatcher: set VERSIQII_DISPATCHER_DATABASE_URL (webhooks.database_url) \
                 or run `versiqii-server dispatch` somewhere"
            ),
            (_, false) => {}
        }
        actix_web::rt::spawn(crate::changes::listen(
            settings.database.url.clone(),
            directory.clone(),
            gate.clone(),
            ops.instance.clone(),
        ));
        let portal = crate::portal::Portal::new(
            settings,
            Arc::new(crate::webhooks::keyring::KeyRing::from_settings(
                &settings.webhooks.secret_keys,
                settings.auth.jwt_secret.as_bytes(),
            )?),
        )
        .await?;
        Ok(Self {
            gate,
            portal: web::Data::new(portal),
            limiter: web::Data::new(limiter.clone()),
            policy: web::Data::new(SessionPolicy {
                refresh_ttl,
                login_attempts_per_minute: settings.auth.login_attempts_per_minute,
                signups_per_hour: settings.auth.signups_per_hour,
                reset_mails_per_hour: settings.auth.reset_mails_per_hour,
                reset_requests_per_hour: settings.auth.reset_requests_per_hour,
                invite_accepts_per_hour: settings.auth.invite_accepts_per_hour,
                verification_mails_per_hour: settings.auth.verification_mails_per_hour,
            }),
            probes: web::Data::new(Probes {
                store: store.clone(),
                limiter,
            }),
            schemas: web::Data::from(schemas.clone()),
            directory: web::Data::new(directory),
            migrations: web::Data::from(migrations),
            ops: web::Data::new(ops),
            http_metrics: web::Data::new(Default::default()),
            metrics_token: web::Data::new(crate::metrics::MetricsToken(
                settings.observability.metrics_token.clone(),
            )),
            sla_gauges: web::Data::new(Default::default()),
            probe: settings
                .sla
                .probe_region
                .is_some()
                .then(|| settings.sla.clone()),
            max_body_bytes: settings.http.max_body_bytes,
        })
    }

    /// What flushes this instance's usage and SLA counts one last time when it stops: call
    /// [`Flusher::flush`] after the server has stopped, so a restart loses nothing.
    pub fn flusher(&self) -> Flusher {
        Flusher {
            gate: self.gate.clone(),
        }
    }

    /// The operations, for fronts other than the API (the operators' portal; tests).
    pub fn ops(&self) -> crate::ops::Ops {
        self.ops.get_ref().clone()
    }

    /// The tenants' actors (operators and tests inspect them through it).
    pub fn directory(&self) -> crate::actors::Directory {
        self.directory.get_ref().clone()
    }

    fn configure(&self, cfg: &mut web::ServiceConfig) {
        let limit = self.max_body_bytes;
        cfg.app_data(web::Data::new(self.gate.clone()))
            .app_data(self.limiter.clone())
            .app_data(self.policy.clone())
            .app_data(self.probes.clone())
            .app_data(self.schemas.clone())
            .app_data(self.directory.clone())
            .app_data(self.migrations.clone())
            .app_data(self.ops.clone())
            .app_data(self.http_metrics.clone())
            .app_data(self.metrics_token.clone())
            .app_data(self.portal.clone())
            .app_data(self.sla_gauges.clone())
            .app_data(
                web::JsonConfig::default()
                    .limit(limit)
                    .error_handler(|err, _| error::json_error(err).into()),
            )
            .app_data(web::PayloadConfig::default().limit(limit))
            .app_data(
                web::PathConfig::default().error_handler(|err, _| error::path_error(err).into()),
            )
            .app_data(
                web::QueryConfig::default().error_handler(|err, _| error::query_error(err).into()),
            )
            .configure(routes::configure)
            .configure(crate::portal::configure)
            .configure(openapi::configure)
            .configure(crate::metrics::configure);
    }
}

/// Flushes an instance's in-memory counts (usage, SLA) after its server stops.
pub struct Flusher {
    gate: Arc<Gatekeeper>,
}

impl Flusher {
    pub async fn flush(&self) {
        self.gate.meter.flush(&self.gate.store).await;
        self.gate.sla.flush(&self.gate.store).await;
    }
}

/// No route took the request: 405 (with `Allow`) when the document has its path with other
/// methods, 404 otherwise.
pub(crate) async fn not_found(
    req: actix_web::HttpRequest,
) -> Result<actix_web::HttpResponse, ApiError> {
    if let Some(allow) = crate::openapi::allowed_methods(req.path()) {
        return Err(ApiError::MethodNotAllowed {
            method: req.method().to_string(),
            path: req.path().to_owned(),
            allow: allow.to_owned(),
        });
    }
    Err(ApiError::NotFound(format!(
        "route {} {}",
        req.method(),
        req.path()
    )))
}

/// Starts serving on `listener` (bind `127.0.0.1:0` for a free port) and returns the running
/// server with the address it listens on.
pub fn serve(
    state: AppState,
    listener: TcpListener,
    workers: usize,
) -> anyhow::Result<(Server, SocketAddr)> {
    let addr = listener.local_addr()?;
    if let Some(sla) = &state.probe {
        let base_url = sla.probe_url.clone().unwrap_or_else(|| {
            let host = match addr.ip() {
                ip if ip.is_unspecified() && ip.is_ipv4() => "127.0.0.1".to_owned(),
                ip if ip.is_unspecified() => "[::1]".to_owned(),
                std::net::IpAddr::V6(ip) => format!("[{ip}]"),
                ip => ip.to_string(),
            };
            format!("http://{host}:{}", addr.port())
        });
        actix_web::rt::spawn(
            crate::sla::Prober {
                store: state.probes.store.clone(),
                region: sla.probe_region.clone().unwrap_or_default(),
                base_url,
                interval: std::time::Duration::from_secs(sla.probe_interval_secs.max(1)),
                timeout: std::time::Duration::from_millis(sla.probe_timeout_ms.max(1)),
            }
            .run(),
        );
    }
    let server = HttpServer::new(move || {
        let state = state.clone();
        App::new()
            .wrap(from_fn(crate::auth::authorized::authenticate_request))
            .wrap(from_fn(crate::metrics::middleware))
            .wrap(from_fn(request_id::middleware))
            .wrap(from_fn(crate::security_headers::middleware))
            .configure(move |cfg| state.configure(cfg))
            .default_service(web::to(crate::console::serve))
    })
    .workers(workers.max(1))
    .listen(listener)?
    .run();
    Ok((server, addr))
}
