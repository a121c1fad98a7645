//! The mails, each in text and HTML. Every value put into the HTML is escaped; nothing here
//! builds a header (the worker builds them through lettre's typed `Mailbox` and `Subject`, and
//! refuses CR or LF in any of them first). A new mail (email verification, an invite) is one
//! variant here, with the organisation's name where it concerns one, and one
//! [`super::Mail::enqueue`] call where it is caused.

use serde::{Deserialize, Serialize};

/// The product's name as mails show it.
pub const PRODUCT: &str = "Versiqii";

/// A mail to render.
#[derive(Debug, Clone)]
pub enum Template {
    /// A password reset link for a person (not an organisation: no tenant name).
    PasswordReset {
        /// `{link_base}/reset?token=…`
        link: String,
        /// How long the link works.
        valid_minutes: u32,
    },
    /// A new person's email to prove, with the organisation they signed up (if any).
    EmailVerification {
        /// `{link_base}/verify?token=…`
        link: String,
        organisation: Option<String>,
        valid_hours: u32,
    },
    /// An invite into an organisation, with who invited and the role it gives.
    Invite {
        /// `{link_base}/invites/accept?token=…`
        link: String,
        organisation: String,
        /// The inviter's name or email; `None` for an API key.
        inviter: Option<String>,
        role: String,
        valid_days: u32,
    },
    /// A member's digest of the organisation's events (drift, refused deployments and bindings).
    Digest {
        /// The organisation's name.
        organisation: String,
        /// `hourly` or `daily`.
        every: String,
        /// Each event: when (UTC), its headline, its details and a link into the console.
        items: Vec<DigestItem>,
        /// Events left out of this mail (the next one starts after the last shown).
        more: usize,
        /// The console's page where an admin changes the subscription.
        manage: String,
    },
    /// A webhook endpoint the dispatcher disabled after days of failing deliveries.
    WebhookDisabled {
        /// The organisation's slug.
        organisation: String,
        url: String,
        failing_since: String,
        /// `{link_base}/webhooks`
        link: String,
    },
}

/// One event in a digest.
#[derive(Debug, Clone)]
pub struct DigestItem {
    pub at: String,
    pub headline: String,
    pub details: Vec<String>,
    pub link: String,
}

