//! Live events across hubs (PostgreSQL): each hub listens on `guardia_log`, whose
//! notifications carry only a position, and publishes to its own subscribers what the log holds
//! after the last event it published, read from the table in `seq` order. Its own writer's
//! events come back the same way, so every subscriber of every hub sees one order, with no gap
//! and nothing twice.
//!
//! A notification can be missed (the listening connection dropped and came back): the listener
//! also looks every second, so a missed one delays events by at most that, and loses none.

use std::sync::{Arc, Weak};
use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;

use super::StoreError;
use super::db::{Conn, params};
use super::fanout::Fanout;
use super::vault::Vault;

/// Events read per statement.
const PAGE: i64 = 512;
/// How long the listener waits for a notification before it looks anyway.
const POLL: Duration = Duration::from_secs(1);

/// Starts the listener; it publishes what is committed after `from`.
pub(super) fn start(
    url: String,
    vault: Arc<Vault>,
    publisher: &Arc<Fanout>,
    from: u64,
) -> Result<(), StoreError> {
    let publisher = Arc::downgrade(publisher);
    std::thread::Builder::new()
        .name("guardia-follow".into())
        .spawn(move || run(&url, &vault, &publisher, from))
        .map_err(|e| StoreError::Setup(format!("cannot start the log listener: {e}")))?;
    Ok(())
}

fn run(url: &str, vault: &Vault, publisher: &Weak<Fanout>, mut last: u64) {
    let mut failures = 0u32;
    loop {
        // Ends with the store: nobody can subscribe any more.
        if publisher.strong_count() == 0 {
            return;
        }
        let conn = match super::schema::open_pg(url).and_then(|c| {
            c.batch("LISTEN guardia_log")
                .map(|()| c)
                .map_err(Into::into)
        }) {
            Ok(c) => c,
            Err(e) => {
                failures += 1;
                tracing::error!(error = %e, "the log listener cannot connect; retrying");
                std::thread::sleep(Duration::from_millis(200 * u64::from(failures.min(25))));
                continue;
            }
        };
        failures = 0;
        loop {
            let Some(fanout) = publisher.upgrade() else {
                return;
            };
            let published = publish_after(&conn, vault, &fanout, last);
            drop(fanout);
            match published {
                Ok(seq) => last = seq,
                Err(e) => {
                    tracing::error!(error = %e, "the log listener lost its connection");
                    break;
                }
            }
            if let Err(e) = wait(&conn) {
                tracing::error!(error = %e, "the log listener lost its connection");
                break;
            }
        }
    }
}

/// Waits for a notification, or [`POLL`]; several that came at once count as one.
fn wait(conn: &Conn) -> Result<(), super::db::Error> {
    let Conn::Pg(pg) = conn else {
        return Ok(());
    };
    let mut pg = pg.borrow_mut();
    let mut notes = pg.client().notifications();
    let first = notes.timeout_iter(POLL).next()?;
    if first.is_some() {
        while notes.iter().next()?.is_some() {}
    }
    Ok(())
}

/// Publishes every event after `last`, in order, and returns the last published. Stops at a
/// gap, which one writer at a time cannot leave; the next look finds it filled.
fn publish_after(
    conn: &Conn,
    vault: &Vault,
    publisher: &Fanout,
    mut last: u64,
) -> Result<u64, StoreError> {
    loop {
        let page = conn.query_map(
            "SELECT seq, consulate, lawyer_id, prev_lawyer_id, also_consulate, prev_consulate,
                    kind, body, sealed
               FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2",
            params![last as i64, PAGE],
            |r| Ok(super::reads::published_from_row(r, vault)),
        )?;
        let full = page.len() as i64 == PAGE;
        crate::hub::metrics::published(page.len());
        for published in page {
            let published = published?;
            if published.seq != last + 1 {
                return Ok(last);
            }
            last = published.seq;
            publisher.publish(Arc::new(published));
        }
        if !full {
            return Ok(last);
        }
    }
}
