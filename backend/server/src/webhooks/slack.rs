//! Events as Slack messages (an incoming webhook's Block Kit): a headline saying what happened
//! and where, the details that matter for the event, and a link to the console's page for it.
//! Slack answers `ok` (200) when it posted the message; anything else is a failed delivery.

use serde_json::{json, Value};
use versiqii_api::events::{DriftFlags, Event, EventEnvelope};

/// Slack's answer to a message it posted.
pub fn accepted(status: u16, body: &str) -> bool {
    status == 200 && body.trim() == "ok"
}

/// `&`, `<` and `>` are Slack's control characters in text.
fn esc(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn dimensions(f: &DriftFlags) -> Vec<&'static str> {
    let mut out = Vec::new();
    if f.schema {
        out.push("schema");
    }
    if f.dependency {
        out.push("dependency");
    }
    if f.config {
        out.push("config");
    }
    if f.environment {
        out.push("environment");
    }
    out
}

/// What a message says: a headline, detail lines, and the console page it links to.
struct Message {
    emoji: &'static str,
    headline: String,
    details: Vec<String>,
    page: String,
}

fn query(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// What an event says, for Slack (`slack`: its control characters escaped) or as plain text
/// (mail digests, whose templates escape for HTML themselves).
fn message(event: &Event, slack: bool) -> Message {
    let esc = |t: &str| if slack { esc(t) } else { t.to_owned() };
    let code = |t: &str| format!("`{}`", esc(&t.replace('`', "'")));
    let m = |emoji, headline: String, details: Vec<String>, page: String| Message {
        emoji,
        headline,
        details,
        page,
    };
    match event {
        Event::DriftChanged(e) => {
            let now = dimensions(&e.after);
            let (emoji, headline) = if now.is_empty() {
                (
                    ":white_check_mark:",
                    format!("{} in {} no longer drifts", code(&e.target), code(&e.env)),
                )
            } else {
                (
                    ":warning:",
                    format!(
                        "{} in {} drifts: {}",
                        code(&e.target),
                        code(&e.env),
                        now.join(", ")
                    ),
                )
            };
            let was = dimensions(&e.before);
            let mut details: Vec<String> = e.details.iter().map(|d| esc(d)).collect();
            details.push(format!(
                "Before: {}",
                if was.is_empty() {
                    "in sync".to_owned()
                } else {
                    was.join(", ")
                }
            ));
            m(
                emoji,
                headline,
                details,
                format!("/drift?env={}", query(&e.env)),
            )
        }
        Event::DeploymentChanged(e) => m(
            if e.forced {
                ":rotating_light:"
            } else {
                ":rocket:"
            },
            format!(
                "{} {} {} in {}{}",
                code(&e.target),
                match &e.from_version {
                    Some(from) => format!("{} →", code(from)),
                    None => "deployed at".to_owned(),
                },
                code(&e.to_version),
                code(&e.env),
                if e.forced { " (forced)" } else { "" }
            ),
            std::iter::once(esc(&e.summary))
                .chain(
                    e.problems
                        .iter()
                        .map(|p| format!("• {}: {}", esc(&p.kind), esc(&p.message))),
                )
                .chain(
                    (!e.migrated_configs.is_empty())
                        .then(|| format!("Migrated: {}", esc(&e.migrated_configs.join(", ")))),
                )
                .collect(),
            format!("/deployments?env={}", query(&e.env)),
        ),
        Event::DeploymentRolledBack(e) => m(
            ":leftwards_arrow_with_hook:",
            format!(
                "{} rolled back to {} in {}{}",
                code(&e.target),
                code(&e.to_version),
                code(&e.env),
                if e.forced { " (forced)" } else { "" }
            ),
            std::iter::once(esc(&e.summary))
                .chain(
                    e.problems
                        .iter()
                        .map(|p| format!("• {}: {}", esc(&p.kind), esc(&p.message))),
                )
                .collect(),
            format!("/deployments?env={}", query(&e.env)),
        ),
        Event::BindingCreated(e) => m(
            ":link:",
            format!(
                "{}#{} bound to {}@{} in {}",
                code(&e.config),
                e.revision,
                code(&e.target),
                esc(&e.version),
                code(&e.env)
            ),
            vec![format!("Valid for schema {}", code(&e.schema_version))],
            format!("/bindings?env={}", query(&e.env)),
        ),
        Event::BindingRefused(e) => m(
            ":no_entry_sign:",
            format!(
                "Refused: {}#{} for {}@{} in {}",
                code(&e.config),
                e.revision,
                code(&e.target),
                esc(&e.version),
                code(&e.env)
            ),
            std::iter::once(format!(
                "{} violation(s) of {}{}",
                e.violation_count,
                code(&e.schema_version),
                if e.after_migration {
                    " after migrating"
                } else {
                    ""
                }
            ))
            .chain(e.violations.iter().map(|v| format!("• {}", esc(v))))
            .collect(),
            format!("/bindings?env={}", query(&e.env)),
        ),
        Event::DeploymentRefused(e) => m(
            ":no_entry_sign:",
            format!(
                "Refused: {} {} {} in {}",
                if e.rollback {
                    "rolling back"
                } else {
                    "deploying"
                },
                code(&e.target),
                code(&e.to_version),
                code(&e.env)
            ),
            std::iter::once(esc(&e.summary))
                .chain(
                    e.problems
                        .iter()
                        .map(|p| format!("• {}: {}", esc(&p.kind), esc(&p.message))),
                )
                .collect(),
            format!("/deployments?env={}", query(&e.env)),
        ),
        Event::PromotionApplied(e) => m(
            ":rocket:",
            format!(
                "{} promoted to {}: {} target(s){}",
                code(&e.from),
                code(&e.to),
                e.targets.len(),
                if e.forced { " (forced)" } else { "" }
            ),
            std::iter::once(esc(&e.summary))
                .chain(e.problems.iter().map(|p| {
                    format!(
                        "• {} {}: {}",
                        code(&p.target),
                        esc(&p.kind),
                        esc(&p.message)
                    )
                }))
                .collect(),
            format!("/deployments?env={}", query(&e.to)),
        ),
        Event::PromotionRefused(e) => m(
            ":no_entry_sign:",
            format!(
                "Refused: promoting {} to {} ({} target(s))",
                code(&e.from),
                code(&e.to),
                e.targets.len()
            ),
            std::iter::once(esc(&e.summary))
                .chain(e.problems.iter().map(|p| {
                    format!(
                        "• {} {}: {}",
                        code(&p.target),
                        esc(&p.kind),
                        esc(&p.message)
                    )
                }))
                .collect(),
            format!("/deployments?env={}", query(&e.to)),
        ),
        Event::ObservationRecorded(e) => m(
            ":eyes:",
            format!(
                "{} reports {}@{} running",
                code(&e.env),
                code(&e.target),
                esc(&e.version)
            ),
            e.config_hash
                .iter()
                .map(|h| format!("Config hash {}", code(&h[..h.len().min(12)])))
                .collect(),
            format!("/drift?env={}", query(&e.env)),
        ),
        Event::SchemaAdded(e) => m(
            ":page_facing_up:",
            format!("Schema {}@{} added", code(&e.family), esc(&e.version)),
            vec![format!("Checked at {} compatibility", esc(&e.compat_level))],
            format!("/families/{}", query(&e.family)),
        ),
        Event::MigrationAdded(e) => m(
            ":twisted_rightwards_arrows:",
            format!(
                "A {} migration for {} {} → {}",
                esc(&e.kind),
                code(&e.family),
                esc(&e.from),
                esc(&e.to)
            ),
            (e.failing > 0)
                .then(|| format!(":warning: {} bound configs fail it", e.failing))
                .into_iter()
                .collect(),
            "/migrations".into(),
        ),
        Event::TargetVersionCreated(e) => m(
            ":package:",
            format!("{}@{} declared", code(&e.target), esc(&e.version)),
            vec![format!(
                "Reads {}@{}",
                code(&e.family),
                esc(&e.schema_version)
            )],
            "/targets".into(),
        ),
        Event::ConfigCreated(e) => m(
            ":memo:",
            format!("Config {} revision {} stored", code(&e.config), e.revision),
            vec![format!("For {}", code(&e.target))],
            format!("/configs/{}", e.revision_id),
        ),
        Event::ConfigMigrated(e) => m(
            ":memo:",
            format!(
                "Config {} migrated {} → {}",
                code(&e.config),
                esc(&e.from_schema),
                esc(&e.to_schema)
            ),
            e.steps.iter().map(|s| format!("• {}", esc(s))).collect(),
            format!("/configs/{}", e.revision_id),
        ),
        Event::ConstraintCreated(e) => m(
            ":triangular_ruler:",
            format!(
                "{} now {} {} {}",
                code(&e.from),
                esc(&e.kind),
                code(&e.target),
                esc(&e.range)
            ),
            Vec::new(),
            "/graph".into(),
        ),
        Event::ConstraintDeleted(_) => m(
            ":triangular_ruler:",
            "A constraint was removed".into(),
            Vec::new(),
            "/graph".into(),
        ),
        Event::EnvironmentCreated(e) => m(
            ":earth_africa:",
            format!("Environment {} created", code(&e.env)),
            Vec::new(),
            "/envs".into(),
        ),
        Event::ApiKeyCreated(e) => m(
            ":key:",
            format!("API key {} created", code(&e.name)),
            vec![format!("Scopes: {}", esc(&e.scopes.join(", ")))],
            "/api-keys".into(),
        ),
        Event::ApiKeyRevoked(_) => m(
            ":key:",
            "An API key was revoked".into(),
            Vec::new(),
            "/api-keys".into(),
        ),
        Event::WebhookEndpointCreated(e) => m(
            ":satellite_antenna:",
            format!("Webhook endpoint created for {}", esc(&e.events.join(", "))),
            vec![esc(&e.url)],
            "/webhooks".into(),
        ),
        Event::WebhookEndpointUpdated(e) => m(
            ":satellite_antenna:",
            format!("Webhook endpoint changed: {}", esc(&e.change)),
            vec![esc(&e.url)],
            "/webhooks".into(),
        ),
        Event::WebhookEndpointDeleted(e) => m(
            ":satellite_antenna:",
            "Webhook endpoint deleted".into(),
            vec![esc(&e.url)],
            "/webhooks".into(),
        ),
        Event::WebhookEndpointDisabled(e) => m(
            ":no_entry:",
            "A webhook endpoint was disabled: every delivery failed for days".into(),
            vec![
                esc(&e.url),
                format!(
                    "Failing since {}",
                    e.failing_since.format("%Y-%m-%d %H:%M UTC")
                ),
            ],
            "/webhooks".into(),
        ),
        Event::WebhookTest(e) => m(
            ":wave:",
            "Versiqii is connected to this channel".into(),
            vec![esc(&e.message)],
            "/webhooks".into(),
        ),
        Event::QuotaWarning(e) => m(
            ":chart_with_upwards_trend:",
            format!(
                "{} of {} {} used on the {} plan{}",
                e.used,
                e.limit,
                esc(&e.quota.replace('_', " ")),
                code(&e.plan),
                e.period
                    .as_deref()
                    .map(|p| format!(" in {}", esc(p)))
                    .unwrap_or_default()
            ),
            vec!["At the limit, more is refused: remove some or move to a larger plan.".into()],
            "/usage".into(),
        ),
        Event::InvoiceFinalized(e) => m(
            ":receipt:",
            format!(
                "Invoice {} for {}: {}",
                code(&e.number),
                esc(&e.period),
                esc(&crate::ops::billing::money(e.total_cents, &e.currency))
            ),
            if e.sla_credit_percent > 0 {
                vec![format!(
                    "An SLA credit of {}% of the month is taken off.",
                    e.sla_credit_percent
                )]
            } else {
                Vec::new()
            },
            "/usage".into(),
        ),
        Event::TenantImported(e) => m(
            ":inbox_tray:",
            "A tenant archive was imported".into(),
            vec![format!(
                "{} configs ({} revisions), {} targets, {} environments",
                e.configs, e.revisions, e.targets, e.environments
            )],
            "/configs".into(),
        ),
    }
}

/// An event in plain words: its headline, details and the console path it links to (`None`
/// for an event this version cannot read).
pub fn summary(envelope: &Value) -> Option<(String, Vec<String>, String)> {
    let envelope = serde_json::from_value::<EventEnvelope>(envelope.clone()).ok()?;
    let msg = message(&envelope.event, false);
    Some((msg.headline, msg.details, msg.page))
}

/// The Slack message for an event; `console` is the console's base URL for the link. An event
/// this version cannot read (from a newer server) still gets a plain message naming its type.
pub fn render(envelope: &Value, console: &str) -> Value {
    let Ok(envelope) = serde_json::from_value::<EventEnvelope>(envelope.clone()) else {
        let kind = envelope
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("an event");
        let text = format!("Versiqii: {}", esc(kind));
        return json!({ "text": text, "blocks": [
            { "type": "section", "text": { "type": "mrkdwn", "text": text } }
        ] });
    };
    let msg = message(&envelope.event, true);
    let kind = envelope.event.type_name();
    let link = format!("{}{}", console.trim_end_matches('/'), msg.page);
    let headline = format!("{} {}", msg.emoji, msg.headline);
    let mut blocks = vec![json!({
        "type": "section",
        "text": { "type": "mrkdwn", "text": headline }
    })];
    if !msg.details.is_empty() {
        // Slack refuses a text object over 3000 characters.
        let mut details = msg.details.join("\n");
        if details.len() > 2900 {
            let mut cut = 2900;
            while !details.is_char_boundary(cut) {
                cut -= 1;
            }
            details.truncate(cut);
            details.push('…');
        }
        blocks.push(json!({
            "type": "section",
            "text": { "type": "mrkdwn", "text": details }
        }));
    }
    blocks.push(json!({
        "type": "context",
        "elements": [
            { "type": "mrkdwn", "text": format!("`{kind}` · <{link}|Open in Versiqii>") }
        ]
    }));
    json!({ "text": headline, "blocks": blocks })
}

#[cfg(test)]
mod tests {
    use super::*;
    use versiqii_api::events::{DeploymentChanged, DriftChanged};

    fn envelope(event: Event) -> Value {
        serde_json::to_value(EventEnvelope::from(event)).unwrap()
    }

    #[test]
    fn drift_says_what_drifts_where_and_links_to_the_environment() {
        let flags = |schema, config| DriftFlags {
            schema,
            dependency: false,
            config,
            environment: false,
        };
        let msg = render(
            &envelope(Event::DriftChanged(DriftChanged {
                env: "prod eu".into(),
                target: "checkout<script>".into(),
                before: flags(false, false),
                after: flags(true, true),
                details: vec!["timeout_ms is required".into()],
            })),
            "https://console.example.com/",
        );
        let text = msg["text"].as_str().unwrap();
        assert!(
            text.contains("`checkout&lt;script&gt;` in `prod eu` drifts: schema, config"),
            "{text}"
        );
        let blocks = msg["blocks"].as_array().unwrap();
        assert_eq!(blocks.len(), 3);
        assert!(blocks[1]["text"]["text"]
            .as_str()
            .unwrap()
            .contains("timeout_ms is required"));
        assert!(blocks[1]["text"]["text"]
            .as_str()
            .unwrap()
            .contains("Before: in sync"));
        let context = blocks[2]["elements"][0]["text"].as_str().unwrap();
        assert!(
            context.contains("<https://console.example.com/drift?env=prod%20eu|Open in Versiqii>"),
            "{context}"
        );
        assert!(context.contains("`drift.changed`"));
    }

    #[test]
    fn a_forced_deployment_lists_its_problems() {
        let msg = render(
            &envelope(Event::DeploymentChanged(DeploymentChanged {
                env: "prod".into(),
                target: "api".into(),
                from_version: Some("1.0.0".into()),
                to_version: "2.0.0".into(),
                forced: true,
                problems: vec![versiqii_api::events::DeploymentProblem {
                    kind: "config_invalid".into(),
                    message: "missing port".into(),
                }],
                migrated_configs: vec![],
                summary: "api 1.0.0 -> 2.0.0".into(),
            })),
            "http://c",
        );
        assert!(msg["text"].as_str().unwrap().contains(":rotating_light:"));
        assert!(msg["text"].as_str().unwrap().contains("(forced)"));
        let details = msg["blocks"][1]["text"]["text"].as_str().unwrap();
        assert!(
            details.contains("• config_invalid: missing port"),
            "{details}"
        );
    }

    #[test]
    fn every_event_type_renders_and_unknown_ones_degrade() {
        // An event type this build does not know still becomes a message.
        let msg = render(
            &json!({"type": "future.thing", "version": 1, "data": {}}),
            "http://c",
        );
        assert_eq!(msg["text"], "Versiqii: future.thing");
        assert!(accepted(200, "ok\n"));
        assert!(!accepted(200, "invalid_payload"));
        assert!(!accepted(404, "ok"));
        let long = "x".repeat(5000);
        let msg = render(
            &envelope(Event::DriftChanged(DriftChanged {
                env: "e".into(),
                target: "t".into(),
                before: DriftFlags {
                    schema: false,
                    dependency: false,
                    config: false,
                    environment: false,
                },
                after: DriftFlags {
                    schema: true,
                    dependency: false,
                    config: false,
                    environment: false,
                },
                details: vec![long],
            })),
            "http://c",
        );
        assert!(msg["blocks"][1]["text"]["text"].as_str().unwrap().len() <= 3000);
    }
}
