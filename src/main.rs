//! The `guardia` binary: parses the command line and hands over to the library.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use guardia::config::{Config, data_dir};
use guardia::domain::event::Actor;
use guardia::domain::staff::Role;
use guardia::i18n::Lang;

#[derive(Parser)]
#[command(
    name = "guardia",
    version,
    about = "Consular emergency-response hub and duty console"
)]
struct Cli {
    /// Read settings from this file instead of the user's config file.
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Hub, simulated phones and the duty console in one command.
    Demo {
        /// Consulate whose duty officer the console plays.
        #[arg(long)]
        consulate: Option<String>,
        /// Console language: es or en.
        #[arg(long)]
        lang: Option<String>,
        /// Whose view to open: officer, lawyer or supervisor.
        #[arg(long = "as", value_name = "ROLE", default_value = "officer")]
        role: String,
    },
    /// Run the hub.
    Hub {
        /// Address to listen on (default from hub.listen: 127.0.0.1:8750). Off loopback it
        /// needs --tls-cert and --tls-key, or --behind-proxy.
        #[arg(long)]
        listen: Option<String>,
        /// The SQLite database file (created 0600 on first start).
        #[arg(long)]
        db: Option<PathBuf>,
        /// TLS certificate chain, PEM.
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// TLS private key, PEM.
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// A TLS-terminating proxy is in front: listen without TLS off loopback.
        #[arg(long)]
        behind_proxy: bool,
    },
    /// Run the duty console against a hub (token from the config file or GUARDIA_TOKEN).
    Console {
        #[arg(long)]
        hub: Option<String>,
        #[arg(long)]
        lang: Option<String>,
    },
    /// Press buttons against a hub as simulated phones would.
    Simulate {
        /// The hub's URL.
        #[arg(long)]
        hub: String,
        /// Where to run a stand-in SMS gateway (say 127.0.0.1:8760), for a hub that verifies
        /// phone numbers: point the hub's [notify] webhook_url at http://ADDR/sms, with the same
        /// webhook secret (GUARDIA_NOTIFY_WEBHOOK_SECRET), and the simulated phones read their
        /// codes from it.
        #[arg(long)]
        gateway_listen: Option<String>,
        /// Average presses per second.
        #[arg(long, default_value_t = 2.0)]
        rate: f64,
        /// Presses in all.
        #[arg(long, default_value_t = 100)]
        count: u64,
        /// Fictional registrants to enroll first.
        #[arg(long, default_value_t = 50)]
        phones: usize,
    },
    /// Load a hub and report durable alerts/s, latencies and memory (an in-process hub on a
    /// temporary database unless --hub is given; then GUARDIA_TOKEN must be a national
    /// supervisor's).
    Bench {
        #[arg(long)]
        hub: Option<String>,
        /// Alerts per second to send (open loop).
        #[arg(long, default_value_t = 500.0)]
        rate: f64,
        #[arg(long, default_value_t = 10.0)]
        duration: f64,
        /// Consoles subscribed to the event stream.
        #[arg(long, default_value_t = 10)]
        subscribers: usize,
        #[arg(long, default_value_t = 500)]
        phones: usize,
        /// Also measure the machine's limits: raw SQLite commits and a bare HTTP server.
        #[arg(long)]
        baseline: bool,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The supervisor's backlog figures without the TUI (token from config or GUARDIA_TOKEN).
    Backlog {
        /// The hub's URL (default: the configured one).
        #[arg(long)]
        hub: Option<String>,
        /// metric,key,value rows for a spreadsheet.
        #[arg(long)]
        csv: bool,
        /// es or en (default: the configured language).
        #[arg(long)]
        lang: Option<String>,
        /// Only cases whose national's consent is: accepted, declined or unknown.
        #[arg(long, value_parser = parse_choice::<guardia::domain::triage::Consent>)]
        consent: Option<guardia::domain::triage::Consent>,
        /// Only cases whose national wants: contest, voluntary_return or undecided.
        #[arg(long, value_parser = parse_choice::<guardia::domain::triage::Intent>)]
        intent: Option<guardia::domain::triage::Intent>,
        /// Only cases of this matter: migratory, criminal, civil, labor, administrative or
        /// human_rights.
        #[arg(long, value_parser = parse_choice::<guardia::domain::triage::Category>)]
        category: Option<guardia::domain::triage::Category>,
    },
    /// Cases on the record.
    Case {
        #[command(subcommand)]
        command: CaseCommand,
    },
    /// Administration on the database file.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum CaseCommand {
    /// Write one case as Markdown (or JSON) fit for a legal file.
    Export {
        #[arg(long)]
        hub: Option<String>,
        id: u64,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        lang: Option<String>,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Staff members.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// The lawyers' roster.
    Lawyer {
        #[command(subcommand)]
        command: LawyerCommand,
    },
    /// Phones' device credentials.
    Device {
        #[command(subcommand)]
        command: DeviceCommand,
    },
}

#[derive(Subcommand)]
enum DeviceCommand {
    /// Stop a phone's device token from working (a stolen or lost phone); kept on the record.
    Revoke {
        /// The hub's database file (default: the configured one).
        #[arg(long)]
        db: Option<PathBuf>,
        /// The registrant id the enrollment answered with.
        id: i64,
    },
}

#[derive(Subcommand)]
enum LawyerCommand {
    /// Add one lawyer and print their token once.
    Add {
        #[arg(long)]
        db: Option<PathBuf>,
        #[arg(long)]
        name: String,
        /// Consulate ids they serve, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        serves: Vec<String>,
        /// Language codes, comma-separated (es,en,mix...).
        #[arg(long, value_delimiter = ',', default_value = "es")]
        languages: Vec<String>,
        /// Open cases they can carry.
        #[arg(long, default_value_t = 20)]
        capacity: u32,
    },
    /// Add every lawyer of a CSV (as config/lawyers.sample.csv); prints name,id,token per line.
    Import {
        #[arg(long)]
        db: Option<PathBuf>,
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Add a staff member and print their token once.
    Add {
        /// The hub's database file (default: the configured one).
        #[arg(long)]
        db: Option<PathBuf>,
        /// The person's name as it will appear on the record.
        #[arg(long)]
        name: String,
        /// officer, lawyer, supervisor or admin.
        #[arg(long)]
        role: String,
        /// The consulate id they work at (see config/consulates.csv).
        #[arg(long)]
        consulate: Option<String>,
        /// A supervisor of the whole network, who sees every case. Only made here, on the
        /// server: never through the API.
        #[arg(long, conflicts_with = "consulate")]
        national: bool,
    },
    /// Stop a member's token from working (their open streams end); kept on the record.
    Disable {
        /// The hub's database file (default: the configured one).
        #[arg(long)]
        db: Option<PathBuf>,
        /// The staff id printed when they were added.
        id: i64,
    },
    /// Let a disabled member's token work again.
    Enable {
        /// The hub's database file (default: the configured one).
        #[arg(long)]
        db: Option<PathBuf>,
        /// The staff id printed when they were added.
        id: i64,
    },
    /// Change a member's role and consulate.
    Role {
        /// The hub's database file (default: the configured one).
        #[arg(long)]
        db: Option<PathBuf>,
        /// The staff id printed when they were added.
        id: i64,
        /// officer, lawyer, supervisor or admin.
        #[arg(long)]
        role: String,
        /// The consulate id they work at (see config/consulates.csv).
        #[arg(long)]
        consulate: Option<String>,
        /// A supervisor of the whole network.
        #[arg(long, conflicts_with = "consulate")]
        national: bool,
    },
    /// Issue a new token (printed once); the old one stops working.
    Rotate {
        /// The hub's database file (default: the configured one).
        #[arg(long)]
        db: Option<PathBuf>,
        /// The staff id printed when they were added.
        id: i64,
    },
}

/// A role as typed, checked against the consulate: a supervisor without one must be asked for
/// as `--national`, so nobody becomes national by forgetting a flag.
fn parse_staff_role(role: &str, consulate: Option<&str>, national: bool) -> anyhow::Result<Role> {
    let role = Role::parse(role)
        .with_context(|| format!("unknown role `{role}`: officer, lawyer, supervisor or admin"))?;
    if role == Role::Supervisor && consulate.is_none() && !national {
        bail!("a supervisor needs --consulate ID, or --national to see every consulate's cases");
    }
    if national && role != Role::Supervisor {
        bail!(
            "--national is for supervisors only (got --role {})",
            role.as_str()
        );
    }
    Ok(role)
}

/// A triage code on the command line; a wrong one is named with the valid choices.
fn parse_choice<T: guardia::domain::triage::Choice>(s: &str) -> Result<T, String> {
    T::from_code(s).ok_or_else(|| {
        format!(
            "`{s}` is not one of: {}",
            T::codes().collect::<Vec<_>>().join(", ")
        )
    })
}

fn console_lang(config: &Config, flag: Option<String>) -> Lang {
    let configured = flag.unwrap_or_else(|| config.console.language.clone());
    Lang::resolve(&configured, sys_locale::get_locale().as_deref())
}

/// A client for the one-shot reports, with the console's hub and token settings.
fn report_client(
    config: &Config,
    hub: Option<String>,
) -> Result<guardia::console::net::client::HubClient> {
    let hub = hub.unwrap_or_else(|| config.console.hub.clone());
    if config.console.token.is_empty() {
        bail!("no staff token: set GUARDIA_TOKEN or console.token in the config file");
    }
    Ok(guardia::console::net::client::HubClient::new(
        &hub,
        &config.console.token,
    )?)
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
    let cli = Cli::parse();
    let mut config = Config::load(cli.config.as_deref())?;
    match cli.command {
        Command::Demo {
            consulate,
            lang,
            role,
        } => {
            let role = match Role::parse(&role) {
                Some(r @ (Role::Officer | Role::Lawyer | Role::Supervisor)) => r,
                _ => bail!("--as takes officer, lawyer or supervisor, not `{role}`"),
            };
            let _guard = log_to_file("demo.log")?;
            if let Some(c) = consulate {
                config.demo.consulate = c;
            }
            let lang = console_lang(&config, lang);
            guardia::demo::run(&config, role, lang, no_color())
                .await
                .map_err(anyhow::Error::msg)?;
        }
        Command::Hub {
            listen,
            db,
            tls_cert,
            tls_key,
            behind_proxy,
        } => {
            log_to_stdout();
            if let Some(l) = listen {
                config.hub.listen = l;
            }
            if let Some(d) = db {
                config.hub.db = d;
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
            let _guard = log_to_file("console.log")?;
            if let Some(h) = hub {
                config.console.hub = h;
            }
            if config.console.token.is_empty() {
                bail!("no staff token: set GUARDIA_TOKEN or console.token in the config file");
            }
            let lang = console_lang(&config, lang);
            let outbox = guardia::console::net::outbox::default_path(
                &data_dir(),
                &config.console.hub,
                &config.console.token,
            );
            guardia::console::app::run(guardia::console::app::ConsoleOptions {
                outbox,
                hub: config.console.hub.clone(),
                token: config.console.token.clone(),
                lang,
                no_color: no_color(),
                rules: config.urgency.rules(),
            })
            .await?;
        }
        Command::Bench {
            hub,
            rate,
            duration,
            subscribers,
            phones,
            baseline,
            json,
        } => {
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
            let report = guardia::bench::run(guardia::bench::BenchOptions {
                hub,
                token,
                rate,
                duration: std::time::Duration::from_secs_f64(duration.max(0.1)),
                subscribers,
                phones,
            })
            .await
            .map_err(anyhow::Error::msg)?;
            if json {
                emit(&format!(
                    "{}\n",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "baseline": base,
                        "bench": report,
                    }))?
                ))?;
            } else {
                if let Some(b) = &base {
                    guardia::bench::baseline::print(b);
                }
                guardia::bench::print(&report);
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
            let backlog = guardia::report::backlog(&client, now, sla, filter).await?;
            if csv {
                emit(&guardia::report::backlog_csv(&backlog))?;
            } else {
                let lang = console_lang(&config, lang);
                emit(&guardia::report::backlog_text(&backlog, lang, now))?;
            }
        }
        Command::Case {
            command:
                CaseCommand::Export {
                    hub,
                    id,
                    json,
                    lang,
                },
        } => {
            let client = report_client(&config, hub)?;
            let case = client.case(id).await?;
            if json {
                emit(&format!("{}\n", guardia::report::case_json(&case)?))?;
            } else {
                let lang = console_lang(&config, lang);
                emit(&guardia::report::case_markdown(
                    &case,
                    lang,
                    chrono::Utc::now(),
                ))?;
            }
        }
        Command::Simulate {
            hub,
            gateway_listen,
            rate,
            count,
            phones,
        } => {
            log_to_stdout();
            let http = reqwest::Client::new();
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
            let list = guardia::simulate::enroll(&http, &hub, phones.max(1), codes)
                .await
                .map_err(anyhow::Error::msg)?;
            let stats = guardia::simulate::run(
                http,
                hub,
                list,
                guardia::simulate::Plan {
                    rate,
                    count: Some(count),
                    focus: None,
                },
                tokio_util::sync::CancellationToken::new(),
            )
            .await;
            use std::sync::atomic::Ordering::Relaxed;
            println!(
                "pressed {} · failed {} · cancelled {}",
                stats.pressed.load(Relaxed),
                stats.failed.load(Relaxed),
                stats.cancelled.load(Relaxed)
            );
        }
        Command::Admin {
            command:
                AdminCommand::Staff {
                    command:
                        StaffCommand::Add {
                            db,
                            name,
                            role,
                            consulate,
                            national,
                        },
                },
        } => {
            let role = parse_staff_role(&role, consulate.as_deref(), national)?;
            let db = db.unwrap_or(config.hub.db.clone());
            let store = guardia::hub::store::Store::open(&db)?;
            let consulates = config.hub.load_consulates().map_err(anyhow::Error::msg)?;
            let new = guardia::domain::staff::NewStaff {
                name,
                role,
                consulate,
                serves: vec![],
                languages: vec![],
                capacity: 0,
            };
            let (id, token) = guardia::admin::add_staff(&store, &consulates, new)
                .await
                .map_err(anyhow::Error::msg)?;
            println!("staff id {id}");
            println!("token (shown once; store it safely): {token}");
        }
        Command::Admin {
            command: AdminCommand::Staff { command },
        } => {
            let (db, id) = match &command {
                StaffCommand::Disable { db, id }
                | StaffCommand::Enable { db, id }
                | StaffCommand::Rotate { db, id }
                | StaffCommand::Role { db, id, .. } => (db.clone(), *id),
                StaffCommand::Add { .. } => unreachable!("matched above"),
            };
            let store = guardia::hub::store::Store::open(&db.unwrap_or(config.hub.db.clone()))?;
            match command {
                StaffCommand::Role {
                    role,
                    consulate,
                    national,
                    ..
                } => {
                    let role = parse_staff_role(&role, consulate.as_deref(), national)?;
                    let consulates = config.hub.load_consulates().map_err(anyhow::Error::msg)?;
                    if let Some(c) = &consulate
                        && !consulates.iter().any(|k| &k.id == c)
                    {
                        bail!("unknown consulate `{c}`; see config/consulates.csv for the ids");
                    }
                    store
                        .change_staff_role(id, role, consulate, Actor::Operator, chrono::Utc::now())
                        .await
                        .map_err(|e| anyhow::anyhow!("staff id {id}: {e}"))?;
                    println!("staff id {id} is now {}", role.as_str());
                }
                StaffCommand::Rotate { .. } => {
                    let token = guardia::admin::rotate_token(&store, id)
                        .await
                        .map_err(anyhow::Error::msg)?;
                    println!("staff id {id}: new token (shown once; store it safely): {token}");
                }
                other => {
                    let disable = matches!(other, StaffCommand::Disable { .. });
                    let changed = store
                        .set_staff_disabled(id, disable, Actor::Operator, false, chrono::Utc::now())
                        .await
                        .map_err(|e| anyhow::anyhow!("staff id {id}: {e}"))?;
                    let state = if disable { "disabled" } else { "enabled" };
                    match changed {
                        true => println!("staff id {id} {state}"),
                        false => println!("staff id {id} was already {state}"),
                    }
                }
            }
        }
        Command::Admin {
            command:
                AdminCommand::Device {
                    command: DeviceCommand::Revoke { db, id },
                },
        } => {
            let store = guardia::hub::store::Store::open(&db.unwrap_or(config.hub.db))?;
            let changed = store
                .revoke_device(id, Actor::Operator, chrono::Utc::now())
                .await
                .map_err(|e| anyhow::anyhow!("device {id}: {e}"))?;
            match changed {
                true => println!("device {id} revoked"),
                false => println!("device {id} was already revoked"),
            }
        }
        Command::Admin {
            command: AdminCommand::Lawyer { command },
        } => {
            let consulates = config.hub.load_consulates().map_err(anyhow::Error::msg)?;
            match command {
                LawyerCommand::Add {
                    db,
                    name,
                    serves,
                    languages,
                    capacity,
                } => {
                    let store = guardia::hub::store::Store::open(&db.unwrap_or(config.hub.db))?;
                    let new = guardia::domain::staff::NewStaff {
                        name,
                        role: Role::Lawyer,
                        consulate: None,
                        serves,
                        languages,
                        capacity,
                    };
                    let (id, token) = guardia::admin::add_staff(&store, &consulates, new)
                        .await
                        .map_err(anyhow::Error::msg)?;
                    println!("lawyer id {id}");
                    println!("token (shown once; store it safely): {token}");
                }
                LawyerCommand::Import { db, file } => {
                    let text = std::fs::read_to_string(&file)
                        .with_context(|| format!("reading {}", file.display()))?;
                    let store = guardia::hub::store::Store::open(&db.unwrap_or(config.hub.db))?;
                    let added = guardia::admin::import_lawyers(&store, &consulates, &text)
                        .await
                        .map_err(anyhow::Error::msg)?;
                    // Tokens are shown once: this output is the only copy.
                    println!("name,id,token");
                    for (name, id, token) in added {
                        println!("\"{}\",{id},{token}", name.replace('"', "\"\""));
                    }
                }
            }
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
