//! Every contract format end to end: the Hello World (family, target, config, binding,
//! deployment, drift, `versiqii validate`, a lens migration, compatibility) with an Avro family
//! and with a Protobuf family through the real CLI, and references between schema versions
//! (JSON Schema `$ref`, Avro named types, Protobuf imports) pinned at registration.

use crate::cli::KeyedCli;
use crate::harness::{assert_problem, block_on, TestApp};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::{json, Value};

/// The shared CLI session, with the helpers these tests add.
struct Scenario(KeyedCli);

impl std::ops::Deref for Scenario {
    type Target = KeyedCli;
    fn deref(&self) -> &KeyedCli {
        &self.0
    }
}

impl Scenario {
    fn new(slug: &str) -> Self {
        Scenario(KeyedCli::new(TestApp::spawn(), slug, "contracts"))
    }

    fn post(&self, path: &str, body: &Value) -> crate::harness::Reply {
        self.app.post(path, Some(&self.key), body)
    }

    /// Adds a schema version to `family`, which must store it (201).
    fn add_schema(&self, family: &str, body: &Value) -> crate::harness::Reply {
        let r = self.post(&format!("/v1/families/{family}/schemas"), body);
        assert_eq!(r.status, 201, "{family}: {}", r.body);
        r
    }

    /// Declares payment-api `version` reading `schema_version` of Payments.
    fn target(&self, version: &str, schema_version: &str) {
        self.ok(&[
            "targets",
            "create",
            "--name",
            "payment-api",
            "--family",
            "Payments",
            "--version",
            version,
            "--schema-version",
            schema_version,
        ]);
    }

    /// The cell of payment-api in prod in the drift matrix.
    fn drift(&self) -> Value {
        let r = self.app.get("/v1/drifts", Some(&self.key));
        assert_eq!(r.status, 200, "{}", r.body);
        r.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["env"] == "prod" && c["target"] == "payment-api")
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// Binds `config` in prod and deploys payment-api `version` there.
    fn bind_and_deploy(&self, config: &str, version: &str) {
        self.ok(&["bindings", "create", "--config", config, "--env", "prod"]);
        self.ok(&[
            "env",
            "set-target",
            "--env",
            "prod",
            "--target",
            "payment-api",
            "--version",
            version,
        ]);
    }
}

const AVRO_V1: &str = r#"{"type": "record", "name": "Payments", "namespace": "acme",
  "fields": [
    {"name": "timeout", "type": "int"},
    {"name": "mode", "type": {"type": "enum", "name": "Mode", "symbols": ["fast", "safe"]}},
    {"name": "region", "type": ["null", "string"], "default": null}
  ]}"#;
const AVRO_V2: &str = r#"{"type": "record", "name": "Payments", "namespace": "acme",
  "fields": [
    {"name": "timeout", "type": "long"},
    {"name": "mode", "type": {"type": "enum", "name": "Mode", "symbols": ["fast", "safe"]}},
    {"name": "region", "type": ["null", "string"], "default": null},
    {"name": "retries", "type": "int", "default": 3}
  ]}"#;
const AVRO_V3_BREAKS: &str = r#"{"type": "record", "name": "Payments", "namespace": "acme",
  "fields": [
    {"name": "timeout", "type": "int"},
    {"name": "mode", "type": {"type": "enum", "name": "Mode", "symbols": ["fast"]}},
    {"name": "owner", "type": "string"}
  ]}"#;

