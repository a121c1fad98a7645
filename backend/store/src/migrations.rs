//! Applies `migrations/*.sql` in order, each once, as the owner role.

use crate::StoreError;
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement, TransactionTrait};

/// Embedded so the server binary carries its schema; names are the files' stems.
pub const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_accounts",
        include_str!("../../../migrations/0001_accounts.sql"),
    ),
    (
        "0002_registry",
        include_str!("../../../migrations/0002_registry.sql"),
    ),
    (
        "0003_deployments",
        include_str!("../../../migrations/0003_deployments.sql"),
    ),
    (
        "0004_migrations",
        include_str!("../../../migrations/0004_migrations.sql"),
    ),
    (
        "0005_write_path",
        include_str!("../../../migrations/0005_write_path.sql"),
    ),
    (
        "0006_audit_chain",
        include_str!("../../../migrations/0006_audit_chain.sql"),
    ),
    (
        "0007_people",
        include_str!("../../../migrations/0007_people.sql"),
    ),
    (
        "0008_mail",
        include_str!("../../../migrations/0008_mail.sql"),
    ),
    (
        "0009_verification",
        include_str!("../../../migrations/0009_verification.sql"),
    ),
    (
        "0010_invites",
        include_str!("../../../migrations/0010_invites.sql"),
    ),
    (
        "0011_personal_sessions",
        include_str!("../../../migrations/0011_personal_sessions.sql"),
    ),
    (
        "0012_api_key_envs",
        include_str!("../../../migrations/0012_api_key_envs.sql"),
    ),
    (
        "0013_refresh_grace",
        include_str!("../../../migrations/0013_refresh_grace.sql"),
    ),
    (
        "0014_webhooks",
        include_str!("../../../migrations/0014_webhooks.sql"),
    ),
    (
        "0015_digests",
        include_str!("../../../migrations/0015_digests.sql"),
    ),
    (
        "0016_usage",
        include_str!("../../../migrations/0016_usage.sql"),
    ),
    (
        "0017_quotas",
        include_str!("../../../migrations/0017_quotas.sql"),
    ),
    (
        "0018_operators",
        include_str!("../../../migrations/0018_operators.sql"),
    ),
    ("0019_sla", include_str!("../../../migrations/0019_sla.sql")),
    (
        "0020_invoices",
        include_str!("../../../migrations/0020_invoices.sql"),
    ),
    (
        "0022_audit_evidence",
        include_str!("../../../migrations/0022_audit_evidence.sql"),
    ),
    (
        "0023_contract_formats",
        include_str!("../../../migrations/0023_contract_formats.sql"),
    ),
];

/// Returns the names of the migrations applied by this call.
pub async fn apply_migrations(owner_url: &str) -> Result<Vec<&'static str>, StoreError> {
    let db = Database::connect(owner_url).await?;
    db.execute_unprepared(
        "create table if not exists schema_migrations (
            name text primary key,
            applied_at timestamptz not null default now())",
    )
    .await?;
    let mut applied = Vec::new();
    for (name, sql) in MIGRATIONS {
        let tx = db.begin().await?;
        // Serialises concurrent migrators (two instances starting together).
        tx.execute_unprepared("lock table schema_migrations in exclusive mode")
            .await?;
        let done = tx
            .query_one(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "select 1 from schema_migrations where name = $1",
                [(*name).into()],
            ))
            .await?
            .is_some();
        if !done {
            tx.execute_unprepared(sql).await?;
            tx.execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "insert into schema_migrations (name) values ($1)",
                [(*name).into()],
            ))
            .await?;
            applied.push(*name);
        }
        tx.commit().await?;
    }
    db.close().await?;
    Ok(applied)
}
