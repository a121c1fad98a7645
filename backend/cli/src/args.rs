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

Hello World: register a schema, a target reading it, a config for it, and bind it:
  versiqii schemas add --family OpenAPI-Payments --version 2025-07 ./examples/openapi_payments.json
  authTarget=$(versiqii targets create --name payment-api --family OpenAPI-Payments --version 3.2.1)
  cfgId=$(cat examples/payment_service.yaml | versiqii configs create --target $authTarget -)
  versiqii bindings create --config $cfgId --env prod-eu

Migrations and rollback:
  versiqii migrations add --family payments --from 1.0.0 --to 2.0.0 --lens v1-to-v2.lens.yaml
  versiqii bindings create --config $cfgId --env prod-eu --version 2.0.0
  versiqii rollback --env prod-eu --target payment-api --dry-run

Deployments and drift:
  versiqii graphs link --from payment-api@3.2.1 --requires auth --range '>=1.5, <2'
  versiqii graphs impact auth@2.0.0 --fail-on-break
  versiqii env set-target --env prod-eu --target payment-api --version 3.2.1 --dry-run
  versiqii report --env prod-eu --target payment-api --version 3.2.1
  versiqii drifts list --env prod-eu --dimension schema

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

    /// Allow plain http:// to a host other than this machine (credentials travel unencrypted)
    #[arg(long, global = true, env = "VERSIQII_INSECURE")]
    pub insecure: bool,
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

    /// Recover an account whose password is forgotten: a reset link by mail, then a new
    /// password
    #[command(subcommand)]
    Auth(AuthCommand),

    /// List your organisations and move the session to another one
    #[command(subcommand)]
    Orgs(OrgsCommand),

    /// List the organisation's members, change their roles, remove them, or leave
    #[command(subcommand)]
    Members(MembersCommand),

    /// Invite people into the organisation (list, resend, revoke), and accept an invite
    #[command(subcommand)]
    Invites(InvitesCommand),

    /// Create, list and revoke API keys for the current tenant
    #[command(subcommand)]
    ApiKeys(ApiKeysCommand),

    /// Send the organisation's events to signed webhooks or Slack: endpoints, deliveries,
    /// resend and replay
    #[command(subcommand)]
    Webhooks(WebhooksCommand),

    /// Choose which members get which events in an hourly or daily email digest
    #[command(subcommand)]
    Digests(DigestsCommand),

    /// Show the organisation's plan, its quotas and a month's metered usage
    #[command(after_help = "\
Examples:
  versiqii usage                    # this month, with every quota
  versiqii usage --month 2026-11 --output json")]
    Usage(UsageArgs),

    /// Show a month's availability, down minutes and p99 latency against the plan's SLA
    #[command(after_help = "\
Examples:
  versiqii sla                      # this month so far
  versiqii sla --month 2026-11 --output json")]
    Sla(UsageArgs),

    /// Add JSON Schema versions to schema families and inspect them
    #[command(subcommand)]
    Schemas(SchemasCommand),

    /// Create and inspect targets: versioned things that read one schema version
    #[command(subcommand)]
    Targets(TargetsCommand),

    /// Upload config revisions for a target and inspect their history and changes
    #[command(subcommand)]
    Configs(ConfigsCommand),

    /// Create and list environments, deploy target versions to them and read their
    /// deployment history
    #[command(subcommand, visible_alias = "env")]
    Envs(EnvsCommand),

    /// Bind config revisions to environments after validating them against their schema
    #[command(subcommand)]
    Bindings(BindingsCommand),

    /// Link target versions with version constraints and analyse the impact of a move
    #[command(subcommand)]
    Graphs(GraphsCommand),

    /// Report which target version (and config) actually runs in an environment
    #[command(after_help = "\
Examples:
  versiqii report --env prod-eu --target payment-api --version 3.2.1
  versiqii report --env prod-eu --target payment-api --version 3.2.1 --config-hash $HASH")]
    Report(ReportArgs),

    /// Show where what runs differs from what should run (schema, dependency, config,
    /// environment)
    #[command(subcommand)]
    Drifts(DriftsCommand),

    /// Add and list config migrations (lenses or WASM modules) between schema versions
    #[command(subcommand)]
    Migrations(MigrationsCommand),

    /// Roll a target in an environment back to an earlier deployment's version and config
    #[command(after_help = "\
Examples:
  versiqii rollback --env prod-eu --target payment-api --dry-run
  versiqii rollback --env prod-eu --target payment-api
  versiqii rollback --env prod-eu --target payment-api --to-version 3.2.1
  versiqii rollback --env prod-eu --target payment-api --to-deployment $DEPLOYMENT_ID

Without --to-version or --to-deployment the deployment before the current one is
restored, with the config that was bound while it ran (migrated down if the schema
moved on). Constraints are checked first; an unsafe rollback is refused with exit
code 1 unless --force is given.")]
    Rollback(RollbackArgs),

    /// Copy what one environment runs, with its bound configs, to another (e.g. staging to
    /// prod) in one transaction
    #[command(after_help = "\
Examples:
  versiqii promote --from staging --to prod --dry-run
  versiqii promote --from staging --to prod
  versiqii promote --from staging --to prod --target payment-api --target auth

The plan is printed in words first: per target, the version it moves to in the
destination, the constraints that would break there once every promoted version runs
(checked together), and the config bound with it (validated for that version, migrated
when the version reads another schema than the config was written for). A plan with
problems is refused with exit code 1, and nothing changes, unless --force is given.
Targets the destination already runs with the same config are left alone.")]
    Promote(PromoteArgs),

    /// Read the tenant's audit log
    #[command(subcommand)]
    Audit(AuditCommand),

    /// Check config files (JSON or YAML) against a JSON Schema, locally and in parallel
    #[command(after_help = VALIDATE_HELP)]
    Validate(ValidateArgs),

    /// Save the organisation's whole registry as one archive (admins and owners)
    #[command(after_help = "\
Examples:
  versiqii export --out tenant.tar.zst
  versiqii export --out tenant.tar.zst --output json

