//! Parsers and migrations under caps, through the API: YAML alias bombs and deep nesting in
//! configs, schemas and lens files; migration steps whose output grows past what a config may
//! be; chains with too many hops. Each refusal has its code, comes quickly, and stores nothing.

use crate::harness::{assert_problem, TestApp};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// 10^7 strings (60 MB of JSON) from 7 KB of YAML, within the YAML parser's own limit on alias
/// jumps: a thousand strings, then two levels of a hundred aliases each.
fn laughs() -> String {
    let mut text = format!("a0: &a0 [{}]\n", vec!["lol"; 1000].join(", "));
    for level in 1..3 {
        let refs = vec![format!("*a{}", level - 1); 100].join(", ");
        text.push_str(&format!("a{level}: &a{level} [{refs}]\n"));
    }
    text
}

/// `depth` objects, one inside the other.
fn nested(depth: usize) -> Value {
    let mut value = json!(1);
    for _ in 0..depth {
        value = json!({ "a": value });
    }
    value
}

struct Tenant {
    app: TestApp,
    key: String,
}

impl Tenant {
    fn new(slug: &str) -> Self {
        let app = TestApp::spawn();
        let s = app.signup(slug);
        let (_, key) = app.api_key(&s.access, &["write"]);
        Tenant { app, key }
    }

    fn post(&self, path: &str, body: Value) -> crate::harness::Reply {
        self.app.post(path, Some(&self.key), &body)
    }

    fn ok(&self, path: &str, body: Value) -> Value {
        let r = self.post(path, body);
        assert!(r.status == 201 || r.status == 200, "{path}: {}", r.body);
        r.body
    }

    /// A family `F` with schema versions `v0` .. `v{last}` (each an object) and a target
    /// `svc` with version `N.0.0` reading `vN` for each N in `targets`.
    fn family(&self, last: usize, targets: &[usize]) {
        for n in 0..=last {
            self.ok(
                "/v1/families/F/schemas",
                json!({"version": format!("v{n}"), "compat": "NONE",
                       "schema": {"type": "object", "title": format!("v{n}")}}),
            );
        }
        for n in targets {
            self.ok(
                "/v1/targets",
                json!({"name": "svc", "family": "F", "version": format!("{n}.0.0"),
                       "schema_version": format!("v{n}")}),
            );
        }
    }

    fn lens(&self, from: usize, to: usize, lens: &str) -> Value {
        self.ok(
            "/v1/families/F/migrations",
            json!({"from": format!("v{from}"), "to": format!("v{to}"), "lens": lens}),
        )
    }

    fn revisions(&self, config: &str) -> usize {
        let r = self
            .app
            .get(&format!("/v1/configs/{config}/history"), Some(&self.key));
        r.body["items"].as_array().unwrap().len()
    }

    fn bindings(&self, env: &str) -> usize {
        let r = self
            .app
            .get(&format!("/v1/bindings?env={env}"), Some(&self.key));
        r.body["items"].as_array().unwrap().len()
    }
}

#[test]
fn configs_and_schemas_over_their_caps_are_refused_quickly_and_nothing_is_stored() {
    let t = Tenant::new("caps-co");
    t.family(0, &[0]);

    let started = Instant::now();
    let r = t.post(
        "/v1/configs",
        json!({"target": "svc@0.0.0", "content": laughs(), "format": "yaml"}),
    );
    assert_problem(&r, 413, "config_too_large");
    let detail = r.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("expands to more than 256 KiB") && detail.contains("alias"),
        "{detail}"
    );
    // Undetected format: the same verdict.
    let r = t.post(
        "/v1/configs",
        json!({"target": "svc@0.0.0", "content": laughs()}),
    );
    assert_problem(&r, 413, "config_too_large");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );

    // Sixty-five levels, as JSON and as YAML; sixty-four are fine.
    let deep = nested(65).to_string();
    for format in ["json", "yaml"] {
        let r = t.post(
            "/v1/configs",
            json!({"target": "svc@0.0.0", "content": deep, "format": format}),
        );
        assert_problem(&r, 422, "document_too_deep");
        let detail = r.body["detail"].as_str().unwrap();
        assert!(detail.contains("more than 64 levels deep"), "{detail}");
    }
    let listed = t.app.get("/v1/configs", Some(&t.key));
    assert!(listed.body["items"].as_array().unwrap().is_empty());
    t.ok(
        "/v1/configs",
        json!({"target": "svc@0.0.0", "content": nested(64).to_string()}),
    );

    // A schema arrives as JSON: its depth is checked before it is compiled.
    let mut schema = json!({"type": "object"});
    for _ in 0..40 {
        schema = json!({"type": "object", "properties": {"a": schema}});
    }
    let r = t.post(
        "/v1/families/F/schemas",
        json!({"version": "deep", "compat": "NONE", "schema": schema}),
    );
    assert_problem(&r, 422, "document_too_deep");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("/properties/a/properties/a"),
        "{}",
        r.body
    );
    let family = t.app.get("/v1/families/F", Some(&t.key));
    assert_eq!(family.body["versions"].as_array().unwrap().len(), 1);
}

