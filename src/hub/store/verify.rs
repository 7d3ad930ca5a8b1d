//! Checking the log against its seal, and the projection against the log: in full for
//! `guardia verify --db`, and the cheap part at every start, so that a hub never serves a
//! record someone edited behind its back.

use std::collections::BTreeMap;
use std::path::Path;

use super::db::{Conn, OptionalExtension, params};

use super::StoreError;
use super::chain::{self, CaseRow, EventRow, GENESIS, Head, Keys, Link};
pub use super::findings::{Finding, Report};
use super::findings::{at_case, at_seq};
use super::vault::{Vault, key_store_file};
use super::writer::CaseColumns;
use crate::domain::case::Case;
use crate::domain::erasure;
use crate::domain::event::Event;

/// Events whose links the hub recomputes at start.
const TAIL: i64 = 1_024;

/// An event row read back, owning its text, with its stored link.
pub(super) struct StoredEvent {
    pub(super) seq: i64,
    at: String,
    case_id: i64,
    consulate: String,
    lawyer_id: Option<i64>,
    prev_lawyer_id: Option<i64>,
    also_consulate: Option<String>,
    prev_consulate: Option<String>,
    kind: String,
    body: String,
    pub(super) chain: Option<Vec<u8>>,
    sealed: Option<String>,
}

pub(super) const EVENT_COLUMNS: &str = "seq, at, case_id, consulate, lawyer_id, prev_lawyer_id, \
                             also_consulate, prev_consulate, kind, body, chain, sealed";

impl StoredEvent {
    /// Reads the [`EVENT_COLUMNS`] of a row.
    pub(super) fn read(r: &super::db::Row<'_>) -> super::db::Result<StoredEvent> {
        Ok(StoredEvent {
            seq: r.get(0)?,
            at: r.get(1)?,
            case_id: r.get(2)?,
            consulate: r.get(3)?,
            lawyer_id: r.get(4)?,
            prev_lawyer_id: r.get(5)?,
            also_consulate: r.get(6)?,
            prev_consulate: r.get(7)?,
            kind: r.get(8)?,
            body: r.get(9)?,
            chain: r.get(10)?,
            sealed: r.get(11)?,
        })
    }

    /// The columns the link covers.
    pub(super) fn row(&self) -> EventRow<'_> {
        EventRow {
            seq: self.seq as u64,
            at: &self.at,
            case_id: self.case_id,
            consulate: &self.consulate,
            lawyer_id: self.lawyer_id,
            prev_lawyer_id: self.prev_lawyer_id,
            also_consulate: self.also_consulate.as_deref(),
            prev_consulate: self.prev_consulate.as_deref(),
            kind: &self.kind,
            body: &self.body,
            sealed: self.sealed.as_deref(),
        }
    }
}

/// Walks events from `after` (whose link is `prev`) in order, checking that `seq` goes up by
/// one and every stored link is the one the key gives. Stops at the first break: past it,
/// every link would differ too.
fn walk(
    conn: &Conn,
    keys: &Keys,
    after: u64,
    mut prev: Link,
    report: &mut Report,
) -> Result<(), StoreError> {
    let mut expected = after + 1;
    let mut broken = false;
    events_in_pages(conn, after, |e| {
        let seq = e.seq as u64;
        if seq != expected {
            let what = if seq > expected {
                format!("events {expected} to {} are missing", seq - 1)
            } else {
                "a seq out of order".to_string()
            };
            report.findings.push(at_seq(expected, what));
            broken = true;
            return Ok(false);
        }
        let link = keys.link(&prev, &e.row());
        if e.chain.as_deref() != Some(&link[..]) {
            report.findings.push(at_seq(
                seq,
                "the event does not match its seal (edited, inserted, or the chain before it \
                 was broken)",
            ));
            broken = true;
            return Ok(false);
        }
        prev = link;
        expected += 1;
        report.events += 1;
        Ok(true)
    })?;
    if broken {
        return Ok(());
    }
    report.head = Some(Head {
        seq: expected - 1,
        link: prev,
    });
    Ok(())
}

/// Events read in pages of this many rows: a long log is walked in bounded memory on both
/// engines (PostgreSQL's client reads a statement's rows whole).
const PAGE: i64 = 4_096;

/// Calls `f` with each event after `after`, in `seq` order, until it returns `false`.
fn events_in_pages(
    conn: &Conn,
    after: u64,
    mut f: impl FnMut(StoredEvent) -> Result<bool, StoreError>,
) -> Result<(), StoreError> {
    let sql = format!("SELECT {EVENT_COLUMNS} FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2");
    let mut from = after as i64;
    loop {
        let page = conn.query_map(&sql, params![from, PAGE], StoredEvent::read)?;
        let full = page.len() as i64 == PAGE;
        for e in page {
            from = e.seq;
            if !f(e)? {
                return Ok(());
            }
        }
        if !full {
            return Ok(());
        }
    }
}

