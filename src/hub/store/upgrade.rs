//! Bringing an older SQLite database up to what this version writes, once, at start.

use super::StoreError;
use super::chain::{GENESIS, Keys};
use super::db::{Conn, params};
use super::verify::{CASE_COLUMNS, EVENT_COLUMNS, StoredCase, StoredEvent};

/// Seals events and case rows written before the log had a seal (a database from an earlier
/// version), in order, once. What they said at that moment is what gets sealed. (SQLite only:
/// a PostgreSQL database is sealed from its first event.)
pub(super) fn seal_unsealed(conn: &Conn, keys: &Keys) -> Result<u64, StoreError> {
    if conn.engine() != super::db::Engine::Sqlite {
        return Ok(0);
    }
    let unsealed: i64 = conn.query_row(
        "SELECT (SELECT COUNT(*) FROM events WHERE chain IS NULL)
              + (SELECT COUNT(*) FROM cases WHERE mac IS NULL)",
        (),
        |r| r.get(0),
    )?;
    if unsealed == 0 {
        return Ok(0);
    }
    conn.in_transaction(|tx| {
        // The update trigger guards the log against mistakes; sealing is the one update allowed.
        tx.batch("DROP TRIGGER IF EXISTS events_are_append_only_update")?;
        let mut prev = GENESIS;
        let mut sealed = 0u64;
        let events = tx.query_map(
            &format!("SELECT {EVENT_COLUMNS} FROM events ORDER BY seq"),
            (),
            StoredEvent::read,
        )?;
        for e in events {
            let link = keys.link(&prev, &e.row());
            if e.chain.is_none() {
                tx.execute(
                    "UPDATE events SET chain = ?2 WHERE seq = ?1",
                    params![e.seq, &link[..]],
                )?;
                sealed += 1;
            }
            prev = link;
        }
        let cases = tx.query_map(
            &format!("SELECT {CASE_COLUMNS} FROM cases WHERE mac IS NULL"),
            (),
            StoredCase::read,
        )?;
        for stored in cases {
            let row = stored.row();
            tx.execute(
                "UPDATE cases SET mac = ?2 WHERE id = ?1",
                params![row.id, &keys.case_mac(&row)[..]],
            )?;
            sealed += 1;
        }
        tx.batch(
            "CREATE TRIGGER events_are_append_only_update BEFORE UPDATE ON events
             BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;",
        )?;
        Ok(sealed)
    })
}
