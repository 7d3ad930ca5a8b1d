//! Live events across hubs (PostgreSQL): each hub listens on `guardia_log`, whose
//! notifications carry only a position, and publishes to its own subscribers what the log holds
//! after the last event it published, read from the table in `seq` order. Its own writer's
//! events come back the same way, so every subscriber of every hub sees one order, with no gap
//! and nothing twice.
//!
//! A notification carries a position the writer saw on disk ([`super::batch::WRITER_LOCK`]):
//! what the log holds up to it is published as is. A notification can be missed (the listening
//! connection dropped and came back, or a hub died between its flush and its notification): the
//! listener also looks every second, and what it finds then is published once a flush of its
//! own has put it on disk. So a missed one delays events by at most that, and loses none, and
//! no stream carries an event a power cut could still take back.

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
        // Nothing heard yet on this connection: the first look flushes.
        let mut heard = None;
        loop {
            let Some(fanout) = publisher.upgrade() else {
                return;
            };
            let published = publish_after(&conn, vault, &fanout, last, heard);
            drop(fanout);
            match published {
                Ok(seq) => last = seq,
                Err(e) => {
                    tracing::error!(error = %e, "the log listener lost its connection");
                    break;
                }
            }
            match wait(&conn) {
                Ok(position) => heard = position,
                Err(e) => {
                    tracing::error!(error = %e, "the log listener lost its connection");
                    break;
                }
            }
        }
    }
}

/// Waits for notifications, or [`POLL`]: the highest position heard, several that came at once
/// counting as one (`None`: none came, or none carried a position).
fn wait(conn: &Conn) -> Result<Option<u64>, super::db::Error> {
    let Conn::Pg(pg) = conn else {
        return Ok(None);
    };
    let mut pg = pg.borrow_mut();
    let mut notes = pg.client().notifications();
    let Some(first) = notes.timeout_iter(POLL).next()? else {
        return Ok(None);
    };
    let mut heard = position(first.payload());
    while let Some(next) = notes.iter().next()? {
        heard = heard.max(position(next.payload()));
    }
    Ok(heard)
}

/// A notification's position; anything else (another program's) counts as none.
fn position(payload: &str) -> Option<u64> {
    payload.parse().ok()
}

/// Publishes the events after `last`, in order, and returns the last published: up to `heard`,
/// which a writer saw on disk, or, when nothing was heard, all that are committed, once a flush
/// has put them on disk (they were committed before it began). Stops at a gap, which one writer
/// at a time cannot leave; the next look finds it filled.
fn publish_after(
    conn: &Conn,
    vault: &Vault,
    publisher: &Fanout,
    mut last: u64,
    heard: Option<u64>,
) -> Result<u64, StoreError> {
    let upto = heard.map_or(i64::MAX, |seq| seq.min(i64::MAX as u64) as i64);
    loop {
        let page = conn.query_map(
            "SELECT seq, consulate, lawyer_id, prev_lawyer_id, also_consulate, prev_consulate,
                    kind, body, sealed
               FROM events WHERE seq > ?1 AND seq <= ?2 ORDER BY seq LIMIT ?3",
            params![last as i64, upto, PAGE],
            |r| Ok(super::reads::published_from_row(r, vault)),
        )?;
        if page.is_empty() {
            return Ok(last);
        }
        if heard.is_none() {
            conn.batch(super::batch::FLUSH)?;
        }
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
