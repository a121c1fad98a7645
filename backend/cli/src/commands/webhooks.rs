//! `webhooks create | list | show | update | enable | disable | delete | rotate-secret | test |
//! deliveries | delivery | resend | replay`.

use super::shared::{fields, parse_id, print_list, Column};
use crate::args::{
    CreateWebhookArgs, DeliveriesArgs, DeliveryArg, GlobalArgs, ReplayArgs, UpdateWebhookArgs,
    WebhookFormatArg, WebhookIdArg, WebhooksCommand,
};
use crate::client::Client;
use crate::error::{one_line, CliError};
use crate::output::{self, note, out, show, OutputFormat};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use versiqii_api::ids::WebhookEndpointId;
use versiqii_api::v1::{
    AttemptView, DeliveryQuery, DeliveryView, NewWebhookRequest, ReplayRequest, WebhookFormat,
    WebhookUpdateRequest, WebhookView, WebhookWithSecret,
};

pub fn run(global: &GlobalArgs, command: WebhooksCommand) -> Result<(), CliError> {
    match command {
        WebhooksCommand::Create(args) => create(global, &args),
        WebhooksCommand::List => list(global),
        WebhooksCommand::Show(args) => {
            let id = parse_endpoint(&args.id)?;
            let endpoint = client(global)?.webhook(id)?;
            print_endpoint(global, &endpoint)
        }
        WebhooksCommand::Update(args) => update(global, &args),
        WebhooksCommand::Enable(args) => set_state(global, &args, "enable"),
        WebhooksCommand::Disable(args) => set_state(global, &args, "disable"),
        WebhooksCommand::Delete(args) => {
            let id = parse_endpoint(&args.id)?;
            client(global)?.delete_webhook(id)?;
            done(
                global,
                json!({ "id": id, "deleted": true }),
                &format!("deleted {id}"),
            )
        }
        WebhooksCommand::RotateSecret(args) => {
            let id = parse_endpoint(&args.id)?;
            let rotated = client(global)?.rotate_webhook_secret(id)?;
            print_secret(global, &rotated, "rotated the secret of")
        }
        WebhooksCommand::Test(args) => {
            let id = parse_endpoint(&args.id)?;
            client(global)?.test_webhook(id)?;
            done(
                global,
                json!({ "id": id, "queued": true }),
                &format!("queued a test message for {id}"),
            )
        }
        WebhooksCommand::Deliveries(args) => deliveries(global, &args),
        WebhooksCommand::Delivery(args) => delivery(global, &args),
        WebhooksCommand::Resend(args) => {
            let id = parse_endpoint(&args.id)?;
            client(global)?.resend_webhook_delivery(id, args.delivery)?;
            done(
                global,
                json!({ "id": id, "delivery": args.delivery, "queued": true }),
                &format!("queued delivery {} again", args.delivery),
            )
        }
        WebhooksCommand::Replay(args) => replay(global, &args),
    }
}

fn client(global: &GlobalArgs) -> Result<Client, CliError> {
    Client::authenticated(global.url.as_deref(), global.token.as_deref())
}

fn parse_endpoint(raw: &str) -> Result<WebhookEndpointId, CliError> {
    parse_id(raw, "webhook endpoint ID")
}

fn done(global: &GlobalArgs, json: serde_json::Value, text: &str) -> Result<(), CliError> {
    match global.output {
        OutputFormat::Json => output::print_json(&json),
        OutputFormat::Table => out(text),
    }
}

fn format_of(arg: WebhookFormatArg) -> WebhookFormat {
    match arg {
        WebhookFormatArg::Standard => WebhookFormat::Standard,
        WebhookFormatArg::Slack => WebhookFormat::Slack,
    }
}

fn create(global: &GlobalArgs, args: &CreateWebhookArgs) -> Result<(), CliError> {
    let body = NewWebhookRequest {
        url: args.endpoint_url.clone(),
        events: (!args.events.is_empty()).then(|| args.events.clone()),
        environments: (!args.envs.is_empty()).then(|| args.envs.clone()),
        format: format_of(args.format),
        description: args.description.clone(),
        ordered: args.ordered,
        rate_limit: args.rate_limit,
    };
    let created = client(global)?.create_webhook(&body)?;
    print_secret(global, &created, "created")
}

