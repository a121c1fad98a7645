//! The real `versiqii` binary against the real server.

use crate::harness::TestApp;
use std::io::Write;
use std::process::{Command, Output, Stdio};

pub struct Cli {
    url: String,
    config_dir: std::path::PathBuf,
}

impl Cli {
    pub fn new(app: &TestApp) -> Self {
        let config_dir = std::env::temp_dir().join(format!("vq-cli-{}", app.db_name));
        std::fs::create_dir_all(&config_dir).unwrap();
        Cli {
            url: app.url.clone(),
            config_dir,
        }
    }

    /// The command started with its stdout and stderr piped, for one that keeps running.
    pub fn spawn(&self, args: &[&str], env: &[(&str, &str)]) -> std::process::Child {
        let bin = std::path::Path::new(
            &std::env::var("VERSIQII_TEST_BIN_DIR").expect("VERSIQII_TEST_BIN_DIR"),
        )
        .join("versiqii");
        let mut cmd = Command::new(bin);
        cmd.args(args)
            .env_remove("VERSIQII_TOKEN")
            .env("VERSIQII_URL", &self.url)
            .env("VERSIQII_CONFIG_DIR", &self.config_dir)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        cmd.spawn().unwrap()
    }

    pub fn run(&self, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
        let bin = std::path::Path::new(
            &std::env::var("VERSIQII_TEST_BIN_DIR").expect("VERSIQII_TEST_BIN_DIR"),
        )
        .join("versiqii");
        let mut cmd = Command::new(bin);
        cmd.args(args)
            .env_remove("VERSIQII_TOKEN")
            .env("VERSIQII_URL", &self.url)
            .env("VERSIQII_CONFIG_DIR", &self.config_dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().unwrap();
        if let Some(input) = stdin {
            child
                .stdin
                .take()
                .unwrap()
                .write_all(input.as_bytes())
                .unwrap();
        }
        drop(child.stdin.take());
        child.wait_with_output().unwrap()
    }
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A signed-up organisation driving the CLI with a `write` API key, and a directory for the
/// files it passes.
pub struct KeyedCli {
    pub app: TestApp,
    pub cli: Cli,
    pub key: String,
    /// The owner's session (for what a write key may not do: exports, the audit log).
    pub owner: String,
    pub dir: std::path::PathBuf,
}

impl KeyedCli {
    /// `label` names the file directory (`vq-<label>-<database>`).
    pub fn new(app: TestApp, slug: &str, label: &str) -> Self {
        let cli = Cli::new(&app);
        let s = app.signup(slug);
        let (_, key) = app.api_key(&s.access, &["write"]);
        let dir = std::env::temp_dir().join(format!("vq-{label}-{}", app.db_name));
        std::fs::create_dir_all(&dir).unwrap();
        KeyedCli {
            app,
            cli,
            key,
            owner: s.access,
            dir,
        }
    }

    pub fn run(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let out = self
            .cli
            .run(args, &[("VERSIQII_TOKEN", self.key.as_str())], None);
        (out.status.code(), text(&out.stdout), text(&out.stderr))
    }

    /// The command's output; it must exit 0.
    pub fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, Some(0), "{args:?}: {out} {err}");
        out
    }

    /// The command's error output; it must exit 1 (refused).
    pub fn refused(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, Some(1), "{args:?}: {out} {err}");
        err
    }

    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = args.to_vec();
        all.extend(["--output", "json"]);
        serde_json::from_str(&self.ok(&all)).unwrap()
    }

    /// Writes `content` to `name` (its directories made) under the directory; the full path.
    pub fn file(&self, name: &str, content: &str) -> String {
        let path = self.dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(&path, content).unwrap();
        path.to_str().unwrap().to_owned()
    }
}