The archive (format versiqii-archive/1, docs/archive.md) holds families and schema
versions, targets, configs with every revision, environments, binding and deployment
histories, migrations, constraints and the audit chain as evidence. The same registry
always gives the same bytes. The file is written only once the whole archive arrived
and unpacked against its manifest.")]
    Export(ExportArgs),

    /// Load an archive made by `versiqii export` into an empty organisation (admins and owners)
    #[command(after_help = "\
Examples:
  versiqii import tenant.tar.zst --dry-run
  versiqii import tenant.tar.zst

The server checks the whole archive first (every file's hash, every revision's content
hash, every reference, the audit evidence) and writes everything in one transaction, or
nothing: a tampered archive is refused with exit code 1 and the detail of what failed.
An organisation that holds registry data is refused (`tenant_not_empty`).")]
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Where to write the archive (replaced if it exists)
    #[arg(long, value_name = "FILE")]
    pub out: std::path::PathBuf,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The archive, as `versiqii export` wrote it
    #[arg(value_name = "FILE")]
    pub file: std::path::PathBuf,

    /// Check the archive and the organisation, write nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Subcommand)]
pub enum AuthCommand {
    /// Mail a password reset link to the account with this email, if there is one
    #[command(after_help = "\
The answer is the same whether or not the email has an account. The link works once,
for one hour; open it, or pass its token to `versiqii auth reset-password`.

Example:
  versiqii auth forgot-password --email ada@acme.test")]
    ForgotPassword(ForgotPasswordArgs),

    /// Set a new password with the token from a reset mail; every session ends
    #[command(after_help = "\
Examples:
  versiqii auth reset-password --token vqp_... --password-stdin < pw.txt
  VERSIQII_PASSWORD=s3cret-new-passphrase versiqii auth reset-password --token vqp_...")]
    ResetPassword(ResetPasswordArgs),

    /// Verify your email with the token from the mail sent at sign-up
    #[command(after_help = "\
API keys and invites need a verified email. The link works once, for 48 hours.

Example:
  versiqii auth verify --token vqv_...")]
    Verify(VerifyArgs),

    /// Mail yourself a new verification link (the earlier ones stop working)
    ResendVerification,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The token from the mailed link (`.../verify?token=<TOKEN>`)
    #[arg(long, value_name = "TOKEN")]
    pub token: String,
}

#[derive(Debug, Args)]
pub struct ForgotPasswordArgs {
    /// Email address of the account
    #[arg(long, value_name = "EMAIL")]
    pub email: String,
}

#[derive(Debug, Args)]
pub struct ResetPasswordArgs {
    /// The token from the mailed link (`.../reset?token=<TOKEN>`)
    #[arg(long, value_name = "TOKEN")]
    pub token: String,

    /// The new password (at least 12 characters)
    #[command(flatten)]
    pub password: PasswordArgs,
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
    /// URL-safe identifier of your first organisation, e.g. `acme`; without it you belong to
    /// none yet (create one later with `versiqii orgs create`, or accept an invite)
    #[arg(long, value_name = "SLUG")]
    pub tenant: Option<String>,

    /// Human-readable organisation name [default: the slug]
    #[arg(long, value_name = "NAME", requires = "tenant")]
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

    /// Organisation (slug) to open the session in [default: the one joined first]
    #[arg(long, value_name = "SLUG")]
    pub org: Option<String>,

    #[command(flatten)]
    pub password: PasswordArgs,
}

#[derive(Debug, Subcommand)]
pub enum OrgsCommand {
    /// Your organisations, with your role in each; `*` marks the session's
    #[command(after_help = "Examples:\n  versiqii orgs list\n  versiqii orgs list --output json")]
    List,
    /// Move the stored session to another of your organisations
    #[command(after_help = "Example:\n  versiqii orgs switch acme")]
    Switch(SwitchArgs),
    /// Create another organisation, owned by you; the session moves to it
    #[command(after_help = "Example:\n  versiqii orgs create acme-labs --name 'Acme Labs'")]
    Create(CreateOrgArgs),
}

#[derive(Debug, Args)]
pub struct CreateOrgArgs {
    /// URL-safe identifier of the organisation, e.g. `acme-labs`
    #[arg(value_name = "SLUG")]
    pub slug: String,
    /// Human-readable name [default: the slug]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

#[derive(Debug, Args)]
pub struct SwitchArgs {
    /// The organisation's slug
    #[arg(value_name = "SLUG")]
    pub org: String,
}

#[derive(Debug, Subcommand)]
pub enum MembersCommand {
    /// The organisation's members and their roles
    #[command(after_help = "Example:\n  versiqii members list --output json")]
    List,
    /// Give a member another role (owner, admin, editor or viewer)
    #[command(after_help = "\
Only an owner grants or takes away owner; the last owner keeps it.

Example:
  versiqii members set-role 6f1c...-user-id editor")]
    SetRole(SetRoleArgs),
    /// Remove a member from the organisation; their sessions in it end
    #[command(after_help = "Example:\n  versiqii members remove 6f1c...-user-id")]
    Remove(MemberArgs),
    /// Leave the session's organisation (the last owner cannot)
    Leave,
}

#[derive(Debug, Args)]
pub struct SetRoleArgs {
    /// The member's user id (from `members list`)
    #[arg(value_name = "USER_ID")]
    pub user: uuid::Uuid,
    /// owner, admin, editor or viewer
    #[arg(value_name = "ROLE", value_parser = ["owner", "admin", "editor", "viewer"])]
    pub role: String,
}

#[derive(Debug, Args)]
pub struct MemberArgs {
    /// The member's user id (from `members list`)
    #[arg(value_name = "USER_ID")]
    pub user: uuid::Uuid,
}

#[derive(Debug, Subcommand)]
pub enum InvitesCommand {
    /// Invite an email into the organisation with a role; the link is mailed (7 days, once)
    #[command(after_help = "\
Only an owner invites an owner. One open invite per email: resend or revoke it first.

Example:
  versiqii invites create --email ada@example.com --role editor")]
    Create(CreateInviteArgs),
    /// The organisation's invites: pending, expired, accepted and revoked
    #[command(after_help = "Example:\n  versiqii invites list --output json")]
    List,
    /// Mail a new link for an invite (the old link stops working; 7 new days)
    #[command(after_help = "Example:\n  versiqii invites resend 6f1c...-invite-id")]
    Resend(InviteIdArgs),
    /// Revoke an invite: its link stops working
    #[command(after_help = "Example:\n  versiqii invites revoke 6f1c...-invite-id")]
    Revoke(InviteIdArgs),
    /// Accept an invite with the token from its mail; the session moves to its organisation
    #[command(after_help = "\
Signed in (the stored session, or --token) as the person the invite is for:
  versiqii invites accept --token vqi_...
Without an account, sign up with the invite's email:
  versiqii invites accept --token vqi_... --signup --password-stdin < pw.txt

Here --token is the invite's token; accepting signed in uses the stored session (log in
as the person the invite is for first).")]
    Accept(AcceptInviteArgs),
}

