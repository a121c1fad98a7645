//! The API's errors as clients see them: RFC 9457 problem documents whose `code` comes from one
//! closed table. Each code is declared once below with its HTTP status, title and meaning; the
//! server renders from it, the OpenAPI document and `docs/errors.md` list it, and the CLI maps
//! it to an exit code.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a client should do about an error, which is what the CLI's exit code says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The request itself is wrong (shape, name, unknown object): fix it and send it again.
    Usage,
    /// A well-formed request refused on its merits (invalid config, a broken constraint, no
    /// permission): the answer is the verdict.
    Rejected,
    /// The service could not answer (unavailable, internal): retrying may help.
    Failure,
}

macro_rules! error_codes {
    ($( $(#[$meta:meta])* $variant:ident = ($code:literal, $status:literal, $kind:ident, $title:literal, $doc:literal), )*) => {
        /// Every stable `code` a problem document can carry. Clients may match on these; a new
        /// code is added here (and nowhere else), never renamed.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum ErrorCode {
            // Each variant's snake_case name is its code (a unit test holds them equal): the
            // OpenAPI derive reads `rename_all`, not renames passed through a macro.
            $( $(#[$meta])* $variant, )*
        }

        impl ErrorCode {
            /// Every code, in the table's order.
            pub const ALL: &'static [ErrorCode] = &[ $( ErrorCode::$variant, )* ];

            pub const fn as_str(self) -> &'static str {
                match self { $( ErrorCode::$variant => $code, )* }
            }

            /// The HTTP status every response with this code has.
            pub const fn status(self) -> u16 {
                match self { $( ErrorCode::$variant => $status, )* }
            }

            pub const fn kind(self) -> ErrorKind {
                match self { $( ErrorCode::$variant => ErrorKind::$kind, )* }
            }

            /// The problem document's `title`: the same for every response with this code.
            pub const fn title(self) -> &'static str {
                match self { $( ErrorCode::$variant => $title, )* }
            }

            /// One line for docs/errors.md: when it happens and what to do.
            pub const fn doc(self) -> &'static str {
                match self { $( ErrorCode::$variant => $doc, )* }
            }
        }
    };
}

