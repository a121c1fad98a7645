//! `versiqii-server [serve | dispatch | probe | migrate | operator create |
//! reseal-webhook-secrets | openapi | ops-openapi | errors-doc | events-doc | events-json]`

use anyhow::Context;
use std::net::TcpListener;
use versiqii_server::{app, openapi, AppState, Settings};

const USAGE: &str =
    "usage: versiqii-server [serve | dispatch | probe | migrate | operator create | reseal-webhook-secrets | openapi | ops-openapi | errors-doc | events-doc | events-json]
  serve        run the API (default), with a webhook dispatcher beside it unless webhooks.embedded is off
  dispatch     run a webhook dispatcher alone (VERSIQII_DISPATCHER_DATABASE_URL); run as many as you like
  probe --region R --url BASE
               check BASE/readyz every sla.probe_interval_secs and record each result for region R
               (VERSIQII_DATABASE_URL); a failed check counts its minute as down for every tenant
  migrate      apply migrations/ as the owner role (VERSIQII_OWNER_DATABASE_URL)
  operator create --email E [--role support|admin] [--name N] [--output json]
               provision an operator of the portal (VERSIQII_OPERATOR_DATABASE_URL); the password
               from VERSIQII_OPERATOR_PASSWORD or the first line of stdin; prints the TOTP secret
               for their authenticator app, once
  reseal-webhook-secrets
               seal every webhook secret with the first of webhooks.secret_keys, as the owner role
               (after adding a key; then the old one can go)
  openapi      print the OpenAPI document (as checked in at spec/openapi.json)
  ops-openapi  print the operators' portal's OpenAPI document (spec/ops-openapi.json)
  errors-doc   print the error-code table (as checked in at docs/errors.md)
  events-doc   print the event catalogue (as checked in at docs/events.md)
  events-json  print the events' JSON Schemas (as checked in at spec/events.json)";

fn main() {
    let command = std::env::args().nth(1).unwrap_or_else(|| "serve".into());
    let result = match command.as_str() {
        "serve" => serve(),
        "migrate" => migrate(),
        "dispatch" => dispatch(),
        "probe" => probe(),
        "reseal-webhook-secrets" => reseal(),
        "operator" => operator(std::env::args().skip(2).collect()),
        "ops-openapi" => {
            println!("{}", versiqii_server::portal::document_json());
            Ok(())
        }
        "openapi" => {
            println!("{}", openapi::document_json());
            Ok(())
        }
        "errors-doc" => {
            print!("{}", versiqii_api::error::errors_markdown());
            Ok(())
        }
        "events-doc" => {
            print!("{}", versiqii_api::events::events_markdown());
            Ok(())
        }
        "events-json" => {
            print!("{}", versiqii_api::events::events_json());
            Ok(())
        }
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            Ok(())
        }
        other => {
            eprintln!("error: unknown command `{other}`\n{USAGE}");
            std::process::exit(2);
        }
    };
    if let Err(err) = result {
        eprintln!("error: {err:#}");
        // A refusal to serve as an unsafe database role is a configuration error, like usage.
        let code = if err.downcast_ref::<app::UnsafeDatabaseRole>().is_some() {
            2
        } else {
            1
        };
        std::process::exit(code);
    }
}

fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_env("VERSIQII_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    tracing_subscriber::fmt().with_env_filter(filter).init();
}

fn migrate() -> anyhow::Result<()> {
    init_tracing();
    let settings = Settings::load()?;
    let url = settings.database.owner_url.context(
        "set VERSIQII_OWNER_DATABASE_URL (database.owner_url, the owner role's URL) to migrate",
    )?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let applied = rt.block_on(versiqii_store::apply_migrations(&url))?;
    if applied.is_empty() {
        println!("migrations: up to date");
    }
    for name in applied {
        println!("migrations: applied {name}");
    }
    Ok(())
}

fn dispatch() -> anyhow::Result<()> {
    init_tracing();
    let settings = Settings::load()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let dispatcher =
            versiqii_server::webhooks::dispatcher::Dispatcher::new(&settings, Default::default())
                .await?;
        dispatcher.run().await;
        Ok(())
    })
}