/// A rendered mail: what the outbox seals and the worker sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Template {
    /// The outbox's `kind` for this mail.
    pub fn kind(&self) -> &'static str {
        match self {
            Template::PasswordReset { .. } => "password_reset",
            Template::Invite { .. } => "invite",
            Template::EmailVerification { .. } => "email_verification",
            Template::WebhookDisabled { .. } => "webhook_disabled",
            Template::Digest { .. } => "digest",
        }
    }

    pub fn render(&self) -> Rendered {
        match self {
            Template::PasswordReset {
                link,
                valid_minutes,
            } => {
                let subject = format!("Reset your {PRODUCT} password");
                let text = format!(
                    "Someone (we hope you) asked to reset the password of your {PRODUCT} account.\n\
                     \n\
                     Choose a new password here:\n\
                     \n\
                     {link}\n\
                     \n\
                     The link works once, for {valid_minutes} minutes. Resetting your password \
                     signs you out everywhere.\n\
                     \n\
                     If you did not ask for this, ignore this mail: your password stays as it is.\n\
                     \n\
                     -- \n{PRODUCT}\n"
                );
                let body = format!(
                    "<p>Someone (we hope you) asked to reset the password of your {product} account.</p>\n\
                     <p><a href=\"{link}\" style=\"{button}\">Choose a new password</a></p>\n\
                     <p>Or open this link: <br><a href=\"{link}\">{link}</a></p>\n\
                     <p>The link works once, for {valid_minutes} minutes. Resetting your password \
                     signs you out everywhere.</p>\n\
                     <p>If you did not ask for this, ignore this mail: your password stays as it is.</p>",
                    product = escape_html(PRODUCT),
                    link = escape_html(link),
                    button = BUTTON,
                );
                Rendered {
                    html: layout(&subject, &body),
                    subject,
                    text,
                }
            }
            Template::EmailVerification {
                link,
                organisation,
                valid_hours,
            } => {
                let subject = format!("Verify your email for {PRODUCT}");
                let joined = organisation
                    .as_deref()
                    .map(|o| format!(" and the organisation {o}"))
                    .unwrap_or_default();
                let text = format!(
                    "Welcome to {PRODUCT}: your account{joined} is ready.\n\
                     \n\
                     Verify your email address here, so you can create API keys and invite others:\n\
                     \n\
                     {link}\n\
                     \n\
                     The link works once, for {valid_hours} hours.\n\
                     \n\
                     If you did not sign up, ignore this mail.\n\
                     \n\
                     -- \n{PRODUCT}\n"
                );
                let joined_html = organisation
                    .as_deref()
                    .map(|o| format!(" and the organisation <strong>{}</strong>", escape_html(o)))
                    .unwrap_or_default();
                let body = format!(
                    "<p>Welcome to {product}: your account{joined_html} is ready.</p>\n\
                     <p>Verify your email address, so you can create API keys and invite others:</p>\n\
                     <p><a href=\"{link}\" style=\"{button}\">Verify my email</a></p>\n\
                     <p>Or open this link: <br><a href=\"{link}\">{link}</a></p>\n\
                     <p>The link works once, for {valid_hours} hours. If you did not sign up, \
                     ignore this mail.</p>",
                    product = escape_html(PRODUCT),
                    link = escape_html(link),
                    button = BUTTON,
                );
                Rendered {
                    html: layout(&subject, &body),
                    subject,
                    text,
                }
            }
            Template::Invite {
                link,
                organisation,
                inviter,
                role,
                valid_days,
            } => render_invite(link, organisation, inviter.as_deref(), role, *valid_days),
            Template::WebhookDisabled {
                organisation,
                url,
                failing_since,
                link,
            } => render_webhook_disabled(organisation, url, failing_since, link),
            Template::Digest {
                organisation,
                every,
                items,
                more,
                manage,
            } => render_digest(organisation, every, items, *more, manage),
        }
    }
}

/// The invite mail: the organisation, who invited, the role, the link and how long it works.
fn render_invite(
    link: &str,
    organisation: &str,
    inviter: Option<&str>,
    role: &str,
    valid_days: u32,
) -> Rendered {
    // The subject is a header: the organisation's name goes in without control characters.
    let org_line: String = organisation.chars().filter(|c| !c.is_control()).collect();
    let subject = format!("You are invited to {org_line} on {PRODUCT}");
    let who = inviter.unwrap_or("An administrator");
    let text = format!(
        "{who} invited you to join the organisation {organisation} on {PRODUCT} as {role}.\n\
         \n\
         Accept the invite here (sign in, or create your account with this email address):\n\
         \n\
         {link}\n\
         \n\
         The link works once, for {valid_days} days.\n\
         \n\
         If you did not expect this invite, ignore this mail.\n\
         \n\
         -- \n{PRODUCT}\n"
    );
    let body = format!(
        "<p>{who} invited you to join the organisation <strong>{organisation}</strong> on \
         {product} as <strong>{role}</strong>.</p>\n\
         <p><a href=\"{link}\" style=\"{button}\">Accept the invite</a></p>\n\
         <p>Or open this link: <br><a href=\"{link}\">{link}</a></p>\n\
         <p>Sign in, or create your account with this email address. The link works once, for \
         {valid_days} days.</p>\n\
         <p>If you did not expect this invite, ignore this mail.</p>",
        who = escape_html(who),
        organisation = escape_html(organisation),
        product = escape_html(PRODUCT),
        role = escape_html(role),
        link = escape_html(link),
        button = BUTTON,
    );
    Rendered {
        html: layout(&subject, &body),
        subject,
        text,
    }
}