/// Compares the log's end with the head file: a shorter log lost events at its end. When the
/// head is `required` (a hub has written this sealed log), a missing head file is a finding.
fn against_head_file(report: &mut Report, recorded: Option<Head>, required: bool) {
    let Some(log) = report.head else {
        return;
    };
    let Some(recorded) = recorded else {
        report.head_checked = false;
        if required && log.seq > 0 {
            report.findings.push(at_seq(
                log.seq,
                "the head file is missing, so events removed from the log's end would go \
                 unseen; if this database is a restored backup, run \
                 `guardia admin accept-head --db FILE` to record where it ends",
            ));
        }
        return;
    };
    report.head_checked = true;
    if log.seq < recorded.seq {
        report.findings.push(at_seq(
            log.seq + 1,
            format!(
                "the log ends at {} but had reached {}: events were removed from its end \
                 (or this is an older copy of the database)",
                log.seq, recorded.seq
            ),
        ));
    } else if log.seq == recorded.seq && log.link != recorded.link {
        report.findings.push(at_seq(
            log.seq,
            "the last event is not the one the head file recorded",
        ));
    }
}

/// A case row read back, owning its text.
pub(super) struct StoredCase {
    id: i64,
    consulate: String,
    status: String,
    lawyer_id: Option<i64>,
    last_seq: i64,
    state: String,
    also_consulate: Option<String>,
    received_at: String,
    acknowledged: bool,
    escalation: u8,
    key_id: Option<i64>,
    sealed: Option<String>,
}

pub(super) const CASE_COLUMNS: &str = "id, consulate, status, lawyer_id, last_seq, state, also_consulate, \
                            received_at, acknowledged, escalation, key_id, sealed";

impl StoredCase {
    /// Reads the [`CASE_COLUMNS`] at the start of a row.
    pub(super) fn read(r: &super::db::Row<'_>) -> super::db::Result<StoredCase> {
        Ok(StoredCase {
            id: r.get(0)?,
            consulate: r.get(1)?,
            status: r.get(2)?,
            lawyer_id: r.get(3)?,
            last_seq: r.get(4)?,
            state: r.get(5)?,
            also_consulate: r.get(6)?,
            received_at: r.get(7)?,
            acknowledged: r.get(8)?,
            escalation: r.get(9)?,
            key_id: r.get(10)?,
            sealed: r.get(11)?,
        })
    }

    pub(super) fn row(&self) -> CaseRow<'_> {
        CaseRow {
            id: self.id,
            consulate: &self.consulate,
            status: &self.status,
            lawyer_id: self.lawyer_id,
            last_seq: self.last_seq,
            state: &self.state,
            also_consulate: self.also_consulate.as_deref(),
            received_at: &self.received_at,
            acknowledged: self.acknowledged,
            escalation: self.escalation,
            key_id: self.key_id,
            sealed: self.sealed.as_deref(),
        }
    }
}

/// Every case row's MAC, and that its `last_seq` is its last event's.
fn case_rows(conn: &Conn, keys: &Keys, report: &mut Report) -> Result<(), StoreError> {
    let sql = format!(
        "SELECT {CASE_COLUMNS}, mac,
                (SELECT MAX(seq) FROM events e WHERE e.case_id = cases.id)
           FROM cases ORDER BY id"
    );
    conn.query_each(&sql, (), |r| -> Result<(), StoreError> {
        let stored = StoredCase::read(r)?;
        let (id, row) = (stored.id, stored.row());
        let mac: Option<Vec<u8>> = r.get(12)?;
        let last_event: Option<i64> = r.get(13)?;
        report.cases += 1;
        if mac.as_deref() != Some(&keys.case_mac(&row)[..]) {
            report.findings.push(at_case(
                id as u64,
                "the case row does not match its seal (written by something other than the hub)",
            ));
        } else if last_event != Some(row.last_seq) {
            report.findings.push(at_case(
                id as u64,
                "the case row is not at its last event (an older copy of the row)",
            ));
        }
        Ok(())
    })
}

/// The sealed tables' rows, and those that grant access against the log (`rows.rs`).
fn tables(
    conn: &Conn,
    keys: &Keys,
    which: &[&super::rows::Table],
    report: &mut Report,
) -> Result<(), StoreError> {
    let found = super::rows::findings(conn, keys, which)?;
    report
        .findings
        .extend(found.into_iter().map(|what| Finding {
            seq: None,
            case_id: None,
            what,
        }));
    Ok(())
}

