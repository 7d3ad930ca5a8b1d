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
/// to write: a batch holds it from its first statement to its commit ("guardia" in ASCII), so
/// that commits happen in `seq` order and a reader never sees a later `seq` before an earlier
/// one (the gap a sequence leaves under concurrent writers). Taken in read committed, whatever
/// the server's default: the head must be read after the lock is granted, which a snapshot
/// taken at BEGIN would not see.
///
/// The lock is not held while the commit is flushed to disk: the batch commits without waiting
/// for the flush (`synchronous_commit` off for that transaction alone), which lets the next hub
/// take its turn at once, and only then waits for the flush with [`FLUSH`]. PostgreSQL writes
/// one log (the WAL) and flushes it from its start, so a flush that covers a later record
/// covers every commit before it: the hubs' flushes overlap instead of queueing behind the lock,
/// and the `seq` order (the lock's order, so the WAL's) is also the order in which commits
/// become durable.
pub const WRITER_LOCK: i64 = 0x0067_7561_7264_6961;

/// Waits until everything committed so far is on disk: a transaction that writes one record to
/// the WAL and commits as the server's `synchronous_commit` says (on by default), so it returns
/// once the WAL is flushed past its own commit, and therefore past every commit before it. The
/// record is a logical-decoding message (ignored unless someone decodes the WAL), which needs
/// no table, no privilege and no lock another writer holds. Also the log listener's, before it
/// publishes events it found without a notification.
pub(super) const FLUSH: &str = "SELECT pg_logical_emit_message(true, 'guardia', '')";

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

/// How a batch's transaction is opened, and how its jobs' savepoints are taken and ended. On
/// SQLite every statement is a function call and each is sent alone. On PostgreSQL each is a
/// round trip taken while every hub waits for the lock, so neighbours travel together in one
/// simple-protocol message: the begin, the lock, the head and the first savepoint; one job's
/// release and the next one's savepoint; the last release, the notification and the commit.
/// Each statement still runs on its own snapshot (read committed), so the head is read after
/// the lock is granted, as when they were sent one by one.
struct Turns<'c> {
    conn: &'c Conn,
    pg: bool,
}