/// `operator create --email E [--role R] [--name N] [--output json]`; usage errors exit 2.
fn operator(args: Vec<String>) -> anyhow::Result<()> {
    use versiqii_server::portal::OperatorRole;
    let usage = |why: &str| -> ! {
        eprintln!("error: {why}\nusage: versiqii-server operator create --email E [--role support|admin] [--name N] [--output json]");
        std::process::exit(2)
    };
    let mut args = args.into_iter();
    if args.next().as_deref() != Some("create") {
        usage("the only operator command is `create`");
    }
    let (mut email, mut role, mut name, mut json) = (None, OperatorRole::Support, None, false);
    while let Some(flag) = args.next() {
        let mut value = || {
            args.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        match flag.as_str() {
            "--email" => email = Some(value()),
            "--role" => {
                let text = value();
                role = OperatorRole::parse(&text)
                    .unwrap_or_else(|| usage(&format!("--role {text}: support or admin")));
            }
            "--name" => name = Some(value()),
            "--output" => json = value() == "json",
            other => usage(&format!("unknown option {other}")),
        }
    }
    let email = email.unwrap_or_else(|| usage("--email is required"));
    let password = match std::env::var("VERSIQII_OPERATOR_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_owned()
        }
    };
    let settings = Settings::load()?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let made = rt.block_on(versiqii_server::portal::provision::create_operator(
        &settings,
        &email,
        role,
        name.as_deref(),
        password,
    ))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&made)?);
    } else {
        println!(
            "operator {} ({}, {}) created\nTOTP secret (shown once; add it to an authenticator app): {}\n{}",
            made.email, made.role, made.id, made.totp_secret, made.otpauth_uri
        );
    }
    Ok(())
}

/// `probe --region R --url BASE`, flags in either order.
fn probe_args(args: &[String]) -> anyhow::Result<(String, String)> {
    let (mut region, mut url) = (None, None);
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--region" => region = Some(value.clone()),
            "--url" => url = Some(value.clone()),
            other => anyhow::bail!("unknown flag `{other}`\n{USAGE}"),
        }
    }
    let region = region.context("probe needs --region R")?;
    let url = url.context("probe needs --url BASE")?;
    anyhow::ensure!(
        versiqii_server::sla::valid_region(&region),
        "--region {region:?}: 1 to 40 of a-z, 0-9 and -, starting with a letter or digit"
    );
    anyhow::ensure!(
        url.starts_with("http://") || url.starts_with("https://"),
        "--url {url:?}: an http:// or https:// base URL"
    );
    Ok((region, url))
}

fn probe() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(2).collect();
    let (region, base_url) = match probe_args(&args) {
        Ok(parsed) => parsed,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::exit(2);
        }
    };
    init_tracing();
    let settings = Settings::load()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let store = versiqii_store::Store::connect(&settings.database.url, 2)
            .await
            .context("connecting to Postgres")?;
        tracing::info!(%region, url = %base_url, "versiqii-server probing");
        versiqii_server::sla::Prober {
            store,
            region,
            base_url,
            interval: std::time::Duration::from_secs(settings.sla.probe_interval_secs.max(1)),
            timeout: std::time::Duration::from_millis(settings.sla.probe_timeout_ms.max(1)),
        }
        .run()
        .await;
        Ok(())
    })
}

fn reseal() -> anyhow::Result<()> {
    init_tracing();
    let settings = Settings::load()?;
    let url = settings.database.owner_url.clone().context(
        "set VERSIQII_OWNER_DATABASE_URL (database.owner_url) to reseal webhook secrets",
    )?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let n = rt.block_on(versiqii_server::webhooks::keyring::reseal_all(
        &settings, &url,
    ))?;
    println!("webhook secrets: {n} endpoint(s) sealed with the current key");
    Ok(())
}

fn serve() -> anyhow::Result<()> {
    init_tracing();
    let settings = Settings::load()?;
    // Sentry only when configured; the guard flushes pending events on exit.
    let _sentry = settings.observability.sentry_dsn.as_deref().map(|dsn| {
        let mut options = sentry::ClientOptions::default();
        options.release = sentry::release_name!();
        options.send_default_pii = false;
        sentry::init((dsn, options))
    });
    actix_web::rt::System::new().block_on(async move {
        let state = AppState::init(&settings).await?;
        let flusher = state.flusher();
        let http = &settings.http;
        let listener = TcpListener::bind((http.host.as_str(), http.port))
            .with_context(|| format!("binding {}:{}", http.host, http.port))?;
        let (server, addr) = versiqii_server::serve(state, listener, http.workers)?;
        tracing::info!(%addr, "versiqii-server listening");
        server.await?;
        // Stopped (SIGTERM, SIGINT): what was counted since the last flush is not lost.
        flusher.flush().await;
        Ok(())
    })
}