error_codes! {
    // Authentication and authorization.
    Unauthenticated = ("unauthenticated", 401, Rejected, "Not authenticated",
        "No credentials, or an expired or malformed access token: sign in again or send `Authorization: Bearer <token or API key>`."),
    InvalidApiKey = ("invalid_api_key", 401, Rejected, "Invalid API key",
        "The API key is unknown, revoked or expired: create a new one."),
    InvalidCredentials = ("invalid_credentials", 401, Rejected, "Invalid credentials",
        "The email or password is wrong (which of the two is not said)."),
    Forbidden = ("forbidden", 403, Rejected, "Forbidden",
        "The caller's role or the API key's scopes do not allow this action."),
    TenantSuspended = ("tenant_suspended", 403, Rejected, "Organisation suspended",
        "The organisation is suspended by the service's operators (its data is kept): its owners hear why by mail; contact support."),
    ImpersonationReadOnly = ("impersonation_read_only", 403, Rejected, "Read-only look",
        "An operator's look at an organisation reads only: nothing can be changed with it."),
    RateLimited = ("rate_limited", 429, Rejected, "Too many requests",
        "Over the tenant's plan budget or a sign-in limit: wait for `Retry-After` seconds."),
    // The request's shape.
    NotFound = ("not_found", 404, Usage, "Not found",
        "The route or the named object does not exist in this tenant."),
    MethodNotAllowed = ("method_not_allowed", 405, Usage, "Method not allowed",
        "The path exists, but not with this method; the `Allow` header lists the methods it has."),
    MalformedJson = ("malformed_json", 400, Usage, "Malformed JSON",
        "The body is not valid JSON."),
    InvalidBody = ("invalid_body", 400, Usage, "Invalid body",
        "The body is JSON but not of the operation's shape (a missing or unknown field, a wrong type)."),
    InvalidPath = ("invalid_path", 400, Usage, "Invalid path",
        "A path parameter does not parse (e.g. an id that is not a UUID)."),
    InvalidQuery = ("invalid_query", 400, Usage, "Invalid query",
        "A query parameter does not parse or is not known."),
    InvalidInput = ("invalid_input", 422, Rejected, "Invalid input",
        "One or more fields hold values the operation refuses; `errors` names each by JSON pointer."),
    InvalidName = ("invalid_name", 400, Usage, "Invalid name",
        "A target, family, config, environment or version name breaks the naming rules."),
    InvalidDocument = ("invalid_document", 400, Usage, "Invalid document",
        "A config is not parseable JSON or YAML, or not an object at the top level."),
    PayloadTooLarge = ("payload_too_large", 413, Usage, "Payload too large",
        "The request body is over the server's limit."),
    ConfigTooLarge = ("config_too_large", 413, Usage, "Config too large",
        "A config's content is over the per-config limit of 256 KiB, or its data is once parsed: as compact JSON, a YAML alias counting each time it is used (the detail says which and where)."),
    DocumentTooDeep = ("document_too_deep", 422, Rejected, "Document too deep",
        "A config or schema nests arrays and objects more than 64 levels deep; the detail says where. Nothing was stored."),
    UnsupportedMediaType = ("unsupported_media_type", 415, Usage, "Unsupported media type",
        "Send the body as `application/json`."),
    // Schemas and configs.
    SchemaInvalid = ("schema_invalid", 400, Usage, "Schema invalid",
        "The document is not a valid schema in the family's format (JSON Schema, Avro or Protobuf); `errors` locates each problem."),
    SchemaIncompatible = ("schema_incompatible", 409, Rejected, "Schema incompatible",
        "The new schema version breaks the family's compatibility level; `report` lists every break."),
    SchemaVersionExists = ("schema_version_exists", 409, Rejected, "Schema version exists",
        "That schema version exists with other content; schema versions are immutable, add a new one."),
    SchemaTooLarge = ("schema_too_large", 422, Rejected, "Schema too large",
        "The schema version, with the content of every version it references, would be over 4 MiB as JSON; `detail` says how large. Nothing was stored."),
    ReferenceNotFound = ("reference_not_found", 422, Rejected, "Reference not found",
        "A schema references a `family@version` that does not exist in this organisation; `detail` names it. Nothing was stored."),
    ReferenceCycle = ("reference_cycle", 422, Rejected, "Reference cycle",
        "A schema's references lead back to itself; `detail` gives the path. Nothing was stored."),
    FamilyFormatMismatch = ("family_format_mismatch", 409, Rejected, "Family format mismatch",
        "The family holds schemas of another format (JSON Schema, Avro, Protobuf) or another config message; every version of a family shares them."),
    ConfigInvalid = ("config_invalid", 422, Rejected, "Config invalid",
        "The config fails the schema its target version reads; `violations` lists every one and nothing was stored."),
    // Targets, environments and the version graph.
    TargetVersionExists = ("target_version_exists", 409, Rejected, "Target version exists",
        "That target version is already declared."),
    TargetFamilyMismatch = ("target_family_mismatch", 409, Rejected, "Target family mismatch",
        "The target belongs to another family than the one named."),
    EnvExists = ("env_exists", 409, Rejected, "Environment exists",
        "An environment with that name exists."),
    ConstraintCycle = ("constraint_cycle", 409, Rejected, "Constraint cycle",
        "The constraint would close a dependency cycle; `detail` names it."),
    Conflict = ("conflict", 409, Rejected, "Conflict",
        "The object already exists (a unique name or key is taken)."),
    // Deployments, migrations and rollback.
    DeploymentRefused = ("deployment_refused", 409, Rejected, "Deployment refused",
        "The deployment or rollback would break a constraint or a bound config; `plan` says what. Use `force` to record it anyway."),
    NothingToRollBack = ("nothing_to_roll_back", 409, Rejected, "Nothing to roll back",
        "There is no earlier deployment of the target in the environment to go back to."),
    SameEnvironment = ("same_environment", 400, Usage, "Same environment",
        "A promotion's `from` and `to` name the same environment: name the one to copy to."),
    MigrationRequired = ("migration_required", 409, Rejected, "Migration required",
        "The config was written for another schema version and `no_migrate` was asked for."),
    NoMigrationPath = ("no_migration_path", 409, Rejected, "No migration path",
        "No chain of stored migrations leads between the two schema versions: add one."),
    MigrationExists = ("migration_exists", 409, Rejected, "Migration exists",
        "The family already has a migration on that edge (in either direction)."),
    MigrationInvalid = ("migration_invalid", 422, Rejected, "Migration invalid",
        "The lens does not parse or the WASM module does not load under the sandbox's rules."),
    MigrationFailed = ("migration_failed", 422, Rejected, "Migration failed",
        "A migration step failed on the config (an error, or a fuel, time or memory limit)."),
    MigrationOutputTooLarge = ("migration_output_too_large", 422, Rejected, "Migration output too large",
        "A migration step made a config larger than one may be (256 KiB as compact JSON, 64 levels deep; a lens may add at most 256 KiB in one run); the detail names the step. Nothing was stored."),
    MigrationChainTooLong = ("migration_chain_too_long", 422, Rejected, "Migration chain too long",
        "The shortest chain of migrations between the two schema versions has more than 32 steps: add a migration that skips some."),
    MigrationQuarantined = ("migration_quarantined", 422, Rejected, "Migration quarantined",
        "The module hit its limits repeatedly and is paused for a while; retry later or fix it."),
    // Tenant archives.
    TenantNotEmpty = ("tenant_not_empty", 409, Rejected, "Tenant not empty",
        "An archive imports only into a tenant with no registry data (no families, targets, configs or environments, no imported evidence); nothing was written."),
    ArchiveInvalid = ("archive_invalid", 422, Rejected, "Archive invalid",
        "The archive is not a valid `versiqii-archive/1` (docs/archive.md): the detail names the file and the check that failed (a hash, a reference, a numbering, the audit evidence). Nothing was written."),
    // Accounts.
    TenantSlugTaken = ("tenant_slug_taken", 409, Rejected, "Tenant slug taken",
        "A tenant with that slug exists."),
    EmailTaken = ("email_taken", 409, Rejected, "Email taken",
        "An account with that email exists."),
    NotAMember = ("not_a_member", 403, Rejected, "Not a member",
        "The person is not a member of that organisation (or of any): accept an invite or sign up an organisation."),
    LastOwner = ("last_owner", 409, Rejected, "Last owner",
        "The organisation's last owner cannot be demoted, removed or leave: make another member an owner first."),
    EmailUnverified = ("email_unverified", 403, Rejected, "Email not verified",
        "The person's email is not verified yet: open the link mailed at sign-up (or ask for a new one) before creating API keys or inviting others."),
    VerificationTokenInvalid = ("verification_token_invalid", 400, Usage, "Verification token invalid",
        "The email verification link is unknown, already used or expired (it works once, for 48 hours): ask for a new one (`versiqii auth resend-verification`)."),
    EmailAlreadyVerified = ("email_already_verified", 409, Rejected, "Email already verified",
        "The person's email is verified already; there is nothing to resend."),
    NoOrganisation = ("no_organisation", 403, Rejected, "No organisation",
        "The session is a person's with no organisation: create one (`versiqii orgs create`) or accept an invite, then use the session that answers."),
    EnvNotAllowed = ("env_not_allowed", 403, Rejected, "Environment not allowed",
        "The API key is limited to other environments: use a key made for this one (`versiqii api-keys create --env ENV`)."),
    CsrfRefused = ("csrf_refused", 403, Rejected, "CSRF check failed",
        "A cookie session is used only from the console's own pages, with the `vq_csrf` cookie's value in `X-CSRF-Token`: reload the console and sign in again."),
    PeopleOnly = ("people_only", 403, Rejected, "People only",
        "Only a person's session may do this (organisations, leaving one), not an API key."),
    ResetTokenInvalid = ("reset_token_invalid", 400, Usage, "Reset token invalid",
        "The password reset link is unknown, already used or expired (it works once, for one hour): ask for a new one (`versiqii auth forgot-password`)."),
    // Invites.
    InviteExists = ("invite_exists", 409, Rejected, "Invite exists",
        "An open invite for that email exists in this organisation (maybe expired): resend it (`versiqii invites resend`, a new link for 7 days) or revoke it first."),
    AlreadyMember = ("already_member", 409, Rejected, "Already a member",
        "The person with that email is a member of the organisation already (an invite you accept: of the invite's organisation); change their role instead."),
    InviteInvalid = ("invite_invalid", 404, Usage, "Invite invalid",
        "The invite link is unknown or was revoked, or a newer link for it was sent (only the latest works): ask for a new invite."),
    InviteExpired = ("invite_expired", 410, Usage, "Invite expired",
        "The invite link is older than its 7 days: ask the organisation's admins to resend it."),
    InviteUsed = ("invite_used", 409, Rejected, "Invite used",
        "The invite was accepted already (an invite works once); sign in and switch to the organisation."),
    InviteRevoked = ("invite_revoked", 409, Rejected, "Invite revoked",
        "The invite was revoked, so it cannot be resent: create a new one."),
    InviteForAnotherEmail = ("invite_for_another_email", 403, Rejected, "Invite for another email",
        "The invite is for another email than the signed-in person's: sign in as that person, or sign up with the invite (`POST /v1/invites/accept/signup`)."),
    // Webhooks.
    WebhookUrlRefused = ("webhook_url_refused", 422, Rejected, "Webhook URL refused",
        "The URL's host is, or resolves only to, an address the service never sends to (private, loopback, link-local such as cloud metadata, CGNAT, multicast, reserved, or an IPv6 form of one): use a public address."),
    WebhookUrlUnresolvable = ("webhook_url_unresolvable", 422, Rejected, "Webhook URL does not resolve",
        "The URL's host name has no address in DNS: check the name, or create the endpoint once it resolves."),
    WebhookLimit = ("webhook_limit", 409, Rejected, "Too many webhook endpoints",
        "The organisation has as many webhook endpoints as it may (`webhooks.max_endpoints`): delete one first."),
    DeliveryPending = ("delivery_pending", 409, Rejected, "Delivery pending",
        "The delivery is still pending (being sent, or waiting for its next attempt): it goes out without a resend; resend it once it has succeeded or failed."),
    // Plans.
    QuotaExceeded = ("quota_exceeded", 402, Rejected, "Plan quota reached",
        "The organisation holds as many configs, targets or seats as its plan allows (the detail says which and the limit): remove some, or move to a larger plan. Nothing was stored."),
    CallQuotaExhausted = ("call_quota_exhausted", 429, Rejected, "Monthly call quota used up",
        "The organisation made as many API calls this calendar month as its plan allows: `Retry-After` says when the month ends; a larger plan lifts the quota."),
    PlanNotSelfServe = ("plan_not_self_serve", 403, Rejected, "Plan not self-serve",
        "That plan is set up by the service's operators (write to sales), not chosen with `PUT /v1/plan`."),
    InvoiceNotPayable = ("invoice_not_payable", 409, Rejected, "Invoice not payable",
        "Only a finalized, unpaid invoice takes a payment: a draft is still being computed, and a paid one was paid already."),
    // The service.
    ComputeTimeExceeded = ("compute_time_exceeded", 422, Rejected, "Computation too long",
        "Compiling, checking, validating, diffing or migrating took longer than one task may (2 s by default; the detail says which work): simplify the schema or config. Nothing was stored."),
    ComputeBusy = ("compute_busy", 503, Failure, "Compute busy",
        "The tenant's share of the CPU pool stayed taken by its own earlier work for too long: retry after `Retry-After` seconds."),
    Unavailable = ("unavailable", 503, Failure, "Service unavailable",
        "A dependency (database, Redis, a tenant's actor) is unavailable or still loading: retry."),
    Internal = ("internal", 500, Failure, "Internal error",
        "A bug or an unexpected failure; the body says nothing more. Quote `request_id` when reporting it."),
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownErrorCode(pub String);

impl FromStr for ErrorCode {
    type Err = UnknownErrorCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ErrorCode::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| UnknownErrorCode(s.to_owned()))
    }
}

