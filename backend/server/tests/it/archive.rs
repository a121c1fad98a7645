//! Tenant archives: export → import into an empty organisation → export gives the same bytes,
//! the imported organisation answers as the source does, and any tampering is refused with
//! nothing written.

use crate::harness::{assert_problem, block_on, TestApp};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{json, Value};
use versiqii_core::archive::{self, TenantRows};

const SCHEMA_V1: &str = r#"{"type": "object", "required": ["timeout"],
  "properties": {"timeout": {"type": "integer"}, "mode": {"type": "string"}}}"#;
const SCHEMA_V2: &str = r#"{"type": "object", "required": ["timeout_ms"],
  "properties": {"timeout_ms": {"type": "integer"}, "mode": {"type": "string"}}}"#;
const LENS: &str = "lens:\n  - rename: { source: timeout, destination: timeout_ms }\n";

/// Every table an import writes, with the tenant's rows in it.
const TABLES: &[&str] = &[
    "families",
    "schema_versions",
    "targets",
    "target_versions",
    "migrations",
    "configs",
    "config_revisions",
    "environments",
    "constraints",
    "bindings",
    "deployments",
    "audit_evidence",
    "audit_events",
    "outbox",
];

fn counts(app: &TestApp, tenant: &str) -> Vec<(String, i64)> {
    let db = app.owner_db();
    TABLES
        .iter()
        .map(|t| {
            let n: i64 = block_on(db.query_one(Statement::from_string(
                DbBackend::Postgres,
                format!("select count(*)::bigint as n from {t} where tenant_id = '{tenant}'"),
            )))
            .unwrap()
            .unwrap()
            .try_get("", "n")
            .unwrap();
            (t.to_string(), n)
        })
        .collect()
}

fn ok(r: crate::harness::Reply, status: u16) -> Value {
    assert_eq!(r.status, status, "{}", r.body);
    r.body
}

/// A registry with every kind of row: two families' worth of schema versions, a migration,
/// targets with versions, configs with several revisions (one written by a migration),
/// constraints, and bindings and deployments in two environments.
fn build_source(app: &TestApp, k: Option<&str>) {
    let v1: Value = serde_json::from_str(SCHEMA_V1).unwrap();
    let v2: Value = serde_json::from_str(SCHEMA_V2).unwrap();
    ok(
        app.post(
            "/v1/families/Svc/schemas",
            k,
            &json!({"version": "v1", "schema": v1}),
        ),
        201,
    );
    let body = json!({"version": "v2", "schema": v2, "compat": "NONE"});
    ok(app.post("/v1/families/Svc/schemas", k, &body), 201);
    let db_schema = json!({"type": "object"});
    ok(
        app.post(
            "/v1/families/Db/schemas",
            k,
            &json!({"version": "1", "schema": db_schema}),
        ),
        201,
    );
    for (name, family, version, schema) in [
        ("svc", "Svc", "1.0.0", "v1"),
        ("svc", "Svc", "2.0.0", "v2"),
        ("db", "Db", "1.0.0", "1"),
    ] {
        let body =
            json!({"name": name, "family": family, "version": version, "schema_version": schema});
        ok(app.post("/v1/targets", k, &body), 201);
    }
    let body = json!({"from": "v1", "to": "v2", "lens": LENS});
    ok(app.post("/v1/families/Svc/migrations", k, &body), 201);
    let body = json!({"from": "svc@1.0.0", "kind": "requires", "target": "db", "range": ">=1"});
    ok(app.post("/v1/constraints", k, &body), 201);
    let mut latest = Value::Null;
    for (i, content) in [
        "{\"timeout\": 1}",
        "timeout: 2\nmode: fast\n",
        "{\"timeout\": 3}",
    ]
    .iter()
    .enumerate()
    {
        let body = json!({"target": "svc@1.0.0", "name": "svc-main", "content": content});
        let r = ok(app.post("/v1/configs", k, &body), 201);
        assert_eq!(r["revision"], i as i64 + 1);
        latest = r["id"].clone();
    }
    let body = json!({"target": "db@1.0.0", "name": "db-main", "content": "{\"pool\": 4}"});
    let db_rev = ok(app.post("/v1/configs", k, &body), 201)["id"].clone();
    for env in ["prod", "staging"] {
        ok(
            app.post("/v1/bindings", k, &json!({"config_id": db_rev, "env": env})),
            201,
        );
        ok(
            app.post("/v1/bindings", k, &json!({"config_id": latest, "env": env})),
            201,
        );
        for (target, version) in [("db", "1.0.0"), ("svc", "1.0.0")] {
            let path = format!("/v1/envs/{env}/targets/{target}/version");
            let r = app.request(
                "PUT",
                &path,
                k,
                Some(&json!({"version": version}).to_string()),
            );
            ok(r, 200);
        }
    }
    // Staging moves to 2.0.0: the binding migrates the config (a revision with migrated_by).
    let body = json!({"config_id": latest, "env": "staging", "version": "2.0.0"});
    let bound = ok(app.post("/v1/bindings", k, &body), 201);
    assert!(bound["migrated"].is_object(), "{bound}");
    let r = app.request(
        "PUT",
        "/v1/envs/staging/targets/svc/version",
        k,
        Some(r#"{"version": "2.0.0"}"#),
    );
    ok(r, 200);
}

fn export(app: &TestApp, token: &str) -> Vec<u8> {
    let (status, content_type, bytes) = app.get_bytes("/v1/export", Some(token));
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bytes));
    assert_eq!(content_type, "application/zstd");
    bytes
}

