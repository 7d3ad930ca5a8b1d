//! `guardia admin backup`: a consistent copy of a live database.

use std::path::Path;

use rusqlite::Connection;

use super::StoreError;

/// Copies `db` to `out` with SQLite's online backup API, in one step, so the copy is the
/// database as of one moment even while the hub writes. `out` must not exist; it is created
/// 0600 like the database.
pub fn backup(db: &Path, out: &Path) -> Result<(), StoreError> {
    if !db.exists() {
        return Err(StoreError::Setup(format!("{}: no such file", db.display())));
    }
    if out.exists() {
        return Err(StoreError::Setup(format!(
            "{} already exists; a backup never overwrites a file",
            out.display()
        )));
    }
    super::schema::private_file(out)?;
    let source = super::schema::open_reader(db)?;
    let mut copy = Connection::open(out)?;
    {
        use rusqlite::backup::{Backup, StepResult};
        let backup = Backup::new(&source, &mut copy)?;
        // All pages in one step (-1): a step-wise copy restarts whenever the hub commits
        // between steps, and under load would never finish.
        loop {
            match backup.step(-1)? {
                StepResult::Done => break,
                // The hub holds a lock for a moment: try again.
                _ => std::thread::sleep(std::time::Duration::from_millis(20)),
            }
        }
    }
    // A copy that stands alone: its WAL folded in, so one file is the whole backup.
    copy.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}