/// The secret alone on stdout (so `SECRET=$(versiqii webhooks create ...)` works), the rest on
/// stderr; or everything as JSON.
fn print_secret(global: &GlobalArgs, made: &WebhookWithSecret, what: &str) -> Result<(), CliError> {
    match global.output {
        OutputFormat::Json => output::print_json_of(made),
        OutputFormat::Table => {
            out(&made.secret)?;
            note(&format!(
                "{what} webhook endpoint {} ({}); store the secret now: it is shown only once",
                made.endpoint.id,
                one_line(&made.endpoint.url)
            ));
            Ok(())
        }
    }
}

fn list(global: &GlobalArgs) -> Result<(), CliError> {
    let endpoints = client(global)?.webhooks()?;
    const COLUMNS: [Column<WebhookView>; 7] = [
        ("ID", |e| show(&e.id)),
        ("URL", |e| show(&e.url)),
        ("FORMAT", |e| e.format.as_str().to_owned()),
        ("EVENTS", |e| show(&e.events)),
        ("ENVIRONMENTS", |e| match &e.environments {
            Some(envs) => show(envs),
            None => "all".to_owned(),
        }),
        ("STATUS", status),
        ("FAILING SINCE", |e| show(&e.failing_since)),
    ];
    print_list(
        global.output,
        &endpoints.items,
        &COLUMNS,
        "no webhook endpoints",
    )
}

fn status(e: &WebhookView) -> String {
    match &e.disabled_reason {
        Some(reason) if e.status == "disabled" => format!("disabled ({reason})"),
        _ => e.status.clone(),
    }
}

fn print_endpoint(global: &GlobalArgs, e: &WebhookView) -> Result<(), CliError> {
    if global.output == OutputFormat::Json {
        return output::print_json_of(e);
    }
    let lines = fields(&[
        ("id", show(&e.id)),
        ("url", show(&e.url)),
        ("description", show(&e.description)),
        ("format", e.format.as_str().to_owned()),
        ("events", show(&e.events)),
        (
            "environments",
            e.environments.as_ref().map_or("all".to_owned(), show),
        ),
        ("ordered", show(&e.ordered)),
        (
            "rate limit",
            e.rate_limit.map_or("none".to_owned(), |r| format!("{r}/s")),
        ),
        ("status", status(e)),
        ("failing since", show(&e.failing_since)),
        ("old secret until", show(&e.previous_secret_until)),
        ("created", show(&e.created_at)),
    ]);
    out(&lines.join("\n"))
}

fn update(global: &GlobalArgs, args: &UpdateWebhookArgs) -> Result<(), CliError> {
    let id = parse_endpoint(&args.id)?;
    let environments = if args.all_envs {
        Some(Vec::new())
    } else {
        (!args.envs.is_empty()).then(|| args.envs.clone())
    };
    let body = WebhookUpdateRequest {
        url: args.endpoint_url.clone(),
        events: (!args.events.is_empty()).then(|| args.events.clone()),
        environments,
        description: args.description.clone(),
        ordered: args.ordered,
        rate_limit: args.rate_limit,
    };
    if body == WebhookUpdateRequest::default() {
        return Err(CliError::usage(
            "nothing to change: give --endpoint-url, --events, --env, --all-envs, --description, --ordered or --rate-limit",
        ));
    }
    let endpoint = client(global)?.update_webhook(id, &body)?;
    print_endpoint(global, &endpoint)
}

fn set_state(global: &GlobalArgs, args: &WebhookIdArg, action: &str) -> Result<(), CliError> {
    let id = parse_endpoint(&args.id)?;
    let endpoint = client(global)?.set_webhook_state(id, action)?;
    match global.output {
        OutputFormat::Json => output::print_json_of(&endpoint),
        OutputFormat::Table => out(&format!("{id} is {}", status(&endpoint))),
    }
}

