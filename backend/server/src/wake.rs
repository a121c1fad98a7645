//! Wakes a worker (the mail sender, the webhook dispatcher) on each notification of a channel
//! (`LISTEN`), reconnecting after a failure. A wake-up after each (re)connection covers whatever
//! was queued while no one listened.

use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio_postgres::{AsyncMessage, NoTls};

pub async fn listen(database_url: String, channel: &'static str, wake: Arc<Notify>) {
    let mut backoff = Duration::from_millis(200);
    loop {
        if let Err(e) = listen_once(&database_url, channel, &wake).await {
            tracing::warn!(error = %e, channel, "listener lost its connection; reconnecting");
            backoff = (backoff * 2).min(Duration::from_secs(10));
        } else {
            backoff = Duration::from_millis(200);
        }
        tokio::time::sleep(backoff).await;
    }
}

async fn listen_once(database_url: &str, channel: &str, wake: &Notify) -> anyhow::Result<()> {
    let (client, mut connection) = tokio_postgres::connect(database_url, NoTls).await?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let pump = async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(AsyncMessage::Notification(_)) => {
                    let _ = tx.send(());
                }
                Ok(_) => {}
                Err(e) => return Err::<(), anyhow::Error>(e.into()),
            }
        }
        Ok(())
    };
    let handle = tokio::spawn(pump);
    client.batch_execute(&format!("LISTEN {channel}")).await?;
    wake.notify_one();
    while rx.recv().await.is_some() {
        wake.notify_one();
    }
    drop(client);
    handle.await??;
    Ok(())
}
