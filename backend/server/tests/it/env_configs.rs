//! `GET /v1/envs/{env}/configs`: everything an environment should run in one answer, its ETag
//! moving exactly when that answer does, and a long poll that wakes on a change made through
//! another instance.

use crate::harness::{assert_problem, TestApp};
use serde_json::{json, Value};

struct Pull {
    status: u16,
    etag: Option<String>,
    body: String,
}

fn pull(app: &TestApp, tok: &str, env: &str, etag: Option<&str>, wait: Option<u32>) -> Pull {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let query = wait.map(|w| format!("?wait={w}")).unwrap_or_default();
    let mut req = agent
        .get(format!("{}/v1/envs/{env}/configs{query}", app.url))
        .header("Authorization", format!("Bearer {tok}"));
    if let Some(tag) = etag {
        req = req.header("If-None-Match", tag);
    }
    let resp = req.call().unwrap();
    let etag = resp
        .headers()
        .get("etag")
        .map(|v| v.to_str().unwrap().to_owned());
    let status = resp.status().as_u16();
    let body = resp.into_body().read_to_string().unwrap_or_default();
    Pull { status, etag, body }
}

fn ok(r: crate::harness::Reply) -> Value {
    assert!(r.status < 300, "{} {}", r.status, r.body);
    r.body
}

/// Svc (schema v1: an object with an integer `timeout`) at 1.0.0 and 1.1.0; a config revision
/// per timeout given; answers the revisions' ids.
fn registry(app: &TestApp, tok: Option<&str>, timeouts: &[u32]) -> Vec<String> {
    let schema = json!({"type": "object", "properties": {"timeout": {"type": "integer"}}});
    ok(app.post(
        "/v1/families/Svc/schemas",
        tok,
        &json!({"version": "v1", "schema": schema}),
    ));
    for v in ["1.0.0", "1.1.0"] {
        ok(app.post(
            "/v1/targets",
            tok,
            &json!({"name": "svc", "family": "Svc", "version": v}),
        ));
    }
    ok(app.post(
        "/v1/targets",
        tok,
        &json!({"name": "db", "family": "Svc", "version": "2.0.0"}),
    ));
    timeouts
        .iter()
        .map(|t| {
            let c = ok(app.post(
                "/v1/configs",
                tok,
                &json!({"target": "svc@1.0.0", "name": "svc.yaml", "content": format!("timeout: {t}\n")}),
            ));
            c["id"].as_str().unwrap().to_owned()
        })
        .collect()
}

fn deploy(app: &TestApp, tok: Option<&str>, env: &str, target: &str, version: &str) {
    ok(app.request(
        "PUT",
        &format!("/v1/envs/{env}/targets/{target}/version"),
        tok,
        Some(&json!({"version": version}).to_string()),
    ));
}

