//! The command line: every subcommand and flag of `guardia`, and the checks on what is typed
//! that clap cannot express. `main.rs` carries the commands out.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub mod admin_run;
mod check;

pub use check::{
    check_consulate, checked_lang, console_lang, lang_before_parse, lawyer_add_hint, need_terminal,
    parse_staff_add_role, parse_staff_role, report_client, unknown_consulate,
};

#[derive(Parser)]
#[command(
    name = "guardia",
    version,
    about = "Consular emergency-response hub and duty console"
)]
pub struct Cli {
    /// Read settings from this file instead of the user's config file.
    #[arg(long, global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
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
        /// A raid: presses come fast (3 a second or more) and close together, so a couple of
        /// hundred alerts and their clusters arrive in the first minutes.
        #[arg(long)]
        raid: bool,
    },
    /// Run the hub.
    Hub {
        /// Address to listen on (default from hub.listen: 127.0.0.1:8750). Off loopback it
        /// needs --tls-cert and --tls-key, or --behind-proxy.
        #[arg(long)]
        listen: Option<String>,
        /// The SQLite database file (created 0600 on first start), or a PostgreSQL URL
        /// (postgres://user@host/db) that several hubs share.
        #[arg(long)]
        db: Option<PathBuf>,
        /// The key file that seals the log (default: hub.key_file, else the file beside --db).
        /// Every hub on one PostgreSQL database needs the same one.
        #[arg(long)]
        key_file: Option<PathBuf>,
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
        /// The hub's URL (default: the configured one, or http://127.0.0.1:8750). Several, to
        /// fail over between: repeat it (`--hub A --hub B`) or separate them with commas; the
        /// console starts on the first.
        #[arg(long, value_name = "URL", value_delimiter = ',')]
        hub: Vec<String>,
        /// es or en (default: the configured language, else the system's).
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
        /// Seconds to keep trying a press the hub did not take (down, 5xx, 429), each time
        /// with the same alert id so it is never stored twice; then it counts as failed.
        #[arg(long, value_name = "SECONDS", default_value_t = 300)]
        retry_for: u64,
        /// Watched appointments to schedule first, at the ICE offices nearest Los Angeles over
        /// the next day; one in five is never ended and the hub raises its alert.
        #[arg(long, default_value_t = 10)]
        appointments: usize,
    },
    /// Load a hub and report durable alerts/s, latencies and memory (an in-process hub on a
    /// temporary database unless --hub is given; then GUARDIA_TOKEN must be a national
    /// supervisor's). --nats loads NATS JetStream the same way, for comparison.
    Bench {
        /// A running hub to load (needs a national supervisor's GUARDIA_TOKEN), or several
        /// on one database, comma-separated (presses and subscribers spread over them); without
        /// it, a hub is started in this process on a temporary database.
        #[arg(long)]
        hub: Option<String>,
        /// Alerts per second to send (open loop).
        #[arg(long, default_value_t = 500.0)]
        rate: f64,
        /// Seconds of load per run.
        #[arg(long, default_value_t = 10.0)]
        duration: f64,
        /// Consoles subscribed to the event stream.
        #[arg(long, default_value_t = 10)]
        subscribers: usize,
        /// Distinct phones pressing (enrolled first); fewer phones means more repeat presses.
        #[arg(long, default_value_t = 500)]
        phones: usize,
        /// Runs of --duration back to back on the same phones and subscribers, one report
        /// each (a raid that goes on: is the last run slower than the first?).
        #[arg(long, default_value_t = 1)]
        runs: usize,
        /// Measure NATS JetStream at this URL instead of the hub, with the same load (a
        /// build with --features peer-nats; see scripts/perf.sh).
        #[arg(long, conflicts_with_all = ["hub", "baseline"])]
        nats: Option<String>,
        /// Copies of the JetStream stream (3 for a three-node cluster, whose URLs --nats then
        /// lists comma-separated).
        #[arg(long, default_value_t = 1, requires = "nats")]
        nats_replicas: usize,
        /// Also measure the machine's limits: raw SQLite commits and a bare HTTP server.
        #[arg(long)]
        baseline: bool,
        /// Open N slow connections to --hub (each starts a body and sends a byte a second) for
        /// --duration, and say how many the hub held and how many it cut.
        #[arg(long, requires = "hub", conflicts_with_all = ["nats", "baseline"])]
        slow: Option<usize>,
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
        #[arg(long, value_parser = parse_choice::<crate::domain::triage::Consent>)]
        consent: Option<crate::domain::triage::Consent>,
        /// Only cases whose national wants: contest, voluntary_return or undecided.
        #[arg(long, value_parser = parse_choice::<crate::domain::triage::Intent>)]
        intent: Option<crate::domain::triage::Intent>,
        /// Only cases of this matter: migratory, criminal, civil, labor, administrative or
        /// human_rights.
        #[arg(long, value_parser = parse_choice::<crate::domain::triage::Category>)]
        category: Option<crate::domain::triage::Category>,
    },
    /// Reports for headquarters (token from config or GUARDIA_TOKEN).
    Report {
        #[command(subcommand)]
        command: ReportCommand,
    },
    /// What the next shift inherits at a consulate: unattended alerts, open cases without a
    /// lawyer, deadlines and hearings in the next 24 hours, duress, pending transfers.
    Handover {
        /// The hub's URL (default: the configured one).
        #[arg(long)]
        hub: Option<String>,
        /// The consulate id (default: yours; national supervisors name one).
        #[arg(long)]
        consulate: Option<String>,
        /// When the shift changes, RFC 3339 (default: now).
        #[arg(long)]
        at: Option<chrono::DateTime<chrono::Utc>>,
        /// Every line of every list (by default each shows its oldest 20 and says how many more).
        #[arg(long)]
        all: bool,
        /// One row per thing inherited, for a spreadsheet.
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
        /// es or en (default: the configured language).
        #[arg(long)]
        lang: Option<String>,
    },
    /// Cases on the record.
    Case {
        #[command(subcommand)]
        command: CaseSubcommand,
    },
    /// Administration on the database file.
    Admin {
        #[command(subcommand)]
        command: AdminCommand,
    },
    /// Check the record: a database file against its seal (every event's link, every case
    /// folded again), or a case export against the hub. Exits non-zero naming the first bad seq.
    #[command(group(clap::ArgGroup::new("what").required(true).args(["db", "export"])))]
    Verify {
        /// The hub's database file, or a backup of it.
        #[arg(long)]
        db: Option<PathBuf>,
        /// The key file that sealed it (default: hub.key_file, else the file beside --db).
        #[arg(long)]
        key_file: Option<PathBuf>,
        /// A case export (`guardia case export`) to check against the hub.
        #[arg(long, conflicts_with = "db")]
        export: Option<PathBuf>,
        /// The hub to check an export against (default: the configured one).
        #[arg(long, requires = "export")]
        hub: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum ReportCommand {
    /// The figures headquarters publishes, for a period (both days included, UTC) and one
    /// consulate or all: people assisted, alerts, raids, visits, advisories, released,
    /// removed, deaths in custody, diplomatic notes and median times.
    Figures {
        /// The hub's URL (default: the configured one).
        #[arg(long)]
        hub: Option<String>,
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: chrono::NaiveDate,
        /// Last day, YYYY-MM-DD.
        #[arg(long)]
        to: chrono::NaiveDate,
        /// Only this consulate (national supervisors; others get their own).
        #[arg(long)]
        consulate: Option<String>,
        /// metric,value rows for a spreadsheet.
        #[arg(long, conflicts_with = "json")]
        csv: bool,
        /// Print as JSON.
        #[arg(long)]
        json: bool,
        /// es or en (default: the configured language).
        #[arg(long)]
        lang: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum CaseSubcommand {
    /// Write one case as Markdown (or JSON) fit for a legal file.
    Export {
        /// The hub's URL (default: the configured one, or http://127.0.0.1:8750).
        #[arg(long)]
        hub: Option<String>,
        /// The case number (as shown in the console, e.g. 1042).
        id: u64,
        /// JSON (the case as the hub holds it) instead of Markdown.
        #[arg(long)]
        json: bool,
        /// es or en (default: the configured language, else the system's).
        #[arg(long)]
        lang: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum AdminCommand {
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
    /// After restoring a backup: check it whole, then record where its log ends, so the hub
    /// will serve it (the old head file said the log went further).
    AcceptHead {
        /// The hub's database file (default: the configured one).
        #[arg(long)]
        db: Option<PathBuf>,
    },
    /// A consistent copy of the database while the hub runs (SQLite's backup API), checked
    /// with the same key before it is reported done. The key file is not copied: keep it apart.
    Backup {
        /// The hub's database file (default: the configured one).
        #[arg(long)]
        db: Option<PathBuf>,
        /// Where to write the copy (must not exist; created 0600).
        #[arg(long)]
        out: PathBuf,
    },
    /// Apply the retention policy now: the personal data of people whose cases have all been
    /// closed longer than `[retention] closed_case_days` is erased for good (the hub does this
    /// daily).
    Retention {
        /// The hub's database file (default: the configured one).
        #[arg(long)]
        db: Option<PathBuf>,
        /// Apply it as of this time (RFC 3339, e.g. 2028-01-01T00:00:00Z) instead of now.
        #[arg(long)]
        now: Option<String>,
    },
    /// Place a legal hold on a case (retention then erases nothing of its person), or lift it.
    Hold {
        /// The hub's database file (default: the configured one).
        #[arg(long)]
        db: Option<PathBuf>,
        /// The case number.
        #[arg(long)]
        case: u64,
        /// What the hold rests on (a court order, the legal office's request).
        #[arg(long)]
        reason: String,
        /// Lift the hold instead of placing it.
        #[arg(long)]
        release: bool,
    },
}

#[derive(Subcommand)]
pub enum DeviceCommand {
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
pub enum LawyerCommand {
    /// Add one lawyer and print their token once.
    Add {
        /// The hub's database file (default: the configured one).
        #[arg(long)]
        db: Option<PathBuf>,
        /// Their full name, as officers will look them up.
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
    /// Bring the roster up to date from a CSV (as config/lawyers.sample.csv): new lawyers are
    /// added, those already on it updated, keeping their token; prints name,id,token,done per
    /// line.
    Import {
        /// The hub's database file (default: the configured one).
        #[arg(long)]
        db: Option<PathBuf>,
        /// The CSV: name,serves,languages,capacity (serves and languages separated by `;`).
        file: PathBuf,
    },
}

#[derive(Subcommand)]
pub enum StaffCommand {
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

/// A triage code on the command line; a wrong one is named with the valid choices.
fn parse_choice<T: crate::domain::triage::Choice>(s: &str) -> Result<T, String> {
    T::from_code(s).ok_or_else(|| {
        format!(
            "`{s}` is not one of: {}",
            T::codes().collect::<Vec<_>>().join(", ")
        )
    })
}

#[cfg(test)]
mod help_tests {
    use clap::CommandFactory;

    /// Every flag of every subcommand, with the path that reaches it, that has no help text.
    fn undocumented(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            let builtin = matches!(arg.get_id().as_str(), "help" | "version");
            if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
                out.push(format!("{path} --{}", arg.get_id()));
            }
        }
        for sub in cmd.get_subcommands() {
            undocumented(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }

    #[test]
    fn every_flag_says_what_it_is_for() {
        let mut missing = Vec::new();
        undocumented(&super::Cli::command(), "guardia", &mut missing);
        assert!(missing.is_empty(), "flags without help: {missing:#?}");
    }
}