fn deliveries(global: &GlobalArgs, args: &DeliveriesArgs) -> Result<(), CliError> {
    let id = parse_endpoint(&args.id)?;
    let query = DeliveryQuery {
        status: args.status.clone(),
        before: args.before,
        limit: Some(args.limit),
    };
    let page = client(global)?.webhook_deliveries(id, &query)?;
    if global.output == OutputFormat::Json {
        return output::print_json_of(&page);
    }
    const COLUMNS: [Column<DeliveryView>; 7] = [
        ("ID", |d| show(&d.id)),
        ("EVENT", |d| show(&d.event_type)),
        ("WEBHOOK-ID", |d| show(&d.msg_id)),
        ("STATUS", |d| show(&d.status)),
        ("ATTEMPTS", |d| show(&d.attempts)),
        ("LAST", |d| match (&d.last_status, &d.last_error) {
            (Some(code), _) => format!("HTTP {code}"),
            (None, Some(error)) => one_line(error),
            (None, None) => "-".to_owned(),
        }),
        ("NEXT ATTEMPT", |d| show(&d.next_attempt_at)),
    ];
    print_list(global.output, &page.items, &COLUMNS, "no deliveries")?;
    if let Some(before) = page.next_before {
        note(&format!("more: --before {before}"));
    }
    Ok(())
}

fn delivery(global: &GlobalArgs, args: &DeliveryArg) -> Result<(), CliError> {
    let id = parse_endpoint(&args.id)?;
    let detail = client(global)?.webhook_delivery(id, args.delivery)?;
    if global.output == OutputFormat::Json {
        return output::print_json_of(&detail);
    }
    let d = &detail.delivery;
    let mut lines = fields(&[
        ("delivery", show(&d.id)),
        ("event", show(&d.event_type)),
        ("webhook-id", show(&d.msg_id)),
        ("status", show(&d.status)),
        ("next attempt", show(&d.next_attempt_at)),
    ]);
    const COLUMNS: [Column<AttemptView>; 6] = [
        ("#", |a| show(&a.attempt)),
        ("AT", |a| show(&a.started_at)),
        ("OUTCOME", |a| show(&a.outcome)),
        ("HTTP", |a| show(&a.response_status)),
        ("MS", |a| show(&a.duration_ms)),
        ("ANSWER", |a| match (&a.error, &a.response_body) {
            (Some(e), _) => one_line(e),
            (None, Some(body)) => one_line(&body.chars().take(60).collect::<String>()),
            _ => "-".to_owned(),
        }),
    ];
    lines.push(String::new());
    if detail.attempts.is_empty() {
        lines.push("no attempts yet".to_owned());
    } else {
        lines.push(super::shared::list_table(&detail.attempts, &COLUMNS));
    }
    out(&lines.join("\n"))
}

fn replay(global: &GlobalArgs, args: &ReplayArgs) -> Result<(), CliError> {
    let id = parse_endpoint(&args.id)?;
    let since = parse_since(&args.since, Utc::now()).map_err(CliError::usage)?;
    let result = client(global)?.replay_webhook(
        id,
        &ReplayRequest {
            since,
            include_delivered: args.include_delivered,
        },
    )?;
    match global.output {
        OutputFormat::Json => output::print_json_of(&result),
        OutputFormat::Table => out(&format!(
            "queued {} deliveries since {}",
            result.queued,
            show(&since)
        )),
    }
}

/// An RFC 3339 time, or an age before `now`: `90s`, `30m`, `2h`, `7d`.
fn parse_since(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(text) {
        return Ok(at.with_timezone(&Utc));
    }
    let bad = || format!("--since {text:?}: give an RFC 3339 time or an age like 30m, 2h or 7d");
    let split = text.len().checked_sub(1).ok_or_else(bad)?;
    let (number, unit) = text.split_at(split);
    let n: i64 = number.parse().map_err(|_| bad())?;
    let age = match unit {
        "s" => Duration::try_seconds(n),
        "m" => Duration::try_minutes(n),
        "h" => Duration::try_hours(n),
        "d" => Duration::try_days(n),
        _ => None,
    }
    .filter(|_| n >= 0)
    .ok_or_else(bad)?;
    now.checked_sub_signed(age).ok_or_else(bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_reads_times_and_ages() {
        let now: DateTime<Utc> = "2026-12-04T12:00:00Z".parse().unwrap();
        assert_eq!(
            parse_since("2h", now).unwrap(),
            "2026-12-04T10:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(
            parse_since("7d", now).unwrap(),
            "2026-11-27T12:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        assert_eq!(
            parse_since("2026-12-01T00:00:00+01:00", now).unwrap(),
            "2026-11-30T23:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        for bad in ["", "h", "2w", "-3h", "yesterday", "99999999999999d"] {
            assert!(parse_since(bad, now).is_err(), "{bad}");
        }
    }
}