#[derive(Debug, Args)]
pub struct CreateInviteArgs {
    /// Who to invite
    #[arg(long, value_name = "EMAIL")]
    pub email: String,
    /// owner, admin, editor or viewer
    #[arg(long, value_name = "ROLE", value_parser = ["owner", "admin", "editor", "viewer"])]
    pub role: String,
}

#[derive(Debug, Args)]
pub struct InviteIdArgs {
    /// The invite's id (from `invites list`)
    #[arg(value_name = "INVITE_ID")]
    pub id: uuid::Uuid,
}

#[derive(Debug, Args)]
pub struct AcceptInviteArgs {
    /// The token from the mailed link (`.../invites/accept?token=<TOKEN>`)
    #[arg(long, value_name = "TOKEN")]
    pub token: String,
    /// Create an account with the invite's email instead of using the stored session
    #[arg(long)]
    pub signup: bool,
    /// Your display name, with --signup
    #[arg(long, value_name = "NAME", requires = "signup")]
    pub display_name: Option<String>,
    /// The new account's password, with --signup (at least 12 characters)
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

    /// Limit the key to an environment (bind, deploy, roll back, report only there); repeat for
    /// several [default: every environment]
    #[arg(long = "env", value_name = "ENV")]
    pub envs: Vec<String>,
}

#[derive(Debug, Args)]
pub struct RevokeKeyArgs {
    /// ID of the key to revoke (a UUID, as shown by `api-keys list`)
    pub id: String,
}

const VALIDATE_HELP: &str = "\
Examples:
  versiqii validate --schema service.schema.json --file configs/
  versiqii validate --schema service.schema.json --file 'deploy/**/*.yaml' --output json
  versiqii validate --target payment-api@1.4.0 app.yaml worker.yaml
  versiqii validate --target payment-api@1.4.0 --remote configs/

Directories and globs contribute their *.json, *.yaml and *.yml files; a file named
directly is always checked (its format taken from the extension, else detected).
`--target` fetches the target version's schema once and caches it by hash under
<cache dir>/versiqii/schemas (set VERSIQII_CACHE_DIR to use another cache dir), so
later runs need no server; `--refresh` fetches it again. `--remote` sends the files
to the server instead (in batches of up to 100), which judges them exactly as
`bindings create` would; files that do not parse are reported without being sent.

Exit codes:
  0  every file is valid
  1  at least one file is invalid or does not parse
  2  bad usage or input (unreadable or invalid schema, missing file, no files matched)
  3  server or network failure while fetching a --target schema (or, with --remote,
     while validating)";

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("schema_source").required(true).args(["schema", "target"])))]
#[command(group(clap::ArgGroup::new("inputs").required(true).multiple(true).args(["files", "paths"])))]
pub struct ValidateArgs {
    /// A config file, a directory or a glob such as 'configs/**/*.yaml'; repeatable
    #[arg(long = "file", short = 'f', value_name = "PATH")]
    pub files: Vec<std::path::PathBuf>,

    /// More files, directories or globs, as with --file (how pre-commit passes file names)
    #[arg(value_name = "PATH")]
    pub paths: Vec<std::path::PathBuf>,

    /// Schema file to validate against, fully offline: a JSON Schema (.json, .yaml), an Avro
    /// record schema (.avsc) or a .proto file (its imports are read relative to its directory)
    #[arg(long, value_name = "FILE")]
    pub schema: Option<std::path::PathBuf>,

    /// With a .proto --schema: the config's message, e.g. acme.svc.v1.Config [default: the
    /// file's only top-level message]
    #[arg(long, value_name = "MESSAGE", requires = "schema")]
    pub message: Option<String>,

    /// Validate against the schema of this target version, e.g. payment-api@1.4.0
    #[arg(long, value_name = "NAME@VERSION")]
    pub target: Option<String>,

    /// Fetch the --target schema from the server even if it is cached
    #[arg(long, requires = "target")]
    pub refresh: bool,

    /// Have the server judge the files against the --target schema (POST /v1/validate):
    /// exactly the verdict `bindings create` would give, no schema cached locally
    #[arg(long, requires = "target", conflicts_with = "refresh")]
    pub remote: bool,

    /// Descend into subdirectories of the directories given (hidden ones are skipped)
    #[arg(long, short = 'r')]
    pub recursive: bool,

    /// Worker threads [default: the number of CPU cores]
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub jobs: Option<u16>,

