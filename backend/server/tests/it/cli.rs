//! The real `versiqii` binary against the real server.

use crate::harness::TestApp;
use std::io::Write;
use std::process::{Command, Output, Stdio};

struct Cli {
    url: String,
    config_dir: std::path::PathBuf,
}

impl Cli {
    fn new(app: &TestApp) -> Self {
        let config_dir = std::env::temp_dir().join(format!("vq-cli-{}", app.db_name));
        std::fs::create_dir_all(&config_dir).unwrap();
        Cli {
            url: app.url.clone(),
            config_dir,
        }
    }

    fn run(&self, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
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

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
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