#[test]
fn an_environment_resolves_in_one_answer_whose_etag_moves_exactly_with_it() {
    let app = TestApp::spawn();
    let s = app.signup("env-pull-co");
    let tok = Some(s.access.as_str());
    let revisions = registry(&app, tok, &[5, 7]);
    ok(app.post(
        "/v1/bindings",
        tok,
        &json!({"config_id": revisions[0], "env": "prod"}),
    ));
    deploy(&app, tok, "prod", "svc", "1.0.0");
    deploy(&app, tok, "prod", "db", "2.0.0");

    let first = pull(&app, &s.access, "prod", None, None);
    assert_eq!(first.status, 200, "{}", first.body);
    let body: Value = serde_json::from_str(&first.body).unwrap();
    assert_eq!(body["env"], "prod");
    let items = body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "{body}");
    // Sorted by target: db (deployed, nothing bound), then svc.
    assert_eq!(items[0]["target"], "db");
    assert_eq!(items[0]["version"], "2.0.0");
    assert_eq!(items[0]["config"], Value::Null);
    let svc = &items[1];
    assert_eq!(svc["version"], "1.0.0");
    assert_eq!(svc["schema_version"], "Svc@v1");
    assert_eq!(svc["config"]["name"], "svc.yaml");
    assert_eq!(svc["config"]["revision"], 1);
    assert_eq!(svc["config"]["revision_id"], revisions[0].as_str());
    assert_eq!(svc["config"]["data"], json!({"timeout": 5}));
    assert_eq!(svc["config"]["bound_for_version"], "1.0.0");
    let stored = ok(app.get(&format!("/v1/configs/{}", revisions[0]), tok));
    assert_eq!(svc["config"]["hash"], stored["hash"]);
    assert_eq!(
        svc["drift"],
        json!({"schema": false, "dependency": false, "config": false, "environment": false})
    );
    let tag = first.etag.expect("an ETag");
    assert!(tag.starts_with('"') && tag.ends_with('"'), "strong: {tag}");

    // Unchanged: 304, no body, the same ETag; also after writes that leave prod as it was (a
    // binding in another environment, a new revision bound nowhere), which do move the
    // tenant's drift matrix.
    let same = pull(&app, &s.access, "prod", Some(&tag), None);
    assert_eq!((same.status, same.body.as_str()), (304, ""));
    assert_eq!(same.etag.as_deref(), Some(tag.as_str()));
    ok(app.post(
        "/v1/bindings",
        tok,
        &json!({"config_id": revisions[1], "env": "staging"}),
    ));
    deploy(&app, tok, "staging", "svc", "1.1.0");
    let c = ok(app.post(
        "/v1/configs",
        tok,
        &json!({"target": "svc@1.0.0", "name": "other.yaml", "content": "timeout: 9\n"}),
    ));
    assert_eq!(pull(&app, &s.access, "prod", Some(&tag), None).status, 304);
    let again = pull(&app, &s.access, "prod", None, None);
    assert_eq!(again.etag.as_deref(), Some(tag.as_str()));
    assert_eq!(again.body, first.body, "the same answer, byte for byte");

    // Each change of what prod should run moves the ETag: a new bound revision, a deployment,
    // an observation that changes the drift.
    let mut last = tag;
    let mut moved = |what: &str, check: &dyn Fn(&Value)| {
        let p = pull(&app, &s.access, "prod", Some(&last), None);
        assert_eq!(p.status, 200, "{what}: {}", p.body);
        let tag = p.etag.unwrap();
        assert_ne!(tag, last, "{what}");
        check(&serde_json::from_str(&p.body).unwrap());
        last = tag;
    };
    ok(app.post(
        "/v1/bindings",
        tok,
        &json!({"config_id": c["id"], "env": "prod"}),
    ));
    moved("bound another revision", &|b| {
        assert_eq!(b["items"][1]["config"]["data"], json!({"timeout": 9}));
    });
    deploy(&app, tok, "prod", "svc", "1.1.0");
    moved("deployed 1.1.0", &|b| {
        assert_eq!(b["items"][1]["version"], "1.1.0");
    });
    ok(app.post(
        "/v1/envs/prod/observations",
        tok,
        &json!({"target": "svc", "version": "1.0.0"}),
    ));
    moved("observed another version", &|b| {
        assert_eq!(b["items"][1]["drift"]["environment"], true);
        assert!(!b["items"][1]["drift_details"]
            .as_array()
            .unwrap()
            .is_empty());
    });
}

#[test]
fn a_long_poll_wakes_on_a_change_made_through_another_instance() {
    let app = TestApp::spawn();
    let other = app.another_instance();
    let s = app.signup("env-wait-co");
    let tok = Some(s.access.as_str());
    let revisions = registry(&app, tok, &[5, 6]);
    ok(app.post(
        "/v1/bindings",
        tok,
        &json!({"config_id": revisions[0], "env": "prod"}),
    ));
    let first = pull(&other, &s.access, "prod", None, None);
    assert_eq!(first.status, 200, "{}", first.body);
    let tag = first.etag.unwrap();

    // Nothing moves: the poll answers 304 when its wait is up.
    let idle = pull(&other, &s.access, "prod", Some(&tag), Some(1));
    assert_eq!(
        (idle.status, idle.etag.as_deref()),
        (304, Some(tag.as_str()))
    );

    // A poll waiting on the second instance; the change is written through the first. The
    // wait (30 s) is far longer than the test takes when the poll is woken, and a poll that is
    // not woken answers 304, which fails the test.
    let access = s.access.clone();
    let waiting_tag = tag.clone();
    let poll = std::thread::scope(|scope| {
        let poll = scope.spawn(|| pull(&other, &access, "prod", Some(&waiting_tag), Some(30)));
        std::thread::sleep(std::time::Duration::from_millis(300));
        ok(app.post(
            "/v1/bindings",
            tok,
            &json!({"config_id": revisions[1], "env": "prod"}),
        ));
        poll.join().unwrap()
    });
    assert_eq!(poll.status, 200, "{}", poll.body);
    assert_ne!(poll.etag.as_deref(), Some(tag.as_str()));
    let body: Value = serde_json::from_str(&poll.body).unwrap();
    assert_eq!(body["items"][0]["config"]["data"], json!({"timeout": 6}));
}