#[test]
fn signup_login_and_api_keys_through_the_cli() {
    let app = TestApp::spawn();
    let cli = Cli::new(&app);
    let out = cli.run(
        &[
            "signup",
            "--tenant",
            "cli-co",
            "--email",
            "ada@cli-co.test",
            "--password-stdin",
        ],
        &[],
        Some("correct horse battery\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    let out = cli.run(&["whoami", "--output", "json"], &[], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let me: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(me["role"], "owner");

    // API keys wait for the email, verified with the mailed link's token.
    let out = cli.run(
        &["api-keys", "create", "--name", "ci", "--scope", "write"],
        &[],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("verify your email"),
        "{}",
        text(&out.stderr)
    );
    let mail = &crate::mailbox::mails("ada@cli-co.test", "Verify your email", 1)[0];
    let token = crate::mailbox::token_in(mail, "/verify");
    let out = cli.run(&["auth", "verify", "--token", &token], &[], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("email verified"));

    let out = cli.run(
        &["api-keys", "create", "--name", "ci", "--scope", "write"],
        &[],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let key = text(&out.stdout).trim().to_owned();
    assert!(key.starts_with("vq_live_") && !key.contains('\n'), "{key}");

    // The key works on its own, from the environment, with no stored session.
    let out = cli.run(
        &["whoami", "--output", "json"],
        &[
            ("VERSIQII_TOKEN", &key),
            ("VERSIQII_CONFIG_DIR", "/nonexistent"),
        ],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let me: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(me["kind"], "api_key");
    assert_eq!(me["role"], "editor");

    // An editor key may not manage keys: rejected, exit 1, one line naming the code.
    let out = cli.run(&["api-keys", "list"], &[("VERSIQII_TOKEN", &key)], None);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("forbidden"),
        "{}",
        text(&out.stderr)
    );

    let out = cli.run(&["api-keys", "list", "--output", "json"], &[], None);
    assert!(out.status.success());
    let items: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let id = items[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(items[0]["name"], "ci");

    let out = cli.run(&["api-keys", "revoke", &id], &[], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = cli.run(&["whoami"], &[("VERSIQII_TOKEN", &key)], None);
    assert_eq!(out.status.code(), Some(1));

    // Log in again from scratch with the password in the environment.
    let out = cli.run(&["logout"], &[], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = cli.run(
        &["login", "--email", "ada@cli-co.test"],
        &[("VERSIQII_PASSWORD", "correct horse battery")],
        None,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = cli.run(
        &["login", "--email", "ada@cli-co.test"],
        &[("VERSIQII_PASSWORD", "not the password")],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn cli_exit_codes_for_usage_input_and_network() {
    let app = TestApp::spawn();
    let cli = Cli::new(&app);
    assert_eq!(
        cli.run(&["api-keys", "frobnicate"], &[], None)
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        cli.run(
            &["api-keys", "revoke", "not-a-uuid"],
            &[("VERSIQII_TOKEN", "x")],
            None
        )
        .status
        .code(),
        Some(2)
    );
    let out = cli.run(
        &[
            "signup",
            "--tenant",
            "Bad Slug",
            "--email",
            "x",
            "--password",
            "short",
        ],
        &[],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "invalid fields are a refusal: {}",
        text(&out.stderr)
    );
    assert_eq!(
        text(&out.stderr)
            .lines()
            .next()
            .map(|l| l.starts_with("error:")),
        Some(true)
    );
    let dead = cli.run(
        &["whoami", "--url", "http://127.0.0.1:9"],
        &[("VERSIQII_TOKEN", "vq_live_x")],
        None,
    );
    assert_eq!(dead.status.code(), Some(3), "{}", text(&dead.stderr));
    let help = cli.run(&["api-keys", "create", "--help"], &[], None);
    assert!(help.status.success() && text(&help.stdout).contains("--scope"));
}

/// The README's Hello World, command for command, through the real binary.
#[test]
fn hello_world_runs_as_printed() {
    let app = TestApp::spawn();
    let cli = Cli::new(&app);
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let s = app.signup("hello-cli");
    let (_, key) = app.api_key(&s.access, &["write"]);
    let env = [("VERSIQII_TOKEN", key.as_str())];
    let run = |args: &[&str], stdin: Option<&str>| {
        let out = cli.run(args, &env, stdin);
        (
            out.status.code(),
            text(&out.stdout).trim().to_owned(),
            text(&out.stderr),
        )
    };

    let schema_file = format!("{root}/examples/openapi_payments.json");
    let (code, _, err) = run(
        &[
            "schemas",
            "add",
            "--family",
            "OpenAPI-Payments",
            "--version",
            "2025-07",
            &schema_file,
        ],
        None,
    );
    assert_eq!(code, Some(0), "{err}");
    let (code, target, err) = run(
        &[
            "targets",
            "create",
            "--name",
            "payment-api",
            "--family",
            "OpenAPI-Payments",
            "--version",
            "3.2.1",
        ],
        None,
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        uuid::Uuid::parse_str(&target).is_ok(),
        "targets create prints the id alone: {target:?}"
    );
    let good = std::fs::read_to_string(format!("{root}/examples/payment_service.yaml")).unwrap();
    let (code, cfg, err) = run(
        &["configs", "create", "--target", &target, "-"],
        Some(&good),
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(
        uuid::Uuid::parse_str(&cfg).is_ok(),
        "configs create prints the id alone: {cfg:?}"
    );
    let (code, binding, err) = run(
        &["bindings", "create", "--config", &cfg, "--env", "prod-eu"],
        None,
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(uuid::Uuid::parse_str(&binding).is_ok(), "{binding:?}");

    // A config that breaks the schema: stored, but refused at binding, naming the failing paths.
    let broken = format!("{root}/examples/payment_service.broken.yaml");
    let (code, bad, err) = run(
        &[
            "configs",
            "create",
            "--target",
            "payment-api@3.2.1",
            "--name",
            "payment_service.yaml",
            &broken,
        ],
        None,
    );
    assert_eq!(code, Some(0), "{err}");
    let (code, out, err) = run(
        &["bindings", "create", "--config", &bad, "--env", "prod-eu"],
        None,
    );
    assert_eq!(code, Some(1), "a refusal exits 1: {out} {err}");
    assert!(
        err.contains("/timeout_ms") && err.contains("/features/max_rules"),
        "{err}"
    );

    let (code, out, _) = run(
        &["bindings", "list", "--env", "prod-eu", "--output", "json"],
        None,
    );
    assert_eq!(code, Some(0));
    let items: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(items.as_array().unwrap().len(), 1);
    assert_eq!(items[0]["config_id"], cfg.as_str());

    // Bad input: a missing file and invalid YAML are exit 2; an unknown target is exit 2.
    let (code, _, _) = run(
        &[
            "configs",
            "create",
            "--target",
            &target,
            "/no/such/file.yaml",
        ],
        None,
    );
    assert_eq!(code, Some(2));
    let (code, _, err) = run(
        &["configs", "create", "--target", &target, "-"],
        Some("a: [1, 2\nb: {"),
    );
    assert_eq!(code, Some(2), "{err}");
    let (code, _, _) = run(
        &["configs", "create", "--target", "payment-api@9.9.9", "-"],
        Some("a: 1"),
    );
    assert_eq!(code, Some(2));
    let not_schema = std::env::temp_dir().join(format!("not-a-schema-{}.json", app.db_name));
    std::fs::write(&not_schema, r#"{"type": 12}"#).unwrap();
    let (code, _, err) = run(
        &[
            "schemas",
            "add",
            "--family",
            "OpenAPI-Payments",
            "--version",
            "2025-09",
            not_schema.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(
        err.lines().count(),
        err.lines()
            .filter(|l| l.starts_with("error:") || l.starts_with("  "))
            .count()
    );

    // Offline validation against the target's schema: fetched once, then served from the cache.
    let cache = std::env::temp_dir().join(format!("vq-cache-{}", app.db_name));
    let good_file = format!("{root}/examples/payment_service.yaml");
    let out = cli.run(
        &[
            "validate",
            "--file",
            &good_file,
            "--target",
            "payment-api@3.2.1",
        ],
        &[
            ("VERSIQII_TOKEN", &key),
            ("VERSIQII_CACHE_DIR", cache.to_str().unwrap()),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    drop(app); // the server is gone: the cached schema must do
    let offline = cli.run(
        &[
            "validate",
            "--file",
            &broken,
            "--target",
            "payment-api@3.2.1",
        ],
        &[
            ("VERSIQII_TOKEN", &key),
            ("VERSIQII_CACHE_DIR", cache.to_str().unwrap()),
        ],
        None,
    );
    assert_eq!(offline.status.code(), Some(1), "{}", text(&offline.stderr));
    assert!(text(&offline.stdout).contains("/timeout_ms"));
}

#[test]
fn the_cli_waits_out_a_rate_limit_and_says_so() {
    // One request in 4 s, none queued: a second call right after the first is refused (even
    // on a slow machine, where starting the CLI may take a while).
    let app = TestApp::spawn_with(|s| {
        let free = s.plans.get_mut("free").unwrap();
        free.rate = 0.25;
        free.burst_secs = 1.0;
        s.tenants.max_wait_ms = 0;
    });
    let session = app.signup("cli-budget");
    let cli = Cli::new(&app);
    let token = [("VERSIQII_TOKEN", session.access.as_str())];
    let first = cli.run(&["whoami", "--output", "json"], &token, None);
    assert!(first.status.success(), "{}", text(&first.stderr));
    let started = std::time::Instant::now();
    let second = cli.run(&["whoami", "--output", "json"], &token, None);
    assert!(second.status.success(), "{}", text(&second.stderr));
    let me: serde_json::Value = serde_json::from_slice(&second.stdout).unwrap();
    assert_eq!(me["role"], "owner");
    assert!(
        text(&second.stderr).contains("rate limited by the server; retrying in "),
        "{}",
        text(&second.stderr)
    );
    assert!(started.elapsed() >= std::time::Duration::from_millis(900));
}

#[test]
fn the_cli_refuses_plain_http_to_another_host_unless_insecure() {
    let app = TestApp::spawn();
    let cli = Cli::new(&app);
    let env = [("VERSIQII_TOKEN", "vq_live_not-sent-anywhere")];
    let out = cli.run(
        &["bindings", "list", "--url", "http://versiqii.invalid"],
        &env,
        None,
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("refusing plain http:// to versiqii.invalid"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    // Told to, it tries (and fails for want of the host: a transport failure, exit 3).
    let out = cli.run(
        &[
            "bindings",
            "list",
            "--url",
            "http://versiqii.invalid",
            "--insecure",
        ],
        &env,
        None,
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
}