    /// Print only the summary line
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum WebhooksCommand {
    /// Create an endpoint; its signing secret is printed once, alone on stdout
    #[command(after_help = "\
Examples:
  SECRET=$(versiqii webhooks create https://hooks.example.com/versiqii)
  versiqii webhooks create https://hooks.example.com/x --events drift.changed,deployment.* --env prod-eu
  versiqii webhooks create https://hooks.slack.com/services/T0/B0/XYZ --format slack --events drift.changed

Deliveries follow the Standard Webhooks specification: verify `webhook-signature` with the
secret (docs/webhooks.md has snippets). A Slack endpoint gets a test message at once.")]
    Create(CreateWebhookArgs),

    /// List the organisation's endpoints
    List,

    /// Show one endpoint
    Show(WebhookIdArg),

    /// Change an endpoint's URL, events, environments, description, ordering or rate limit
    #[command(after_help = "\
Examples:
  versiqii webhooks update $ID --events '*'
  versiqii webhooks update $ID --all-envs --rate-limit 0")]
    Update(UpdateWebhookArgs),

    /// Stop sending to an endpoint until it is enabled again
    Disable(WebhookIdArg),

    /// Send to an endpoint again (also one disabled for failing): what is pending goes out
    Enable(WebhookIdArg),

    /// Delete an endpoint with its deliveries
    Delete(WebhookIdArg),

    /// A new signing secret, printed once; the old one signs beside it for a day
    RotateSecret(WebhookIdArg),

    /// Send a test message to an endpoint
    Test(WebhookIdArg),

    /// List an endpoint's deliveries, newest first
    #[command(after_help = "Example:\n  versiqii webhooks deliveries $ID --status failed")]
    Deliveries(DeliveriesArgs),

    /// Show one delivery with every attempt (status, answer, duration)
    Delivery(DeliveryArg),

    /// Send one delivery again (the same webhook-id)
    Resend(DeliveryArg),

    /// Send again every event since a time: failed and missed ones, or all with
    /// --include-delivered
    #[command(after_help = "\
Examples:
  versiqii webhooks replay $ID --since 2h
  versiqii webhooks replay $ID --since 2026-12-01T00:00:00Z --include-delivered")]
    Replay(ReplayArgs),
}

#[derive(Debug, Args)]
pub struct UsageArgs {
    /// The calendar month (UTC) to show, e.g. 2026-11; default: this month
    #[arg(long)]
    pub month: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DigestsCommand {
    /// List the organisation's digest subscriptions
    List,
    /// Subscribe a member to a digest, or change theirs
    #[command(after_help = "\
Examples:
  versiqii digests set $USER_ID                      # drift, refused deployments and bindings, daily
  versiqii digests set $USER_ID --events drift.changed --every hourly

Member IDs are in `versiqii members list`. A digest with nothing in it is not sent.")]
    Set(SetDigestArgs),
    /// End a member's digest
    Remove(DigestMemberArg),
}

#[derive(Debug, Args)]
pub struct SetDigestArgs {
    /// The member's user ID
    pub user_id: String,
    /// Event types, comma-separated or repeated [default: drift.changed, deployment.refused,
    /// binding.refused]
    #[arg(long, value_name = "TYPES", value_delimiter = ',')]
    pub events: Vec<String>,
    /// How often
    #[arg(long, value_parser = ["hourly", "daily"], default_value = "daily")]
    pub every: String,
}

#[derive(Debug, Args)]
pub struct DigestMemberArg {
    /// The member's user ID
    pub user_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WebhookFormatArg {
    /// Standard Webhooks: the typed event as JSON, signed
    Standard,
    /// A Slack incoming webhook's Block Kit message
    Slack,
}

#[derive(Debug, Args)]
pub struct CreateWebhookArgs {
    /// Where to send: an https (or http) URL on a public address (positional: `--url` is the
    /// Versiqii server's address, as in every command)
    #[arg(value_name = "ENDPOINT_URL")]
    pub endpoint_url: String,
    /// Event types, comma-separated or repeated: exact (`drift.changed`), a prefix
    /// (`deployment.*`) or `*` [default: *]
    #[arg(long, value_name = "TYPES", value_delimiter = ',')]
    pub events: Vec<String>,
    /// Only events in this environment; repeat for several [default: every one]
    #[arg(long = "env", value_name = "ENV")]
    pub envs: Vec<String>,
    /// How deliveries are written
    #[arg(long, value_enum, default_value_t = WebhookFormatArg::Standard)]
    pub format: WebhookFormatArg,
    /// What the endpoint is for
    #[arg(long, value_name = "TEXT", default_value = "")]
    pub description: String,
    /// Deliver one at a time, in order
    #[arg(long)]
    pub ordered: bool,
    /// At most this many deliveries a second
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub rate_limit: Option<u32>,
}

#[derive(Debug, Args)]
pub struct UpdateWebhookArgs {
    /// The endpoint's ID
    pub id: String,
    /// A new URL to send to
    #[arg(long, value_name = "ENDPOINT_URL")]
    pub endpoint_url: Option<String>,
    /// New event types, comma-separated or repeated
    #[arg(long, value_name = "TYPES", value_delimiter = ',')]
    pub events: Vec<String>,
    /// Only events in this environment; repeat for several
    #[arg(long = "env", value_name = "ENV", conflicts_with = "all_envs")]
    pub envs: Vec<String>,
    /// Every environment again
    #[arg(long)]
    pub all_envs: bool,
    #[arg(long, value_name = "TEXT")]
    pub description: Option<String>,
    /// Deliver in order (true) or concurrently (false)
    #[arg(long, value_name = "BOOL")]
    pub ordered: Option<bool>,
    /// Deliveries a second at most; 0 removes the limit
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=10_000))]
    pub rate_limit: Option<u32>,
}

#[derive(Debug, Args)]
pub struct WebhookIdArg {
    /// The endpoint's ID (a UUID, as `webhooks list` shows it)
    pub id: String,
}

#[derive(Debug, Args)]
pub struct DeliveriesArgs {
    /// The endpoint's ID
    pub id: String,
    /// Only pending, delivered or failed ones
    #[arg(long, value_parser = ["pending", "delivered", "failed"])]
    pub status: Option<String>,
    /// At most this many
    #[arg(long, default_value_t = 50, value_parser = clap::value_parser!(u32).range(1..=200))]
    pub limit: u32,
    /// Older than this delivery ID (the last page's last one)
    #[arg(long, value_name = "ID")]
    pub before: Option<i64>,
}

#[derive(Debug, Args)]
pub struct DeliveryArg {
    /// The endpoint's ID
    pub id: String,
    /// The delivery's ID (as `webhooks deliveries` shows it)
    pub delivery: i64,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The endpoint's ID
    pub id: String,
    /// From when: an RFC 3339 time or an age (`30m`, `2h`, `7d`)
    #[arg(long, value_name = "TIME")]
    pub since: String,
    /// Send deliveries that succeeded again too
    #[arg(long)]
    pub include_delivered: bool,
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

#[derive(Debug, Subcommand)]
pub enum SchemasCommand {
    /// Add a schema version to a family (creating the family with its first version),
    /// checked for compatibility against earlier versions first
    #[command(after_help = "\
Examples:
  versiqii schemas add --family OpenAPI-Payments --version 2025-07 ./examples/openapi_payments.json
  versiqii schemas add --family OpenAPI-Payments --version 2025-08 --dry-run next.json
  cat schema.yaml | versiqii schemas add --family Billing --version 1 --compat FULL -

A schema that breaks compatibility is refused with exit code 1 and one line per
breaking change: `  <pointer>: <rule>: <message>`.")]
    Add(AddSchemaArgs),

