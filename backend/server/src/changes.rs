//! Keeps instances consistent: each listens (tokio-postgres `LISTEN`) for the notifications that
//! writes send at commit, and reloads the cached state of the tenants they name.

use crate::actors::Directory;
use crate::auth::authorized::Gatekeeper;
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::{AsyncMessage, NoTls};
use versiqii_core::TenantId;
use versiqii_store::CHANGES_CHANNEL;

/// Drops what this instance holds from Postgres: graphs and drift reload, keys are looked up
/// again.
async fn resync(directory: &Directory, gate: &Gatekeeper) {
    gate.keys.clear();
    gate.suspended.reload(&gate.store).await;
    if let Ok(live) = directory.live().await {
        for (tenant, _) in live {
            directory.reload_if_live(tenant).await;
        }
    }
}

/// Runs until the process ends, reconnecting after a failure.
pub async fn listen(
    database_url: String,
    directory: Directory,
    gate: Arc<Gatekeeper>,
    instance: Arc<str>,
) {
    let mut backoff = Duration::from_millis(200);
    loop {
        match listen_once(&database_url, &directory, &gate, &instance).await {
            Ok(()) => backoff = Duration::from_millis(200),
            Err(e) => {
                tracing::warn!(error = %e, "change listener lost its connection; reconnecting");
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
        }
        tokio::time::sleep(backoff).await;
    }
}

async fn listen_once(
    database_url: &str,
    directory: &Directory,
    gate: &Gatekeeper,
    instance: &str,
) -> anyhow::Result<()> {
    let (client, mut connection) = tokio_postgres::connect(database_url, NoTls).await?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    // The connection yields notifications; it must be polled for the client to work at all.
    let pump = async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(n)) => {
                    let _ = tx.send(n.payload().to_owned());
                }
                Ok(_) => {}
                Err(e) => return Err::<(), anyhow::Error>(e.into()),
            }
        }
        Ok(())
    };
    let handle = tokio::spawn(pump);
    client
        .batch_execute(&format!("LISTEN {CHANGES_CHANNEL}"))
        .await?;
    tracing::info!("listening for changes from other instances");
    // Whatever was notified while no one listened is lost: start again from Postgres.
    resync(directory, gate).await;
    while let Some(payload) = rx.recv().await {
        if let Some(tenant) = payload
            .strip_prefix("graph:")
            .and_then(|id| id.parse().ok())
            .map(TenantId)
        {
            directory.reload_if_live(tenant).await;
        } else if let Some((origin, tenant, env)) = payload
            .strip_prefix("drift:")
            .and_then(|rest| rest.split_once(':'))
            .and_then(|(origin, rest)| Some((origin, rest.split_once(':')?)))
            .and_then(|(origin, (id, env))| {
                Some((origin, TenantId(id.parse().ok()?), env.to_owned()))
            })
        {
            // This instance's own writes were applied as they committed.
            if origin != instance {
                directory.refresh_drift_if_live(tenant, env).await;
            }
        } else if let Some(id) = payload
            .strip_prefix("api-key-revoked:")
            .and_then(|id| id.parse::<uuid::Uuid>().ok())
        {
            gate.keys.evict(id);
        } else if payload.starts_with("tenant-status:") {
            gate.suspended.reload(&gate.store).await;
        }
    }
    drop(client);
    handle.await??;
    Ok(())
}