#[test]
fn unknown_environments_and_bad_waits_are_refused() {
    let app = TestApp::spawn();
    let s = app.signup("env-pull-bad");
    let tok = Some(s.access.as_str());
    assert_problem(&app.get("/v1/envs/nowhere/configs", tok), 404, "not_found");
    ok(app.post("/v1/envs", tok, &json!({"name": "empty"})));
    let empty = app.get("/v1/envs/empty/configs", tok);
    assert_eq!(empty.status, 200, "{}", empty.body);
    assert_eq!(empty.body, json!({"env": "empty", "items": []}));
    let r = app.get("/v1/envs/empty/configs?wait=61", tok);
    assert!(
        r.status == 400 || r.status == 422,
        "{} {}",
        r.status,
        r.body
    );
    assert_problem(&app.get("/v1/envs/b%20d/configs", tok), 400, "invalid_name");
    assert_eq!(app.get("/v1/envs/empty/configs", None).status, 401);
}

#[test]
fn env_pull_writes_the_configs_a_deploy_step_reads() {
    use crate::cli::{text, Cli};
    let app = TestApp::spawn();
    let s = app.signup("env-pull-cli");
    let tok = Some(s.access.as_str());
    let revisions = registry(&app, tok, &[5]);
    ok(app.post(
        "/v1/bindings",
        tok,
        &json!({"config_id": revisions[0], "env": "prod"}),
    ));
    deploy(&app, tok, "prod", "svc", "1.0.0");
    deploy(&app, tok, "prod", "db", "2.0.0");
    let cli = Cli::new(&app);
    let dir = std::env::temp_dir().join(format!("vq-pull-{}", app.db_name));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().unwrap();
    let token = [("VERSIQII_TOKEN", s.access.as_str())];

    let run = cli.run(&["env", "pull", "--env", "prod", "--dir", d], &token, None);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    assert!(
        text(&run.stdout).contains("1 config file"),
        "{}",
        text(&run.stdout)
    );
    let svc: Value = serde_json::from_slice(&std::fs::read(dir.join("svc.json")).unwrap()).unwrap();
    assert_eq!(svc, json!({"timeout": 5}));
    assert!(!dir.join("db.json").exists(), "nothing is bound to db");
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("_versiqii.json")).unwrap()).unwrap();
    assert_eq!(manifest["env"], "prod");
    assert_eq!(manifest["items"][0]["target"], "db");
    assert_eq!(manifest["items"][0]["version"], "2.0.0");
    assert_eq!(manifest["items"][1]["config"]["file"], "svc.json");
    assert_eq!(
        manifest["items"][1]["config"]["revision_id"],
        revisions[0].as_str()
    );

    // As YAML: the JSON file of the previous pull is replaced, not left beside it.
    let run = cli.run(
        &[
            "env", "pull", "--env", "prod", "--dir", d, "--format", "yaml", "--output", "json",
        ],
        &token,
        None,
    );
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let printed: Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(printed["files"], json!(["svc.yaml"]));
    assert_eq!(
        std::fs::read_to_string(dir.join("svc.yaml")).unwrap(),
        "timeout: 5\n"
    );
    assert!(!dir.join("svc.json").exists());

    // A drifting environment: the files are written and the exit code says so.
    ok(app.post(
        "/v1/envs/prod/observations",
        tok,
        &json!({"target": "svc", "version": "1.1.0"}),
    ));
    let run = cli.run(&["env", "pull", "--env", "prod", "--dir", d], &token, None);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run.stderr));
    assert!(
        text(&run.stderr).contains("svc drifts in prod"),
        "{}",
        text(&run.stderr)
    );
    assert!(dir.join("svc.json").exists());

    let run = cli.run(
        &["env", "pull", "--env", "nowhere", "--dir", d],
        &token,
        None,
    );
    assert_eq!(run.status.code(), Some(2), "{}", text(&run.stderr));
    assert_eq!(
        text(&run.stderr).trim().lines().count(),
        1,
        "{}",
        text(&run.stderr)
    );
    std::fs::remove_dir_all(dir).unwrap();
}