    /// List the tenant's schema families
    List,

    /// Show a family and its versions, or one schema version with its compatibility report
    #[command(after_help = "\
Examples:
  versiqii schemas show OpenAPI-Payments
  versiqii schemas show OpenAPI-Payments@2025-07 --output json")]
    Show(ShowSchemaArgs),
}

#[derive(Debug, Args)]
pub struct AddSchemaArgs {
    /// Schema family, e.g. `OpenAPI-Payments`
    #[arg(long, value_name = "FAMILY")]
    pub family: String,

    /// Label of the new schema version, e.g. `2025-07`
    #[arg(long, value_name = "VERSION")]
    pub version: String,

    /// Compatibility level to check at; it becomes the family's level from then on
    /// [default: the family's level, BACKWARD for a new family]
    #[arg(long, value_enum, ignore_case = true, value_name = "LEVEL")]
    pub compat: Option<CompatLevel>,

    /// Only check the schema and report breaking changes; store nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Schema language [default: the family's; for a new family from the file's extension:
    /// `.avsc` avro, `.proto` protobuf, else json-schema]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<SchemaFormat>,

    /// Protobuf: the config message's full name, e.g. `acme.billing.v1.Config`
    /// [default: the main file's only top-level message]
    #[arg(long, value_name = "MESSAGE")]
    pub message: Option<String>,

    /// Another schema version this one uses, `FAMILY@VERSION` (Avro named types, Protobuf
    /// imports, JSON Schema `$ref`s); repeat for several. JSON Schema `$ref`s of
    /// `FAMILY@VERSION` are found without it.
    #[arg(long = "ref", value_name = "FAMILY@VERSION")]
    pub references: Vec<String>,

    /// Protobuf: buf's rule category for compatibility; it becomes the family's
    /// [default: the family's, WIRE_JSON for a new family]
    #[arg(long, value_enum, ignore_case = true, value_name = "CATEGORY")]
    pub buf_category: Option<BufCategoryArg>,

    /// Schema file: JSON Schema (JSON or YAML), Avro (`.avsc`), or the main `.proto` file (its
    /// imports are read from beside it); `-` for standard input (not for `.proto`)
    #[arg(value_name = "FILE")]
    pub file: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaFormat {
    /// JSON Schema (draft 2020-12 unless `$schema` names another)
    #[value(name = "json-schema", alias = "json_schema")]
    JsonSchema,
    /// An Avro record schema (`.avsc`)
    Avro,
    /// `.proto` files with a config message
    Protobuf,
}

impl SchemaFormat {
    /// The format a schema file's extension names: `.avsc` Avro, `.proto` Protobuf; anything
    /// else says nothing (JSON Schema, or for a family its own format).
    pub fn of_path(path: &std::path::Path) -> Option<SchemaFormat> {
        match path.extension().and_then(|e| e.to_str()) {
            Some("avsc") => Some(SchemaFormat::Avro),
            Some("proto") => Some(SchemaFormat::Protobuf),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SchemaFormat::JsonSchema => "json_schema",
            SchemaFormat::Avro => "avro",
            SchemaFormat::Protobuf => "protobuf",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BufCategoryArg {
    /// Source compatibility of whole files
    #[value(name = "FILE")]
    File,
    /// Source compatibility within packages
    #[value(name = "PACKAGE")]
    Package,
    /// Binary and JSON wire compatibility (configs travel as JSON)
    #[value(name = "WIRE_JSON")]
    WireJson,
    /// Binary wire compatibility
    #[value(name = "WIRE")]
    Wire,
}

impl BufCategoryArg {
    pub fn as_str(self) -> &'static str {
        match self {
            BufCategoryArg::File => "FILE",
            BufCategoryArg::Package => "PACKAGE",
            BufCategoryArg::WireJson => "WIRE_JSON",
            BufCategoryArg::Wire => "WIRE",
        }
    }
}

#[derive(Debug, Args)]
pub struct ShowSchemaArgs {
    /// FAMILY, or FAMILY@VERSION for one schema version
    #[arg(value_name = "FAMILY[@VERSION]")]
    pub schema: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompatLevel {
    /// New schema reads data written with the previous version
    #[value(name = "BACKWARD")]
    Backward,
    /// New schema reads data written with every earlier version
    #[value(name = "BACKWARD_TRANSITIVE")]
    BackwardTransitive,
    /// Previous version reads data written with the new schema
    #[value(name = "FORWARD")]
    Forward,
    /// Every earlier version reads data written with the new schema
    #[value(name = "FORWARD_TRANSITIVE")]
    ForwardTransitive,
    /// Both BACKWARD and FORWARD
    #[value(name = "FULL")]
    Full,
    /// Both BACKWARD_TRANSITIVE and FORWARD_TRANSITIVE
    #[value(name = "FULL_TRANSITIVE")]
    FullTransitive,
    /// No checks: breaking changes are reported but allowed
    #[value(name = "NONE")]
    None,
}

impl CompatLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Backward => "BACKWARD",
            Self::BackwardTransitive => "BACKWARD_TRANSITIVE",
            Self::Forward => "FORWARD",
            Self::ForwardTransitive => "FORWARD_TRANSITIVE",
            Self::Full => "FULL",
            Self::FullTransitive => "FULL_TRANSITIVE",
            Self::None => "NONE",
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum TargetsCommand {
    /// Create a target version reading a schema version; its ID is printed alone on stdout
    #[command(after_help = "\
Examples:
  authTarget=$(versiqii targets create --name payment-api --family OpenAPI-Payments --version 3.2.1)
  versiqii targets create --name payment-api --family OpenAPI-Payments --version 3.3.0 \\
      --schema-version 2025-07
  versiqii targets create --name nightly --family Billing --version 2025-07-01 --scheme date")]
    Create(CreateTargetArgs),

    /// List targets and their versions
    List,

    /// Show one target version
    #[command(after_help = "\
Examples:
  versiqii targets show payment-api@3.2.1
  versiqii targets show 0b6f1c9e-4a53-4c8e-9d7a-2f1e8b3c5d40 --output json")]
    Show(ShowTargetArgs),
}

#[derive(Debug, Args)]
pub struct CreateTargetArgs {
    /// Target name, e.g. `payment-api`; the target is created with its first version
    #[arg(long, value_name = "NAME")]
    pub name: String,

    /// Schema family the target reads; a target stays in its family
    #[arg(long, value_name = "FAMILY")]
    pub family: String,

    /// The target's version, e.g. `3.2.1`
    #[arg(long, value_name = "VERSION")]
    pub version: String,

    /// Schema version this target version reads [default: the family's latest]
    #[arg(long, value_name = "VERSION")]
    pub schema_version: Option<String>,

    /// How the target's versions are written and ordered [default: chosen by the server]
    #[arg(long, value_enum, value_name = "SCHEME")]
    pub scheme: Option<VersionScheme>,
}

#[derive(Debug, Args)]
pub struct ShowTargetArgs {
    /// NAME@VERSION, or a target version ID
    #[arg(value_name = "NAME@VERSION|ID")]
    pub target: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum VersionScheme {
    /// Semantic versions: 1.2.3
    Semver,
    /// Git commits or tags
    Git,
    /// Dates: 2025-07-01
    Date,
}

impl VersionScheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Semver => "semver",
            Self::Git => "git",
            Self::Date => "date",
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum ConfigsCommand {
    /// Upload a config revision for a target version; its ID is printed alone on stdout
    #[command(after_help = "\
Examples:
  cfgId=$(cat examples/payment_service.yaml | versiqii configs create --target $authTarget -)
  versiqii configs create --target payment-api@3.2.1 examples/payment_service.yaml
  versiqii configs create --target payment-api@3.2.1 --name payments --format json cfg.txt

Without --name, a file's name names the config (payment_service.yaml) and standard
input leaves it to the server, which uses the target's name. Posting content identical
to the name's latest revision returns that revision instead of a new one.")]
    Create(CreateConfigArgs),

    /// List configs with their latest revision
    List,

    /// Show a config revision and its original text
    #[command(
        after_help = "Example:\n  versiqii configs show 0b6f1c9e-4a53-4c8e-9d7a-2f1e8b3c5d40"
    )]
    Show(ConfigIdArgs),

    /// List every revision of a revision's config, newest first
    #[command(
        after_help = "Example:\n  versiqii configs history 0b6f1c9e-4a53-4c8e-9d7a-2f1e8b3c5d40"
    )]
    History(ConfigIdArgs),

