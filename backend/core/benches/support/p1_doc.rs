//! One generated config of the P1 benchmark's shape (shared/bench/gen-configs.py), for the
//! benches that judge it against the same service config written in different schema
//! languages. Needs `lcg` beside it.

use super::lcg::Lcg;
use serde_json::{json, Value};

const WORDS: &[&str] = &[
    "alpha", "billing", "cart", "drift", "edge", "feed", "graph", "hub", "ledger", "pay", "queue",
];
const TEAMS: &[&str] = &["platform", "payments", "growth", "data", "infra"];

/// How a generated config is made invalid, if it is: each schema language spells different
/// constraints (a range is JSON Schema's, an enum every language's).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Broken {
    No,
    /// `spec.replicas` over the JSON Schema's maximum.
    Replicas,
    /// `kind` outside its enum.
    Kind,
}

/// A ~1 KB config. A broken part takes no draw from `r`, as each bench's corpus always had.
pub fn make_doc(r: &mut Lcg, broken: Broken) -> Value {
    let name = format!("{}-{}", r.pick(WORDS), r.pick(WORDS));
    let ports: Vec<Value> = ["http", "grpc", "metrics"][..1 + r.next(3) as usize]
        .iter()
        .map(|p| json!({"name": p, "port": 1024 + r.next(60_000), "protocol": r.pick(&["TCP", "HTTP", "GRPC"])}))
        .collect();
    let env: Vec<Value> = ["LOG_LEVEL", "REGION", "CACHE_TTL", "API_TOKEN", "TZ"]
        [..3 + r.next(3) as usize]
        .iter()
        .map(|k| json!({"name": k, "value": format!("{}-{}", r.pick(WORDS), r.next(99_999))}))
        .collect();
    json!({
        "apiVersion": r.pick(&["v1", "v2", "v2beta1"]),
        "kind": if broken == Broken::Kind { "Daemon" } else { r.pick(&["Service", "Worker", "CronJob", "Gateway"]) },
        "metadata": {
            "name": name,
            "version": format!("{}.{}.{}", r.next(10), r.next(40), r.next(200)),
            "team": r.pick(TEAMS),
            "labels": {"tier": r.pick(&["gold", "silver"]), "region": "eu-west-1", "cost-center": format!("cc{}", 100 + r.next(900))}
        },
        "spec": {
            "replicas": if broken == Broken::Replicas { 150 } else { r.next(101) },
            "image": format!("registry.example.com/{name}:{}.{}.{}", 1 + r.next(9), r.next(30), r.next(99)),
            "ports": ports,
            "env": env,
            "resources": {"cpu": 0.5, "memoryMiB": 512},
            "logging": {"level": r.pick(&["debug", "info", "warn"]), "format": "json", "sampleRate": 0.1},
            "features": {"darkLaunch": true, "gzip": false, "fastPath": true},
            "owner": format!("{}@example.com", r.pick(TEAMS)),
            "updatedAt": format!("2026-{:02}-{:02}T10:20:30Z", 1 + r.next(12), 1 + r.next(28)),
            "database": {"engine": "postgres", "host": "db-1.internal", "port": 5432,
                         "pool": {"min": r.next(5), "max": 10 + r.next(40), "timeoutMs": 1000}}
        }
    })
}