/// A digest: one entry per event, oldest first, each with its details and a link.
fn render_digest(
    organisation: &str,
    every: &str,
    items: &[DigestItem],
    more: usize,
    manage: &str,
) -> Rendered {
    let org_line: String = organisation.chars().filter(|c| !c.is_control()).collect();
    let subject = format!(
        "{org_line}: {} event{} in your {every} {PRODUCT} digest",
        items.len() + more,
        if items.len() + more == 1 { "" } else { "s" }
    );
    let mut text = format!("What happened in {organisation} since your last digest:\n\n");
    let mut body = format!(
        "<p>What happened in <strong>{}</strong> since your last digest:</p>\n<ul style=\"padding-left:18px\">\n",
        escape_html(organisation)
    );
    for item in items {
        text.push_str(&format!("* {} — {}\n", item.at, item.headline));
        for d in &item.details {
            text.push_str(&format!("    {d}\n"));
        }
        text.push_str(&format!("    {}\n\n", item.link));
        body.push_str(&format!(
            "<li style=\"margin-bottom:12px\"><span style=\"color:#59636e\">{}</span> \
             <a href=\"{}\">{}</a>",
            escape_html(&item.at),
            escape_html(&item.link),
            escape_html(&item.headline)
        ));
        if !item.details.is_empty() {
            body.push_str("<br><span style=\"font-size:13px\">");
            let lines: Vec<String> = item.details.iter().map(|d| escape_html(d)).collect();
            body.push_str(&lines.join("<br>"));
            body.push_str("</span>");
        }
        body.push_str("</li>\n");
    }
    body.push_str("</ul>\n");
    if more > 0 {
        text.push_str(&format!(
            "…and {more} more: the next digest continues from here.\n\n"
        ));
        body.push_str(&format!(
            "<p>…and {more} more: the next digest continues from here.</p>\n"
        ));
    }
    text.push_str(&format!(
        "An admin of {organisation} subscribed you ({every}); they can change it here:\n{manage}\n\n-- \n{PRODUCT}\n"
    ));
    body.push_str(&format!(
        "<p style=\"color:#59636e;font-size:13px\">An admin of {} subscribed you ({}); they can \
         change it <a href=\"{}\">here</a>.</p>",
        escape_html(organisation),
        escape_html(every),
        escape_html(manage)
    ));
    Rendered {
        html: layout(&subject, &body),
        subject,
        text,
    }
}

/// The mail to an organisation's admins when the dispatcher disabled one of its endpoints.
fn render_webhook_disabled(
    organisation: &str,
    url: &str,
    failing_since: &str,
    link: &str,
) -> Rendered {
    let org_line: String = organisation.chars().filter(|c| !c.is_control()).collect();
    let subject = format!("A webhook endpoint of {org_line} was disabled");
    let text = format!(
        "Every delivery to this webhook endpoint of {organisation} has failed since \
         {failing_since}, so {PRODUCT} stopped sending to it:\n\
         \n\
         {url}\n\
         \n\
         Its deliveries are kept. Fix the receiver, then enable the endpoint again (`versiqii \
         webhooks enable`, or in the console) and what is pending goes out:\n\
         \n\
         {link}\n\
         \n\
         -- \n{PRODUCT}\n"
    );
    let body = format!(
        "<p>Every delivery to this webhook endpoint of <strong>{organisation}</strong> has failed \
         since {failing_since}, so {product} stopped sending to it:</p>\n\
         <p><code>{url}</code></p>\n\
         <p>Its deliveries are kept. Fix the receiver, then enable the endpoint again and what is \
         pending goes out.</p>\n\
         <p><a href=\"{link}\" style=\"{button}\">Open webhooks</a></p>",
        organisation = escape_html(organisation),
        failing_since = escape_html(failing_since),
        product = escape_html(PRODUCT),
        url = escape_html(url),
        link = escape_html(link),
        button = BUTTON,
    );
    Rendered {
        html: layout(&subject, &body),
        subject,
        text,
    }
}

