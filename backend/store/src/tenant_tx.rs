use crate::StoreError;
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    Statement, TransactionTrait, Value,
};
use std::time::Duration;
use versiqii_core::TenantId;

/// The server's pool, connected as the app role (no BYPASSRLS, owns nothing).
#[derive(Clone)]
pub struct Store {
    pub(crate) app: DatabaseConnection,
}

/// A transaction bound to one tenant. Row-level security filters every statement in it.
pub struct TenantTx {
    inner: DatabaseTransaction,
    tenant: TenantId,
}

/// Limits every connection of the pool sets for its session, so no statement or idle
/// transaction holds locks and a connection for long.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    pub statement_timeout: Duration,
    pub idle_in_transaction: Duration,
}

impl Default for SessionLimits {
    fn default() -> Self {
        Self {
            statement_timeout: Duration::from_secs(10),
            idle_in_transaction: Duration::from_secs(30),
        }
    }
}

impl Store {
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        Self::connect_with(url, max_connections, SessionLimits::default()).await
    }

    pub async fn connect_with(
        url: &str,
        max_connections: u32,
        limits: SessionLimits,
    ) -> Result<Self, StoreError> {
        let mut opts = ConnectOptions::new(url.to_owned());
        let settings = [
            (
                "statement_timeout",
                limits.statement_timeout.as_millis().to_string(),
            ),
            (
                "idle_in_transaction_session_timeout",
                limits.idle_in_transaction.as_millis().to_string(),
            ),
        ];
        opts.map_sqlx_postgres_opts(move |pg| pg.options(settings.clone()));
        opts.max_connections(max_connections)
            .min_connections(1)
            .connect_timeout(Duration::from_secs(5))
            .acquire_timeout(Duration::from_secs(10))
            .sqlx_logging(false);
        Ok(Self {
            app: Database::connect(opts).await?,
        })
    }

    /// Wraps an existing pool (tests use one with a single connection to watch it being reused).
    pub fn from_connection(app: DatabaseConnection) -> Self {
        Self { app }
    }

    /// The only way to reach tenant rows. `set_config(.., true)` is transaction-local, so the
    /// connection goes back to the pool with no tenant set.
    pub async fn begin_for(&self, tenant: TenantId) -> Result<TenantTx, StoreError> {
        Self::set_tenant(self.app.begin().await?, tenant).await
    }

    /// A read-only transaction that sees one snapshot throughout (repeatable read), for reads
    /// in several statements that must agree with each other (an export's).
    pub async fn begin_snapshot_for(&self, tenant: TenantId) -> Result<TenantTx, StoreError> {
        let inner = self
            .app
            .begin_with_config(
                Some(sea_orm::IsolationLevel::RepeatableRead),
                Some(sea_orm::AccessMode::ReadOnly),
            )
            .await?;
        Self::set_tenant(inner, tenant).await
    }

    async fn set_tenant(
        inner: DatabaseTransaction,
        tenant: TenantId,
    ) -> Result<TenantTx, StoreError> {
        inner
            .execute(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "select set_config('app.tenant_id', $1, true)",
                [tenant.to_string().into()],
            ))
            .await?;
        Ok(TenantTx { inner, tenant })
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        self.app.execute_unprepared("select 1").await?;
        Ok(())
    }
}

impl TenantTx {
    pub fn tenant(&self) -> TenantId {
        self.tenant
    }

    pub async fn commit(self) -> Result<(), StoreError> {
        Ok(self.inner.commit().await?)
    }

    /// Direct SQL inside this tenant's transaction; row-level security still applies.
    pub fn connection(&self) -> &DatabaseTransaction {
        &self.inner
    }

    pub(crate) fn stmt<I: IntoIterator<Item = Value>>(sql: &str, values: I) -> Statement {
        Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
    }
}
