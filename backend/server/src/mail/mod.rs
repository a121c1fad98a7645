//! Mail over SMTP (lettre, tokio + rustls) through an outbox in Postgres (`mail_outbox`,
//! migrations/0008_mail.sql): an operation queues a mail with [`Mail::enqueue`] in the same
//! transaction as the change that causes it; [`worker`] sends it after commit, retries with
//! backoff and gives up only after `mail.max_attempts` (the row stays, as dead). A request never
//! waits for SMTP. docs/mail.md tells the whole story.

pub mod seal;
pub mod templates;
pub mod worker;

use crate::config;
use crate::error::ApiError;
use anyhow::{bail, Context};
use lettre::message::{Mailbox, MultiPart};
use lettre::Message;
use sea_orm::ConnectionTrait;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use templates::{Rendered, Template};
use versiqii_core::Email;

pub use seal::Sealer;

/// What operations need to queue mail: the sealing key and the console's base URL.
pub struct Mail {
    sealer: Sealer,
    link_base: String,
    pub metrics: MailMetrics,
}

/// A mail rendered and sealed, ready to be queued.
pub struct Prepared {
    kind: &'static str,
    recipient: String,
    sealed: Vec<u8>,
}

impl Prepared {
    /// The outbox's kind, the recipient and the sealed message.
    pub fn into_parts(self) -> (&'static str, String, Vec<u8>) {
        (self.kind, self.recipient, self.sealed)
    }
}