/// Folds every case from its events and compares it with the stored row.
fn projection(conn: &Conn, vault: Option<&Vault>, report: &mut Report) -> Result<(), StoreError> {
    let mut cases: BTreeMap<u64, Case> = BTreeMap::new();
    let mut refold = super::refold::Refold::default();
    let mut stop = false;
    events_in_pages(conn, 0, |e| {
        if e.case_id == 0 {
            if super::refold::Refold::concerns(&e.kind) {
                match serde_json::from_str::<Event>(&e.body) {
                    Ok(event) => refold.add(&event),
                    Err(err) => report
                        .findings
                        .push(at_seq(e.seq as u64, format!("unreadable event: {err}"))),
                }
            }
            return Ok(true);
        }
        let seq = e.seq;
        // Without the key store (a backup checked on its own) every sealed part reads as
        // erased, and the check still holds on what is left.
        let opened = match vault {
            Some(vault) => super::personal::open_event(vault, e.body, e.sealed.as_deref())
                .map(|(json, _)| json),
            None => Ok(e.body),
        };
        let body = match opened {
            Ok(body) => body,
            Err(err) => {
                report.findings.push(at_seq(seq as u64, err.to_string()));
                stop = true;
                return Ok(false);
            }
        };
        let event: Event = match serde_json::from_str(&body) {
            Ok(e) => e,
            Err(e) => {
                report
                    .findings
                    .push(at_seq(seq as u64, format!("unreadable event: {e}")));
                stop = true;
                return Ok(false);
            }
        };
        let folded = match cases.get_mut(&event.case_id) {
            Some(case) => case.apply(&event).map(|_| ()),
            None => Case::open(&event).map(|case| {
                cases.insert(event.case_id, case);
            }),
        };
        if let Err(e) = folded {
            report
                .findings
                .push(at_seq(seq as u64, format!("the event does not fold: {e}")));
            stop = true;
            return Ok(false);
        }
        if let Some(case) = cases.get_mut(&event.case_id) {
            case.bounded();
        }
        Ok(true)
    })?;
    if stop {
        return Ok(());
    }
    report
        .findings
        .extend(refold.compare(conn)?.into_iter().map(|what| Finding {
            seq: None,
            case_id: None,
            what,
        }));
    let mut seen = 0usize;
    let sql = format!("SELECT {CASE_COLUMNS} FROM cases");
    conn.query_each(&sql, (), |r| -> Result<(), StoreError> {
        let row = StoredCase::read(r)?;
        let id = row.id;
        let Some(case) = cases.get(&(id as u64)) else {
            report
                .findings
                .push(at_case(id as u64, "a case row with no events"));
            return Ok(());
        };
        seen += 1;
        let state = serde_json::to_string(case)?;
        let columns = CaseColumns::of(case)?;
        let want = columns.row(case, &state);
        let have = row.row();
        // Without the key store every sealed part reads as erased, as in `opened`.
        let sealed = match (vault, row.sealed.as_deref()) {
            (Some(vault), Some(sealed)) => match vault.unseal(sealed) {
                Ok(opened) => Some(opened),
                Err(e) => {
                    report.findings.push(at_case(id as u64, e.to_string()));
                    return Ok(());
                }
            },
            _ => None,
        };
        let stored = serde_json::from_str::<Case>(&row.state)
            .map_err(StoreError::from)
            .and_then(|clear| match sealed {
                Some(super::vault::Opened::Clear(opened)) => {
                    super::personal::whole_case(clear, &opened)
                }
                _ => Ok(clear),
            });
        // The state is compared as a case, bounded as the writer bounds it, so that a row an
        // earlier build wrote (a longer trail, a field added since with its default) reads the
        // same. The version is left out: cases from before versions skipped deliveries counted
        // them, and the stored one is what decisions were checked against.
        // An erased case is compared on what erasure leaves of both sides.
        let same_state = match stored {
            Ok(mut stored) => {
                stored.bounded();
                stored.version = case.version;
                if stored.registrant.erased {
                    erasure::case(stored) == erasure::case(case.clone())
                } else {
                    stored == *case
                }
            }
            Err(_) => false,
        };
        let same_columns = CaseRow {
            state: "",
            key_id: None,
            sealed: None,
            ..have
        } == CaseRow { state: "", ..want };
        if !same_state || !same_columns {
            report.findings.push(at_case(
                id as u64,
                "the stored case differs from its events folded again",
            ));
        }
        Ok(())
    })?;
    if seen < cases.len() {
        let missing = cases.len() - seen;
        report.findings.push(Finding {
            seq: None,
            case_id: None,
            what: format!("{missing} case(s) in the log have no case row"),
        });
    }
    Ok(())
}

