//! The writer thread: the only owner of the write connection. It takes jobs in batches, runs
//! each in its own savepoint of one transaction, commits once, and only then answers the jobs
//! and publishes their events.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use tokio::sync::mpsc;

use super::case_cache::Projections;
use super::chain::{Head, Keys};
use super::db::{Conn, OptionalExtension};
use super::vault::Vault;
use super::writer::WriteCtx;
use super::{Job, Queued, Reply, StoreError};

/// The log's last event and its link (`GENESIS` for an empty log).
pub(super) fn head(conn: &Conn) -> Result<Head, StoreError> {
    let row: Option<(i64, Option<Vec<u8>>)> = conn
        .query_row(
            "SELECT seq, chain FROM events ORDER BY seq DESC LIMIT 1",
            (),
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    match row {
        None => Ok(Head {
            seq: 0,
            link: super::chain::GENESIS,
        }),
        Some((seq, chain)) => {
            let link = chain
                .and_then(|c| c.try_into().ok())
                .ok_or_else(|| StoreError::Corrupt(format!("event {seq} has no seal")))?;
            Ok(Head {
                seq: seq as u64,
                link,
            })
        }
    }
}

/// Transaction control, through the statement cache like everything else the writer repeats.
fn run_sql(conn: &Conn, sql: &str) -> super::db::Result<()> {
    conn.execute(sql, ()).map(|_| ())
}

/// The one key of PostgreSQL's advisory lock that makes the hubs on one database take turns
/// to write: a batch holds it from its first statement to its commit ("guardia" in ASCII).
pub const WRITER_LOCK: i64 = 0x0067_7561_7264_6961;

/// Begins a batch's transaction with the log to itself. SQLite's `BEGIN IMMEDIATE` takes the
/// database's one write lock; on PostgreSQL every hub's writer takes the same advisory lock,
/// held until its commit, so that commits happen in `seq` order and a reader never sees a
/// later `seq` before an earlier one (the gap a sequence leaves under concurrent writers).
fn begin(conn: &Conn) -> super::db::Result<()> {
    match conn.engine() {
        super::db::Engine::Sqlite => run_sql(conn, "BEGIN IMMEDIATE"),
        super::db::Engine::Postgres => {
            // Read committed, whatever the server's default: the head must be read after the
            // lock is granted, which a snapshot taken at BEGIN would not see.
            run_sql(conn, "BEGIN ISOLATION LEVEL READ COMMITTED")?;
            conn.query_row(
                "SELECT pg_advisory_xact_lock(?1)::text",
                [WRITER_LOCK],
                |_| Ok(()),
            )
        }
    }
}

/// Opens the writer's connection again once PostgreSQL's is gone (None on SQLite).
pub(super) type Reconnect = Option<Box<dyn Fn() -> Result<Conn, StoreError> + Send>>;

/// What keeps the writer's database in shape between batches: SQLite's checkpointer, or the way
/// back to PostgreSQL.
pub(super) struct Upkeep {
    pub nudge: Option<super::checkpoint::Nudge>,
    pub reconnect: Reconnect,
}

pub(super) fn run(
    mut conn: Conn,
    upkeep: Upkeep,
    mut jobs: mpsc::Receiver<Queued>,
    publisher: Arc<super::fanout::Fanout>,
    head: Seals,
    max_batch: usize,
    lag_us: Arc<AtomicU64>,
) {
    let mut cache = Projections::default();
    let mut batch: Vec<Job> = Vec::with_capacity(max_batch);
    let mut waited: Vec<Instant> = Vec::with_capacity(max_batch);
    while let Some(first) = jobs.blocking_recv() {
        let lag = first.at.elapsed();
        lag_us.store(lag.as_micros() as u64, Ordering::Relaxed);
        crate::hub::metrics::queue(jobs.len(), lag.as_secs_f64());
        waited.push(first.at);
        batch.push(first.job);
        while batch.len() < max_batch {
            match jobs.try_recv() {
                Ok(q) => {
                    waited.push(q.at);
                    batch.push(q.job);
                }
                Err(_) => break,
            }
        }
        let size = batch.len();
        if conn.is_broken()
            && let Some(open) = &upkeep.reconnect
        {
            // The batch waits for the database (its callers' own timeouts still run): a lost
            // connection, a restarted or failed-over server, costs a moment, not the hub.
            conn = reopen(open);
            cache.forget_all();
        }
        commit_batch(&conn, &mut batch, &publisher, &mut cache, &head);
        if let Some(nudge) = &upkeep.nudge {
            nudge.commit();
        }
        crate::hub::metrics::committed(size, waited.drain(..).map(|t| t.elapsed().as_secs_f64()));
    }
    if let Some(recorder) = &head.head {
        recorder.close();
    }
}

/// Opens the connection again, trying until it can; says so once while it cannot.
fn reopen(open: &(dyn Fn() -> Result<Conn, StoreError> + Send)) -> Conn {
    let mut tries = 0u32;
    loop {
        match open() {
            Ok(conn) => {
                if tries > 0 {
                    tracing::warn!(tries, "the writer is connected to the database again");
                }
                return conn;
            }
            Err(e) => {
                if tries == 0 {
                    tracing::error!(error = %e, "the writer lost the database; reconnecting");
                }
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(
                    100 * u64::from(tries.min(20)),
                ));
            }
        }
    }
}

