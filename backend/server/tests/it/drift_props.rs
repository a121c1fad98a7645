//! The drift matrix a server keeps current write by write (each write hands its actor the cells
//! it computed) equals a full recomputation from Postgres, for any sequence of writes.

use crate::harness::TestApp;
use proptest::prelude::*;
use serde_json::{json, Value};

const V1: &str =
    r#"{"type": "object", "properties": {"limit": {"type": "integer", "maximum": 100}}}"#;
const V2: &str =
    r#"{"type": "object", "properties": {"limit": {"type": "integer", "maximum": 10}}}"#;

#[derive(Debug, Clone)]
enum Write {
    /// Force-deploy a target version (index into VERSIONS).
    Deploy(usize, usize),
    /// Bind config (index into CONFIGS) for its target's version (index into VERSIONS).
    Bind(usize, usize, usize),
    /// Report what runs: a version (index into VERSIONS, or one never declared), maybe a
    /// config's hash (index into CONFIGS).
    Observe(usize, usize, Option<usize>),
}

const ENVS: [&str; 2] = ["prod", "stage"];
/// (target, version): api@2 reads the stricter schema and requires db >= 2.
const VERSIONS: [(&str, &str); 5] = [
    ("api", "1.0.0"),
    ("api", "2.0.0"),
    ("db", "1.0.0"),
    ("db", "2.0.0"),
    ("api", "9.9.9"), // never declared: only clusters report it
];
/// Config contents for api (limits 5 and 50: the second fails api@2's schema) and db.
const CONFIGS: [(&str, &str); 3] = [("api", "5"), ("api", "50"), ("db", "1")];

fn write() -> impl Strategy<Value = Write> {
    prop_oneof![
        (0..2usize, 0..4usize).prop_map(|(e, v)| Write::Deploy(e, v)),
        (0..2usize, 0..3usize, 0..4usize).prop_map(|(e, c, v)| Write::Bind(e, c, v)),
        (0..2usize, 0..5usize, prop::option::of(0..3usize))
            .prop_map(|(e, v, c)| Write::Observe(e, v, c)),
    ]
}

struct World {
    app: TestApp,
    key: String,
    /// Each config's revision id per version it was uploaded for, and its hash.
    revisions: Vec<Vec<(String, Value, String)>>,
}

fn setup(case: u32) -> World {
    let app = TestApp::spawn();
    let s = app.signup(&format!("drift-prop-{case}"));
    let (_, key) = app.api_key(&s.access, &["write"]);
    let k = Some(key.as_str());
    let post = |path: &str, body: Value| {
        let r = app.post(path, k, &body);
        assert!(r.status == 201 || r.status == 200, "{path}: {}", r.body);
        r.body
    };
    let v1: Value = serde_json::from_str(V1).unwrap();
    let v2: Value = serde_json::from_str(V2).unwrap();
    post(
        "/v1/families/Svc/schemas",
        json!({"version": "v1", "schema": v1}),
    );
    post(
        "/v1/families/Svc/schemas",
        json!({"version": "v2", "schema": v2, "compat": "NONE"}),
    );
    for (target, version) in &VERSIONS[..4] {
        let schema = if *version == "2.0.0" && *target == "api" {
            "v2"
        } else {
            "v1"
        };
        post(
            "/v1/targets",
            json!({"name": target, "family": "Svc", "version": version, "schema_version": schema}),
        );
    }
    post(
        "/v1/constraints",
        json!({"from": "api@2.0.0", "kind": "requires", "target": "db", "range": ">=2"}),
    );
    let mut revisions = Vec::new();
    for (i, (target, limit)) in CONFIGS.iter().enumerate() {
        let mut per_version = Vec::new();
        for (t, version) in &VERSIONS[..4] {
            if t != target {
                continue;
            }
            let content = format!("{{\"limit\": {limit}}}");
            let body = json!({"target": format!("{t}@{version}"), "name": format!("cfg-{i}"), "content": content});
            let r = post("/v1/configs", body);
            per_version.push((
                version.to_string(),
                r["id"].clone(),
                r["hash"].as_str().unwrap().to_owned(),
            ));
        }
        revisions.push(per_version);
    }
    // Load the matrix now, so every write below reaches it as cells applied incrementally.
    assert_eq!(app.get("/v1/drifts", k).status, 200);
    World {
        app,
        key,
        revisions,
    }
}

impl World {
    fn apply(&self, w: &Write) {
        let k = Some(self.key.as_str());
        let r = match *w {
            Write::Deploy(e, v) => {
                let (target, version) = VERSIONS[v];
                let body = json!({"version": version, "force": true}).to_string();
                self.app.request(
                    "PUT",
                    &format!("/v1/envs/{}/targets/{target}/version", ENVS[e]),
                    k,
                    Some(&body),
                )
            }
            Write::Bind(e, c, v) => {
                let Some((version, id, _)) =
                    self.revisions[c].iter().find(|r| r.0 == VERSIONS[v].1)
                else {
                    return;
                };
                let body = json!({"config_id": id, "env": ENVS[e], "version": version, "no_migrate": true});
                self.app.post("/v1/bindings", k, &body)
            }
            Write::Observe(e, v, c) => {
                let (target, version) = VERSIONS[v];
                let mut body = json!({"target": target, "version": version});
                if let Some(c) = c {
                    body["config_hash"] = json!(self.revisions[c][0].2);
                }
                self.app
                    .post(&format!("/v1/envs/{}/observations", ENVS[e]), k, &body)
            }
        };
        // Refusals (an invalid config, another target's config) are writes too: they change
        // nothing, and the matrix must not think otherwise.
        assert!(r.status < 500, "{w:?}: {} {}", r.status, r.body);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_incremental_matrix_equals_a_full_recomputation(writes in prop::collection::vec(write(), 1..14)) {
        static CASE: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let world = setup(CASE.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        for w in &writes {
            world.apply(w);
        }
        let k = Some(world.key.as_str());
        let incremental = world.app.get("/v1/drifts", k);
        let fresh = world.app.another_instance();
        let full = fresh.get("/v1/drifts", k);
        prop_assert_eq!(incremental.status, 200);
        prop_assert_eq!(&incremental.body, &full.body, "after {:?}", writes);
    }
}
