//! Prometheus text at `/metrics`: HTTP request counts and latency histograms per route, and the
//! drift gauge per tenant, environment, target and dimension, and each tenant's usage and SLA
//! gauges this month (`crate::sla::Gauges`, cached 30 s). Tenant names appear in labels, so
//! the endpoint needs its own bearer token (`VERSIQII_METRICS_TOKEN`) and is off without one.

use crate::actors::{ComputeDrift, Directory};
use crate::error::ApiError;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{get, http::header, web, HttpRequest, HttpResponse};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;
use subtle::ConstantTimeEq;

const BUCKETS: [f64; 10] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0];

#[derive(Default)]
struct RouteStats {
    count: u64,
    sum_secs: f64,
    buckets: [u64; BUCKETS.len()],
}

#[derive(Default)]
pub struct HttpMetrics {
    /// (method, route pattern, status) → counts; the pattern, not the path, bounds cardinality.
    routes: Mutex<BTreeMap<(String, String, u16), RouteStats>>,
}

pub struct MetricsToken(pub Option<String>);

impl HttpMetrics {
    fn record(&self, method: &str, route: &str, status: u16, secs: f64) {
        if let Ok(mut routes) = self.routes.lock() {
            let stats = routes
                .entry((method.to_owned(), route.to_owned(), status))
                .or_default();
            stats.count += 1;
            stats.sum_secs += secs;
            for (i, bound) in BUCKETS.iter().enumerate() {
                if secs <= *bound {
                    stats.buckets[i] += 1;
                }
            }
        }
    }

    fn render(&self, out: &mut String) {
        let Ok(routes) = self.routes.lock() else {
            return;
        };
        out.push_str("# HELP versiqii_http_requests_total HTTP requests by route and status.\n");
        out.push_str("# TYPE versiqii_http_requests_total counter\n");
        for ((method, route, status), s) in routes.iter() {
            let _ = writeln!(
                out,
                "versiqii_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {}",
                escape(route),
                s.count
            );
        }
        out.push_str("# HELP versiqii_http_request_duration_seconds Request latency.\n");
        out.push_str("# TYPE versiqii_http_request_duration_seconds histogram\n");
        for ((method, route, status), s) in routes.iter() {
            let labels = format!(
                "method=\"{method}\",route=\"{}\",status=\"{status}\"",
                escape(route)
            );
            for (bound, count) in BUCKETS.iter().zip(s.buckets.iter()) {
                let _ = writeln!(
                    out,
                    "versiqii_http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "versiqii_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "versiqii_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum_secs
            );
            let _ = writeln!(
                out,
                "versiqii_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
    }
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<HttpMetrics>>().cloned();
    let method = req.method().to_string();
    let mut res = next.call(req).await?;
    let secs = started.elapsed().as_secs_f64();
    // The server's own share of the latency, so a client can tell it from the network and
    // queueing in front of the server (and browsers show it in their developer tools).
    if let Ok(value) = header::HeaderValue::from_str(&format!("app;dur={:.3}", secs * 1000.0)) {
        res.headers_mut()
            .insert(header::HeaderName::from_static("server-timing"), value);
    }
    if let Some(metrics) = metrics {
        let route = res
            .request()
            .match_pattern()
            .unwrap_or_else(|| "(unmatched)".to_owned());
        metrics.record(&method, &route, res.status().as_u16(), secs);
    }
    Ok(res)
}

/// Prometheus metrics. Needs `Authorization: Bearer <VERSIQII_METRICS_TOKEN>`.
#[get("/metrics")]
pub async fn prometheus(
    req: HttpRequest,
    token: web::Data<MetricsToken>,
    http: web::Data<HttpMetrics>,
    directory: web::Data<Directory>,
    gate: web::Data<std::sync::Arc<crate::auth::authorized::Gatekeeper>>,
    ops: web::Data<crate::ops::Ops>,
    sla: web::Data<crate::sla::Gauges>,
) -> Result<HttpResponse, ApiError> {
    let Some(expected) = token.0.as_deref() else {
        return Err(ApiError::NotFound(
            "metrics (set VERSIQII_METRICS_TOKEN to enable)".into(),
        ));
    };
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !bool::from(presented.as_bytes().ct_eq(expected.as_bytes())) {
        return Err(ApiError::Unauthenticated(
            "send the metrics token as a Bearer token".into(),
        ));
    }
    let mut out = String::new();
    http.render(&mut out);
    ops.compute.render(&mut out);
    ops.mail.metrics.render(&mut out);
    ops.webhooks.metrics.render(&mut out);
    out.push_str(
        "# HELP versiqii_tenant_requests_total A tenant's requests by plan and budget outcome \
         (now, waited, refused), since this instance first saw the tenant.\n",
    );
    out.push_str("# TYPE versiqii_tenant_requests_total counter\n");
    for (tenant, plan, counts) in gate.budgets.usage() {
        for (outcome, n) in ["now", "waited", "refused"].iter().zip(counts) {
            let _ = writeln!(
                out,
                "versiqii_tenant_requests_total{{tenant=\"{}\",plan=\"{}\",outcome=\"{outcome}\"}} {n}",
                tenant.0,
                escape(&plan)
            );
        }
    }
    out.push_str(
        "# HELP versiqii_api_key_lookups_total API key look-ups: found in the database, \
         unknown to it, or refused from memory as recently unknown.\n",
    );
    out.push_str("# TYPE versiqii_api_key_lookups_total counter\n");
    for (outcome, n) in ["found", "unknown", "remembered_unknown"]
        .iter()
        .zip(gate.keys.lookups())
    {
        let _ = writeln!(
            out,
            "versiqii_api_key_lookups_total{{outcome=\"{outcome}\"}} {n}"
        );
    }
    sla.render(&ops.store, &ops.plans, &mut out).await;
    out.push_str(
        "# HELP versiqii_drift 1 when a target drifts in a dimension in an environment.\n",
    );
    out.push_str("# TYPE versiqii_drift gauge\n");
    let tenants = directory.live().await.map_err(ApiError::Internal)?;
    let _ = writeln!(out, "# live tenants: {}", tenants.len());
    for (tenant, actors) in tenants {
        let Ok(Ok(rows)) = actors.drift.send(ComputeDrift::default()).await else {
            continue;
        };
        for row in rows {
            let dims = &row.dimensions;
            for (name, on) in [
                ("schema", dims.schema),
                ("dependency", dims.dependency),
                ("config", dims.config),
                ("environment", dims.environment),
            ] {
                let _ = writeln!(
                    out,
                    "versiqii_drift{{tenant=\"{tenant}\",env=\"{}\",target=\"{}\",dimension=\"{name}\"}} {}",
                    escape(&row.env),
                    escape(&row.target),
                    u8::from(on)
                );
            }
        }
    }
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(out))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(prometheus);
}
