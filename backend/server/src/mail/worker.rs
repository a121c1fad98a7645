//! The outbox's sender, one per server instance: claims due mails (`for update skip locked` and
//! a lease, so instances never send the same mail twice), sends each over SMTP and marks it sent,
//! or failed with the next attempt after an exponential backoff, or dead after
//! `mail.max_attempts`. It wakes on the `mail_outbox` notification a queued mail sends at commit
//! (`LISTEN`, reconnecting like `changes::listen`) and polls every `mail.poll_ms` for retries.

use super::{build_message, Mail};
use crate::config::{self, MailTls};
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use versiqii_store::{ClaimedMail, MailRetry, Store, MAIL_CHANNEL};

/// Mails claimed at once.
const BATCH: u32 = 16;

/// The wait before the next attempt after `attempts` failed ones: `base` doubling each time, at
/// most `max`.
pub fn backoff(attempts: u32, base: Duration, max: Duration) -> Duration {
    let doublings = attempts.saturating_sub(1).min(30);
    base.saturating_mul(1u32 << doublings).min(max)
}

pub struct Worker {
    store: Store,
    mail: Arc<Mail>,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    poll: Duration,
    lease_secs: u32,
    retry_base: Duration,
    retry_max: Duration,
    max_attempts: u32,
}

/// The SMTP transport `[mail]` describes.
pub fn transport(mail: &config::Mail) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    let builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(mail.host.as_str())
        .port(mail.port)
        .timeout(Some(Duration::from_millis(mail.timeout_ms)));
    let builder = match mail.tls {
        MailTls::None => builder.tls(Tls::None),
        MailTls::Starttls => builder.tls(Tls::Required(TlsParameters::new(mail.host.clone())?)),
        MailTls::Tls => builder.tls(Tls::Wrapper(TlsParameters::new(mail.host.clone())?)),
    };
    let builder = if mail.username.is_empty() {
        builder
    } else {
        builder.credentials(Credentials::new(
            mail.username.clone(),
            mail.password.clone(),
        ))
    };
    Ok(builder.build())
}

impl Worker {
    pub fn new(store: Store, mail: Arc<Mail>, settings: &config::Mail) -> anyhow::Result<Self> {
        let timeout = Duration::from_millis(settings.timeout_ms);
        Ok(Self {
            store,
            mail,
            transport: transport(settings)?,
            from: settings.from.parse()?,
            poll: Duration::from_millis(settings.poll_ms),
            // Long enough for a whole batch to time out one by one before another instance may
            // take the rows again.
            lease_secs: u32::try_from((timeout * (BATCH + 1)).as_secs().max(30)).unwrap_or(3600),
            retry_base: Duration::from_millis(settings.retry_base_ms),
            retry_max: Duration::from_millis(settings.retry_max_ms),
            max_attempts: settings.max_attempts,
        })
    }

    /// Runs until the process ends: listens for queued mail and sends what is due.
    pub async fn run(self, database_url: String) {
        let wake = Arc::new(Notify::new());
        actix_web::rt::spawn(crate::wake::listen(
            database_url,
            MAIL_CHANNEL,
            wake.clone(),
        ));
        loop {
            let claimed = match self.store.claim_mail(BATCH, self.lease_secs).await {
                Ok(claimed) => claimed,
                Err(e) => {
                    tracing::warn!(error = %e, "mail outbox: claiming failed");
                    Vec::new()
                }
            };
            let full = claimed.len() == BATCH as usize;
            for mail in claimed {
                self.deliver(mail).await;
            }
            if !full {
                tokio::select! {
                    _ = wake.notified() => {}
                    _ = tokio::time::sleep(self.poll) => {}
                }
            }
        }
    }

    async fn deliver(&self, claimed: ClaimedMail) {
        let id = claimed.id;
        let (result, permanent) = self.send(&claimed).await;
        let metrics = &self.mail.metrics;
        match result {
            Ok(()) => {
                metrics.sent.fetch_add(1, Ordering::Relaxed);
                if let Err(e) = self.store.mark_mail_sent(id).await {
                    // Sent but not marked: after the lease it would go again. Say so loudly.
                    tracing::error!(mail = id, error = %e, "mail outbox: sent, but not marked sent");
                }
            }
            Err(err) => {
                metrics.failed.fetch_add(1, Ordering::Relaxed);
                let attempts = u32::try_from(claimed.attempts).unwrap_or(0);
                let wait = backoff(attempts, self.retry_base, self.retry_max);
                // A permanent failure is not retried: the row is dead at once.
                let max = if permanent { 0 } else { self.max_attempts };
                let error = format!("{err:#}");
                let wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
                match self.store.mark_mail_failed(id, &error, wait_ms, max).await {
                    Ok(MailRetry::Dead) => {
                        metrics.dead.fetch_add(1, Ordering::Relaxed);
                        tracing::error!(mail = id, kind = %claimed.kind, attempts, error,
                            "mail outbox: given up (dead)");
                    }
                    Ok(MailRetry::Later) => {
                        tracing::warn!(mail = id, kind = %claimed.kind, attempts, error,
                            retry_in_ms = wait_ms, "mail outbox: sending failed; will retry");
                    }
                    Err(e) => {
                        tracing::warn!(mail = id, error = %e, "mail outbox: could not record a failure")
                    }
                }
            }
        }
    }

    /// Sends one mail; on failure, whether retrying cannot help.
    async fn send(&self, claimed: &ClaimedMail) -> (anyhow::Result<()>, bool) {
        let Some(sealed) = claimed.sealed.as_deref() else {
            return (Err(anyhow::anyhow!("the mail has no body")), true);
        };
        let rendered = match self.mail.open(&claimed.kind, &claimed.recipient, sealed) {
            Ok(r) => r,
            Err(e) => return (Err(e), true),
        };
        let message = match build_message(&self.from, &claimed.recipient, &rendered) {
            Ok(m) => m,
            Err(e) => return (Err(e), true),
        };
        match self.transport.send(message).await {
            Ok(_) => (Ok(()), false),
            Err(e) => {
                let permanent = e.is_permanent();
                (Err(anyhow::Error::new(e).context("SMTP")), permanent)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_the_base_up_to_the_cap() {
        let (base, max) = (Duration::from_secs(5), Duration::from_secs(3600));
        let waits: Vec<u64> = (1..=12).map(|n| backoff(n, base, max).as_secs()).collect();
        assert_eq!(
            waits,
            [5, 10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600]
        );
        assert_eq!(
            backoff(0, base, max),
            base,
            "a first attempt waits the base"
        );
        assert_eq!(backoff(u32::MAX, base, max), max, "no overflow");
        assert_eq!(
            backoff(40, Duration::from_millis(1), Duration::from_secs(u64::MAX)),
            Duration::from_millis(1 << 30),
            "doublings stop at 2^30"
        );
    }

    #[test]
    fn the_transport_follows_the_tls_setting() {
        let mut mail = config::Settings::default().mail;
        for tls in [MailTls::None, MailTls::Starttls, MailTls::Tls] {
            mail.tls = tls;
            assert!(transport(&mail).is_ok());
        }
        mail.username = "user".into();
        mail.password = "pw".into();
        assert!(transport(&mail).is_ok());
    }
}
