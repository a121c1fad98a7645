//! `usage`: the plan, its quotas and a month's metered usage.

use crate::args::{GlobalArgs, UsageArgs};
use crate::client::Client;
use crate::error::CliError;
use crate::output::{self, out, render_table, OutputFormat};

/// `--month`'s shape (the server judges the rest): a usage error (exit 2) when it is not
/// `YYYY-MM`.
pub(super) fn check_month(month: Option<&str>) -> Result<(), CliError> {
    let Some(month) = month else {
        return Ok(());
    };
    let ok = month.len() == 7
        && month.as_bytes()[4] == b'-'
        && month
            .chars()
            .enumerate()
            .all(|(i, c)| i == 4 || c.is_ascii_digit());
    if ok {
        Ok(())
    } else {
        Err(CliError::usage(format!(
            "--month {month}: write a month like 2026-11"
        )))
    }
}

pub fn run(global: &GlobalArgs, args: UsageArgs) -> Result<(), CliError> {
    check_month(args.month.as_deref())?;
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let usage = client.usage(args.month.as_deref())?;
    if let OutputFormat::Json = global.output {
        return output::print_json_of(&usage);
    }
    let quotas: Vec<Vec<String>> = usage
        .quotas
        .iter()
        .map(|q| {
            vec![
                q.quota.clone(),
                q.used.to_string(),
                q.limit.map_or("unlimited".into(), |l| l.to_string()),
                q.percent.map_or("-".into(), |p| format!("{p}%")),
            ]
        })
        .collect();
    let totals: Vec<Vec<String>> = usage
        .totals
        .iter()
        .map(|t| vec![t.kind.clone(), t.value.to_string(), t.aggregate.clone()])
        .collect();
    out(&format!(
        "plan {}\n\n{}\nusage in {}\n{}",
        usage.plan,
        render_table(&["QUOTA", "USED", "LIMIT", "PERCENT"], &quotas),
        usage.period,
        render_table(&["QUANTITY", "VALUE", "OVER THE MONTH"], &totals)
    ))
}
