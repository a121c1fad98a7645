//! Postgres for Versiqii. Tenant rows are reachable only through a [`TenantTx`], which sets the
//! tenant for row-level security inside the transaction; the server's role bypasses nothing.

mod accounts;
mod api_keys;
mod audit;
pub mod dispatch;
mod error;
mod invites;
mod invoices;
mod mail;
mod migrations;
mod operators;
mod outbox;
mod person_sessions;
mod refresh_tokens;
pub mod registry;
mod role_check;
mod sla;
mod tenant_tx;
mod usage;
mod verification;
mod webhooks;

pub use accounts::{LoginRow, MemberRow, NewUser, OrganisationRow, TenantRow, UserRow};
pub use api_keys::{split_envs, ApiKeyAuth, ApiKeyRow, NewApiKey};
pub use audit::{verify_evidence, AuditEvent, AuditRecord, AuditVerdict, BrokenLink};
pub use error::StoreError;
pub use invites::{InviteByToken, InviteRow, NewInvite};
pub use invoices::{BilledUsage, InvoiceFigures, InvoiceRow, InvoiceSummary};
pub use mail::{
    enqueue_mail, request_password_reset, use_password_reset, ClaimedMail, MailRetry, MAIL_CHANNEL,
};
pub use migrations::{apply_migrations, MIGRATIONS};
pub use operators::{
    CreditRow, NewOperator, OperatorAuditRecord, OperatorAuditRow, OperatorRow, OperatorStore,
    TenantSummary, UsageFigure,
};
pub use person_sessions::{create_person, create_person_session};
pub use refresh_tokens::Rotation;
pub use registry::*;
pub use role_check::UnsafeRole;
pub use sla::{SlaFigures, SlaMinuteCount, TenantSlaFigures, TenantUsageFigure};
pub use tenant_tx::{SessionLimits, Store, TenantTx};
pub use usage::{QuotaMeasure, UsageCount, UsageRow, CALL_KINDS};
pub use verification::{request_email_verification, use_email_verification};
pub use webhooks::{
    AttemptRow, DeliveryRow, DigestRow, EndpointChanges, EndpointRow, NewEndpoint, Resend,
};
