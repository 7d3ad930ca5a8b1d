//! WAL checkpoints on a thread of their own, so that no commit waits for one.
//!
//! By default SQLite copies the WAL back into the database from inside whichever commit takes
//! the WAL past 1,000 pages: that commit, and every request queued behind it, waits for the copy
//! and its fsync, and the copy touches more scattered pages as the database grows. In a raid that
//! showed as a third run slower than the first. Here the writer only nudges after a commit, and
//! this thread runs passive checkpoints beside it (WAL mode lets a checkpoint overlap commits).
//! The writer keeps a far higher automatic threshold as a backstop: if this thread falls behind,
//! or a reader keeps the WAL from being reused, the file still stays bounded.

use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::Duration;

use rusqlite::Connection;

use super::StoreError;

/// Pages the WAL may reach before the writer checkpoints it itself (256 MB of 4 KB pages).
/// Under steady load a passive checkpoint never catches the writer, so the WAL is only reused
/// once the writer copies the last few frames itself; by then this thread has copied nearly all
/// of them. Measured in the raid profile (docs/performance.md): 8,000 pages put the writer's
/// own checkpoint in the tail every few hundred milliseconds.
pub(super) const WRITER_BACKSTOP_PAGES: i64 = 65_536;

/// Frames (64 MB of 4 KB pages) past which the thread starts the WAL over.
const RESTART_FRAMES: i64 = 16_384;

/// How long commits gather before one checkpoint copies them. The same hot pages (a busy case,
/// the indexes' last leaves) are rewritten many times a second: a longer gather copies each once.
/// 200 ms gave a delivery p99 of 5–7 ms in the raid, 1 s gave 3–4.6 ms.
const GATHER: Duration = Duration::from_secs(1);

/// The writer's side: tells the checkpointer that something was committed.
pub(super) struct Nudge(SyncSender<()>);

impl Nudge {
    /// Never blocks: one pending nudge is as good as many.
    pub fn commit(&self) {
        let _ = self.0.try_send(());
    }
}

/// Starts the checkpointer on its own connection to `path`.
pub(super) fn start(path: &Path) -> Result<Nudge, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    let (tx, rx) = sync_channel(1);
    std::thread::Builder::new()
        .name("guardia-checkpoint".into())
        .spawn(move || run(&conn, &rx))
        .map_err(|e| StoreError::Setup(format!("cannot start the checkpoint thread: {e}")))?;
    Ok(Nudge(tx))
}

fn run(conn: &Connection, nudges: &Receiver<()>) {
    // Ends when the writer (the only sender) is gone.
    while nudges.recv().is_ok() {
        std::thread::sleep(GATHER);
        // A nudge that came while gathering is covered by this checkpoint.
        let _ = nudges.try_recv();
        // PASSIVE never waits for readers or the writer: it copies what it can and returns.
        let frames = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(1));
        match frames {
            // Under steady load the writer is always ahead of a passive copy, so the WAL is
            // never reused. Once it is long, RESTART copies the few frames committed during the
            // passive copy, holding the writer off only for those, and lets the next commit
            // start the WAL over. The writer's backstop is then never reached.
            Ok(frames) if frames >= RESTART_FRAMES => {
                if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(())) {
                    tracing::warn!(error = %e, "WAL restart failed; the writer's own will catch up");
                }
            }
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(error = %e, "WAL checkpoint failed; the writer's own will catch up")
            }
        }
    }
    // A last full copy on the way out, so a stopped hub leaves a short WAL behind.
    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db_bytes(path: &Path) -> u64 {
        std::fs::metadata(path).unwrap().len()
    }

    #[test]
    fn the_writer_leaves_checkpoints_to_the_thread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hub.db");
        let writer = super::super::schema::open_writer(&path).unwrap();
        writer
            .execute_batch("CREATE TABLE t (x BLOB); BEGIN;")
            .unwrap();
        // About 12 MB: three times SQLite's default threshold.
        for _ in 0..3_000 {
            writer
                .execute("INSERT INTO t VALUES (zeroblob(4000))", [])
                .unwrap();
        }
        writer.execute_batch("COMMIT").unwrap();
        // The database file only grows when a checkpoint copies pages into it.
        assert!(
            db_bytes(&path) < 1_000_000,
            "the commit itself copied the WAL into the database"
        );
        let nudge = start(&path).unwrap();
        nudge.commit();
        // Wait for the copy, not for a time.
        for _ in 0..400 {
            if db_bytes(&path) >= 3_000 * 4_000 {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(
            db_bytes(&path) >= 3_000 * 4_000,
            "the thread never copied the WAL back"
        );
    }
}