/// One problem with one field of the request, located by a JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    pub pointer: String,
    pub message: String,
}

impl FieldError {
    pub fn new(pointer: &str, message: impl ToString) -> Self {
        Self {
            pointer: pointer.to_owned(),
            message: message.to_string(),
        }
    }
}

/// One way a config fails its schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ViolationView {
    /// Where in the config, as a JSON pointer.
    pub pointer: String,
    /// The schema keyword that failed, e.g. `required` or `maximum`.
    pub keyword: String,
    pub message: String,
}

/// RFC 9457 problem details.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    #[serde(rename = "type")]
    pub type_: String,
    pub title: String,
    pub status: u16,
    /// Stable, machine-readable; safe to match on. Kept as text on the wire so an older
    /// client still reads a problem whose code it does not know yet.
    #[cfg_attr(feature = "openapi", schema(value_type = ErrorCode))]
    pub code: String,
    pub detail: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For `config_invalid`: every violation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub violations: Vec<ViolationView>,
    /// For `schema_incompatible`: the compatibility report with every break.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub report: Option<serde_json::Value>,
    /// For `deployment_refused`: the plan, with every problem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<serde_json::Value>,
}

impl Problem {
    /// A problem document for `code`, its status and title from the table.
    pub fn new(code: ErrorCode, detail: impl Into<String>) -> Self {
        Self {
            type_: code.type_uri(),
            title: code.title().to_owned(),
            status: code.status(),
            code: code.as_str().to_owned(),
            detail: detail.into(),
            request_id: None,
            errors: Vec::new(),
            violations: Vec::new(),
            report: None,
            plan: None,
        }
    }