#[test]
fn a_lens_file_that_expands_past_its_cap_is_refused_when_added() {
    let t = Tenant::new("lens-bomb-co");
    t.family(1, &[]);
    let strings = vec!["lol"; 1000].join(", ");
    let refs = |level: usize| vec![format!("*l{level}"); 100].join(", ");
    let bomb = format!(
        "lens:\n  - add: {{ name: a, default: &l0 [{strings}] }}\n  - add: {{ name: b, default: &l1 [{}] }}\n  - add: {{ name: c, default: [{}] }}\n",
        refs(0),
        refs(1)
    );
    let started = Instant::now();
    let r = t.post(
        "/v1/families/F/migrations",
        json!({"from": "v0", "to": "v1", "lens": bomb}),
    );
    assert_problem(&r, 422, "migration_invalid");
    let detail = r.body["detail"].as_str().unwrap();
    assert!(detail.contains("expands to more than 256 KiB"), "{detail}");
    assert!(started.elapsed() < Duration::from_secs(5));
    let listed = t.app.get("/v1/families/F/migrations", Some(&t.key));
    assert!(listed.body["items"].as_array().unwrap().is_empty());
}

#[test]
fn a_step_whose_output_is_larger_than_a_config_may_be_fails_the_bind_and_the_dry_run() {
    let t = Tenant::new("grow-co");
    t.family(3, &[0, 1, 2, 3]);
    // 150 KB of data, bound with v0.
    let config = t.ok(
        "/v1/configs",
        json!({"target": "svc@0.0.0",
               "content": json!({"blob": "y".repeat(150_000), "n": 1}).to_string()}),
    )["id"]
        .as_str()
        .unwrap()
        .to_owned();
    t.ok("/v1/bindings", json!({"config_id": config, "env": "prod"}));

    // v0 -> v1 adds 150 KB (one 50 KB string used three times): the lens file is small and
    // the run adds less than a run may, but the output is over 256 KiB. v1 -> v2 removes it
    // again, so only a check after every step catches it.
    let pad = format!(
        "lens:\n  - add: {{ name: pad, default: [&s '{}', *s, *s] }}\n",
        "x".repeat(50_000)
    );
    let added = t.lens(0, 1, &pad);
    assert_eq!(added["failing"], 1, "{added}");
    let error = added["dry_run"][0]["error"].as_str().unwrap();
    assert!(
        error.contains("larger than 256 KiB as compact JSON"),
        "{error}"
    );
    t.lens(
        1,
        2,
        &format!(
            "lens:\n  - remove: {{ name: pad, default: [&s '{}', *s, *s] }}\n",
            "x".repeat(50_000)
        ),
    );

    let before = t.revisions(&config);
    for version in ["1.0.0", "2.0.0"] {
        let r = t.post(
            "/v1/bindings",
            json!({"config_id": config, "env": "staging", "version": version}),
        );
        assert_problem(&r, 422, "migration_output_too_large");
        let detail = r.body["detail"].as_str().unwrap();
        assert!(detail.contains("F@v0 -> F@v1"), "{detail}");
        assert!(detail.contains("256 KiB"), "{detail}");
    }
    assert_eq!(
        t.revisions(&config),
        before,
        "a refused migration stored a revision"
    );
    assert_eq!(t.bindings("staging"), 0);

    // A lens that copies a large default into every element of an array stops where the
    // run crosses what it may add (10 KB into each of 1000 elements would be 10 MB).
    let items = t.ok(
        "/v1/configs",
        json!({"target": "svc@2.0.0", "name": "items",
               "content": json!({"items": vec![json!({"n": 1}); 1000]}).to_string()}),
    )["id"]
        .as_str()
        .unwrap()
        .to_owned();
    t.ok("/v1/bindings", json!({"config_id": items, "env": "items"}));
    let copy = format!(
        "lens:\n  - map: {{ name: items, lens: [ {{ add: {{ name: pad, default: '{}' }} }} ] }}\n",
        "z".repeat(10_000)
    );
    let added = t.lens(2, 3, &copy);
    assert_eq!(added["failing"], 1, "{added}");
    let error = added["dry_run"][0]["error"].as_str().unwrap();
    assert!(error.contains("/items/26/pad"), "{error}");
    assert!(error.contains("adds more than 256 KiB"), "{error}");
    let before = t.revisions(&items);
    let r = t.post(
        "/v1/bindings",
        json!({"config_id": items, "env": "staging", "version": "3.0.0"}),
    );
    assert_problem(&r, 422, "migration_output_too_large");
    assert!(
        r.body["detail"]
            .as_str()
            .unwrap()
            .contains("lens step 0 (add) at /items/26/pad"),
        "{}",
        r.body
    );
    assert_eq!(t.revisions(&items), before);
    assert_eq!(t.bindings("staging"), 0);
}

#[test]
fn a_chain_longer_than_the_hop_cap_is_refused_before_it_runs() {
    let t = Tenant::new("hops-co");
    t.family(33, &[0, 32, 33]);
    for n in 0..33 {
        t.lens(n, n + 1, "lens: []\n");
    }
    let config = t.ok(
        "/v1/configs",
        json!({"target": "svc@0.0.0", "content": "{\"a\": 1}"}),
    )["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Thirty-two hops are run.
    let r = t.post(
        "/v1/bindings",
        json!({"config_id": config, "env": "prod", "version": "32.0.0"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.body["migrated"]["steps"].as_array().unwrap().len(),
        32,
        "{}",
        r.body
    );
    // Thirty-three are not.
    let before = t.revisions(&config);
    let r = t.post(
        "/v1/bindings",
        json!({"config_id": config, "env": "qa", "version": "33.0.0"}),
    );
    assert_problem(&r, 422, "migration_chain_too_long");
    let detail = r.body["detail"].as_str().unwrap();
    assert!(
        detail.contains("F@v0 to F@v33 has 33 steps; at most 32"),
        "{detail}"
    );
    assert_eq!(t.revisions(&config), before);
    assert_eq!(t.bindings("qa"), 0);
}
