//! `sla`: a month's availability, down minutes and p99 latency against the plan's SLA.

use crate::args::{GlobalArgs, UsageArgs};
use crate::client::Client;
use crate::error::CliError;
use crate::output::{self, out, OutputFormat};

pub fn run(global: &GlobalArgs, args: UsageArgs) -> Result<(), CliError> {
    super::usage::check_month(args.month.as_deref())?;
    let mut client = Client::authenticated(global.url.as_deref(), global.token.as_deref())?;
    let sla = client.sla(args.month.as_deref())?;
    if let OutputFormat::Json = global.output {
        return output::print_json_of(&sla);
    }
    let target = match (sla.target_ppm, sla.met) {
        (Some(t), Some(met)) => format!(
            "{} ({})",
            versiqii_core::sla::format_ppm(t),
            if met { "met" } else { "missed" }
        ),
        _ => "none".to_owned(),
    };
    let p99 = sla
        .p99_ms
        .map_or("-".to_owned(), |ms| format!("{ms:.1} ms"));
    let mut text = format!(
        "SLA {}\navailability  {}  ({} of {} minutes down)\ntarget        {target}\np99 latency   {p99}\nrequests      {} ({} answered 5xx)\n",
        sla.month, sla.availability, sla.down_minutes, sla.minutes, sla.requests, sla.errors_5xx
    );
    if !sla.down.is_empty() {
        text.push_str("\ndown minutes (UTC)\n");
        for minute in &sla.down {
            text.push_str(&format!("  {}\n", minute.format("%Y-%m-%d %H:%M")));
        }
        if (sla.down.len() as u64) < sla.down_minutes {
            text.push_str(&format!(
                "  ... and {} more\n",
                sla.down_minutes - sla.down.len() as u64
            ));
        }
    }
    out(text.trim_end())
}