fn import(app: &TestApp, token: &str, bytes: &[u8]) -> crate::harness::Reply {
    app.post_bytes("/v1/import", Some(token), "application/zstd", bytes)
}

/// Ids differ between organisations: everything else must not.
fn without_ids(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| *k != "id" && !k.ends_with("_id"))
                .map(|(k, v)| (k.clone(), without_ids(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_ids).collect()),
        other => other.clone(),
    }
}

/// What the API answers about a registry, ids aside.
fn registry_view(app: &TestApp, token: &str) -> Vec<(String, Value)> {
    let k = Some(token);
    let mut paths: Vec<String> = [
        "/v1/families/Svc",
        "/v1/families/Svc/migrations",
        "/v1/targets",
        "/v1/configs",
        "/v1/envs",
        "/v1/bindings",
        "/v1/constraints",
        "/v1/drifts",
        "/v1/envs/prod/deployments",
        "/v1/envs/staging/deployments",
    ]
    .iter()
    .map(|p| p.to_string())
    .collect();
    let configs = ok(app.get("/v1/configs", k), 200);
    for c in configs["items"].as_array().expect("items") {
        paths.push(format!(
            "/v1/configs/{}/history",
            c["latest_id"].as_str().unwrap()
        ));
    }
    paths
        .into_iter()
        .enumerate()
        .map(|(i, p)| {
            let body = without_ids(&ok(app.get(&p, k), 200));
            // A history's path names a revision by its id.
            let key = if p.ends_with("/history") {
                format!("history {i}")
            } else {
                p
            };
            (key, body)
        })
        .collect()
}

fn repack_with_manifest(bytes: &[u8], edit: impl FnOnce(&str, &mut Vec<u8>)) -> Vec<u8> {
    let original = archive::unpack(bytes, 1 << 30).expect("unpack");
    let manifest = archive::manifest_bytes(&original.manifest).unwrap();
    let mut files: Vec<(String, Vec<u8>)> = original
        .manifest
        .files
        .iter()
        .map(|f| (f.path.clone(), original.file(&f.path).unwrap().to_vec()))
        .collect();
    let mut edit = Some(edit);
    for (path, data) in &mut files {
        if path == "config_revisions.jsonl" {
            (edit.take().unwrap())(path, data);
        }
    }
    let mut entries: Vec<(&str, &[u8])> = vec![(archive::MANIFEST, manifest.as_slice())];
    entries.extend(files.iter().map(|(p, d)| (p.as_str(), d.as_slice())));
    archive::pack_entries(&entries).unwrap()
}

/// Re-packs with a true manifest after changing the rows: only the rows' own checks can
/// refuse it.
fn repack_rows(bytes: &[u8], edit: impl FnOnce(&mut TenantRows)) -> Vec<u8> {
    let original = archive::unpack(bytes, 1 << 30).expect("unpack");
    let mut rows = TenantRows::from_archive(&original).expect("rows");
    edit(&mut rows);
    let (counts, files) = rows.to_files().unwrap();
    archive::pack(counts, &files).unwrap().bytes
}

