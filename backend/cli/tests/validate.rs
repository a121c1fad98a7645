//! `versiqii validate --schema` end to end: real files in a temp dir, the real binary.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Workspace(PathBuf);

impl Workspace {
    /// A fresh directory per test, so tests can run in parallel.
    fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("vq-validate-it-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("configs")).unwrap();
        std::fs::write(dir.join("schema.json"), schema().to_string()).unwrap();
        Self(dir)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.0.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_string_lossy().into_owned()
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_versiqii"))
            .arg("validate")
            .args(args)
            .env("VERSIQII_CONFIG_DIR", self.0.join("config"))
            .env("VERSIQII_CACHE_DIR", self.0.join("cache"))
            .env_remove("VERSIQII_TOKEN")
            .env_remove("VERSIQII_URL")
            .output()
            .unwrap()
    }

    /// Three valid configs (two YAML, one JSON) under configs/.
    fn with_valid_configs(self) -> Self {
        self.write("configs/a.yaml", "name: api\nreplicas: 2\nports:\n  - 80\n");
        self.write("configs/b.json", r#"{"name": "worker", "replicas": 0}"#);
        self.write("configs/c.yml", "name: cron\nreplicas: 1\n");
        self.write("configs/README.md", "not a config");
        self
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn schema() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["name", "replicas"],
        "additionalProperties": false,
        "properties": {
            "name": {"type": "string", "pattern": "^[a-z]+$"},
            "replicas": {"type": "integer", "minimum": 0, "maximum": 10},
            "ports": {"type": "array", "items": {"type": "integer", "maximum": 65535}}
        }
    })
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn valid_files_exit_zero_with_a_summary() {
    let ws = Workspace::new().with_valid_configs();
    let out = ws.run(&[
        "--schema",
        &ws.path("schema.json"),
        "--file",
        &ws.path("configs"),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).starts_with("checked 3 files: 3 valid, 0 invalid ("),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_invalid_file_exits_one_and_names_the_pointer() {
    let ws = Workspace::new().with_valid_configs();
    let bad = ws.write(
        "configs/d.yaml",
        "name: api\nreplicas: 11\nports: [80, 70000]\n",
    );
    let out = ws.run(&["--schema", &ws.path("schema.json"), &ws.path("configs")]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let bad = bad.display().to_string();
    assert!(
        text.contains(&format!(
            "{bad}: /replicas: 11 is greater than the maximum of 10"
        )),
        "{text}"
    );
    assert!(text.contains(&format!("{bad}: /ports/1: ")), "{text}");
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(stderr(&out).contains("checked 4 files: 3 valid, 1 invalid"));

    let quiet = ws.run(&[
        "-q",
        "--schema",
        &ws.path("schema.json"),
        &ws.path("configs"),
    ]);
    assert_eq!(quiet.status.code(), Some(1));
    assert_eq!(stdout(&quiet), "");
    assert_eq!(stderr(&quiet).lines().count(), 1, "{}", stderr(&quiet));
}

#[test]
fn json_output_lists_invalid_files_with_violations() {
    let ws = Workspace::new().with_valid_configs();
    ws.write(
        "configs/d.json",
        r#"{"name": "API", "replicas": 1, "extra": true}"#,
    );
    let out = ws.run(&[
        "--schema",
        &ws.path("schema.json"),
        "--file",
        &ws.path("configs"),
        "--output",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (&report["checked"], &report["valid"], &report["invalid"]),
        (&json!(4), &json!(3), &json!(1))
    );
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["path"], ws.path("configs/d.json"));
    assert_eq!(files[0]["valid"], false);
    let mut found: Vec<(String, String)> = files[0]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
            (
                v["pointer"].as_str().unwrap().to_owned(),
                v["keyword"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            (String::new(), "additionalProperties".to_owned()),
            ("/name".to_owned(), "pattern".to_owned())
        ]
    );
}

#[test]
fn directories_globs_and_positional_files_combine() {
    let ws = Workspace::new().with_valid_configs();
    ws.write("more/deep/e.yaml", "name: e\nreplicas: 1\n");
    ws.write("more/f.json", r#"{"name": "f", "replicas": 99}"#);
    let schema = ws.path("schema.json");
    let glob = ws.path("more/**/*.yaml");
    let out = ws.run(&["--schema", &schema, "-f", &ws.path("configs"), "-f", &glob]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("checked 4 files: 4 valid"),
        "{}",
        stderr(&out)
    );

    // Named twice (directly and via the directory), checked once.
    let out = ws.run(&[
        "--schema",
        &schema,
        &ws.path("more/f.json"),
        &ws.path("configs/a.yaml"),
        &ws.path("configs"),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("checked 4 files: 3 valid, 1 invalid"),
        "{}",
        stderr(&out)
    );

    let out = ws.run(&["--schema", &schema, "--recursive", &ws.path("more")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("checked 2 files"), "{}", stderr(&out));
}

#[test]
fn a_schema_that_is_not_json_schema_exits_two_on_one_line() {
    let ws = Workspace::new().with_valid_configs();
    let bad = ws.write(
        "bad-schema.json",
        r#"{"type": 12, "properties": {"a": {"minimum": "x"}}}"#,
    );
    let out = ws.run(&["--schema", &bad.to_string_lossy(), &ws.path("configs")]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("error: schema "), "{err}");
    assert!(err.contains("not a valid JSON Schema"), "{err}");
    assert!(
        err.contains("/type") && err.contains("/properties/a/minimum"),
        "{err}"
    );

    let out = ws.run(&["--schema", &ws.path("nope.json"), &ws.path("configs")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("cannot read schema"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn missing_files_and_empty_matches_exit_two() {
    let ws = Workspace::new().with_valid_configs();
    let schema = ws.path("schema.json");
    let out = ws.run(&["--schema", &schema, &ws.path("configs/missing.yaml")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("missing.yaml"), "{}", stderr(&out));

    let out = ws.run(&["--schema", &schema, &ws.path("configs/*.toml")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no files matched"),
        "{}",
        stderr(&out)
    );

    let out = ws.run(&["--schema", &schema]);
    assert_eq!(out.status.code(), Some(2), "no inputs is a usage error");
}

#[test]
fn unparsable_yaml_is_an_invalid_file_with_its_line() {
    let ws = Workspace::new().with_valid_configs();
    let broken = ws.write("configs/broken.yaml", "name: api\nreplicas: [1\nports: 2\n");
    let out = ws.run(&["--schema", &ws.path("schema.json"), &ws.path("configs")]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    let line = text
        .lines()
        .find(|l| l.starts_with(&broken.display().to_string()))
        .unwrap_or_else(|| panic!("broken.yaml not reported: {text}"));
    assert!(line.contains("invalid YAML at line "), "{line}");
    assert!(stderr(&out).contains("checked 4 files: 3 valid, 1 invalid"));
}

#[test]
fn formats_follow_extensions_and_unknown_ones_are_detected() {
    let ws = Workspace::new();
    let schema = ws.path("schema.json");
    let json_as_yaml = ws.write("conf/x.yaml", r#"{"name": "x", "replicas": 1}"#);
    let unknown = ws.write("conf/y.conf", "name: y\nreplicas: 1\n");
    let paths: Vec<String> = [&json_as_yaml, &unknown]
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    let out = ws.run(&["--schema", &schema, &paths[0], &paths[1]]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(Path::new(&paths[1]).exists());
}

/// The same four configs judged by an Avro and a Protobuf contract of the same shape.
fn contract_configs(ws: &Workspace) {
    ws.write("configs/a.yaml", "name: api\nreplicas: 2\nports:\n  - 80\n");
    ws.write("configs/b.json", r#"{"name": "worker", "replicas": 0}"#);
    ws.write("configs/c.yaml", "name: cron\nreplicas: two\n");
    ws.write(
        "configs/d.json",
        r#"{"name": "x", "replicas": 1, "colour": "red"}"#,
    );
}

#[test]
fn an_avro_record_schema_judges_configs_offline() {
    let ws = Workspace::new();
    contract_configs(&ws);
    let avsc = ws.write(
        "svc.avsc",
        r#"{"type": "record", "name": "Svc", "namespace": "acme",
            "fields": [
              {"name": "name", "type": "string"},
              {"name": "replicas", "type": "int"},
              {"name": "ports", "type": {"type": "array", "items": "int"}, "default": []}
            ]}"#,
    );
    let out = ws.run(&[
        "--output",
        "json",
        "--schema",
        &avsc.to_string_lossy(),
        &ws.path("configs"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (&report["checked"], &report["valid"], &report["invalid"]),
        (&json!(4), &json!(2), &json!(2)),
        "{report}"
    );
    let found: Vec<(String, String, String)> = report["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| {
            let name = Path::new(f["path"].as_str().unwrap())
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            f["violations"].as_array().unwrap().iter().map(move |v| {
                (
                    name.clone(),
                    v["pointer"].as_str().unwrap().to_owned(),
                    v["keyword"].as_str().unwrap().to_owned(),
                )
            })
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("c.yaml".into(), "/replicas".into(), "type".into()),
            (
                "d.json".into(),
                "/colour".into(),
                "additional-property".into()
            )
        ],
        "{report}"
    );

    // Not a record: refused on one line, exit 2.
    let scalar = ws.write("scalar.avsc", r#""string""#);
    let out = ws.run(&["--schema", &scalar.to_string_lossy(), &ws.path("configs")]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("record"), "{}", stderr(&out));
}

#[test]
fn a_proto_schema_reads_its_imports_and_takes_a_message() {
    let ws = Workspace::new();
    contract_configs(&ws);
    ws.write(
        "proto/common/ports.proto",
        "syntax = \"proto3\";\npackage acme.common;\nmessage Ports { repeated int32 ports = 1; }\n",
    );
    let main = ws.write(
        "proto/svc.proto",
        "syntax = \"proto3\";\npackage acme.svc;\nimport \"common/ports.proto\";\n\
         message Svc { string name = 1; int32 replicas = 2; repeated int32 ports = 3; }\n\
         message Other { acme.common.Ports ports = 1; }\n",
    );
    let main = main.to_string_lossy().into_owned();

    // Two top-level messages: the config's must be named.
    let out = ws.run(&["--schema", &main, &ws.path("configs")]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));

    let out = ws.run(&[
        "--schema",
        &main,
        "--message",
        "acme.svc.Svc",
        &ws.path("configs"),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("c.yaml: /replicas"), "{text}");
    assert!(text.contains("d.json: /colour"), "{text}");
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        stderr(&out).contains("checked 4 files: 2 valid, 2 invalid"),
        "{}",
        stderr(&out)
    );

    // An import that is not there is named, on one line, exit 2.
    let broken = ws.write(
        "proto/broken.proto",
        "syntax = \"proto3\";\nimport \"missing/thing.proto\";\nmessage B { int32 a = 1; }\n",
    );
    let out = ws.run(&["--schema", &broken.to_string_lossy(), &ws.path("configs")]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("missing/thing.proto"), "{err}");

    // --message belongs to .proto schemas only.
    let json = ws.write("schema.json", &schema().to_string());
    let out = ws.run(&[
        "--schema",
        &json.to_string_lossy(),
        "--message",
        "x.Y",
        &ws.path("configs"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--message"), "{}", stderr(&out));
}
