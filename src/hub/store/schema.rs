//! Opening a database: pragmas checked, migrations applied in order, tracked by `user_version`.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::db::Conn;

use super::StoreError;

/// Each entry moves the schema one version forward. Never edit a shipped entry; add one.
const MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/0001_init.sql"),
    include_str!("../../../migrations/0002_case_work.sql"),
    include_str!("../../../migrations/0003_lifecycle.sql"),
    include_str!("../../../migrations/0004_rule_book.sql"),
    include_str!("../../../migrations/0005_verified_phones.sql"),
    include_str!("../../../migrations/0006_enrollments_by_phone.sql"),
    include_str!("../../../migrations/0007_sealed_log.sql"),
    include_str!("../../../migrations/0008_case_reads.sql"),
    include_str!("../../../migrations/0009_vault.sql"),
    include_str!("../../../migrations/0010_protection.sql"),
    include_str!("../../../migrations/0011_visit_plans.sql"),
    include_str!("../../../migrations/0012_row_seals.sql"),
    include_str!("../../../migrations/0013_enrollment_networks.sql"),
    include_str!("../../../migrations/0014_appointments.sql"),
];

/// Sets and then reads back the pragmas durability depends on. A database that cannot be put in
/// WAL mode with full sync (a network filesystem, say) is refused rather than silently weaker.
fn set_and_check_pragmas(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
    let sync: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
    let fk: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
    if !mode.eq_ignore_ascii_case("wal") || sync != 2 || fk != 1 {
        return Err(StoreError::Setup(format!(
            "the database refused durable settings (journal_mode={mode}, synchronous={sync}, foreign_keys={fk})"
        )));
    }
    Ok(())
}

/// Makes the database readable by its owner only: the file is created 0600 (in a 0700 folder
/// when the folder is new) before SQLite opens it, and SQLite gives its WAL and shared-memory
/// files the database's own mode. A database left readable by others is tightened.
pub fn private_file(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
    let setup = |e: std::io::Error| StoreError::Setup(format!("{}: {e}", path.display()));
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.exists()
    {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(setup)?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map_err(setup)?;
    for suffix in ["", "-wal", "-shm"] {
        let file = std::path::PathBuf::from(format!("{}{suffix}", path.display()));
        if let Ok(meta) = std::fs::metadata(&file)
            && meta.permissions().mode() & 0o077 != 0
        {
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                .map_err(setup)?;
        }
    }
    Ok(())
}

/// The database's schema version, refused when this program does not know it (a newer one's).
fn known_version(version: i64, known: usize) -> Result<usize, StoreError> {
    let current = usize::try_from(version).unwrap_or(usize::MAX);
    if current > known {
        return Err(StoreError::Setup(format!(
            "the database is at schema version {version}, newer than this program knows \
             ({known}); upgrade guardia"
        )));
    }
    Ok(current)
}

/// The writer's connection: creates the file if needed and migrates it.
pub fn open_writer(path: &Path) -> Result<Connection, StoreError> {
    private_file(path)?;
    let mut conn = Connection::open(path)?;
    set_and_check_pragmas(&conn)?;
    // Room for every statement the writer repeats (rusqlite keeps 16 by default).
    conn.set_prepared_statement_cache_capacity(128);
    // Checkpoints are the checkpoint thread's work; this is only the writer's backstop.
    conn.pragma_update(
        None,
        "wal_autocheckpoint",
        super::checkpoint::WRITER_BACKSTOP_PAGES,
    )?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let current = known_version(version, MIGRATIONS.len())?;
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(conn)
}

/// A read connection. Read-only at the SQLite level, so a bug in a read path cannot write.
pub fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(conn)
}

/// PostgreSQL's migrations: the whole schema as of SQLite's 0009 first, then the changes made
/// since, each for both engines.
const PG_MIGRATIONS: &[&str] = &[
    include_str!("../../../migrations/postgres/0001_init.sql"),
    include_str!("../../../migrations/postgres/0002_protection.sql"),
    include_str!("../../../migrations/postgres/0003_visit_plans.sql"),
    include_str!("../../../migrations/postgres/0004_row_seals.sql"),
    include_str!("../../../migrations/postgres/0005_enrollment_networks.sql"),
    include_str!("../../../migrations/postgres/0006_appointments.sql"),
    include_str!("../../../migrations/postgres/0007_rows_in_line.sql"),
];

/// The advisory lock hubs starting at once take turns on to migrate.
const MIGRATION_LOCK: i64 = 0x0067_7561_7264_696d;

/// A PostgreSQL connection for the writer: migrates the database first. Several hubs may start
/// at once; they migrate one at a time, and each applies only what is still missing.
pub fn open_pg_writer(url: &str) -> Result<Conn, StoreError> {
    let conn = open_pg(url)?;
    conn.query_row(
        "SELECT pg_advisory_lock(?1)::text",
        [MIGRATION_LOCK],
        |_| Ok(()),
    )?;
    let migrated = migrate_pg(&conn);
    let unlocked = conn.query_row(
        "SELECT pg_advisory_unlock(?1)",
        [MIGRATION_LOCK],
        |_| Ok(()),
    );
    migrated?;
    unlocked?;
    Ok(conn)
}

fn migrate_pg(conn: &Conn) -> Result<(), StoreError> {
    conn.batch("CREATE TABLE IF NOT EXISTS guardia_schema (version BIGINT NOT NULL)")?;
    let version: i64 = conn
        .query_row("SELECT MAX(version) FROM guardia_schema", (), |r| {
            r.get::<Option<i64>>(0)
        })?
        .unwrap_or(0);
    let current = known_version(version, PG_MIGRATIONS.len())?;
    for (i, sql) in PG_MIGRATIONS.iter().enumerate().skip(current) {
        conn.in_transaction(|tx| -> Result<(), StoreError> {
            tx.batch(sql)?;
            tx.execute(
                "INSERT INTO guardia_schema (version) VALUES (?1)",
                [(i + 1) as i64],
            )?;
            Ok(())
        })?;
    }
    Ok(())
}

/// A PostgreSQL connection (a reader's, the vault's, the listener's).
pub fn open_pg(url: &str) -> Result<Conn, StoreError> {
    let conn = super::db::pg_connect(url).map_err(|e| {
        StoreError::Setup(format!(
            "cannot connect to {}: {e}",
            super::Target::redact(url)
        ))
    })?;
    let conn = Conn::Pg(Box::new(std::cell::RefCell::new(conn)));
    // Times are the hub's own text, so the session's zone changes nothing; a statement stuck
    // on a lock is an outage the hub should see rather than wait out forever.
    conn.batch("SET statement_timeout = '30s'; SET lock_timeout = '30s'")?;
    Ok(conn)
}