#[test]
fn an_avro_family_does_everything_a_json_schema_family_does() {
    let s = Scenario::new("avro-co");
    let v1 = s.file("payments-v1.avsc", AVRO_V1);
    let out = s.ok(&[
        "schemas",
        "add",
        "--family",
        "Payments",
        "--version",
        "1",
        &v1,
    ]);
    assert!(out.starts_with("added Payments@1"), "{out}");
    let families = s.json(&["schemas", "list"]);
    assert_eq!(families[0]["format"], "avro");
    let shown = s.ok(&["schemas", "show", "Payments@1"]);
    assert!(shown.contains("format   avro"), "{shown}");
    s.target("1.0.0", "1");

    // Configs are JSON or YAML, judged by Avro's rules: types, enums, unions, unknown fields.
    let good = s.file("payments.yaml", "timeout: 30\nmode: fast\n");
    let config = s.ok(&["configs", "create", "--target", "payment-api@1.0.0", &good]);
    let config = config.trim().to_owned();
    let bad = s.file(
        "bad.json",
        r#"{"timeout": "thirty", "mode": "slow", "region": 7, "extra": true}"#,
    );
    // Stored as written; binding it is where the contract is enforced.
    let bad_config = s.ok(&["configs", "create", "--target", "payment-api@1.0.0", &bad]);
    let err = s.refused(&[
        "bindings",
        "create",
        "--config",
        bad_config.trim(),
        "--env",
        "qa",
    ]);
    for pointer in ["/timeout", "/mode", "/region", "/extra"] {
        assert!(err.contains(pointer), "{pointer} in {err}");
    }

    // Bound and deployed: no drift.
    s.bind_and_deploy(&config, "1.0.0");
    let cell = s.drift();
    assert_eq!(cell["dimensions"]["schema"], false, "{cell}");
    assert_eq!(cell["desired_version"], "1.0.0", "{cell}");

    // `versiqii validate` against the target's Avro schema, offline after one fetch.
    let (code, out, err) = s.run(&["validate", "--target", "payment-api@1.0.0", &good, &bad]);
    assert_eq!(code, Some(1), "{out} {err}");
    assert!(out.contains("/mode"), "{out}");
    s.ok(&["validate", "--target", "payment-api@1.0.0", &good]);

    // Compatibility by Avro's resolution rules: a promotion and a field with a default pass;
    // a removed enum symbol and a field without a default break, each named.
    let v2 = s.file("payments-v2.avsc", AVRO_V2);
    s.ok(&[
        "schemas",
        "add",
        "--family",
        "Payments",
        "--version",
        "2",
        &v2,
    ]);
    let v3 = s.file("payments-v3.avsc", AVRO_V3_BREAKS);
    let err = s.refused(&[
        "schemas",
        "add",
        "--family",
        "Payments",
        "--version",
        "3",
        "--compat",
        "FULL",
        &v3,
    ]);
    for rule in [
        "field-added-without-default",
        "enum-symbol-removed",
        "type-changed",
    ] {
        assert!(err.contains(rule), "{rule} in {err}");
    }
    // A JSON Schema cannot join an Avro family.
    let js = s.file("js.json", r#"{"type": "object"}"#);
    let err = s.refused(&[
        "schemas",
        "add",
        "--family",
        "Payments",
        "--version",
        "9",
        "--format",
        "json-schema",
        &js,
    ]);
    assert!(
        err.contains("Payments is a family of Avro schemas"),
        "{err}"
    );
    // Without --format the family's is meant: the file is read as Avro, and is not.
    let (code, _, err) = s.run(&[
        "schemas",
        "add",
        "--family",
        "Payments",
        "--version",
        "9",
        &js,
    ]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("unknown type `object`"), "{err}");

    // A lens migrates the config's JSON form to v2 on bind, validated against Avro v2.
    s.target("2.0.0", "2");
    let lens = s.file(
        "1-2.lens.yaml",
        "lens:\n  - add: { name: retries, default: 5 }\n",
    );
    s.ok(&[
        "migrations",
        "add",
        "--family",
        "Payments",
        "--from",
        "1",
        "--to",
        "2",
        "--lens",
        &lens,
    ]);
    let (code, out, err) = s.run(&[
        "bindings",
        "create",
        "--config",
        &config,
        "--env",
        "staging",
        "--version",
        "2.0.0",
    ]);
    assert_eq!(code, Some(0), "{out} {err}");
    assert!(err.contains("from Payments@1 to Payments@2"), "{err}");
    let bound = s.json(&["bindings", "list", "--env", "staging"]);
    let revision = s.json(&["configs", "show", bound[0]["config_id"].as_str().unwrap()]);
    assert_eq!(bound[0]["revision"], 2);
    assert_eq!(
        revision["data"],
        json!({"timeout": 30, "mode": "fast", "retries": 5})
    );

    // Version 3 (added with NONE) needs `owner`, which prod's config lacks: deploying it is
    // refused, and forced it shows as schema drift.
    s.ok(&[
        "schemas",
        "add",
        "--family",
        "Payments",
        "--version",
        "3",
        "--compat",
        "NONE",
        &v3,
    ]);
    s.target("3.0.0", "3");
    let deploy = [
        "env",
        "set-target",
        "--env",
        "prod",
        "--target",
        "payment-api",
        "--version",
        "3.0.0",
    ];
    s.refused(&deploy);
    let mut forced = deploy.to_vec();
    forced.push("--force");
    s.ok(&forced);
    let cell = s.drift();
    assert_eq!(cell["dimensions"]["schema"], true, "{cell}");
}

/// An Avro record other versions use by name (`acme.Db`).
fn avro_db() -> Value {
    json!({"type": "record", "name": "acme.Db", "fields": [{"name": "host", "type": "string"}]})
}

/// An Avro record that needs `acme.Db` from a referenced version.
fn avro_app() -> Value {
    json!({"type": "record", "name": "acme.App", "fields": [{"name": "db", "type": "acme.Db"}]})
}

const TYPES_PROTO: &str = "syntax = \"proto3\";\npackage acme;\n\
    message Db {\n  string host = 1;\n  int32 port = 2;\n}\n";
const SVC_V1: &str = "syntax = \"proto3\";\npackage acme;\nimport \"acme/types.proto\";\n\
    enum Mode {\n  MODE_UNSPECIFIED = 0;\n  MODE_FAST = 1;\n  MODE_SAFE = 2;\n}\n\
    message Payments {\n  int32 timeout = 1;\n  Mode mode = 2;\n  Db db = 3;\n  repeated string regions = 4;\n}\n\
    message Unused {\n  string x = 1;\n}\n";
const SVC_V2_BREAKS: &str = "syntax = \"proto3\";\npackage acme;\nimport \"acme/types.proto\";\n\
    enum Mode {\n  MODE_UNSPECIFIED = 0;\n  MODE_FAST = 1;\n  MODE_SAFE = 2;\n}\n\
    message Payments {\n  int32 timeout = 1;\n  Mode mode = 2;\n  string db = 3;\n}\n\
    message Unused {\n  string x = 1;\n}\n";

#[test]
fn a_protobuf_family_does_everything_a_json_schema_family_does() {
    let s = Scenario::new("proto-co");
    s.file("acme/types.proto", TYPES_PROTO);
    let main = s.file("payments.proto", SVC_V1);
    // Two top-level messages: the family must say which is the config.
    let err = s
        .run(&[
            "schemas",
            "add",
            "--family",
            "Payments",
            "--version",
            "1",
            &main,
        ])
        .2;
    assert!(err.contains("Payments") && err.contains("Unused"), "{err}");
    let out = s.ok(&[
        "schemas",
        "add",
        "--family",
        "Payments",
        "--version",
        "1",
        "--message",
        "acme.Payments",
        &main,
    ]);
    assert!(out.starts_with("added Payments@1"), "{out}");
    let family = s.json(&["schemas", "show", "Payments"]);
    assert_eq!(
        (&family["format"], &family["buf_category"]),
        (&json!("protobuf"), &json!("WIRE_JSON"))
    );
    let version = s.json(&["schemas", "show", "Payments@1"]);
    assert_eq!(version["message"], "acme.Payments");
    assert_eq!(version["schema"]["files"].as_array().unwrap().len(), 2);
    s.target("1.0.0", "1");

    // Configs through the proto3 JSON mapping: enum names, nested messages, unknown fields refused.
    let good = s.file(
        "payments.yaml",
        "timeout: 30\nmode: MODE_FAST\ndb: {host: db.internal, port: 5432}\nregions: [eu, us]\n",
    );
    let config = s.ok(&["configs", "create", "--target", "payment-api@1.0.0", &good]);
    let config = config.trim().to_owned();
    let bad = s.file(
        "bad.json",
        r#"{"timeout": "x", "mode": "MODE_TURBO", "db": {"hots": "h"}}"#,
    );
    let bad_config = s.ok(&["configs", "create", "--target", "payment-api@1.0.0", &bad]);
    let err = s.refused(&[
        "bindings",
        "create",
        "--config",
        bad_config.trim(),
        "--env",
        "qa",
    ]);
    for pointer in ["/timeout", "/mode", "/db/hots"] {
        assert!(err.contains(pointer), "{pointer} in {err}");
    }
    s.bind_and_deploy(&config, "1.0.0");
    assert_eq!(s.drift()["dimensions"]["schema"], false);
    let (code, out, _) = s.run(&["validate", "--target", "payment-api@1.0.0", &good, &bad]);
    assert_eq!(code, Some(1));
    assert!(out.contains("/db/hots"), "{out}");

    // buf's rules: a field's type changed and a field deleted, each with its rule id.
    std::fs::write(s.dir.join("payments.proto"), SVC_V2_BREAKS).unwrap();
    let err = s.refused(&[
        "schemas",
        "add",
        "--family",
        "Payments",
        "--version",
        "2",
        &main,
    ]);
    for rule in [
        "FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
        "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
        "FIELD_WIRE_JSON_COMPATIBLE_TYPE",
    ] {
        assert!(err.contains(rule), "{rule} in {err}");
    }
    // Another config message cannot join the family.
    std::fs::write(s.dir.join("payments.proto"), SVC_V1).unwrap();
    let err = s.refused(&[
        "schemas",
        "add",
        "--family",
        "Payments",
        "--version",
        "2",
        "--message",
        "acme.Unused",
        &main,
    ]);
    assert!(err.contains("config message is acme.Payments"), "{err}");
    // Adding a field is fine under WIRE_JSON; the category is the family's to change.
    let v2 = SVC_V1.replace(
        "repeated string regions = 4;",
        "repeated string regions = 4;\n  bool dry = 5;",
    );
    std::fs::write(s.dir.join("payments.proto"), v2).unwrap();
    s.ok(&[
        "schemas",
        "add",
        "--family",
        "Payments",
        "--version",
        "2",
        "--buf-category",
        "FILE",
        &main,
    ]);
    assert_eq!(
        s.json(&["schemas", "show", "Payments"])["buf_category"],
        "FILE"
    );
}

#[test]
fn references_are_resolved_pinned_and_checked_as_a_whole() {
    let s = Scenario::new("refs-co");
    // JSON Schema: `$ref` to another family's version, with a pointer into it.
    let common = json!({"$defs": {"Port": {"type": "integer", "minimum": 1, "maximum": 65535}},
        "type": "object", "properties": {"host": {"type": "string"}, "port": {"$ref": "#/$defs/Port"}},
        "required": ["host"]});
    s.add_schema("Common", &json!({"version": "1", "schema": common}));
    let svc = json!({"type": "object", "required": ["db"],
        "properties": {"db": {"$ref": "Common@1"}, "admin": {"$ref": "Common@1#/$defs/Port"}}});
    let r = s.add_schema("Svc", &json!({"version": "1", "schema": svc}));
    assert_eq!(r.body["references"], json!(["Common@1"]));
    let r = s.post(
        "/v1/targets",
        &json!({"name": "svc", "family": "Svc", "version": "1.0.0",
        "schema_version": "1"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let r = s.post(
        "/v1/validate",
        &json!({"target": "svc@1.0.0",
        "documents": [{"name": "ok", "content": "{\"db\": {\"host\": \"h\", \"port\": 5432}}"},
                      {"name": "bad", "content": "{\"db\": {\"port\": 0}, \"admin\": 70000}"}]}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["results"][0]["valid"], true);
    let pointers: Vec<&str> = r.body["results"][1]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["pointer"].as_str().unwrap())
        .collect();
    for p in ["/db", "/db/port", "/admin"] {
        assert!(pointers.contains(&p), "{p} in {pointers:?}");
    }

    // Checked on the resolved whole: Svc@2 only moves to Common@2, which requires `port`; that
    // breaks Svc's BACKWARD level though Svc's own text changed by one reference.
    let mut common2 = common.clone();
    common2["required"] = json!(["host", "port"]);
    s.add_schema(
        "Common",
        &json!({"version": "2", "schema": common2, "compat": "NONE"}),
    );
    let svc2 =
        json!({"type": "object", "required": ["db"], "properties": {"db": {"$ref": "Common@2"}}});
    let r = s.post(
        "/v1/families/Svc/schemas",
        &json!({"version": "2", "schema": svc2}),
    );
    assert_problem(&r, 409, "schema_incompatible");
    assert!(r.body.to_string().contains("/db"), "{}", r.body);

    // Missing, self-referencing and cross-format references are refused, nothing stored.
    let r = s.post(
        "/v1/families/Svc/schemas",
        &json!({"version": "3", "schema": {"$ref": "Common@9"}}),
    );
    assert_problem(&r, 422, "reference_not_found");
    assert!(r.body["detail"].as_str().unwrap().contains("Common@9"));
    let r = s.post(
        "/v1/families/Svc/schemas",
        &json!({"version": "3", "schema": {"properties": {"me": {"$ref": "Svc@3"}}}}),
    );
    assert_problem(&r, 422, "reference_cycle");
    assert!(r.body["detail"]
        .as_str()
        .unwrap()
        .contains("Svc@3 -> Svc@3"));

    // Avro: named types from another family's version.
    let types = avro_db();
    s.add_schema(
        "Types",
        &json!({"version": "1", "format": "avro", "schema": types}),
    );
    let app_schema = avro_app();
    let r = s.post(
        "/v1/families/App/schemas",
        &json!({"version": "1", "format": "avro", "schema": app_schema}),
    );
    assert_eq!(
        r.status, 400,
        "unknown type without its reference: {}",
        r.body
    );
    assert!(r.body.to_string().contains("acme.Db"), "{}", r.body);
    let r = s.add_schema(
        "App",
        &json!({"version": "1", "format": "avro",
        "schema": app_schema, "references": ["Types@1"]}),
    );
    assert_eq!(r.body["references"], json!(["Types@1"]));
    let r = s.post(
        "/v1/families/App/schemas",
        &json!({"version": "2", "format": "avro",
        "schema": app_schema, "references": ["Common@1"]}),
    );
    assert_problem(&r, 400, "schema_invalid");
    assert!(
        r.body
            .to_string()
            .contains("Common@1 is in JSON Schema; Avro versions can only reference Avro versions"),
        "{}",
        r.body
    );

    // Protobuf: a referenced version's files are importable.
    s.add_schema(
        "PTypes",
        &json!({"version": "1", "format": "protobuf",
        "files": [{"path": "acme/types.proto", "source": TYPES_PROTO}]}),
    );
    let main = "syntax = \"proto3\";\npackage acme;\nimport \"acme/types.proto\";\n\
        message Cfg { Db db = 1; }\n";
    let r = s.add_schema(
        "PCfg",
        &json!({"version": "1", "format": "protobuf",
        "files": [{"path": "cfg.proto", "source": main}], "references": ["PTypes@1"]}),
    );
    assert_eq!(r.body["message"], "acme.Cfg");
    let r = s.post(
        "/v1/families/PCfg/schemas",
        &json!({"version": "2", "format": "protobuf",
        "files": [{"path": "cfg.proto", "source": main}]}),
    );
    assert_problem(&r, 400, "schema_invalid");
    assert!(
        r.body.to_string().contains("acme/types.proto"),
        "{}",
        r.body
    );

    // The import sent along unchanged (as the CLI does, reading it from disk) is the
    // reference's; changed, it is refused rather than shadowing the pinned one.
    let sent_along = |source: &str| {
        s.post(
            "/v1/families/PCfg2/schemas",
            &json!({"version": "1", "format": "protobuf",
            "files": [{"path": "cfg.proto", "source": main},
                      {"path": "acme/types.proto", "source": source}],
            "references": ["PTypes@1"]}),
        )
    };
    let r = sent_along(&format!("{TYPES_PROTO}// edited\n"));
    assert_problem(&r, 400, "schema_invalid");
    assert!(r.body.to_string().contains("comes from both"), "{}", r.body);
    let r = sent_along(TYPES_PROTO);
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["schema"]["files"].as_array().unwrap().len(), 1);

    // A referenced version cannot disappear, even for the database's owner.
    let db = s.app.owner_db();
    let deleted = block_on(
        db.execute(Statement::from_string(
            DbBackend::Postgres,
            "delete from schema_versions where version = '1' and family_id = \
         (select id from families where name = 'Types')"
                .to_owned(),
        )),
    );
    assert!(deleted.is_err(), "a referenced version was deleted");
    let pins = block_on(db.query_one(Statement::from_string(
        DbBackend::Postgres,
        "select count(*)::bigint as n from schema_version_refs".to_owned(),
    )))
    .unwrap()
    .unwrap()
    .try_get::<i64>("", "n")
    .unwrap();
    assert_eq!(
        pins, 4,
        "Svc@1 -> Common@1, App@1 -> Types@1, PCfg@1 and PCfg2@1 -> PTypes@1"
    );
}

#[test]
fn an_archive_carries_formats_categories_and_references() {
    let s = Scenario::new("archive-src");
    let types = avro_db();
    s.add_schema(
        "Types",
        &json!({"version": "1", "format": "avro", "schema": types}),
    );
    let app_schema = avro_app();
    s.add_schema(
        "App",
        &json!({"version": "1", "format": "avro",
        "schema": app_schema, "references": ["Types@1"]}),
    );
    let r = s.post("/v1/families/P/schemas", &json!({"version": "1", "buf_category": "WIRE",
        "files": [{"path": "p.proto", "source": "syntax = \"proto3\";\nmessage P { int32 a = 1; }\n"}]}));
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(
        r.body["format"], "protobuf",
        "a version with files and no format is Protobuf"
    );
    let (status, _, archive) = s.app.get_bytes("/v1/export", Some(&s.owner));
    assert_eq!(status, 200);

    let other = s.app.signup("archive-dst");
    let r = s.app.post_bytes(
        "/v1/import",
        Some(&other.access),
        "application/zstd",
        &archive,
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let tok = Some(other.access.as_str());
    let app_family = s.app.get("/v1/families/App", tok).body;
    assert_eq!(app_family["format"], "avro");
    let p_family = s.app.get("/v1/families/P", tok).body;
    assert_eq!(
        (&p_family["format"], &p_family["buf_category"]),
        (&json!("protobuf"), &json!("WIRE"))
    );
    let version = s.app.get("/v1/families/App/schemas/1", tok).body;
    assert_eq!(version["references"], json!(["Types@1"]));
    // The imported pin holds as the original did: v2 of App compiles against the same types.
    let r = s.app.post(
        "/v1/families/App/schemas",
        tok,
        &json!({"version": "2",
        "schema": app_schema, "references": ["Types@1"]}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
}

#[test]
fn references_cannot_grow_a_schema_without_bound() {
    let s = Scenario::new("refs-bound");
    // Each version of a chain bundles the one before, two levels deeper: the chain stops at
    // the stored depth's cap, refused with document_too_deep, nothing stored.
    let mut refused_at = None;
    for i in 1..=80 {
        let schema = if i == 1 {
            json!({"type": "object"})
        } else {
            json!({"properties": {"next": {"$ref": format!("Chain{}@1", i - 1)}}})
        };
        let r = s.post(
            &format!("/v1/families/Chain{i}/schemas"),
            &json!({"version": "1", "schema": schema}),
        );
        if r.status != 201 {
            assert_problem(&r, 422, "document_too_deep");
            refused_at = Some(i);
            break;
        }
    }
    let at = refused_at.expect("an 80-long chain of references was accepted");
    assert!((60..=66).contains(&at), "refused at {at}");
    assert_eq!(
        s.app
            .get(&format!("/v1/families/Chain{at}"), Some(&s.key))
            .status,
        404
    );

    // Four references of ~0.9 MiB each would make a 3.6 MiB document: accepted; five would be
    // 4.5 MiB: refused with schema_too_large before it is built.
    let big = json!({"type": "object", "description": "x".repeat(900 * 1024)});
    for i in 1..=5 {
        let r = s.post(
            &format!("/v1/families/Big{i}/schemas"),
            &json!({"version": "1", "schema": big}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let refs = |n: usize| -> Value {
        let props: serde_json::Map<String, Value> = (1..=n)
            .map(|i| (format!("p{i}"), json!({"$ref": format!("Big{i}@1")})))
            .collect();
        json!({"type": "object", "properties": props})
    };
    s.add_schema("Uses", &json!({"version": "1", "schema": refs(4)}));
    let r = s.post(
        "/v1/families/Uses5/schemas",
        &json!({"version": "1", "schema": refs(5)}),
    );
    assert_problem(&r, 422, "schema_too_large");
}

/// The README's Hello World with the example Avro and Protobuf families, command for command.
#[test]
fn the_readme_hello_world_runs_with_avro_and_protobuf() {
    let s = Scenario::new("readme-formats");
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let example = |name: &str| format!("{root}/examples/{name}");
    let avsc = example("contracts/payments.avsc");
    let proto = example("contracts/payments.proto");
    s.ok(&[
        "schemas",
        "add",
        "--family",
        "Payments-Avro",
        "--version",
        "1",
        &avsc,
    ]);
    s.ok(&[
        "schemas",
        "add",
        "--family",
        "Payments-Proto",
        "--version",
        "1",
        "--message",
        "dev.versiqii.examples.PaymentService",
        &proto,
    ]);
    for (family, target) in [
        ("Payments-Avro", "payment-api-avro"),
        ("Payments-Proto", "payment-api-proto"),
    ] {
        s.ok(&[
            "targets",
            "create",
            "--name",
            target,
            "--family",
            family,
            "--version",
            "3.2.1",
        ]);
        let at = format!("{target}@3.2.1");
        let good = s.ok(&[
            "configs",
            "create",
            "--target",
            &at,
            &example("payment_service.yaml"),
        ]);
        s.ok(&[
            "bindings",
            "create",
            "--config",
            good.trim(),
            "--env",
            "prod-eu",
        ]);
        let bad = s.ok(&[
            "configs",
            "create",
            "--target",
            &at,
            "--name",
            "broken.yaml",
            &example("payment_service.broken.yaml"),
        ]);
        let err = s.refused(&[
            "bindings",
            "create",
            "--config",
            bad.trim(),
            "--env",
            "prod-eu",
        ]);
        assert!(err.contains("/features/max_rules"), "{family}: {err}");
    }
}