    /// The code, when it is one this client knows.
    pub fn error_code(&self) -> Option<ErrorCode> {
        self.code.parse().ok()
    }
}

impl ErrorCode {
    /// The problem document's `type`: a page documenting this code.
    pub fn type_uri(self) -> String {
        format!(
            "https://docs.versiqii.dev/problems/{}",
            self.as_str().replace('_', "-")
        )
    }
}

/// docs/errors.md, generated from the table (the server's `errors-doc` command prints it).
pub fn errors_markdown() -> String {
    let mut out = String::from(
        "# Error codes\n\n\
         Every error response is an RFC 9457 `application/problem+json` document with a stable\n\
         `code` from this table; the HTTP status and `title` always go with the code. Clients may\n\
         match on `code`. The CLI exits 2 for *usage* codes (fix the request), 1 for *rejected*\n\
         (the answer is the verdict) and 3 for *failure* (the service could not answer).\n\n\
         Generated from `backend/api/src/error.rs` by `make docs`; `make test` fails when it is stale.\n\n\
         | code | status | kind | meaning |\n|---|---|---|---|\n",
    );
    for code in ErrorCode::ALL {
        let kind = match code.kind() {
            ErrorKind::Usage => "usage",
            ErrorKind::Rejected => "rejected",
            ErrorKind::Failure => "failure",
        };
        out.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            code.as_str(),
            code.status(),
            kind,
            code.doc()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case_and_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for code in ErrorCode::ALL {
            assert!(seen.insert(code.as_str()), "duplicate {code}");
            assert!(code
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_'));
            assert_eq!(code.as_str().parse::<ErrorCode>(), Ok(*code));
            let json = serde_json::to_string(code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), *code);
            assert!((400..600).contains(&code.status()));
        }
    }

    #[test]
    fn kinds_agree_with_statuses() {
        for code in ErrorCode::ALL {
            match code.kind() {
                ErrorKind::Failure => assert!(code.status() >= 500, "{code}"),
                _ => assert!((400..500).contains(&code.status()), "{code}"),
            }
        }
    }

    #[test]
    fn a_problem_with_an_unknown_code_still_parses() {
        let p: Problem = serde_json::from_str(
            r#"{"type":"x","title":"t","status":418,"code":"brand_new","detail":"d"}"#,
        )
        .unwrap();
        assert_eq!(p.error_code(), None);
        assert_eq!(
            Problem::new(ErrorCode::NotFound, "x").error_code(),
            Some(ErrorCode::NotFound)
        );
    }
}