#[test]
fn export_import_export_gives_the_same_bytes_and_the_same_answers() {
    let app = TestApp::spawn();
    let a = app.signup("archive-src");
    let (_, key) = app.api_key(&a.access, &["write"]);
    build_source(&app, Some(&key));

    let first = export(&app, &a.access);
    let unpacked = archive::unpack(&first, 1 << 30).expect("a valid archive");
    let rows = TenantRows::from_archive(&unpacked).expect("rows");
    assert_eq!(rows.families.len(), 2);
    assert_eq!(rows.schema_versions.len(), 3);
    assert_eq!(rows.target_versions.len(), 3);
    assert_eq!(rows.migrations.len(), 1);
    assert_eq!(rows.configs.len(), 2);
    // svc-main: three uploads and the migrated revision; db-main: one.
    assert_eq!(rows.revisions.len(), 5);
    assert!(rows.revisions.iter().any(|r| r.migrated_by.is_some()));
    assert_eq!(rows.environments.len(), 2);
    assert_eq!(rows.constraints.len(), 1);
    assert!(rows.bindings.len() >= 5);
    assert_eq!(rows.deployments.len(), 5);
    assert!(!rows.evidence.is_empty());
    assert!(rows
        .evidence
        .iter()
        .all(|e| e.tenant.to_string() == a.tenant_id));
    // Natural keys only: no id of the source's rows in the data files.
    let text =
        String::from_utf8_lossy(unpacked.file("config_revisions.jsonl").unwrap()).into_owned();
    assert!(!text.contains("migration_id"), "{text}");
    // The export was audited after it was built: a second export carries that event in its
    // evidence, and nothing else differs.
    let again = archive::unpack(&export(&app, &a.access), 1 << 30).unwrap();
    let mut again = TenantRows::from_archive(&again).unwrap();
    let audited = again.evidence.pop().expect("the export's own audit event");
    assert_eq!(audited.action, "tenant.export");
    assert_eq!(
        audited.after_hash.as_deref(),
        Some(unpacked.manifest_sha256.as_str())
    );
    assert!(
        again == rows,
        "a second export of the source differs in its data"
    );

    let b = app.signup("archive-dst");
    let summary = ok(import(&app, &b.access, &first), 201);
    assert_eq!(summary["format"], "versiqii-archive/1");
    assert_eq!(summary["manifest_sha256"], unpacked.manifest_sha256);
    assert_eq!(
        summary["counts"]["config_revisions.jsonl"],
        rows.revisions.len() as u64
    );
    assert_eq!(summary["dry_run"], false);

    let second = export(&app, &b.access);
    assert!(
        first == second,
        "export → import → export changed the archive"
    );

    assert_eq!(
        registry_view(&app, &a.access),
        registry_view(&app, &b.access)
    );

    // The import is in B's own audit chain, which still verifies; the evidence is A's chain.
    let audit = ok(app.get("/v1/audit?limit=5", Some(&b.access)), 200);
    let import_event = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "tenant.import")
        .unwrap_or_else(|| panic!("no tenant.import in {audit}"))
        .clone();
    assert_eq!(import_event["after_hash"], unpacked.manifest_sha256);
    let verified = ok(app.get("/v1/audit/verify", Some(&b.access)), 200);
    assert_eq!(verified["ok"], true, "{verified}");

    // B works as a registry: a new revision continues the imported lineage's numbering.
    let body = json!({"target": "svc@1.0.0", "name": "svc-main", "content": "{\"timeout\": 9}"});
    let next = ok(app.post("/v1/configs", Some(&b.access), &body), 201);
    assert_eq!(next["revision"], 5);
}