/// What the writer seals with: who records the log's head after each commit, the keys that
/// sign it, and the vault that seals personal data.
pub(super) struct Seals {
    /// `None` on PostgreSQL: several hubs write one log, and the database is the one place that
    /// knows its end.
    pub head: Option<super::head::HeadRecorder>,
    pub keys: Keys,
    pub vault: Arc<Vault>,
}

/// Runs a batch in one transaction, and records the log's head once it is committed.
fn commit_batch(
    conn: &Conn,
    batch: &mut Vec<Job>,
    publisher: &super::fanout::Fanout,
    cache: &mut Projections,
    head_file: &Seals,
) {
    let keys = &head_file.keys;
    if let Err(e) = begin(conn) {
        tracing::error!(error = %e, "cannot begin a write transaction");
        let msg = e.to_string();
        for job in batch.drain(..) {
            // The job never runs; its caller hears the failure.
            let (_, reply) = job(None);
            reply(Err(StoreError::Setup(msg.clone())));
        }
        let _ = conn.batch("ROLLBACK");
        cache.forget_all();
        return;
    }
    // Read the head inside the write lock: `guardia admin` may have appended (a staff change)
    // from another process since the last batch, and a `seq` must never be taken twice nor a
    // link made from anything but the log's real last one.
    let head = match head(conn) {
        Ok(head) => head,
        Err(e) => {
            tracing::error!(error = %e, "cannot read the log's head; the batch is refused");
            let _ = conn.batch("ROLLBACK");
            let msg = e.to_string();
            for job in batch.drain(..) {
                let (_, reply) = job(None);
                reply(Err(StoreError::Setup(msg.clone())));
            }
            return;
        }
    };
    let mut ctx = WriteCtx {
        conn,
        next_seq: head.seq + 1,
        prev: head.link,
        keys,
        vault: &head_file.vault,
        pending: Vec::new(),
        cache,
    };
    // Each job's reply, and whether its work was lost after it succeeded.
    let mut replies: Vec<(Reply, bool)> = Vec::with_capacity(batch.len());
    for job in batch.drain(..) {
        let mark = (ctx.next_seq, ctx.pending.len(), ctx.cache.mark(), ctx.prev);
        if let Err(e) = run_sql(conn, "SAVEPOINT job") {
            tracing::error!(error = %e, "savepoint failed");
        }
        let (ok, reply) = job(Some(&mut ctx));
        // A release fails where a statement failed inside a job that still said yes (on
        // PostgreSQL a failed statement spoils the transaction until it is rolled back): the
        // job's work is undone, and its caller told so rather than told it was kept.
        let kept = ok && run_sql(conn, "RELEASE job").is_ok();
        if !kept {
            if let Err(e) =
                run_sql(conn, "ROLLBACK TO job").and_then(|()| run_sql(conn, "RELEASE job"))
            {
                tracing::error!(error = %e, "cannot undo a failed job");
            }
            ctx.next_seq = mark.0;
            ctx.pending.truncate(mark.1);
            ctx.cache.undo_from(mark.2);
            ctx.prev = mark.3;
        }
        replies.push((reply, ok && !kept));
    }
    // The hubs' listeners hear of the commit with it: a notification is sent only if the
    // transaction commits. It carries the position only; the events are read from the table.
    if conn.engine() == super::db::Engine::Postgres
        && ctx.next_seq > head.seq + 1
        && let Err(e) = conn.query_row(
            "SELECT pg_notify('guardia_log', ?1)::text",
            [(ctx.next_seq - 1).to_string()],
            |_| Ok(()),
        )
    {
        tracing::error!(error = %e, "cannot notify the other hubs; they will poll");
    }
    // PostgreSQL answers COMMIT on a spoiled transaction with a silent rollback: ask first.
    let healthy = match conn.engine() {
        super::db::Engine::Sqlite => Ok(()),
        super::db::Engine::Postgres => run_sql(conn, "SELECT 1"),
    };
    match healthy.and_then(|()| run_sql(conn, "COMMIT")) {
        Ok(()) => {
            ctx.cache.committed();
            // Handed to the head's own thread, which writes it power-safely off this path: the
            // file may lag the log by a moment, never lead it (this commit has returned).
            if let Some(recorder) = &head_file.head {
                recorder.reached(Head {
                    seq: ctx.next_seq - 1,
                    link: ctx.prev,
                });
            }
            crate::hub::metrics::published(ctx.pending.len());
            // Empty on PostgreSQL, where the listener publishes (`WriteCtx::publishes`).
            for event in ctx.pending.drain(..) {
                // No subscribers is normal; the log holds the event for later replay.
                publisher.publish(event);
            }
            for (reply, lost) in replies {
                reply(if lost {
                    Err(StoreError::Setup("the write could not be kept".into()))
                } else {
                    Ok(())
                });
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "commit failed; the batch is rolled back");
            let _ = conn.batch("ROLLBACK");
            ctx.cache.forget_all();
            let msg = e.to_string();
            for (reply, _) in replies {
                reply(Err(StoreError::Setup(format!("commit failed: {msg}"))));
            }
        }
    }
}