    /// Show what changed between two config revisions
    #[command(after_help = "\
Examples:
  versiqii configs diff $oldId $newId
  versiqii configs diff $oldId $newId --output json

Changed paths are listed first (`~ /path: before -> after`, `+ /path: after`,
`- /path: before`), then a unified diff of the two original texts.")]
    Diff(DiffConfigsArgs),
}

#[derive(Debug, Args)]
pub struct CreateConfigArgs {
    /// Target version the config is for: its ID or NAME@VERSION
    #[arg(long, value_name = "ID|NAME@VERSION")]
    pub target: String,

    /// Config name [default: the file's name; with stdin, the target's name]
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Document format [default: from a .json, .yaml or .yml extension, else detected
    /// by the server]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<ConfigFormat>,

    /// Config file (JSON or YAML), or `-` for standard input
    #[arg(value_name = "FILE")]
    pub file: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ConfigFormat {
    Json,
    Yaml,
}

impl ConfigFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Json => "json",
            Self::Yaml => "yaml",
        }
    }
}

#[derive(Debug, Args)]
pub struct ConfigIdArgs {
    /// ID of a config revision (a UUID, as printed by `configs create`)
    #[arg(value_name = "ID")]
    pub id: String,
}

#[derive(Debug, Args)]
pub struct DiffConfigsArgs {
    /// ID of the older revision
    #[arg(value_name = "FROM")]
    pub from: String,

    /// ID of the newer revision
    #[arg(value_name = "TO")]
    pub to: String,
}

#[derive(Debug, Subcommand)]
pub enum EnvsCommand {
    /// Create an environment (binding to an unknown environment also creates it)
    #[command(after_help = "Example:\n  versiqii envs create prod-eu")]
    Create(CreateEnvArgs),

    /// List environments
    List,

    /// Deploy a target version to an environment, checking its constraints and the
    /// target's binding there first
    #[command(after_help = "\
Examples:
  versiqii env set-target --env prod-eu --target payment-api --version 3.2.1 --dry-run
  versiqii env set-target --env prod-eu --target payment-api --version 3.2.1
  versiqii env set-target --env prod-eu --target payment-api --version 4.0.0 --force

An unsafe plan is refused with exit code 1 and printed on stderr, one line per problem;
--force applies it anyway and the drift matrix then shows it. A dry run of an unsafe
plan also exits with 1.")]
    SetTarget(SetTargetArgs),

    /// List the deployments made in an environment, newest first
    #[command(after_help = "\
Examples:
  versiqii env history --env prod-eu
  versiqii env history --env prod-eu --target payment-api --output json")]
    History(HistoryArgs),

    /// Write what an environment should run as files, one per bound target, for a deploy
    /// step
    #[command(after_help = "\
Examples:
  versiqii env pull --env prod-eu --dir deploy/config/
  versiqii env pull --env prod-eu --dir out/ --format yaml --output json
  versiqii env pull --env prod-eu --dir /etc/app/config --watch

Writes <dir>/<target>.json (or .yaml) with the bound config's canonical data for each
target bound in the environment, and <dir>/_versiqii.json with what was pulled: per
target the deployed version, its schema, the config's name, revision and hash, and the
drift. Each file's hash is checked against the server's before it is written; files of
targets no longer bound there (named in the previous _versiqii.json) are removed.
Exit code 1 when a target in the environment drifts (the files are still written).
With --watch it runs until stopped, printing a line (a JSON object per line with
--output json) each time it writes.")]
    Pull(EnvPullArgs),
}

#[derive(Debug, Args)]
pub struct EnvPullArgs {
    /// Environment to pull, e.g. `prod-eu`
    #[arg(long, value_name = "ENV")]
    pub env: String,