impl Turns<'_> {
    /// Begins the batch with the log to itself and the first job's savepoint; returns the head
    /// and, on PostgreSQL, the highest case number (read in the same trip).
    fn open(&self) -> Result<(Head, Option<u64>), StoreError> {
        if !self.pg {
            // SQLite's one write lock, taken at once.
            run_sql(self.conn, "BEGIN IMMEDIATE")?;
            let head = head(self.conn)?;
            run_sql(self.conn, "SAVEPOINT job")?;
            return Ok((head, None));
        }
        let rows = self.conn.pg_simple(&format!(
            "BEGIN ISOLATION LEVEL READ COMMITTED;
             SELECT pg_advisory_xact_lock({WRITER_LOCK});
             SELECT e.seq, encode(e.chain, 'hex'), (SELECT COALESCE(MAX(id), 1000) FROM cases)
               FROM (SELECT 1) AS one
               LEFT JOIN LATERAL (SELECT seq, chain FROM events ORDER BY seq DESC LIMIT 1) AS e
                 ON true;
             SAVEPOINT job"
        ))?;
        let row = rows
            .last()
            .filter(|r| r.len() == 3)
            .ok_or_else(|| StoreError::Corrupt("the log's head did not come back".into()))?;
        let number = |i: usize| -> Result<Option<u64>, StoreError> {
            row[i]
                .as_deref()
                .map(|t| t.parse::<u64>())
                .transpose()
                .map_err(|e| StoreError::Corrupt(format!("the log's head: {e}")))
        };
        let max_case = number(2)?;
        let head = match number(0)? {
            None => Head {
                seq: 0,
                link: super::chain::GENESIS,
            },
            Some(seq) => Head {
                seq,
                link: row[1]
                    .as_deref()
                    .and_then(|h| hex::decode(h).ok())
                    .and_then(|c| c.try_into().ok())
                    .ok_or_else(|| StoreError::Corrupt(format!("event {seq} has no seal")))?,
            },
        };
        Ok((head, max_case))
    }

    /// Ends a job that is not the batch's last: keeps it (`ok`) or undoes it, and takes the
    /// next job's savepoint. Returns whether the job's work is kept. A release fails where a
    /// statement failed inside a job that still said yes (on PostgreSQL a failed statement
    /// spoils the transaction until it is rolled back): the job's work is undone.
    fn between(&self, ok: bool, deferred: &str) -> bool {
        if !self.pg {
            // The next savepoint is taken whatever became of this job: its failure is logged,
            // never held against a job already released.
            let kept = self.last(ok);
            if let Err(e) = run_sql(self.conn, "SAVEPOINT job") {
                tracing::error!(error = %e, "savepoint failed");
            }
            return kept;
        }
        let kept = ok
            && self
                .conn
                .batch(&format!("{deferred}RELEASE job; SAVEPOINT job"))
                .is_ok();
        if !kept
            && let Err(e) = self
                .conn
                .batch("ROLLBACK TO job; RELEASE job; SAVEPOINT job")
        {
            tracing::error!(error = %e, "cannot undo a failed job");
        }
        kept
    }

    /// Ends the last job as [`Self::between`] does, without a next savepoint.
    fn last(&self, ok: bool) -> bool {
        let kept = ok && run_sql(self.conn, "RELEASE job").is_ok();
        if !kept
            && let Err(e) = run_sql(self.conn, "ROLLBACK TO job")
                .and_then(|()| run_sql(self.conn, "RELEASE job"))
        {
            tracing::error!(error = %e, "cannot undo a failed job");
        }
        kept
    }

    /// Commits, after the last job's deferred writes and release when they are given (on
    /// PostgreSQL, whose last job is ended here, in the same message). On PostgreSQL the commit
    /// does not wait for the disk ([`WRITER_LOCK`]): nobody is answered before [`Self::durable`].
    /// PostgreSQL answers COMMIT on a spoiled transaction with a silent rollback, so a statement
    /// must succeed just before it: the `SET LOCAL`, which fails in a spoiled transaction.
    fn commit(&self, last_job: Option<&str>) -> super::db::Result<()> {
        if !self.pg {
            return run_sql(self.conn, "COMMIT");
        }
        let release = match last_job {
            Some(deferred) => format!("{deferred}RELEASE job;\n"),
            None => String::new(),
        };
        self.conn.batch(&format!(
            "{release}SET LOCAL synchronous_commit TO off; COMMIT"
        ))
    }

    /// Returns once the batch is on disk. SQLite's commit already waited for it; on PostgreSQL
    /// the flush comes after the lock is released (a read-only batch waits too: what it read,
    /// another hub's batch, may not be on disk yet).
    fn durable(&self) -> super::db::Result<()> {
        if !self.pg {
            return Ok(());
        }
        run_sql(self.conn, FLUSH)
    }

    /// Tells every hub's listener that the log holds durable events up to `seq`. Sent after the
    /// flush, so a listener never publishes what a power cut could still take back; as its own
    /// transaction that does not wait for the disk either (a notifying commit holds a lock every
    /// other notifying commit waits for). A lost notification delays events by the listener's
    /// poll, never loses them.
    fn announce(&self, seq: u64) {
        if !self.pg {
            return;
        }
        let sql = format!(
            "BEGIN; SET LOCAL synchronous_commit TO off;
             SELECT pg_notify('guardia_log', '{seq}'); COMMIT"
        );
        if let Err(e) = self.conn.batch(&sql) {
            tracing::error!(error = %e, "cannot notify the other hubs; their listeners will look");
            let _ = self.conn.batch("ROLLBACK");
        }
    }
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
    let turns = Turns {
        conn,
        pg: conn.engine() == super::db::Engine::Postgres,
    };
    // The head is read inside the write lock: `guardia admin` may have appended (a staff
    // change) from another process since the last batch, and a `seq` must never be taken twice
    // nor a link made from anything but the log's real last one.
    let (head, max_case) = match turns.open() {
        Ok(opened) => opened,
        Err(e) => {
            tracing::error!(error = %e, "cannot begin a write transaction; the batch is refused");
            let _ = conn.batch("ROLLBACK");
            cache.forget_all();
            let msg = e.to_string();
            for job in batch.drain(..) {
                // The job never runs; its caller hears the failure.
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
        max_case,
        known: None,
        known_case: None,
        deferred: Default::default(),
    };
    // Each job's reply, whether its work was lost after it succeeded, and whether it succeeded.
    let mut replies: Vec<(Reply, bool, bool)> = Vec::with_capacity(batch.len());
    let jobs = batch.len();
    let mut last_mark = None;
    let mut last_deferred = String::new();
    for (i, job) in batch.drain(..).enumerate() {
        let mark = ctx.mark();
        ctx.known = None;
        ctx.known_case = None;
        let (ok, reply) = job(Some(&mut ctx));
        // What the job left to send goes with its release; a job that failed sends none of it.
        let deferred = ctx.take_deferred();
        let kept = if i + 1 < jobs {
            turns.between(ok, &deferred)
        } else if ok && turns.pg {
            // Sent with the commit below, where a failure is sorted out.
            last_mark = Some(mark);
            last_deferred = deferred;
            true
        } else {
            turns.last(ok)
        };
        if !kept {
            ctx.undo(mark);
        }
        replies.push((reply, ok && !kept, ok));
    }
    let mut committed = match last_mark {
        None => turns.commit(None),
        Some(_) => turns.commit(Some(&last_deferred)),
    };
    if committed.is_err()
        && let Some(mark) = last_mark
        && conn.batch("ROLLBACK TO job; RELEASE job").is_ok()
    {
        // The last job's writes, release or notification failed, not the transaction: that job
        // is undone and told so, and the rest of the batch commits.
        tracing::error!("the batch's last job could not be kept; the others are committed");
        ctx.undo(mark);
        if let Some(last) = replies.last_mut() {
            last.1 = true;
        }
        committed = turns.commit(None);
    }
    match committed {
        Ok(()) => {
            ctx.cache.committed();
            if let Err(e) = turns.durable() {
                // Committed, but not known to be on disk: nobody is told yes. A caller that
                // tries again with the same key gets the first answer once it is.
                tracing::error!(error = %e, "the database did not confirm the batch is on disk");
                let msg = e.to_string();
                for (reply, _, ok) in replies {
                    // A job that refused on its own keeps its refusal (it wrote nothing).
                    reply(if ok {
                        Err(StoreError::Setup(format!(
                            "the write was not confirmed on disk: {msg}"
                        )))
                    } else {
                        Ok(())
                    });
                }
                return;
            }
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
            for (reply, lost, _) in replies {
                reply(if lost {
                    Err(StoreError::Setup("the write could not be kept".into()))
                } else {
                    Ok(())
                });
            }
            if ctx.next_seq > head.seq + 1 {
                turns.announce(ctx.next_seq - 1);
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "commit failed; the batch is rolled back");
            let _ = conn.batch("ROLLBACK");
            ctx.cache.forget_all();
            let msg = e.to_string();
            for (reply, ..) in replies {
                reply(Err(StoreError::Setup(format!("commit failed: {msg}"))));
            }
        }
    }
}
