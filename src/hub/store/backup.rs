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
    if out.exists() || out.is_symlink() {
        return Err(StoreError::Setup(format!(
            "{} already exists; a backup never overwrites a file",
            out.display()
        )));
    }
    // Created here, new and private: an existing file, or a symbolic link left in its place
    // (dangling or not), is refused rather than followed.
    {
        use std::os::unix::fs::OpenOptionsExt;
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(out)
            .map_err(|e| StoreError::Setup(format!("{}: {e}", out.display())))?;
    }
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