    /// Directory to write the files to (created when missing)
    #[arg(long, value_name = "DIR")]
    pub dir: std::path::PathBuf,

    /// File format of the configs
    #[arg(long, value_enum, default_value_t = PullFormat::Json)]
    pub format: PullFormat,

    /// Keep running: wait for the environment to change (long poll) and write the files
    /// again each time it does; network trouble is retried, not fatal
    #[arg(long)]
    pub watch: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PullFormat {
    Json,
    Yaml,
}

#[derive(Debug, Args)]
pub struct CreateEnvArgs {
    /// Environment name, e.g. `prod-eu`
    #[arg(value_name = "NAME")]
    pub name: String,
}

#[derive(Debug, Subcommand)]
pub enum BindingsCommand {
    /// Validate a config revision against its target's schema and bind it to an
    /// environment; the binding's ID is printed alone on stdout
    #[command(after_help = "\
Examples:
  versiqii bindings create --config $cfgId --env prod-eu
  versiqii bindings create --config 0b6f1c9e-4a53-4c8e-9d7a-2f1e8b3c5d40 --env staging

A config that does not match its schema is refused with exit code 1 and one line per
violation: `  <pointer>: <message>`.")]
    Create(CreateBindingArgs),

    /// List the current binding of every target, optionally in one environment
    #[command(after_help = "\
Examples:
  versiqii bindings list
  versiqii bindings list --env prod-eu --output json")]
    List(ListBindingsArgs),
}

#[derive(Debug, Args)]
pub struct CreateBindingArgs {
    /// ID of the config revision to bind
    #[arg(long, value_name = "ID")]
    pub config: String,

    /// Environment to bind it in; created on first use
    #[arg(long, value_name = "ENV")]
    pub env: String,

    /// Bind for this version of the config's target [default: the version the revision
    /// was written for]; a config written for another schema version is migrated
    #[arg(long, value_name = "VERSION")]
    pub version: Option<String>,

    /// Refuse instead of migrating a config written for another schema version
    #[arg(long)]
    pub no_migrate: bool,
}

#[derive(Debug, Subcommand)]
pub enum MigrationsCommand {
    /// Add the migration between two schema versions of a family: a lens file or a
    /// WASM module (binary .wasm or .wat text). It is dry-run on every config bound with
    /// the from-version, and the configs that would fail are listed
    #[command(after_help = "\
Examples:
  versiqii migrations add --family payments --from 1.0.0 --to 2.0.0 --lens examples/migrations/payments.lens.yaml
  versiqii migrations add --family payments --from 2.0.0 --to 3.0.0 --wasm rename.wasm --dry-run

Migrations run both ways (a lens is inverted, a module gets direction 1), so one edge
serves upgrades and rollbacks; bindings and deployments find multi-hop paths across
edges. Lens format: docs/lenses.md; WASM ABI and sandbox limits: docs/wasm-abi.md.
Exits with 1 when bound configs would fail after migrating.")]
    Add(AddMigrationArgs),

    /// List a family's migrations
    #[command(after_help = "Example:\n  versiqii migrations list --family payments --output json")]
    List(ListMigrationsArgs),
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("program").required(true).args(["lens", "wasm"])))]
pub struct AddMigrationArgs {
    /// Schema family, e.g. `payments`
    #[arg(long, value_name = "FAMILY")]
    pub family: String,

    /// Schema version configs migrate from
    #[arg(long, value_name = "VERSION")]
    pub from: String,

    /// Schema version configs migrate to
    #[arg(long, value_name = "VERSION")]
    pub to: String,

    /// A lens file (YAML or JSON)
    #[arg(long, value_name = "FILE")]
    pub lens: Option<String>,

    /// A WASM module: binary .wasm or .wat text
    #[arg(long, value_name = "FILE")]
    pub wasm: Option<String>,

    /// Load and dry-run only; store nothing
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ListMigrationsArgs {
    /// Schema family
    #[arg(long, value_name = "FAMILY")]
    pub family: String,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("to").args(["to_version", "to_deployment"])))]
pub struct RollbackArgs {
    /// Environment, e.g. `prod-eu`
    #[arg(long, value_name = "ENV")]
    pub env: String,

    /// Target to roll back, e.g. `payment-api`
    #[arg(long, value_name = "NAME")]
    pub target: String,

    /// Roll back to this version (its newest deployment in the environment)
    #[arg(long, value_name = "VERSION")]
    pub to_version: Option<String>,

    /// Roll back to this deployment (an ID from `env history --output json`)
    #[arg(long, value_name = "ID")]
    pub to_deployment: Option<String>,