#[test]
fn a_tampered_or_corrupt_archive_is_refused_with_nothing_written() {
    let app = TestApp::spawn();
    let a = app.signup("tamper-src");
    build_source(&app, Some(&a.access));
    let good = export(&app, &a.access);
    let b = app.signup("tamper-dst");
    let before = counts(&app, &b.tenant_id);

    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x20;
    let edited_file = repack_with_manifest(&good, |_, data| {
        let text = String::from_utf8(data.clone()).unwrap();
        *data = text
            .replacen("\"timeout\":1", "\"timeout\":7", 1)
            .into_bytes();
    });
    let changed_revision = repack_rows(&good, |rows| {
        rows.revisions[0].canonical = json!({"timeout": 1000});
    });
    let gap_in_revisions = repack_rows(&good, |rows| {
        let r = rows.revisions.iter_mut().find(|r| r.revision == 2).unwrap();
        r.revision = 5;
    });
    let dangling_binding = repack_rows(&good, |rows| {
        rows.bindings[0].revision = 99;
    });
    let forged_evidence = repack_rows(&good, |rows| {
        rows.evidence[0].actor = "user:someone-else".into();
    });
    for (what, bytes, names) in [
        ("a flipped byte", flipped, ""),
        (
            "an edited file under the old manifest",
            edited_file,
            "config_revisions.jsonl",
        ),
        (
            "a revision's changed data",
            changed_revision,
            "does not match its hash",
        ),
        (
            "a gap in revision numbers",
            gap_in_revisions,
            "config_revisions.jsonl",
        ),
        (
            "a binding of no revision",
            dangling_binding,
            "bindings.jsonl",
        ),
        (
            "forged audit evidence",
            forged_evidence,
            "evidence/audit.jsonl",
        ),
        ("not an archive", b"hello".to_vec(), "zstd"),
    ] {
        let r = import(&app, &b.access, &bytes);
        assert_problem(&r, 422, "archive_invalid");
        let detail = r.body["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(names), "{what}: {detail}");
        assert_eq!(counts(&app, &b.tenant_id), before, "{what} wrote rows");
    }

    // A dry run checks and writes nothing; the real import then works.
    let dry = ok(
        app.post_bytes(
            "/v1/import?dry_run=true",
            Some(&b.access),
            "application/zstd",
            &good,
        ),
        200,
    );
    assert_eq!(dry["dry_run"], true);
    assert_eq!(counts(&app, &b.tenant_id), before, "a dry run wrote rows");
    ok(import(&app, &b.access, &good), 201);

    // Not into an organisation with registry data (the source itself, or B now).
    for token in [&a.access, &b.access] {
        let r = import(&app, token, &good);
        assert_problem(&r, 409, "tenant_not_empty");
    }
}

#[test]
fn only_admins_move_archives_and_the_size_is_capped() {
    let app = TestApp::spawn_with(|s| s.http.max_archive_bytes = 2048);
    let a = app.signup("archive-perm");
    let (_, editor) = app.api_key(&a.access, &["write"]);
    let (_, admin) = app.api_key(&a.access, &["admin"]);
    let (status, _, _) = app.get_bytes("/v1/export", Some(&editor));
    assert_eq!(status, 403);
    let small = export(&app, &admin);
    let r = import(&app, &editor, &small);
    assert_problem(&r, 403, "forbidden");
    let r = import(&app, &a.access, &vec![0u8; 4096]);
    assert_problem(&r, 413, "payload_too_large");
}

#[test]
fn the_cli_exports_and_imports_and_reports_a_refusal_on_one_line() {
    let app = TestApp::spawn();
    let cli = crate::cli::Cli::new(&app);
    let a = app.signup("cli-archive-src");
    build_source(&app, Some(&a.access));
    let b = app.signup("cli-archive-dst");
    let dir = std::env::temp_dir().join(format!("vq-archive-{}", app.db_name));
    std::fs::create_dir_all(&dir).unwrap();
    let (first, second) = (dir.join("a.tar.zst"), dir.join("b.tar.zst"));
    let path = |p: &std::path::Path| p.to_str().unwrap().to_owned();

    let out = cli.run(
        &["export", "--out", &path(&first), "--output", "json"],
        &[("VERSIQII_TOKEN", &a.access)],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        crate::cli::text(&out.stderr)
    );
    let summary: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(summary["format"], "versiqii-archive/1");
    assert_eq!(summary["counts"]["config_revisions.jsonl"], 5);
    assert!(
        crate::cli::text(&out.stderr).contains("exporting"),
        "progress on stderr"
    );

    // A corrupt file: refused (exit 1), one line naming the problem, nothing written.
    let mut bytes = std::fs::read(&first).unwrap();
    let corrupt = dir.join("corrupt.tar.zst");
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x01;
    std::fs::write(&corrupt, &bytes).unwrap();
    let before = counts(&app, &b.tenant_id);
    let out = cli.run(
        &["import", &path(&corrupt)],
        &[("VERSIQII_TOKEN", &b.access)],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        crate::cli::text(&out.stderr)
    );
    assert_eq!(
        crate::cli::text(&out.stderr)
            .trim()
            .lines()
            .last()
            .map(|l| l.contains("archive")),
        Some(true)
    );
    assert_eq!(counts(&app, &b.tenant_id), before);
    let out = cli.run(
        &["import", &path(&dir.join("missing"))],
        &[("VERSIQII_TOKEN", &b.access)],
        None,
    );
    assert_eq!(out.status.code(), Some(2));

    let out = cli.run(
        &["import", &path(&first), "--output", "json"],
        &[("VERSIQII_TOKEN", &b.access)],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        crate::cli::text(&out.stderr)
    );
    let imported: Value = serde_json::from_slice(&out.stdout).expect("JSON on stdout");
    assert_eq!(imported["manifest_sha256"], summary["manifest_sha256"]);
    let out = cli.run(
        &["export", "--out", &path(&second)],
        &[("VERSIQII_TOKEN", &b.access)],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        crate::cli::text(&out.stderr)
    );
    assert!(std::fs::read(&first).unwrap() == std::fs::read(&second).unwrap());
    let _ = std::fs::remove_dir_all(&dir);
}

/// The process's peak resident set in KiB since the last reset (the server runs in it).
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// `/usr/bin/time -v` figures of a CLI run: wall seconds and peak RSS in KiB.
fn timed(cli_args: &[&str], token: &str, url: &str) -> (f64, u64) {
    let bin =
        std::path::Path::new(&std::env::var("VERSIQII_TEST_BIN_DIR").unwrap()).join("versiqii");
    let out = std::process::Command::new("/usr/bin/time")
        .arg("-v")
        .arg(bin)
        .args(cli_args)
        .env("VERSIQII_TOKEN", token)
        .env("VERSIQII_URL", url)
        .env("VERSIQII_CONFIG_DIR", std::env::temp_dir())
        .output()
        .unwrap();
    let err = crate::cli::text(&out.stderr);
    assert!(out.status.success(), "{err}");
    let field = |name: &str| {
        err.lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .map(|v| v.trim().to_owned())
            .unwrap_or_default()
    };
    let wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss):");
    let secs = wall.split(':').fold(0.0, |acc, part| {
        acc * 60.0 + part.parse::<f64>().unwrap_or(0.0)
    });
    (
        secs,
        field("Maximum resident set size (kbytes):")
            .parse()
            .unwrap_or(0),
    )
}

