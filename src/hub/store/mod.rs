//! Durable storage: SQLite, one writer thread that commits in groups, a small pool of readers.
//!
//! Every write is a job run by the writer inside its own savepoint; a batch of jobs shares one
//! transaction and one fsync. A job's caller hears back only after the commit, so an HTTP 2xx is
//! never sent for something that could still be lost. Events are published to live subscribers
//! after the commit too, in `seq` order.

pub mod access;
mod alerts;
mod appointment_rows;
pub mod appointments;
mod backup;
mod batch;
mod case_cache;
mod casework;
pub mod chain;
mod checkpoint;
pub mod db;
mod deliveries;
mod duty;
mod enroll;
mod facilities;
pub mod fanout;
mod figures;
mod findings;
mod follow;
mod head;
mod held;
mod idempotency;
mod incidents;
mod intake;
mod open;
mod personal;
mod reads;
mod refold;
mod retention;
mod rows;
mod schema;
mod staff;
mod timers;
mod upgrade;
pub mod vault;
pub mod verify;
mod visit_seal;
mod visits;
mod work;
mod work_rows;
mod writer;

use std::path::Path;
use std::sync::{Arc, Mutex};

use db::Conn;
use tokio::sync::{broadcast, mpsc, oneshot};

use crate::domain::event::EventKind;