/// A header value with a line break (or another control character) in it: refused, never sent.
#[derive(Debug, thiserror::Error)]
#[error("{0} holds a line break or another control character")]
pub struct HeaderInjection(pub &'static str);

/// Refuses CR, LF and the other control characters in a value that goes into a header.
pub fn check_header(what: &'static str, value: &str) -> Result<(), HeaderInjection> {
    if value.chars().any(char::is_control) {
        return Err(HeaderInjection(what));
    }
    Ok(())
}

/// The bytes a sealed body is bound to: its kind and recipient.
fn aad(kind: &str, recipient: &str) -> Vec<u8> {
    format!("{kind}\n{recipient}").into_bytes()
}

impl Mail {
    pub fn new(settings: &config::Settings) -> Self {
        Self {
            sealer: Sealer::from_secret(settings.auth.jwt_secret.as_bytes()),
            link_base: settings.mail.link_base.trim_end_matches('/').to_owned(),
            metrics: MailMetrics::default(),
        }
    }

    /// The console's base URL (no trailing slash).
    pub fn link_base(&self) -> &str {
        &self.link_base
    }

    /// A link into the console: `{link_base}{path}?token={token}` (the token is URL-safe).
    pub fn link(&self, path: &str, token: &str) -> String {
        format!("{}{path}?token={token}", self.link_base)
    }

    /// Renders and seals `template` for `to`, checking every header value it will need.
    pub fn prepare(&self, to: &Email, template: &Template) -> Result<Prepared, ApiError> {
        let rendered = template.render();
        check_header("the recipient", to.as_str()).map_err(|e| ApiError::invalid("/email", e))?;
        check_header("the subject", &rendered.subject).map_err(|e| ApiError::Internal(e.into()))?;
        to.as_str()
            .parse::<lettre::Address>()
            .map_err(|e| ApiError::invalid("/email", format!("not a deliverable address: {e}")))?;
        let kind = template.kind();
        let plain = serde_json::to_vec(&rendered).map_err(|e| ApiError::Internal(e.into()))?;
        Ok(Prepared {
            kind,
            recipient: to.as_str().to_owned(),
            sealed: self.sealer.seal(&aad(kind, to.as_str()), &plain),
        })
    }

    /// Queues a prepared mail in `conn`'s transaction; the worker sends it once that commits.
    pub async fn enqueue_prepared<C: ConnectionTrait>(
        &self,
        conn: &C,
        mail: Prepared,
    ) -> Result<i64, ApiError> {
        Ok(versiqii_store::enqueue_mail(conn, mail.kind, &mail.recipient, mail.sealed).await?)
    }

    /// Renders, seals and queues `template` for `to` in `conn`'s transaction (a tenant's,
    /// `TenantTx::connection()`, or an untenanted one).
    pub async fn enqueue<C: ConnectionTrait>(
        &self,
        conn: &C,
        to: &Email,
        template: &Template,
    ) -> Result<i64, ApiError> {
        let prepared = self.prepare(to, template)?;
        self.enqueue_prepared(conn, prepared).await
    }

    fn open(&self, kind: &str, recipient: &str, sealed: &[u8]) -> anyhow::Result<Rendered> {
        let plain = self.sealer.open(&aad(kind, recipient), sealed)?;
        Ok(serde_json::from_slice(&plain)?)
    }
}

/// The message as sent: typed headers only (lettre encodes them), CR/LF refused in each, a
/// text and an HTML alternative.
pub fn build_message(from: &Mailbox, to: &str, rendered: &Rendered) -> anyhow::Result<Message> {
    check_header("the recipient", to)?;
    check_header("the subject", &rendered.subject)?;
    let to = Mailbox::new(None, to.parse().context("the recipient's address")?);
    Ok(Message::builder()
        .from(from.clone())
        .to(to)
        .subject(rendered.subject.clone())
        .multipart(MultiPart::alternative_plain_html(
            rendered.text.clone(),
            rendered.html.clone(),
        ))?)
}

/// Checks `[mail]` for `serve`: the From address, the link base, the retry policy.
pub fn validate_settings(mail: &config::Mail) -> anyhow::Result<()> {
    check_header("mail.from (VERSIQII_MAIL_FROM)", &mail.from)?;
    mail.from.parse::<Mailbox>().with_context(|| {
        format!(
            "mail.from (VERSIQII_MAIL_FROM) = {:?} is not an address like \
             \"Versiqii <no-reply@example.com>\"",
            mail.from
        )
    })?;
    check_header("mail.link_base (VERSIQII_MAIL_LINK_BASE)", &mail.link_base)?;
    let base = mail.link_base.as_str();
    if !(base.starts_with("https://") || base.starts_with("http://"))
        || base.contains(['?', '#', ' '])
    {
        bail!(
            "mail.link_base (VERSIQII_MAIL_LINK_BASE) = {base:?} must be the console's http(s) \
             base URL, without query or fragment"
        );
    }
    check_header("mail.host (VERSIQII_MAIL_HOST)", &mail.host)?;
    if mail.host.is_empty() {
        bail!("mail.host (VERSIQII_MAIL_HOST) is empty");
    }
    if mail.max_attempts == 0 || mail.retry_base_ms == 0 || mail.retry_max_ms < mail.retry_base_ms {
        bail!(
            "mail.max_attempts must be at least 1 and mail.retry_base_ms at least 1 and at most \
             mail.retry_max_ms"
        );
    }
    if mail.poll_ms == 0 || mail.timeout_ms == 0 {
        bail!("mail.poll_ms and mail.timeout_ms must be at least 1");
    }
    Ok(())
}

/// The worker's counters for `/metrics`.
#[derive(Default)]
pub struct MailMetrics {
    pub sent: AtomicU64,
    /// Failed attempts (each retried later, or the last one of a dead mail).
    pub failed: AtomicU64,
    /// Mails given up.
    pub dead: AtomicU64,
}

impl MailMetrics {
    pub fn render(&self, out: &mut String) {
        out.push_str(
            "# HELP versiqii_mail_total Mail from the outbox by outcome: sent, failed \
             (an attempt that failed; retried unless the mail is then dead) and dead (given up).\n",
        );
        out.push_str("# TYPE versiqii_mail_total counter\n");
        for (outcome, n) in [
            ("sent", &self.sent),
            ("failed", &self.failed),
            ("dead", &self.dead),
        ] {
            let _ = writeln!(
                out,
                "versiqii_mail_total{{outcome=\"{outcome}\"}} {}",
                n.load(Ordering::Relaxed)
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(subject: &str) -> Rendered {
        Rendered {
            subject: subject.to_owned(),
            text: "text".into(),
            html: "<p>html</p>".into(),
        }
    }

    #[test]
    fn line_breaks_in_header_values_are_refused() {
        let from: Mailbox = "Versiqii <no-reply@versiqii.test>".parse().unwrap();
        for to in [
            "ada@example.com\r\nBcc: eve@example.com",
            "ada@example.com\nBcc: eve@example.com",
            "ada@example.com\r",
        ] {
            let err = build_message(&from, to, &rendered("Hi")).unwrap_err();
            assert!(err.to_string().contains("recipient"), "{err}");
        }
        let err = build_message(
            &from,
            "ada@example.com",
            &rendered("Hi\r\nBcc: eve@example.com"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("subject"), "{err}");
        // A well-formed one has both parts and no injected header.
        let msg = build_message(&from, "ada@example.com", &rendered("Hi")).unwrap();
        let raw = String::from_utf8(msg.formatted()).unwrap();
        assert!(raw.contains("To: ada@example.com"), "{raw}");
        assert!(raw.contains("multipart/alternative"), "{raw}");
        assert!(
            raw.contains("text/plain") && raw.contains("text/html"),
            "{raw}"
        );
        assert!(!raw.to_lowercase().contains("bcc:"), "{raw}");
    }

    #[test]
    fn prepare_refuses_a_recipient_with_a_line_break_and_seals_the_rest() {
        let mut settings = config::Settings::default();
        settings.auth.jwt_secret = "s".repeat(32);
        let mail = Mail::new(&settings);
        let template = Template::PasswordReset {
            link: mail.link("/reset", "tok"),
            valid_minutes: 60,
        };
        // Email::parse trims, so a bare trailing CRLF is not a threat; an inner one cannot pass.
        assert!(Email::parse("ada@example.com\r\nBcc: eve@example.com").is_err());
        let to = Email::parse("ada@example.com").unwrap();
        let prepared = mail.prepare(&to, &template).unwrap();
        assert_eq!(prepared.kind, "password_reset");
        let opened = mail
            .open(prepared.kind, &prepared.recipient, &prepared.sealed)
            .unwrap();
        assert_eq!(opened, template.render());
        assert!(opened
            .text
            .contains("http://127.0.0.1:8080/reset?token=tok"));
        assert!(check_header("x", "a\u{0}b").is_err());
        assert!(check_header("x", "Reset your password").is_ok());
    }

    #[test]
    fn the_mail_settings_are_checked() {
        let ok = config::Settings::default().mail;
        assert!(validate_settings(&ok).is_ok());
        for (edit, what) in [
            (
                (|m: &mut config::Mail| m.from = "not an address".into()) as fn(&mut config::Mail),
                "mail.from",
            ),
            (
                |m| m.from = "V <a@b.test>\r\nBcc: eve@example.com".into(),
                "mail.from",
            ),
            (|m| m.link_base = "console.example".into(), "link_base"),
            (|m| m.link_base = "https://x.test/?a=b".into(), "link_base"),
            (|m| m.max_attempts = 0, "max_attempts"),
            (|m| m.host = String::new(), "mail.host"),
        ] {
            let mut m = ok.clone();
            edit(&mut m);
            let err = validate_settings(&m).unwrap_err().to_string();
            assert!(err.contains(what), "{err}");
        }
    }
}