/// The figures in docs/benchmarks.md ("Export and import"): a tenant of 10,000 revisions
/// (50 configs × 200), exported and imported with the CLI.
/// `NAME=... bash /tmp/it-helper.sh archive::bench -- --ignored --nocapture`
#[test]
#[ignore]
fn bench_export_and_import_of_ten_thousand_revisions() {
    let app = TestApp::spawn();
    let a = app.signup("bench-archive-src");
    let schema = json!({"type": "object"});
    ok(
        app.post(
            "/v1/families/Svc/schemas",
            Some(&a.access),
            &json!({"version": "v1", "schema": schema}),
        ),
        201,
    );
    let body = json!({"name": "svc", "family": "Svc", "version": "1.0.0", "schema_version": "v1"});
    ok(app.post("/v1/targets", Some(&a.access), &body), 201);
    // The revisions straight into Postgres (as the API would store them, 300-byte configs).
    block_on(app.owner_db().execute_unprepared(&format!(
        "insert into configs (tenant_id, id, name)
           select '{t}', gen_random_uuid(), 'cfg-' || c from generate_series(1, 50) c;
         insert into config_revisions (tenant_id, id, config_id, revision, hash, target_version_id,
                                       format, original, canonical, created_by)
           select '{t}', gen_random_uuid(), c.id, r, encode(sha256(convert_to(doc, 'UTF8')), 'hex'),
                  (select id from target_versions where tenant_id = '{t}'), 'json', doc, doc::jsonb,
                  'user:bench'
           from configs c, generate_series(1, 200) r,
                lateral (select '{{\"i\":' || r || ',\"pad\":\"' || repeat(md5(c.name || r), 8) || '\"}}' as doc) d
           where c.tenant_id = '{t}'",
        t = a.tenant_id
    )))
    .unwrap();
    let dir = std::env::temp_dir().join(format!("vq-bench-{}", app.db_name));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("tenant.tar.zst");
    let file_s = file.to_str().unwrap();

    reset_peak_rss();
    let (export_secs, export_cli_kib) = timed(&["export", "--out", file_s], &a.access, &app.url);
    let export_server_kib = peak_rss_kib();
    let size = std::fs::metadata(&file).unwrap().len();

    let b = app.signup("bench-archive-dst");
    reset_peak_rss();
    let (import_secs, import_cli_kib) = timed(&["import", file_s], &b.access, &app.url);
    let import_server_kib = peak_rss_kib();
    let rows = counts(&app, &b.tenant_id);
    assert!(
        rows.contains(&("config_revisions".to_owned(), 10_000)),
        "{rows:?}"
    );
    println!(
        "10000 revisions, archive {size} bytes\n\
         export: {export_secs:.2} s, CLI peak RSS {export_cli_kib} KiB, server process peak RSS {export_server_kib} KiB\n\
         import: {import_secs:.2} s, CLI peak RSS {import_cli_kib} KiB, server process peak RSS {import_server_kib} KiB"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