const BUTTON: &str = "display:inline-block;padding:10px 18px;background:#2454d6;color:#ffffff;\
                      text-decoration:none;border-radius:6px;font-weight:600";

/// The HTML frame every mail shares; `title` is escaped here, `body` must be escaped already.
fn layout(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width\">\n<title>{title}</title>\n</head>\n\
         <body style=\"font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;color:#1b1f24;\
         line-height:1.5;max-width:560px;margin:24px auto;padding:0 16px\">\n\
         <h1 style=\"font-size:20px\">{title}</h1>\n{body}\n\
         <hr style=\"border:none;border-top:1px solid #d0d7de;margin-top:32px\">\n\
         <p style=\"color:#59636e;font-size:12px\">{product}</p>\n</body>\n</html>\n",
        title = escape_html(title),
        product = escape_html(PRODUCT),
    )
}

/// Text as HTML text or a double-quoted attribute value.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod invite_tests {
    use super::*;

    #[test]
    fn the_invite_mail_names_the_organisation_inviter_and_role_and_escapes_them() {
        let t = Template::Invite {
            link: "https://console.example/invites/accept?token=vqi_abc".into(),
            organisation: "Acme <b>&</b>\r\nBcc: eve@example.com".into(),
            inviter: Some("Ada \"the admin\"".into()),
            role: "editor".into(),
            valid_days: 7,
        };
        assert_eq!(t.kind(), "invite");
        let r = t.render();
        assert!(!r.subject.contains(['\r', '\n']), "{}", r.subject);
        assert!(r
            .subject
            .starts_with("You are invited to Acme <b>&</b>Bcc:"));
        assert!(
            r.text.contains("Ada \"the admin\" invited you"),
            "{}",
            r.text
        );
        assert!(r.text.contains("as editor"));
        assert!(r.text.contains("7 days"));
        assert!(r
            .text
            .contains("https://console.example/invites/accept?token=vqi_abc"));
        assert!(
            r.html.contains("Acme &lt;b&gt;&amp;&lt;/b&gt;"),
            "{}",
            r.html
        );
        assert!(r.html.contains("Ada &quot;the admin&quot;"));
        assert!(r
            .html
            .contains("href=\"https://console.example/invites/accept?token=vqi_abc\""));
        let anonymous = Template::Invite {
            link: "l".into(),
            organisation: "Acme".into(),
            inviter: None,
            role: "viewer".into(),
            valid_days: 7,
        }
        .render();
        assert!(anonymous.text.starts_with("An administrator invited you"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escaping_covers_markup_and_attribute_quotes() {
        assert_eq!(
            escape_html(r#"<a href="x" onclick='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
        assert_eq!(escape_html("plain text"), "plain text");
    }

    #[test]
    fn the_reset_mail_has_the_link_in_both_parts_and_escapes_it_in_html() {
        let link = "https://console.example/reset?token=abc&x=\"><script>".to_owned();
        let r = Template::PasswordReset {
            link: link.clone(),
            valid_minutes: 60,
        }
        .render();
        assert_eq!(r.subject, "Reset your Versiqii password");
        assert!(!r.subject.contains(['\r', '\n']));
        assert!(r.text.contains(&link), "{}", r.text);
        assert!(r.text.contains("60 minutes"));
        assert!(!r.html.contains("<script>"), "{}", r.html);
        assert!(r
            .html
            .contains("https://console.example/reset?token=abc&amp;x=&quot;&gt;&lt;script&gt;"));
        assert!(r.html.starts_with("<!DOCTYPE html>"));
        assert!(r
            .html
            .contains("<title>Reset your Versiqii password</title>"));
        assert_eq!(
            Template::PasswordReset {
                link,
                valid_minutes: 60
            }
            .kind(),
            "password_reset"
        );
    }
}