    /// Only compute and print the plan; change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Roll back even if the plan is unsafe
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct PromoteArgs {
    /// The environment to copy from, e.g. `staging`
    #[arg(long, value_name = "ENV")]
    pub from: String,

    /// The environment to copy to, e.g. `prod`
    #[arg(long, value_name = "ENV")]
    pub to: String,

    /// Only this target (repeat for more); default: every target deployed in --from
    #[arg(long = "target", value_name = "NAME")]
    pub targets: Vec<String>,

    /// Only compute and print the plan; change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Promote even if the plan is unsafe (the drift matrix then shows it)
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct ListBindingsArgs {
    /// Only bindings in this environment
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// List audit events, newest first
    #[command(after_help = "\
Examples:
  versiqii audit list
  versiqii audit list --limit 500 --output json")]
    List(AuditListArgs),
    /// Recompute the tenant's hash chain; exit 1 naming the first broken event
    #[command(after_help = "\
Exit codes: 0 when every event's hash and link hold, 1 when one does not (the first is named).

Examples:
  versiqii audit verify
  versiqii audit verify --output json")]
    Verify,
}

#[derive(Debug, Args)]
pub struct AuditListArgs {
    /// At most this many events, 1 to 500 [default: 100, chosen by the server]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=500))]
    pub limit: Option<u32>,
}

#[derive(Debug, Args)]
pub struct SetTargetArgs {
    /// Environment to deploy in, e.g. `prod-eu`
    #[arg(long, value_name = "ENV")]
    pub env: String,

    /// Target to move, e.g. `payment-api`
    #[arg(long, value_name = "NAME")]
    pub target: String,

    /// Registered version of the target to deploy, e.g. `3.2.1`
    #[arg(long, value_name = "VERSION")]
    pub version: String,

    /// Only compute and print the plan; change nothing
    #[arg(long)]
    pub dry_run: bool,

    /// Apply the plan even if it is unsafe; the drift is recorded
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Environment whose deployments to list
    #[arg(long, value_name = "ENV")]
    pub env: String,

    /// Only deployments of this target
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum GraphsCommand {
    /// Add a constraint from a target version to another target
    #[command(after_help = "\
Examples:
  versiqii graphs link --from payment-api@3.2.1 --requires auth --range '>=1.5, <2'
  versiqii graphs link --from auth@1.6.0 --accepts payment-api --range '^3'

--requires: this version needs the other target deployed in RANGE in the same
environment. --accepts: this version accepts the other target as a consumer in RANGE.
A constraint that would close a cycle is refused with exit code 1 naming the cycle.")]
    Link(LinkArgs),

    /// List constraints, optionally only those about one target
    #[command(after_help = "\
Examples:
  versiqii graphs list
  versiqii graphs list --target auth --output json")]
    List(ListConstraintsArgs),

    /// Remove a constraint by ID
    #[command(
        after_help = "Example:\n  versiqii graphs unlink 0b6f1c9e-4a53-4c8e-9d7a-2f1e8b3c5d40"
    )]
    Unlink(UnlinkArgs),

    /// Report what would break, environment by environment, if a target moved to a version
    #[command(after_help = "\
Examples:
  versiqii graphs impact auth@2.0.0
  versiqii graphs impact auth@2.0.0 --fail-on-break --output json

The report ends with `safe` or `unsafe` and exits with 0 either way, unless
--fail-on-break is given: then an unsafe move exits with 1.")]
    Impact(ImpactArgs),
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("kind").required(true).args(["requires", "accepts"])))]
pub struct LinkArgs {
    /// The constrained target version: NAME@VERSION or its ID
    #[arg(long, value_name = "NAME@VERSION|ID")]
    pub from: String,

    /// The version needs this target deployed in RANGE
    #[arg(long, value_name = "TARGET")]
    pub requires: Option<String>,

    /// The version accepts this target as a consumer in RANGE
    #[arg(long, value_name = "TARGET")]
    pub accepts: Option<String>,

    /// Version range in the other target's scheme, e.g. '>=1.5, <2', '^1.2', '1.x'
    #[arg(long, value_name = "RANGE", allow_hyphen_values = true)]
    pub range: String,
}

#[derive(Debug, Args)]
pub struct ListConstraintsArgs {
    /// Only constraints about this target
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,
}

#[derive(Debug, Args)]
pub struct UnlinkArgs {
    /// ID of the constraint (a UUID, as shown by `graphs list`)
    #[arg(value_name = "ID")]
    pub id: String,
}

#[derive(Debug, Args)]
pub struct ImpactArgs {
    /// The move to analyse: NAME@VERSION
    #[arg(value_name = "NAME@VERSION")]
    pub target: String,

    /// Exit with 1 when the move is unsafe
    #[arg(long)]
    pub fail_on_break: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// Environment the target runs in
    #[arg(long, value_name = "ENV")]
    pub env: String,

    /// Target that runs there
    #[arg(long, value_name = "NAME")]
    pub target: String,

    /// Version that actually runs
    #[arg(long, value_name = "VERSION")]
    pub version: String,

    /// Hash of the config it actually runs with [default: not reported]
    #[arg(long, value_name = "HASH")]
    pub config_hash: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DriftsCommand {
    /// One row per environment and target, with DRIFT in each dimension that drifts
    #[command(after_help = "\
Examples:
  versiqii drifts list
  versiqii drifts list --env prod-eu --dimension config --output json")]
    List(ListDriftsArgs),
}

#[derive(Debug, Args)]
pub struct ListDriftsArgs {
    /// Only rows in this environment
    #[arg(long, value_name = "ENV")]
    pub env: Option<String>,

    /// Only rows of this target
    #[arg(long, value_name = "NAME")]
    pub target: Option<String>,

    /// Only rows drifting in this dimension
    #[arg(long, value_enum, value_name = "DIMENSION")]
    pub dimension: Option<DriftDimension>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DriftDimension {
    /// The bound config is not valid for the deployed version's schema
    Schema,
    /// A constraint of the deployed version is unmet in the environment
    Dependency,
    /// The observed config differs from the bound revision
    Config,
    /// The observed version differs from the deployed (desired) one
    Environment,
}

impl DriftDimension {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Schema => "schema",
            Self::Dependency => "dependency",
            Self::Config => "config",
            Self::Environment => "environment",
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

    #[test]
    fn registry_commands_parse() {
        let cli = Cli::try_parse_from([
            "versiqii",
            "schemas",
            "add",
            "--family",
            "OpenAPI-Payments",
            "--version",
            "2025-07",
            "--compat",
            "backward_transitive",
            "--dry-run",
            "-",
        ])
        .unwrap();
        let Command::Schemas(SchemasCommand::Add(args)) = cli.command else {
            panic!("parsed the wrong command");
        };
        assert_eq!(args.version, "2025-07");
        assert_eq!(args.compat, Some(CompatLevel::BackwardTransitive));
        assert!(args.dry_run);
        assert_eq!(args.file, "-");

        let cli = Cli::try_parse_from([
            "versiqii",
            "configs",
            "create",
            "--target",
            "payment-api@3.2.1",
            "-",
        ])
        .unwrap();
        let Command::Configs(ConfigsCommand::Create(args)) = cli.command else {
            panic!("parsed the wrong command");
        };
        assert_eq!((args.name, args.format), (None, None));

        for bad in [
            &["versiqii", "audit", "list", "--limit", "0"][..],
            &[
                "versiqii", "targets", "create", "--name", "a", "--family", "F",
            ][..],
            &["versiqii", "configs", "create", "--target", "t@1"][..],
        ] {
            assert!(Cli::try_parse_from(bad).is_err(), "{bad:?}");
        }
    }
}
