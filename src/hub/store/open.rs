//! Where a store keeps its data, and opening it on PostgreSQL.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use super::verify;
use super::{
    RecordCheck, Store, StoreError, batch, chain, fanout, follow, retention, schema, vault,
};

/// An SQLite file, or a PostgreSQL database several hubs share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    File(PathBuf),
    Postgres(String),
}

impl Target {
    /// `postgres://…` or `postgresql://…` is a PostgreSQL database; anything else a file.
    pub fn parse(s: &str) -> Target {
        if s.starts_with("postgres://") || s.starts_with("postgresql://") {
            Target::Postgres(s.to_string())
        } else {
            Target::File(PathBuf::from(s))
        }
    }

    /// A URL fit for a log line: its password replaced.
    pub fn redact(url: &str) -> String {
        match url::Url::parse(url) {
            Ok(mut u) if u.password().is_some() => {
                let _ = u.set_password(Some("***"));
                u.to_string()
            }
            Ok(u) => u.to_string(),
            Err(_) => "(an unreadable database URL)".into(),
        }
    }

    /// A plain connection, outside any store: for inspection (the tests read the tables
    /// through it). On PostgreSQL, use it on a thread that runs no async tasks.
    pub fn connect(&self) -> Result<super::db::Conn, StoreError> {
        match self {
            Target::File(p) => Ok(super::db::Conn::Lite(rusqlite::Connection::open(p)?)),
            Target::Postgres(url) => schema::open_pg(url),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Target::File(p) => p.display().to_string(),
            Target::Postgres(url) => Target::redact(url),
        }
    }
}

impl Store {
    /// Opens the store at `target`. A PostgreSQL store needs the key file named: every hub on
    /// the database must seal with the same one.
    pub fn open_target(target: &Target, key_file: Option<&Path>) -> Result<Store, StoreError> {
        match target {
            Target::File(path) => Store::open_keyed(path, key_file),
            Target::Postgres(url) => {
                let key_file = key_file.ok_or_else(|| {
                    StoreError::Setup(
                        "a PostgreSQL database needs [hub] key_file (--key-file): the same key \
                         file on every hub that shares it"
                            .into(),
                    )
                })?;
                // The blocking client must not run on an async thread: open on a plain one.
                let (url, key_file) = (url.clone(), key_file.to_path_buf());
                std::thread::spawn(move || open_postgres(&url, &key_file))
                    .join()
                    .map_err(|_| StoreError::Setup("opening the database panicked".into()))?
            }
        }
    }
}

fn open_postgres(url: &str, key_file: &Path) -> Result<Store, StoreError> {
    let conn = schema::open_pg_writer(url)?;
    let sealed: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM events)", (), |r| r.get(0))?;
    let keys = chain::Keys::load(key_file, !sealed)?;
    let vault = Arc::new(vault::Vault::on_postgres(url, &keys)?);
    retention::seal_people(&conn, &vault)?;
    super::visit_seal::seal_old_rows(&conn, &vault)?;
    super::rows::seal_once(&conn, &keys, !sealed)?;
    verify::check_at_start(&conn, &keys, None, false)?;
    let record = Arc::new(Mutex::new(RecordCheck::Running));
    {
        let (whole, url, keys, vault) =
            (record.clone(), url.to_string(), keys.clone(), vault.clone());
        std::thread::Builder::new()
            .name("guardia-verify".into())
            .spawn(move || {
                let report = schema::open_pg(&url).and_then(|c| {
                    c.read_transaction(|tx| verify::check_all(tx, &keys, Some(&vault), None))
                });
                super::record_outcome(&whole, report);
            })
            .map_err(|e| StoreError::Setup(format!("cannot start the record check: {e}")))?;
    }
    let head = batch::head(&conn)?;
    // The listener and the replays start from this head: on disk first, like every position a
    // hub hands out (another hub's batch is visible a moment before its flush).
    conn.batch(batch::FLUSH)?;
    let seals = batch::Seals {
        head: None,
        keys: keys.clone(),
        vault: vault.clone(),
    };
    let (jobs, rx) = mpsc::channel(super::JOB_QUEUE);
    let events = Arc::new(fanout::Fanout::following(
        super::BROADCAST_CAPACITY,
        head.seq,
    ));
    follow::start(url.to_string(), vault.clone(), &events, head.seq)?;
    let publisher = events.clone();
    let lag_us = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let lag = lag_us.clone();
    std::thread::Builder::new()
        .name("guardia-writer".into())
        .spawn({
            let url = url.to_string();
            let upkeep = batch::Upkeep {
                nudge: None,
                reconnect: Some(Box::new(move || schema::open_pg(&url))),
            };
            move || batch::run(conn, upkeep, rx, publisher, seals, super::MAX_BATCH, lag)
        })
        .map_err(|e| StoreError::Setup(format!("cannot start the writer thread: {e}")))?;
    Ok(Store {
        vault,
        record,
        jobs,
        readers: Arc::new(super::ReadPool::new(Target::Postgres(url.to_string()))),
        events,
        lag_us,
        _head: None,
    })
}

/// [`verify_file`] for either engine. On PostgreSQL there is no head file: the database is the
/// one place that knows the log's end.
pub fn verify_target(
    target: &Target,
    key_file: Option<&Path>,
) -> Result<verify::Report, StoreError> {
    match target {
        Target::File(db) => verify::verify_file(db, key_file),
        Target::Postgres(url) => {
            let key_file = key_file
                .ok_or_else(|| StoreError::Setup("a PostgreSQL database needs --key-file".into()))?
                .to_path_buf();
            let url = url.clone();
            // The blocking client must not run on an async thread.
            std::thread::spawn(move || {
                let keys = chain::Keys::load(&key_file, false)?;
                let vault = vault::Vault::on_postgres(&url, &keys)?;
                schema::open_pg(&url)?
                    .read_transaction(|tx| verify::check_all(tx, &keys, Some(&vault), None))
            })
            .join()
            .map_err(|_| StoreError::Setup("the check panicked".into()))?
        }
    }
}
