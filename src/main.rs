//! The `guardia` binary: parses the command line and hands over to the library.

use anyhow::{Context, Result, bail};
use clap::{CommandFactory, FromArgMatches};
use guardia::cli::{CaseSubcommand, Cli, Command, ReportCommand};
use guardia::config::{Config, data_dir};
use guardia::domain::staff::Role;
use guardia::report::protection::Output;

use guardia::cli::{checked_lang, report_client};

/// Says why the command cannot go on, in the person's language, and ends with status 2 (a
/// usage mistake, as clap's own).
fn refuse(why: &str) -> ! {
    eprintln!("guardia: {why}");
    std::process::exit(2)
}

/// How often `guardia simulate` says how far it has got.
const PROGRESS_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Cancelled at Ctrl-C, so that a long run (presses waiting for a hub that is down) can be
/// ended and still say how far it got.
fn interrupted() -> tokio_util::sync::CancellationToken {
    let stop = tokio_util::sync::CancellationToken::new();
    let cancel = stop.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            cancel.cancel();
        }
    });
    stop
}

fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// The console and the demo own the terminal, so their logs go to a file in the data dir.
fn log_to_file(name: &str) -> Result<tracing_appender::non_blocking::WorkerGuard> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    let dir = data_dir();
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .with_context(|| format!("creating {}", dir.display()))?;
    // The log is the user's alone (it names cases and staff), created so before it is appended.
    let file = dir.join(name);
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&file)
        .with_context(|| format!("creating {}", file.display()))?;
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
        .with_context(|| format!("securing {}", file.display()))?;
    let (writer, guard) =
        tracing_appender::non_blocking(tracing_appender::rolling::never(&dir, name));
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            std::env::var("GUARDIA_LOG").unwrap_or_else(|_| "info".into()),
        ))
        .init();
    Ok(guard)
}

fn log_to_stdout() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            std::env::var("GUARDIA_LOG").unwrap_or_else(|_| "info".into()),
        ))
        .init();
}

