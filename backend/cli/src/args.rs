//! The command-line surface: every flag, subcommand and help text.

use crate::output::OutputFormat;
use clap::{Args, Parser, Subcommand, ValueEnum};

const ROOT_EXAMPLES: &str = "\
Examples:
  versiqii signup --tenant acme --email ada@acme.test --password-stdin < pw.txt
  versiqii login --email ada@acme.test --password-stdin < pw.txt
  versiqii whoami --output json
  KEY=$(versiqii api-keys create --name ci --scope write)
  VERSIQII_TOKEN=$KEY versiqii api-keys list

Exit codes:
  0  success
  1  rejected by the server (401, 403, 409, 422, 429)
  2  bad usage or input (including 400, 404, 413, 415)
  3  server or network failure (5xx, connection refused, timeouts, bad responses)";

#[derive(Debug, Parser)]
#[command(
    name = "versiqii",
    version,
    about = "Command-line client for the Versiqii API",
    long_about = "Command-line client for the Versiqii API.\n\n\
        `login` and `signup` store a session in <config dir>/versiqii/credentials.json \
        (override the directory with VERSIQII_CONFIG_DIR); later commands use it and \
        refresh it when it expires. Pass --token (or VERSIQII_TOKEN) to act with an \
        API key or access token instead.",
    after_help = ROOT_EXAMPLES
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Server base URL [default: the server you logged in to, else http://127.0.0.1:8080]
    #[arg(long, global = true, env = "VERSIQII_URL", value_name = "URL")]
    pub url: Option<String>,

    /// Bearer token to send instead of the stored session: an access token or an API
    /// key (vq_live_...)
    #[arg(
        long,
        global = true,
        env = "VERSIQII_TOKEN",
        hide_env_values = true,
        value_name = "TOKEN"
    )]
    pub token: Option<String>,

    /// Output format
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Table)]
    pub output: OutputFormat,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a tenant and its owner account, then log in as that owner
    #[command(after_help = "\
Examples:
  versiqii signup --tenant acme --email ada@acme.test --password-stdin < pw.txt
  VERSIQII_PASSWORD=s3cret versiqii signup --tenant acme --tenant-name 'Acme Inc' \\
      --email ada@acme.test --display-name 'Ada Lovelace'")]
    Signup(SignupArgs),

    /// Log in with email and password and store the session
    #[command(after_help = "\
Examples:
  versiqii login --email ada@acme.test --password-stdin < pw.txt
  VERSIQII_PASSWORD=s3cret versiqii --url http://api.internal:8080 login --email ada@acme.test")]
    Login(LoginArgs),

    /// Revoke the stored session on the server and delete it locally
    Logout,

    /// Show who the current token or session acts as
    #[command(after_help = "Example:\n  versiqii whoami --output json")]
    Whoami,

    /// Create, list and revoke API keys for the current tenant
    #[command(subcommand)]
    ApiKeys(ApiKeysCommand),
}

#[derive(Debug, Args)]
pub struct PasswordArgs {
    /// Password; without it, the VERSIQII_PASSWORD environment variable is used. Prefer
    /// that or --password-stdin: other local users can see arguments in the process list
    // Deliberately not `env = ...`: clap would then reject VERSIQII_PASSWORD combined
    // with --password-stdin, which should simply take precedence over the environment.
    #[arg(long, value_name = "PW")]
    pub password: Option<String>,

    /// Read the password from the first line of standard input
    #[arg(long, conflicts_with = "password")]
    pub password_stdin: bool,
}

#[derive(Debug, Args)]
pub struct SignupArgs {
    /// URL-safe identifier of the new tenant, e.g. `acme`
    #[arg(long, value_name = "SLUG")]
    pub tenant: String,

    /// Human-readable tenant name [default: chosen by the server]
    #[arg(long, value_name = "NAME")]
    pub tenant_name: Option<String>,

    /// Email address of the owner account
    #[arg(long, value_name = "EMAIL")]
    pub email: String,

    /// Display name of the owner account
    #[arg(long, value_name = "NAME")]
    pub display_name: Option<String>,

    #[command(flatten)]
    pub password: PasswordArgs,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Email address of the account
    #[arg(long, value_name = "EMAIL")]
    pub email: String,

    #[command(flatten)]
    pub password: PasswordArgs,
}

#[derive(Debug, Subcommand)]
pub enum ApiKeysCommand {
    /// Create an API key; its secret is printed once, alone on stdout
    #[command(after_help = "\
Examples:
  KEY=$(versiqii api-keys create --name ci --scope write)
  versiqii api-keys create --name backup --scope read --scope write --expires-in-days 90")]
    Create(CreateKeyArgs),

    /// List the tenant's API keys (secrets are never shown again)
    List,

    /// Revoke an API key by ID; it stops working immediately
    #[command(
        after_help = "Example:\n  versiqii api-keys revoke 0b6f1c9e-4a53-4c8e-9d7a-2f1e8b3c5d40"
    )]
    Revoke(RevokeKeyArgs),
}

#[derive(Debug, Args)]
pub struct CreateKeyArgs {
    /// A name to recognise the key by, e.g. `ci`
    #[arg(long, value_name = "NAME")]
    pub name: String,

    /// Permission granted to the key; repeat for several [default: read]
    #[arg(long = "scope", value_enum, value_name = "SCOPE")]
    pub scopes: Vec<Scope>,

    /// Make the key expire this many days from now [default: never]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub expires_in_days: Option<u32>,
}

#[derive(Debug, Args)]
pub struct RevokeKeyArgs {
    /// ID of the key to revoke (a UUID, as shown by `api-keys list`)
    pub id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Scope {
    /// Read resources
    Read,
    /// Create and change resources
    Write,
    /// Manage the tenant, its users and API keys
    Admin,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Read => "read",
            Self::Write => "write",
            Self::Admin => "admin",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn global_flags_work_after_the_subcommand() {
        let cli = Cli::try_parse_from([
            "versiqii",
            "api-keys",
            "list",
            "--output",
            "json",
            "--url",
            "http://x:1",
        ])
        .unwrap();
        assert_eq!(cli.global.output, OutputFormat::Json);
        assert_eq!(cli.global.url.as_deref(), Some("http://x:1"));
    }

    #[test]
    fn scopes_repeat() {
        let cli = Cli::try_parse_from([
            "versiqii", "api-keys", "create", "--name", "ci", "--scope", "read", "--scope", "admin",
        ])
        .unwrap();
        let Command::ApiKeys(ApiKeysCommand::Create(args)) = cli.command else {
            panic!("parsed the wrong command");
        };
        assert_eq!(args.scopes, vec![Scope::Read, Scope::Admin]);
    }
}