pub use crate::api::Recorded;
pub use alerts::{Coalesce, Outcome};
pub use backup::backup;
pub use casework::StaffAction;
pub use deliveries::{Attempt, DueDelivery};
pub use enroll::{CODE_TTL, MAX_WRONG_CODES, PendingEnrollment, Verification};
pub use intake::{Candidate, IntakeJob, Whereabouts};
pub use open::Target;
pub use reads::{AccessChange, CaseList, Opening};
pub use staff::StaffIdempotency;
pub use work::WorkAction;
pub use writer::WriteCtx;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Conflict(String),
    /// The domain's decision refused the command; the case is returned as it now stands, so
    /// that the caller can see who did what.
    #[error("{refusal}")]
    Refused {
        refusal: crate::domain::command::Refusal,
        case: Option<Box<crate::domain::case::Case>>,
    },
    /// The request names something that does not exist or cannot be used (a 422).
    #[error("{0}")]
    Invalid(String),
    /// As `Invalid`, naming the field (a 422 whose `field` the console puts under it).
    #[error("{0}")]
    Field(crate::domain::validate::FieldError),
    #[error("database error: {0}")]
    Db(#[from] db::Error),
    #[error("stored record is unreadable: {0}")]
    Corrupt(String),
    #[error("database setup: {0}")]
    Setup(String),
    #[error("the store is shut down")]
    Closed,
    /// Decided inside the write, where it cannot go stale: not for this caller.
    #[error("{0}")]
    Forbidden(&'static str),
    /// The device's token was revoked (replaced, revoked or erased) after a hub cached it.
    #[error("this device's token no longer works")]
    DeviceRevoked(i64),
    /// A limit kept in the database (named as in `[limits]`); wait this many seconds.
    #[error("too many ({0})")]
    Limited(&'static str, u64),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Db(e.into())
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(e: serde_json::Error) -> Self {
        StoreError::Corrupt(e.to_string())
    }
}

/// An event as it travels to subscribers: its SSE frame is made once, at commit (or replay read),
/// not per subscriber, so fan-out costs a reference-count increment per subscriber.
#[derive(Debug, Clone)]
pub struct Published {
    pub seq: u64,
    pub consulate: String,
    pub lawyer: Option<i64>,
    /// Set when this event moved the case away from a lawyer, so that lawyer hears of it.
    pub previous_lawyer: Option<i64>,
    /// The consulate that also sees the case after this event.
    pub also_consulate: Option<String>,
    /// Set when this event moved the case away from a consulate.
    pub previous_consulate: Option<String>,
    pub kind: EventKind,
    /// `id: <seq>\nevent: <kind>\ndata: <json>\n\n`. Event JSON has no raw newline (serde
    /// escapes them), so one `data:` line always carries the whole event. This is the frame for
    /// the staff of the case's consulate; personal data is withheld as `domain::privacy` says.
    pub frame: bytes::Bytes,
    /// For readers outside that consulate (positions rounded), when it differs.
    pub outside: Option<bytes::Bytes>,
    /// For national supervisors (also initials for the name), when it differs.
    pub national: Option<bytes::Bytes>,
}

/// An event's frames, one per reader when it carries personal data.
pub struct Frames {
    pub owner: bytes::Bytes,
    pub outside: Option<bytes::Bytes>,
    pub national: Option<bytes::Bytes>,
}

impl Published {
    pub fn frame_for(seq: u64, kind: EventKind, json: &str) -> bytes::Bytes {
        bytes::Bytes::from(format!(
            "id: {seq}\nevent: {}\ndata: {json}\n\n",
            kind.as_str()
        ))
    }

    /// The frames of an event logged as `json`. `event` is given for the kinds that carry
    /// personal data (`domain::privacy::event_for`): each reader's copy is encoded once, here,
    /// not per subscriber.
    pub fn frames(
        seq: u64,
        kind: EventKind,
        json: &str,
        event: Option<&crate::domain::event::Event>,
    ) -> Frames {
        use crate::domain::privacy::{Reader, event_for};
        let encode = |reader| {
            event
                .and_then(|e| event_for(e, reader))
                .and_then(|e| serde_json::to_string(&e).ok())
                .map(|j| Published::frame_for(seq, kind, &j))
        };
        let outside = encode(Reader::Outside);
        // Only an alert's name, a note's text and an A-number differ between outside readers
        // and national supervisors; otherwise one copy serves both.
        let national = if matches!(
            kind,
            EventKind::AlertRaised | EventKind::NoteAdded | EventKind::CheckpointLogged
        ) {
            encode(Reader::National)
        } else {
            outside.clone()
        };
        Frames {
            owner: encode(Reader::Owner).unwrap_or_else(|| Published::frame_for(seq, kind, json)),
            outside,
            national,
        }
    }

    /// Whether frames of this kind may carry personal data (and need the event to make them).
    pub fn personal(kind: EventKind) -> bool {
        matches!(
            kind,
            EventKind::AlertRaised
                | EventKind::AlertRepeated
                | EventKind::LocationUpdated
                | EventKind::NoteAdded
                | EventKind::TransferAccepted
                | EventKind::CheckpointLogged
        )
    }

    /// The frame `scope` is sent.
    pub fn frame_for_scope(&self, scope: &crate::domain::staff::Scope) -> &bytes::Bytes {
        use crate::domain::privacy::Reader;
        let variant = match Reader::of(scope, &self.consulate) {
            Reader::Owner => None,
            Reader::Outside => self.outside.as_ref(),
            Reader::National => self.national.as_ref(),
        };
        variant.unwrap_or(&self.frame)
    }

    pub fn visible_to(&self, scope: &crate::domain::staff::Scope) -> bool {
        // Events about no case (roster, devices, surges) are for the record, not for anyone's
        // queue; a surge reaches supervisors through the stream's own rule.
        if self.consulate.is_empty() {
            return false;
        }
        scope.sees(&crate::domain::staff::Visibility {
            consulate: &self.consulate,
            also: self.also_consulate.as_deref(),
            lawyer: self.lawyer,
            previous_consulate: self.previous_consulate.as_deref(),
            previous_lawyer: self.previous_lawyer,
        })
    }
}

type Reply = Box<dyn FnOnce(Result<(), StoreError>) + Send>;
/// A job gets `None` when its batch could not even begin; it must then only produce its reply.
type Job = Box<dyn for<'c> FnOnce(Option<&mut WriteCtx<'c>>) -> (bool, Reply) + Send>;

/// A job and when it joined the queue, so the writer knows how far behind it is.
struct Queued {
    at: std::time::Instant,
    job: Job,
}

/// The whole record's check, run once beside the serving hub after it opens the database.
#[derive(Debug, Clone, PartialEq)]
pub enum RecordCheck {
    Running,
    Sound,
    /// The first finding.
    Broken(String),
}

#[derive(Clone)]
pub struct Store {
    /// Seals and opens personal data (`vault.rs`).
    vault: Arc<vault::Vault>,
    record: Arc<Mutex<RecordCheck>>,
    jobs: mpsc::Sender<Queued>,
    readers: Arc<ReadPool>,
    events: Arc<fanout::Fanout>,
    /// How long the last batch's first job waited, in microseconds (set by the writer).
    lag_us: Arc<std::sync::atomic::AtomicU64>,
    /// SQLite's head file, written on its own thread: flushed when the last handle goes.
    _head: Option<Arc<head::FlushOnDrop>>,
}

struct ReadPool {
    target: open::Target,
    idle: Mutex<Vec<Conn>>,
    /// PostgreSQL only: each reader is a server process, so reads beyond this wait their turn
    /// rather than open connections without end in a burst.
    permits: Option<Arc<tokio::sync::Semaphore>>,
}

/// Readers at once on PostgreSQL.
const PG_READERS: usize = 16;

impl ReadPool {
    fn new(target: open::Target) -> ReadPool {
        let permits = matches!(target, open::Target::Postgres(_))
            .then(|| Arc::new(tokio::sync::Semaphore::new(PG_READERS)));
        ReadPool {
            target,
            idle: Mutex::new(Vec::new()),
            permits,
        }
    }

    fn connect(&self) -> Result<Conn, StoreError> {
        match &self.target {
            open::Target::File(path) => Ok(Conn::Lite(schema::open_reader(path)?)),
            open::Target::Postgres(url) => schema::open_pg(url),
        }
    }
}

/// Records how the check of the whole record came out, and says so loudly if it failed.
fn record_outcome(record: &Mutex<RecordCheck>, report: Result<verify::Report, StoreError>) {
    let outcome = match report {
        Ok(report) => match report.findings.first() {
            None => RecordCheck::Sound,
            Some(first) => {
                tracing::error!(finding = %first, "the record does not match its seal");
                RecordCheck::Broken(first.to_string())
            }
        },
        Err(e) => {
            tracing::error!(error = %e, "the record could not be checked");
            RecordCheck::Broken(e.to_string())
        }
    };
    if let Ok(mut r) = record.lock() {
        *r = outcome;
    }
}

/// Jobs waiting for the writer. Bounded so that overload shows up as back-pressure on requests
/// rather than as unbounded memory.
const JOB_QUEUE: usize = 4096;
/// Live events held for subscribers; one that falls further behind is disconnected and replays.
const BROADCAST_CAPACITY: usize = 8192;
/// Most jobs committed in one transaction.
const MAX_BATCH: usize = 512;
const MAX_IDLE_READERS: usize = 8;
const SQLITE_ONLY: &str = "pages are SQLite's; PostgreSQL is sized by its own settings";

impl Store {
    /// Opens (creating and migrating if needed) the database at `path`, with its key file
    /// beside it, and starts the writer.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_keyed(path, None)
    }

    /// [`Store::open`] with the key file named (`hub.key_file`). The log's seal is checked
    /// before anything is served: a database edited behind the hub's back is refused.
    pub fn open_keyed(path: &Path, key_file: Option<&Path>) -> Result<Store, StoreError> {
        let conn = Conn::Lite(schema::open_writer(path)?);
        let key_file = key_file
            .map(Path::to_path_buf)
            .unwrap_or_else(|| chain::default_key_file(path));
        let sealed: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM events WHERE chain IS NOT NULL)",
            (),
            |r| r.get(0),
        )?;
        let key_existed = key_file.exists();
        let keys = chain::Keys::load(&key_file, !sealed)?;
        // Rows without a seal are sealed only by the start that makes the key: a database from
        // before the seal existed. Once there is a key, a missing seal is tampering, and is
        // reported like any other (sealing it then would launder an edit).
        if !key_existed {
            let newly = upgrade::seal_unsealed(&conn, &keys)?;
            if newly > 0 {
                tracing::info!(
                    rows = newly,
                    "sealed the rows written before the log had a seal"
                );
            }
        }
        let holds_sealed: bool = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM registrants WHERE key_id IS NOT NULL)
                 OR EXISTS (SELECT 1 FROM enrollments WHERE key_id IS NOT NULL)
                 OR EXISTS (SELECT 1 FROM cases WHERE key_id IS NOT NULL)",
            (),
            |r| r.get(0),
        )?;
        let vault = Arc::new(vault::Vault::load(
            &vault::key_store_file(path),
            &keys,
            !holds_sealed,
        )?);
        if vault.adopting() {
            let named: Vec<i64> = conn.query_map(
                "SELECT key_id FROM cases WHERE key_id IS NOT NULL
                 UNION SELECT key_id FROM registrants WHERE key_id IS NOT NULL
                 UNION SELECT key_id FROM enrollments WHERE key_id IS NOT NULL",
                (),
                |r| r.get(0),
            )?;
            let adopted = vault.adopt_destroyed(&named)?;
            if adopted > 0 {
                tracing::info!(
                    keys = adopted,
                    "keys destroyed before tombstones were recorded"
                );
            }
        }
        let upgraded = retention::seal_people(&conn, &vault)?;
        let visits = visit_seal::seal_old_rows(&conn, &vault)?;
        if visits > 0 {
            tracing::info!(
                visits,
                "sealed what the visits logged before said of people"
            );
        }
        let resealed = rows::seal_once(&conn, &keys, !key_existed)?;
        if resealed > 0 {
            tracing::info!(
                rows = resealed,
                "sealed the rows written before rows had seals"
            );
        }
        if upgraded > 0 {
            tracing::info!(
                rows = upgraded,
                "sealed the people enrolled before personal data was sealed"
            );
        }
        let head_file = chain::head_file(path);
        // A sealed log a hub has written has a head file; one made now does not yet.
        verify::check_at_start(&conn, &keys, Some(&head_file), key_existed && sealed)?;
        // The start checks the log's tail; the whole of it is checked beside the serving hub,
        // so a long log does not keep the hub from serving, and an edit deep in it is still
        // found (and said loudly: the log, `/healthz`).
        let record = Arc::new(Mutex::new(RecordCheck::Running));
        let whole = record.clone();
        let (db, key) = (path.to_path_buf(), key_file.clone());
        std::thread::Builder::new()
            .name("guardia-verify".into())
            .spawn(move || record_outcome(&whole, verify::verify_file(&db, Some(&key))))
            .map_err(|e| StoreError::Setup(format!("cannot start the record check: {e}")))?;
        // The head as the log stands, on disk before anything is served: from now on a power
        // cut can leave the file behind the log, never missing. (A crash's temporaries go.)
        crate::durable::remove_leftovers(&head_file);
        let now_at = batch::head(&conn)?;
        if chain::read_head(&head_file, &keys)? != Some(now_at) {
            chain::write_head(&head_file, &keys, now_at)?;
        }
        let recorder = head::HeadRecorder::start(head_file, keys.clone(), now_at.seq)
            .map_err(|e| StoreError::Setup(format!("cannot start the head's thread: {e}")))?;
        let nudge = checkpoint::start(path)?;
        let flush = Arc::new(head::FlushOnDrop(recorder.clone()));
        let head = batch::Seals {
            head: Some(recorder),
            keys: keys.clone(),
            vault: vault.clone(),
        };
        let (jobs, rx) = mpsc::channel(JOB_QUEUE);
        let events = Arc::new(fanout::Fanout::new(BROADCAST_CAPACITY));
        let publisher = events.clone();
        let lag_us = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let lag = lag_us.clone();
        std::thread::Builder::new()
            .name("guardia-writer".into())
            .spawn(move || {
                let upkeep = batch::Upkeep {
                    nudge: Some(nudge),
                    reconnect: None,
                };
                batch::run(conn, upkeep, rx, publisher, head, MAX_BATCH, lag)
            })
            .map_err(|e| StoreError::Setup(format!("cannot start the writer thread: {e}")))?;
        Ok(Store {
            vault,
            record,
            jobs,
            readers: Arc::new(ReadPool::new(open::Target::File(path.to_path_buf()))),
            events,
            lag_us,
            _head: Some(flush),
        })
    }

    /// How the check of the whole record, begun at open, stands.
    pub fn record_check(&self) -> RecordCheck {
        self.record
            .lock()
            .map(|r| r.clone())
            .unwrap_or(RecordCheck::Running)
    }

    /// How far behind the writer is: how long the last batch's first write waited for it.
    pub fn lag(&self) -> std::time::Duration {
        std::time::Duration::from_micros(self.lag_us.load(std::sync::atomic::Ordering::Relaxed))
    }

    /// Writes waiting for the writer.
    pub fn queue_depth(&self) -> usize {
        self.jobs.max_capacity() - self.jobs.capacity()
    }

    /// Runs `f` in the writer's transaction and returns its result once the transaction has
    /// committed. An `Err` from `f` rolls back only `f`'s own changes.
    pub async fn write<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: for<'c> FnOnce(&mut WriteCtx<'c>) -> Result<R, StoreError> + Send + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |ctx| {
            let result = match ctx {
                Some(ctx) => f(ctx),
                None => Err(StoreError::Closed),
            };
            let ok = result.is_ok();
            let reply: Reply = Box::new(move |commit| {
                let _ = tx.send(commit.and(result));
            });
            (ok, reply)
        });
        let queued = Queued {
            at: std::time::Instant::now(),
            job,
        };
        self.jobs
            .send(queued)
            .await
            .map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
    }

    /// Runs `f` on a read connection inside one read transaction, so multi-statement reads see
    /// one consistent state.
    pub async fn read<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&Conn) -> Result<R, StoreError> + Send + 'static,
    {
        self.on_reader(move |conn| conn.read_transaction(f)).await
    }

    /// Runs `f`, a read of one statement, on a read connection without a transaction around it:
    /// one statement sees one state by itself, and on PostgreSQL a transaction would cost two
    /// more round trips (begin, rollback) on paths every request takes (its token's look-up).
    pub async fn read_one<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&Conn) -> Result<R, StoreError> + Send + 'static,
    {
        self.on_reader(f).await
    }

    /// On PostgreSQL, returns once everything committed so far is on disk ([`batch::FLUSH`]):
    /// another hub's batch is visible a moment before its flush, and a position handed out
    /// (a stream's head, a snapshot's `seq`) must never name a commit that a crash of the
    /// database could still take back, or a console would later drop the events that reuse its
    /// numbers. Nothing on SQLite, whose commits are visible once they are on disk.
    pub(super) async fn settled(&self) -> Result<(), StoreError> {
        if !matches!(self.readers.target, open::Target::Postgres(_)) {
            return Ok(());
        }
        self.on_reader(|conn| Ok(conn.batch(batch::FLUSH)?)).await
    }

    /// Runs `f` on a connection of the read pool, on a blocking thread.
    async fn on_reader<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&Conn) -> Result<R, StoreError> + Send + 'static,
    {
        let pool = self.readers.clone();
        let permit = match &pool.permits {
            Some(p) => Some(
                p.clone()
                    .acquire_owned()
                    .await
                    .map_err(|_| StoreError::Closed)?,
            ),
            None => None,
        };
        tokio::task::spawn_blocking(move || {
            let conn = match pool.idle.lock().map(|mut v| v.pop()) {
                Ok(Some(c)) => c,
                _ => pool.connect()?,
            };
            let result = f(&conn);
            // A connection whose transaction could not even end is not handed on.
            let healthy = !matches!(&result, Err(StoreError::Db(_)));
            if healthy
                && let Ok(mut idle) = pool.idle.lock()
                && idle.len() < MAX_IDLE_READERS
            {
                idle.push(conn);
            }
            drop(permit);
            result
        })
        .await
        .map_err(|_| StoreError::Closed)?
    }

    /// Caps the database at `pages` pages (SQLite's `max_page_count`): past it, writes fail as on
    /// a full disk. An operator can use it to keep the hub from filling a shared volume; the
    /// tests use it to prove that a failed commit is answered 5xx and leaves nothing behind.
    pub async fn cap_pages(&self, pages: u64) -> Result<u64, StoreError> {
        self.write(move |ctx| {
            let conn = ctx
                .conn()
                .lite()
                .ok_or(StoreError::Invalid(SQLITE_ONLY.into()))?;
            let set: i64 =
                conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
                    r.get(0)
                })?;
            Ok(set as u64)
        })
        .await
    }

    /// The database's size in pages.
    pub async fn page_count(&self) -> Result<u64, StoreError> {
        self.read(|tx| {
            let conn = tx.lite().ok_or(StoreError::Invalid(SQLITE_ONLY.into()))?;
            let n: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
            Ok(n as u64)
        })
        .await
    }

    /// A receiver of every event committed from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Published>> {
        self.events.subscribe_all()
    }

    /// A receiver of the events this audience may see, committed from now on.
    pub fn subscribe_audience(
        &self,
        audience: fanout::Audience,
    ) -> broadcast::Receiver<Arc<Published>> {
        self.events.subscribe(audience)
    }
}
