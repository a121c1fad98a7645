//! `POST /v1/validate`: the verdict `bindings create` would give, for one config or many, against
//! a target version's schema or a schema version, with nothing stored.

use crate::harness::{assert_problem, block_on, TestApp};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{json, Value};

const SCHEMA: &str = r#"{"type": "object", "required": ["timeout"], "additionalProperties": false,
  "properties": {"timeout": {"type": "integer", "maximum": 60}, "mode": {"enum": ["a", "b"]}}}"#;

fn rows(app: &TestApp, table: &str) -> i64 {
    block_on(app.owner_db().query_one(Statement::from_string(
        DbBackend::Postgres,
        format!("select count(*)::bigint as n from {table}"),
    )))
    .unwrap()
    .unwrap()
    .try_get("", "n")
    .unwrap()
}

#[test]
fn validation_answers_as_a_binding_would_and_stores_nothing() {
    let app = TestApp::spawn();
    let s = app.signup("validate-co");
    let (_, key) = app.api_key(&s.access, &["write"]);
    let k = Some(key.as_str());
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    let body = json!({"version": "v1", "schema": schema});
    assert_eq!(app.post("/v1/families/Svc/schemas", k, &body).status, 201);
    let body = json!({"name": "svc", "family": "Svc", "version": "1.0.0"});
    assert_eq!(app.post("/v1/targets", k, &body).status, 201);
    let before = (
        rows(&app, "configs"),
        rows(&app, "config_revisions"),
        rows(&app, "bindings"),
    );

    let cases = [
        "{\"timeout\": 5, \"mode\": \"a\"}",
        "timeout: 500\nmode: c\nextra: 1\n",
        "{\"mode\": \"b\"}",
    ];
    let documents: Vec<Value> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| json!({"name": format!("c{i}"), "content": c}))
        .collect();
    let r = app.post(
        "/v1/validate",
        k,
        &json!({"target": "svc@1.0.0", "documents": documents}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["valid"], false);
    assert_eq!(r.body["schema"], "Svc@v1");
    let results = r.body["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0]["valid"], true);
    let keywords = |i: usize| -> Vec<String> {
        let mut k: Vec<String> = results[i]["violations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["keyword"].as_str().unwrap().to_owned())
            .collect();
        k.sort();
        k
    };
    assert_eq!(keywords(1), ["additionalProperties", "enum", "maximum"]);
    assert_eq!(keywords(2), ["required"]);

    // The same configs through the write path: the verdicts agree, one by one.
    for (i, content) in cases.iter().enumerate() {
        let created = app.post(
            "/v1/configs",
            k,
            &json!({"target": "svc@1.0.0", "name": format!("cfg{i}"), "content": content}),
        );
        assert_eq!(created.status, 201, "{}", created.body);
        let bound = app.post(
            "/v1/bindings",
            k,
            &json!({"config_id": created.body["id"], "env": "prod"}),
        );
        let valid = results[i]["valid"].as_bool().unwrap();
        if valid {
            assert_eq!(bound.status, 201, "{}", bound.body);
        } else {
            assert_problem(&bound, 422, "config_invalid");
            let count = bound.body["violations"].as_array().unwrap().len();
            assert_eq!(count, results[i]["violations"].as_array().unwrap().len());
        }
    }

    // By schema version, one config; nothing was stored by validating.
    let after_writes = (
        rows(&app, "configs"),
        rows(&app, "config_revisions"),
        rows(&app, "bindings"),
    );
    let one = app.post(
        "/v1/validate",
        k,
        &json!({"schema": "Svc@v1", "content": "{\"timeout\": 1}"}),
    );
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(one.body["valid"], true);
    assert_eq!(one.body["results"][0]["name"], Value::Null);
    assert_eq!(
        (
            rows(&app, "configs"),
            rows(&app, "config_revisions"),
            rows(&app, "bindings")
        ),
        after_writes
    );
    assert!(before.0 < after_writes.0, "the write path did store");

    // Bad requests say what is wrong.
    assert_problem(
        &app.post(
            "/v1/validate",
            k,
            &json!({"target": "svc@9.9.9", "content": "{}"}),
        ),
        404,
        "not_found",
    );
    assert_problem(
        &app.post("/v1/validate", k, &json!({"content": "{}"})),
        422,
        "invalid_input",
    );
    assert_problem(
        &app.post("/v1/validate", k, &json!({"target": "svc@1.0.0"})),
        422,
        "invalid_input",
    );
    assert_problem(
        &app.post(
            "/v1/validate",
            k,
            &json!({"target": "svc@1.0.0", "content": "{nope"}),
        ),
        400,
        "invalid_document",
    );
    assert_problem(
        &app.post(
            "/v1/validate",
            k,
            &json!({"target": "svc@1.0.0", "content": "[1]"}),
        ),
        400,
        "invalid_document",
    );
    let many: Vec<Value> = (0..101)
        .map(|i| json!({"name": format!("d{i}"), "content": "{}"}))
        .collect();
    assert_problem(
        &app.post(
            "/v1/validate",
            k,
            &json!({"target": "svc@1.0.0", "documents": many}),
        ),
        422,
        "invalid_input",
    );
}

/// After the first call, validation does no database work: with the registry's tables locked
/// by another transaction (any read of them would wait out the statement timeout), the same
/// validation still answers.
#[test]
fn the_hot_path_does_no_database_work_after_the_first_call() {
    let app = TestApp::spawn_with(|s| s.database.statement_timeout_ms = 1_000);
    let s = app.signup("validate-hot");
    let (_, key) = app.api_key(&s.access, &["write"]);
    let k = Some(key.as_str());
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    let body = json!({"version": "v1", "schema": schema});
    assert_eq!(app.post("/v1/families/Svc/schemas", k, &body).status, 201);
    let body = json!({"name": "svc", "family": "Svc", "version": "1.0.0"});
    assert_eq!(app.post("/v1/targets", k, &body).status, 201);
    let ask = json!({"target": "svc@1.0.0", "content": "{\"timeout\": 5}"});
    let first = app.post("/v1/validate", k, &ask);
    assert_eq!(
        (first.status, &first.body["valid"]),
        (200, &json!(true)),
        "{}",
        first.body
    );

    let owner = app.owner_db();
    block_on(async {
        let tx = sea_orm::TransactionTrait::begin(&owner).await.unwrap();
        tx.execute_unprepared(
            "lock table families, schema_versions, targets, target_versions in access exclusive mode",
        )
        .await
        .unwrap();
        // A read of the registry now waits for this lock, past the 1 s statement timeout.
        let blocked = app.get("/v1/targets", k);
        assert!(blocked.status >= 500, "the lock holds: {}", blocked.status);
        let again = app.post("/v1/validate", k, &ask);
        assert_eq!(again.status, 200, "{}", again.body);
        assert_eq!(again.body, first.body);
        let bad = app.post(
            "/v1/validate",
            k,
            &json!({"target": "svc@1.0.0", "content": "{\"timeout\": 500}"}),
        );
        assert_eq!((bad.status, &bad.body["valid"]), (200, &json!(false)));
        tx.rollback().await.unwrap();
    });
}

/// `versiqii validate --remote` gives the verdicts the local check of the same schema gives,
/// file by file, across several requests (250 files: three batches), and reports files that
/// do not parse without sending them.
#[test]
fn validate_remote_agrees_with_the_local_check() {
    use crate::cli::{text, Cli};
    let app = TestApp::spawn();
    let s = app.signup("validate-remote");
    let (_, key) = app.api_key(&s.access, &["write"]);
    let k = Some(key.as_str());
    let schema: Value = serde_json::from_str(SCHEMA).unwrap();
    let body = json!({"version": "v1", "schema": schema});
    assert_eq!(app.post("/v1/families/Svc/schemas", k, &body).status, 201);
    let body = json!({"name": "svc", "family": "Svc", "version": "1.0.0"});
    assert_eq!(app.post("/v1/targets", k, &body).status, 201);

    let dir = std::env::temp_dir().join(format!("vq-remote-{}", app.db_name));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..250 {
        let (name, content) = match i % 5 {
            0 => (
                format!("c{i:03}.yaml"),
                format!("timeout: {}\nmode: a\n", i % 60),
            ),
            1 => (
                format!("c{i:03}.json"),
                format!("{{\"timeout\": {}}}", 60 + i),
            ),
            2 => (format!("c{i:03}.yaml"), "mode: z\nextra: true\n".to_owned()),
            3 => (format!("c{i:03}.yaml"), "timeout: [1\n".to_owned()),
            _ => (format!("c{i:03}.json"), "{\"timeout\": 1}".to_owned()),
        };
        std::fs::write(dir.join(name), content).unwrap();
    }
    let cli = Cli::new(&app);
    let d = dir.to_str().unwrap();
    let token = [("VERSIQII_TOKEN", key.as_str())];
    let cache = dir.join("cache");
    let env = [token[0], ("VERSIQII_CACHE_DIR", cache.to_str().unwrap())];
    let local = cli.run(
        &["validate", "--target", "svc@1.0.0", "--output", "json", d],
        &env,
        None,
    );
    let remote = cli.run(
        &[
            "validate",
            "--target",
            "svc@1.0.0",
            "--remote",
            "--output",
            "json",
            d,
        ],
        &token,
        None,
    );
    assert_eq!(remote.status.code(), Some(1), "{}", text(&remote.stderr));
    assert_eq!(local.status.code(), Some(1), "{}", text(&local.stderr));
    let remote_out: Value = serde_json::from_slice(&remote.stdout).unwrap();
    let local_out: Value = serde_json::from_slice(&local.stdout).unwrap();
    assert_eq!(remote_out, local_out);
    assert!(text(&remote.stderr).contains("checked 250 files: 100 valid, 150 invalid"));
    std::fs::remove_dir_all(dir).unwrap();
}