#[tokio::main]
async fn main() -> Result<()> {
    // The help and its headings in the configured language, read before the line is parsed.
    let lang = guardia::cli::lang_before_parse();
    let parsed = guardia::i18n::cli::localize(Cli::command(), lang)
        .try_get_matches()
        .and_then(|m| Cli::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        // Help and version print as clap prints them (already in the language); a mistake is
        // said in the language too.
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            eprint!("{}", guardia::i18n::cli::error_text(&e, lang));
            std::process::exit(2);
        }
    };
    let mut config = Config::load(cli.config.as_deref())?;
    // The arms below name their own `--lang` flag `lang`; this is the command line's.
    let cli_lang = lang;
    match cli.command {
        Command::Demo {
            consulate,
            lang,
            role,
            raid,
        } => {
            let role = match Role::parse(&role) {
                Some(r @ (Role::Officer | Role::Lawyer | Role::Supervisor)) => r,
                _ => refuse(&guardia::i18n::admin::say(
                    cli_lang,
                    &guardia::i18n::admin::Said::UnknownDemoRole { typed: role },
                )),
            };
            let lang = checked_lang(&config, lang, cli_lang).unwrap_or_else(|e| refuse(&e));
            // Before the hub starts: without a terminal there is nothing to show it on.
            guardia::cli::need_terminal(lang).unwrap_or_else(|e| refuse(&e));
            let _guard = log_to_file("demo.log")?;
            if let Some(c) = consulate {
                config.demo.consulate = c;
            }
            config.demo.raid |= raid;
            guardia::demo::run(&config, role, lang, no_color())
                .await
                .map_err(anyhow::Error::msg)?;
        }
        Command::Hub {
            listen,
            db,
            key_file,
            tls_cert,
            tls_key,
            behind_proxy,
        } => {
            log_to_stdout();
            if let Some(l) = listen {
                config.hub.listen = l;
            }
            if let Some(d) = db {
                // The command line's database wins over a configured URL too.
                config.hub.db = d;
                config.hub.database_url.clear();
            }
            if let Some(k) = key_file {
                config.hub.key_file = k.display().to_string();
            }
            if let (Some(cert), Some(key)) = (tls_cert, tls_key) {
                config.hub.tls_cert = cert.display().to_string();
                config.hub.tls_key = key.display().to_string();
            }
            config.hub.behind_proxy |= behind_proxy;
            guardia::hub::run(&config)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        Command::Console { hub, lang } => {
            let lang = checked_lang(&config, lang, cli_lang).unwrap_or_else(|e| refuse(&e));
            guardia::cli::need_terminal(lang).unwrap_or_else(|e| refuse(&e));
            let _guard = log_to_file("console.log")?;
            let options = guardia::console::app::ConsoleOptions::from_config(
                &config,
                &hub,
                lang,
                no_color(),
                &data_dir(),
            )
            .map_err(anyhow::Error::msg)?;
            guardia::console::app::run(options).await?;
        }
        Command::Bench {
            hub,
            rate,
            duration,
            subscribers,
            phones,
            runs,
            nats,
            nats_replicas,
            baseline,
            slow,
            json,
        } => {
            if let (Some(n), Some(url)) = (slow, hub.as_deref()) {
                let duration = std::time::Duration::from_secs_f64(duration.max(1.0));
                let r = guardia::bench::slow::run(url, n, duration)
                    .await
                    .map_err(anyhow::Error::msg)?;
                if json {
                    emit(&format!("{}\n", serde_json::to_string_pretty(&r)?))?;
                } else {
                    println!(
                        "slow clients: {} opened, {} held, {} cut by the hub in {:.0} s",
                        r.opened, r.held, r.cut, r.seconds
                    );
                }
                return Ok(());
            }
            let token = (!config.console.token.is_empty()).then(|| config.console.token.clone());
            let base = if baseline {
                Some(
                    guardia::bench::baseline::run(64, duration.clamp(1.0, 5.0))
                        .await
                        .map_err(anyhow::Error::msg)?,
                )
            } else {
                None
            };
            let options = guardia::bench::BenchOptions {
                hub,
                token,
                rate,
                duration: std::time::Duration::from_secs_f64(duration.max(0.1)),
                subscribers,
                phones,
                runs: runs.max(1),
                nats_replicas: nats_replicas.clamp(1, 5),
            };
            let reports = match nats {
                Some(url) => guardia::bench::run_nats(options, &url).await,
                None => guardia::bench::run(options).await,
            }
            .map_err(anyhow::Error::msg)?;
            if json {
                // "bench" is the first run, as before there were runs; "runs" has them all.
                emit(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "baseline": base,
                        "bench": reports.first(),
                        "runs": reports,
                    }))?
                ))?;
            } else {
                if let Some(b) = &base {
                    guardia::bench::baseline::print(b);
                }
                for (i, report) in reports.iter().enumerate() {
                    if reports.len() > 1 {
                        println!("run {} of {}", i + 1, reports.len());
                    }
                    guardia::bench::print(report);
                }
            }
        }
        Command::Backlog {
            hub,
            csv,
            lang,
            consent,
            intent,
            category,
        } => {
            let client = report_client(&config, hub)?;
            let sla = chrono::Duration::minutes(i64::from(config.urgency.sla_minutes));
            let now = chrono::Utc::now();
            let filter = guardia::domain::backlog::TriageFilter {
                consent,
                intent,
                category,
            };
            let backlog = guardia::report::backlog(&client, sla, filter).await?;
            if csv {
                emit(&guardia::report::backlog_csv(&backlog))?;
            } else {
                let lang = checked_lang(&config, lang, cli_lang).unwrap_or_else(|e| refuse(&e));
                emit(&guardia::report::backlog_text(&backlog, lang, now))?;
            }
        }
        Command::Report {
            command:
                ReportCommand::Figures {
                    hub,
                    from,
                    to,
                    consulate,
                    csv,
                    json,
                    lang,
                },
        } => {
            let client = report_client(&config, hub)?;
            let out = Output::new(
                csv,
                json,
                checked_lang(&config, lang, cli_lang).unwrap_or_else(|e| refuse(&e)),
                &config,
            );
            let period = (from, to, consulate.as_deref());
            emit(&guardia::report::protection::figures(&client, period, &out).await?)?;
        }
        Command::Handover {
            hub,
            consulate,
            at,
            all,
            csv,
            json,
            lang,
        } => {
            let client = report_client(&config, hub)?;
            let out = Output::new(
                csv,
                json,
                checked_lang(&config, lang, cli_lang).unwrap_or_else(|e| refuse(&e)),
                &config,
            );
            let out = Output { all, ..out };
            let asked = (consulate.as_deref(), at);
            emit(&guardia::report::protection::handover(&client, asked, &out).await?)?;
        }
        Command::Case {
            command:
                CaseSubcommand::Export {
                    hub,
                    id,
                    json,
                    lang,
                },
        } => {
            let client = report_client(&config, hub)?;
            if json {
                let case = client.case(id).await?;
                emit(&format!("{}\n", guardia::report::case_json(&case)?))?;
            } else {
                // Markdown for a legal file: who read it, and the seal to check it against.
                let lang = checked_lang(&config, lang, cli_lang).unwrap_or_else(|e| refuse(&e));
                let now = chrono::Utc::now();
                emit(&guardia::report::sealed::export(&client, id, lang, now).await?)?;
            }
        }
        Command::Simulate {
            hub,
            gateway_listen,
            rate,
            count,
            phones,
            retry_for,
            appointments,
        } => {
            log_to_stdout();
            // Device tokens in every request: a plain http:// hub never through a proxy.
            let http = guardia::console::net::client::for_hub(&hub)
                .build()
                .unwrap_or_default();
            let hub = hub.trim_end_matches('/').to_string();
            let codes = match gateway_listen {
                Some(addr) => {
                    let secret = guardia::hub::notify::parse_secret(&config.notify.webhook_secret)
                        .map_err(|e| anyhow::anyhow!("notify.webhook_secret: {e}"))?;
                    let (url, book) = guardia::simulate::gateway::start(
                        &addr,
                        secret,
                        false,
                        tokio_util::sync::CancellationToken::new(),
                    )
                    .await
                    .map_err(anyhow::Error::msg)?;
                    println!("stand-in gateway at {url}");
                    Some(book)
                }
                None => None,
            };
            let phones = phones.max(1);
            eprintln!("enrolling {phones} fictional phones at {hub}");
            let list = guardia::simulate::enroll(&http, &hub, phones, codes)
                .await
                .map_err(anyhow::Error::msg)?;
            if appointments > 0 {
                let done = guardia::simulate::appointments::schedule(
                    &http,
                    &hub,
                    &list,
                    (34.05, -118.24),
                    appointments,
                    appointments / 5,
                )
                .await
                .map_err(anyhow::Error::msg)?;
                eprintln!(
                    "{}",
                    guardia::i18n::cli::appointments_scheduled(lang, done.watched, done.missed)
                );
            }
            eprintln!(
                "pressing {count} times, about {rate}/s; failed presses are retried for up to \
                 {retry_for} s; progress every {} s",
                PROGRESS_EVERY.as_secs()
            );
            let stats = std::sync::Arc::new(guardia::simulate::Stats::default());
            let reporting = tokio_util::sync::CancellationToken::new();
            let reporter = tokio::spawn({
                let (stats, reporting) = (stats.clone(), reporting.clone());
                async move {
                    guardia::simulate::progress::report(
                        &stats,
                        Some(count),
                        PROGRESS_EVERY,
                        reporting,
                    )
                    .await
                }
            });
            guardia::simulate::run(
                http,
                hub,
                list,
                guardia::simulate::Plan {
                    rate,
                    count: Some(count),
                    focus: None,
                    spread: 0.25,
                    retry: guardia::simulate::Retry {
                        give_up_after: std::time::Duration::from_secs(retry_for),
                        ..Default::default()
                    },
                },
                stats.clone(),
                interrupted(),
            )
            .await;
            reporting.cancel();
            let _ = reporter.await;
            let end = stats.snapshot();
            println!("{}", end.line(Some(count)));
            let lost = end.sent.saturating_sub(end.accepted);
            if lost > 0 {
                bail!("{lost} of {} presses sent were not accepted", end.sent);
            }
        }
        Command::Admin { command } => {
            guardia::cli::admin_run::admin(&config, command, lang).await?;
        }
        Command::Verify {
            db,
            key_file,
            export,
            hub,
        } => {
            guardia::cli::admin_run::verify(&config, (db, key_file), (export, hub), lang).await?;
        }
    }
    Ok(())
}

/// Writes a report to standard output. A reader that stops early (`| head`) is not an error:
/// the report ends quietly instead of with a panic.
fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