/// The whole check: every link from event 1, the head file, every case row's seal, and every
/// case folded again from its events.
pub fn verify_file(db: &Path, key_file: Option<&Path>) -> Result<Report, StoreError> {
    verify_with(db, key_file, true)
}

fn verify_with(db: &Path, key_file: Option<&Path>, head: bool) -> Result<Report, StoreError> {
    let key_file = key_file
        .map(Path::to_path_buf)
        .unwrap_or_else(|| chain::default_key_file(db));
    if !db.exists() {
        return Err(StoreError::Setup(format!("{}: no such file", db.display())));
    }
    let keys = Keys::load(&key_file, false)?;
    // The head file first, the log after: a hub writing meanwhile only moves the log further
    // than the head that was read, never the other way.
    let recorded = if head {
        chain::read_head(&chain::head_file(db), &keys)?
    } else {
        None
    };
    let conn = Conn::Lite(super::schema::open_reader(db)?);
    let store = key_store_file(db);
    let vault = if store.exists() {
        Some(Vault::load(&store, &keys, false)?)
    } else {
        None
    };
    let against = head.then_some(recorded);
    conn.read_transaction(|tx| check_all(tx, &keys, vault.as_ref(), against))
}

/// Every link, the head file's record of the end (when given), every case row's seal, every
/// case folded again, in one consistent read.
pub(super) fn check_all(
    tx: &Conn,
    keys: &Keys,
    vault: Option<&Vault>,
    head_file: Option<Option<Head>>,
) -> Result<Report, StoreError> {
    let mut report = Report::default();
    walk(tx, keys, 0, GENESIS, &mut report)?;
    if let Some(recorded) = head_file
        && report.findings.is_empty()
    {
        against_head_file(&mut report, recorded, false);
    }
    case_rows(tx, keys, &mut report)?;
    tables(tx, keys, super::rows::SEALED, &mut report)?;
    projection(tx, vault, &mut report)?;
    Ok(report)
}

/// What the hub checks before it serves: the last [`TAIL`] links, that `seq` runs from 1 with no
/// gap (by count), the head file, and every case row's seal.
pub(super) fn check_at_start(
    conn: &Conn,
    keys: &Keys,
    head_file: Option<&Path>,
    head_required: bool,
) -> Result<(), StoreError> {
    let (count, max): (i64, i64) = conn.query_row(
        "SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM events",
        (),
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let mut report = Report::default();
    if count != max {
        // Find where: the full walk names the first missing seq.
        walk(conn, keys, 0, GENESIS, &mut report)?;
        if report.findings.is_empty() {
            report.findings.push(at_seq(1, "events are missing"));
        }
    } else {
        let from = (max - TAIL).max(0);
        let prev = if from == 0 {
            GENESIS
        } else {
            let stored: Option<Vec<u8>> = conn
                .query_row(
                    "SELECT chain FROM events WHERE seq = ?1",
                    params![from],
                    |r| r.get(0),
                )
                .optional()?
                .flatten();
            stored.and_then(|s| s.try_into().ok()).unwrap_or(GENESIS)
        };
        walk(conn, keys, from as u64, prev, &mut report)?;
        if report.findings.is_empty()
            && let Some(head_file) = head_file
        {
            against_head_file(
                &mut report,
                chain::read_head(head_file, keys)?,
                head_required,
            );
        }
    }
    case_rows(conn, keys, &mut report)?;
    tables(conn, keys, super::rows::GRANTING, &mut report)?;
    match report.findings.first() {
        None => Ok(()),
        Some(first) => Err(StoreError::Setup(match head_file {
            Some(head_file) => format!(
                "the database does not match its seal ({first}); the hub will not serve it. \
                 Run `guardia verify --db FILE` for the full report. If this is a restored \
                 backup, move {} aside first.",
                head_file.display()
            ),
            None => format!(
                "the database does not match its seal ({first}); the hub will not serve it. \
                 Run `guardia verify --db URL` for the full report."
            ),
        })),
    }
}

/// `guardia admin accept-head`: after a restore, records where this database's log ends, once
/// every link and case checks out. The head file it replaces is the one thing that would have
/// told a shorter log from the original: the command is the operator's word that this copy is
/// the one to keep.
pub fn accept_head(db: &Path, key_file: Option<&Path>) -> Result<Report, StoreError> {
    let report = verify_with(db, key_file, false)?;
    if let (true, Some(head)) = (report.findings.is_empty(), report.head) {
        let key_file = key_file
            .map(Path::to_path_buf)
            .unwrap_or_else(|| chain::default_key_file(db));
        let keys = Keys::load(&key_file, false)?;
        chain::write_head(&chain::head_file(db), &keys, head)?;
    }
    Ok(report)
}

pub use super::open::verify_target;
