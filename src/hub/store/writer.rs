//! What a job sees inside the writer's transaction: appending events, folding and saving cases.

use std::sync::Arc;

use super::db::{Conn, OptionalExtension, params};
use chrono::{DateTime, Utc};

use super::case_cache::{Indexed, Projections};
use super::chain::{CaseRow, EventRow, Keys, Link};
use super::vault::Vault;
use super::{Published, StoreError};
use crate::domain::case::Case;
use crate::domain::checkpoint::CheckpointCode;
use crate::domain::event::{Actor, Encoded, Event, EventBody};

/// What a job sees: the open transaction and the next `seq`.
pub struct WriteCtx<'c> {
    pub(super) conn: &'c Conn,
    pub(super) next_seq: u64,
    /// The link of the event before `next_seq`.
    pub(super) prev: Link,
    pub(super) keys: &'c Keys,
    pub(super) vault: &'c Vault,
    pub(super) pending: Vec<Arc<Published>>,
    pub(super) cache: &'c mut Projections,
    /// The highest case number, once read in this batch (PostgreSQL reads it with the head):
    /// under the write lock nobody else numbers a case, so the next one is known without asking.
    pub(super) max_case: Option<u64>,
    /// The registrant row this job read (a press reads it whole with what it needs to decide):
    /// the case it opens takes its key and profile from it and sets its open case in one
    /// statement. Cleared before every job.
    pub(super) known: Option<super::held::Held>,
    /// The open case's `last_seq` and key as the press read them with the registrant (case
    /// id, last_seq, key): the case comes from the cache without another statement.
    pub(super) known_case: Option<(u64, u64, Option<i64>)>,
    /// PostgreSQL: writes whose answer the job does not wait for (the event, the case row, the
    /// alert's answer), sent in one message with the next statement that must go alone, or with
    /// the job's release. A failure among them fails the job as it would have at once.
    pub(super) deferred: std::cell::RefCell<Vec<String>>,
}

/// What a job's undo goes back to.
#[derive(Clone, Copy)]
pub(super) struct Mark {
    next_seq: u64,
    pending: usize,
    cache: usize,
    prev: Link,
    max_case: Option<u64>,
}

/// A fixed-width UTC time (milliseconds), so that text order is time order in SQL; the same
/// shape as SQLite's `strftime('%Y-%m-%dT%H:%M:%fZ')`.
pub fn sortable_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

impl WriteCtx<'_> {
    pub fn conn(&self) -> &Conn {
        if let Err(e) = self.flush() {
            // The transaction is spoiled: every later statement of the job fails, and so does
            // its release, so the job cannot be kept (`batch.rs`).
            tracing::error!(error = %e, "a deferred write failed");
        }
        self.conn
    }

    /// Where the job stands, to go back to if it is undone ([`Self::undo`]).
    pub(super) fn mark(&self) -> Mark {
        Mark {
            next_seq: self.next_seq,
            pending: self.pending.len(),
            cache: self.cache.mark(),
            prev: self.prev,
            max_case: self.max_case,
        }
    }

    /// The job's work was rolled back: what it left in memory goes too.
    pub(super) fn undo(&mut self, mark: Mark) {
        self.next_seq = mark.next_seq;
        self.pending.truncate(mark.pending);
        self.cache.undo_from(mark.cache);
        self.prev = mark.prev;
        self.max_case = mark.max_case;
        self.deferred.borrow_mut().clear();
    }

    /// Sends the deferred writes now, before a statement that may read what they wrote.
    fn flush(&self) -> Result<(), StoreError> {
        let sql = self.take_deferred();
        if !sql.is_empty() {
            self.conn.pg_simple(&sql)?;
        }
        Ok(())
    }

    /// The deferred writes as one text, emptied (`batch.rs` sends them with the release).
    pub(super) fn take_deferred(&self) -> String {
        let mut deferred = self.deferred.borrow_mut();
        let mut sql = String::new();
        for statement in deferred.drain(..) {
            sql.push_str(&statement);
            sql.push_str(";\n");
        }
        sql
    }

    /// A write whose answer the job does not need: run now on SQLite (a function call), held
    /// for the next message on PostgreSQL (a round trip saved under the writers' lock). Every
    /// statement sent through this context sends the held ones first; a `&Conn` taken from
    /// [`Self::conn`] before this call does not: take it again after.
    pub fn write_later<P: super::db::Params>(
        &self,
        sql: &str,
        params: P,
    ) -> Result<(), StoreError> {
        match self.conn.engine() {
            super::db::Engine::Sqlite => {
                self.conn.execute(sql, params)?;
            }
            super::db::Engine::Postgres => {
                let statement = self.conn.pg_inline(sql, params)?;
                self.deferred.borrow_mut().push(statement);
            }
        }
        Ok(())
    }

    /// Whether this writer publishes its own events after the commit (SQLite). On PostgreSQL
    /// every hub's listener publishes the log as it reads it back (`follow.rs`), so the frames
    /// are not made here only to be dropped.
    fn publishes(&self) -> bool {
        self.conn.engine() == super::db::Engine::Sqlite
    }

    /// The vault that seals personal data (`vault.rs`).
    pub fn vault(&self) -> &Vault {
        self.vault
    }

    /// Runs one statement, prepared once for the connection's life: the writer runs the same
    /// few statements thousands of times a second, and parsing their SQL each time was a tenth
    /// of its work in a raid.
    pub fn execute<P: super::db::Params>(&self, sql: &str, params: P) -> Result<usize, StoreError> {
        self.flush()?;
        Ok(self.conn.execute(sql, params)?)
    }

    /// Seals the row `key` of `table` as this job left it (`rows.rs`): called after every change
    /// the hub makes to a sealed table, in the same transaction.
    pub(super) fn reseal(
        &self,
        table: &super::rows::Table,
        key: impl super::db::ToValue,
    ) -> Result<(), StoreError> {
        self.flush()?;
        super::rows::reseal(self.conn, self.keys, table, &key)
    }

    /// The seal of a row of `table` holding `values`, for an insert that writes it with the row
    /// (only where the values are stored as given: integers, say).
    pub(super) fn row_mac(
        &self,
        table: &super::rows::Table,
        values: &[super::db::Owned],
    ) -> Vec<u8> {
        self.keys.row_mac(table, values).to_vec()
    }

    /// An `UPDATE` of one row of a sealed table, sealed as the update returns it (`rows.rs`).
    pub(super) fn change_and_reseal<P: super::db::Params>(
        &self,
        table: &super::rows::Table,
        update: &str,
        params: P,
    ) -> Result<usize, StoreError> {
        self.flush()?;
        super::rows::change_and_reseal(self.conn, self.keys, table, update, params)
    }

    /// One row, through the same statement cache.
    pub fn query_row<T, P, F>(&self, sql: &str, params: P, f: F) -> super::db::Result<T>
    where
        P: super::db::Params,
        F: FnOnce(&super::db::Row<'_>) -> super::db::Result<T>,
    {
        if let Err(e) = self.flush() {
            return Err(match e {
                StoreError::Db(e) => e,
                other => super::db::Error::Type(0, other.to_string()),
            });
        }
        self.conn.query_row(sql, params, f)
    }

    /// Appends an event to the log and folds it into the case projection, in the current
    /// transaction. Opening events create the case row.
    pub fn append(
        &mut self,
        case_id: u64,
        consulate: &str,
        actor: Actor,
        at: DateTime<Utc>,
        against_version: Option<u64>,
        body: EventBody,
    ) -> Result<(Event, Case), StoreError> {
        let body = Encoded::new(body)?;
        self.append_encoded(case_id, consulate, actor, at, against_version, body)
    }

    /// [`Self::append`] for a body encoded before the write (a press): its bytes are spliced
    /// into the event as they are.
    pub fn append_encoded(
        &mut self,
        case_id: u64,
        consulate: &str,
        actor: Actor,
        at: DateTime<Utc>,
        against_version: Option<u64>,
        body: Encoded,
    ) -> Result<(Event, Case), StoreError> {
        let (event, json) = body.into_event(
            self.next_seq,
            at,
            case_id,
            consulate,
            actor,
            against_version,
        )?;
        let mut indexed_before = None;
        let (mut case, previous_lawyer, previous_consulate, key_id) = match &event.body {
            EventBody::AlertRaised(_) => {
                let case = Case::open(&event).map_err(|e| StoreError::Conflict(e.to_string()))?;
                let key = self.opening_key(&case)?;
                (case, None, None, key)
            }
            _ => {
                let (mut case, key) = self.case_and_key(case_id)?.ok_or(StoreError::NotFound)?;
                indexed_before = Some(Indexed::of(&case));
                let lawyer_before = case.assigned_lawyer;
                let seen_by_before: Vec<String> = std::iter::once(case.consulate.clone())
                    .chain(case.also_consulate().map(String::from))
                    .collect();
                case.apply(&event)
                    .map_err(|e| StoreError::Conflict(e.to_string()))?;
                let lawyer_moved = lawyer_before.filter(|b| Some(*b) != case.assigned_lawyer);
                // A consulate that saw the case before and does not now: it must hear this event.
                let consulate_moved = seen_by_before
                    .into_iter()
                    .find(|c| *c != case.consulate && case.also_consulate() != Some(c.as_str()));
                (case, lawyer_moved, consulate_moved, key)
            }
        };
        let kind = event.body.kind();
        // What is personal is stored sealed under the person's key, beside the rest in the
        // clear (`domain::erasure`): destroying the key erases it.
        let split = match key_id {
            Some(key) => super::personal::seal_event(self.vault, key, &event)?,
            None => None,
        };
        let (body, sealed): (std::borrow::Cow<'_, str>, _) = match split {
            Some((clear, sealed)) => (clear.into(), Some(sealed)),
            None => (json.as_str().into(), None),
        };
        self.insert_event(EventRow {
            seq: event.seq,
            at: &event.at.to_rfc3339(),
            case_id: case_id as i64,
            consulate: &case.consulate,
            lawyer_id: case.assigned_lawyer,
            prev_lawyer_id: previous_lawyer,
            also_consulate: case.also_consulate(),
            prev_consulate: previous_consulate.as_deref(),
            kind: kind.as_str(),
            body: &body,
            sealed: sealed.as_deref(),
        })?;
        case.bounded();
        self.save_case(&case, indexed_before, key_id)?;
        if self.known_case.is_some_and(|(id, _, _)| id == case_id) {
            self.known_case = None;
        }
        if matches!(event.body, EventBody::AlertRaised(_)) {
            self.max_case = self.max_case.map(|m| m.max(case_id));
        }
        self.cache.put(case.clone());
        // The registrant's open case, kept as a column for the next press to find.
        if case.registrant_id > 0 {
            match &event.body {
                EventBody::AlertRaised(_) | EventBody::CaseReopened(_) => {
                    // Used once: after this change the row no longer carries the seal read.
                    let held = self
                        .known
                        .take()
                        .filter(|h| h.is_row_of(&super::rows::REGISTRANTS, case.registrant_id));
                    let set = match held {
                        Some(held) => self.change_held(
                            &held,
                            "open_case_id",
                            super::db::Owned::Int(case.id as i64),
                        )?,
                        None => false,
                    };
                    if !set {
                        self.change_and_reseal(
                            &super::rows::REGISTRANTS,
                            "UPDATE registrants SET open_case_id = ?1 WHERE id = ?2",
                            params![case.id as i64, case.registrant_id],
                        )?;
                    }
                }
                EventBody::CaseClosed(_) => {
                    self.change_and_reseal(
                        &super::rows::REGISTRANTS,
                        "UPDATE registrants SET open_case_id = NULL
                          WHERE id = ?1 AND open_case_id = ?2",
                        params![case.registrant_id, case.id as i64],
                    )?;
                }
                _ => {}
            }
        }
        placements_after(self, &event, &case)?;
        searches_after(self, &event, &case)?;
        if self.publishes() {
            let frames = Published::frames(
                event.seq,
                kind,
                &json,
                Published::personal(kind).then_some(&event),
            );
            self.pending.push(Arc::new(Published {
                seq: event.seq,
                consulate: case.consulate.clone(),
                lawyer: case.assigned_lawyer,
                previous_lawyer,
                also_consulate: case.also_consulate().map(String::from),
                previous_consulate,
                kind,
                frame: frames.owner,
                outside: frames.outside,
                national: frames.national,
            }));
        }
        self.next_seq += 1;
        Ok((event, case))
    }

    /// Appends an event that is about no case's state (the roster, devices, a surge, a read):
    /// `case_id` 0, no consulate. Returns its `seq`.
    pub fn append_uncased(
        &mut self,
        actor: Actor,
        at: DateTime<Utc>,
        body: EventBody,
    ) -> Result<u64, StoreError> {
        let (event, json) = Encoded::new(body)?.into_event(
            self.next_seq,
            at,
            crate::domain::event::NO_CASE,
            "",
            actor,
            None,
        )?;
        let kind = event.body.kind();
        self.insert_event(EventRow {
            seq: event.seq,
            at: &event.at.to_rfc3339(),
            case_id: 0,
            consulate: "",
            lawyer_id: None,
            prev_lawyer_id: None,
            also_consulate: None,
            prev_consulate: None,
            kind: kind.as_str(),
            body: &json,
            sealed: None,
        })?;
        if self.publishes() {
            self.pending.push(Arc::new(Published {
                seq: event.seq,
                consulate: String::new(),
                lawyer: None,
                previous_lawyer: None,
                also_consulate: None,
                previous_consulate: None,
                kind,
                frame: Published::frame_for(event.seq, kind, &json),
                outside: None,
                national: None,
            }));
        }
        self.next_seq += 1;
        Ok(event.seq)
    }

    /// Inserts one event row with its link, and moves the chain's head to it.
    fn insert_event(&mut self, row: EventRow<'_>) -> Result<(), StoreError> {
        let link = self.keys.link(&self.prev, &row);
        self.write_later(
            "INSERT INTO events (seq, at, case_id, consulate, lawyer_id, prev_lawyer_id,
                                 also_consulate, prev_consulate, kind, body, chain, sealed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                row.seq as i64,
                row.at,
                row.case_id,
                row.consulate,
                row.lawyer_id,
                row.prev_lawyer_id,
                row.also_consulate,
                row.prev_consulate,
                row.kind,
                row.body,
                &link[..],
                row.sealed
            ],
        )?;
        self.prev = link;
        Ok(())
    }

    /// The case as last committed (or written earlier in this transaction): from the writer's
    /// cache while the row's `last_seq` says it is current, parsed from the row otherwise.
    pub fn case(&mut self, case_id: u64) -> Result<Option<Case>, StoreError> {
        Ok(self.case_and_key(case_id)?.map(|(case, _)| case))
    }

    /// [`Self::case`] and the key its personal data is sealed under, read in one statement.
    fn case_and_key(&mut self, case_id: u64) -> Result<Option<(Case, Option<i64>)>, StoreError> {
        if let Some((id, last_seq, key_id)) = self.known_case
            && id == case_id
            && let Some(case) = self.cache.get(case_id, last_seq)
        {
            return Ok(Some((case, key_id)));
        }
        let row: Option<(i64, Option<i64>)> = self
            .query_row(
                "SELECT last_seq, key_id FROM cases WHERE id = ?1",
                [case_id as i64],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((last_seq, key_id)) = row else {
            return Ok(None);
        };
        if let Some(case) = self.cache.get(case_id, last_seq as u64) {
            return Ok(Some((case, key_id)));
        }
        let (state, sealed): (String, Option<String>) = self.query_row(
            "SELECT state, sealed FROM cases WHERE id = ?1",
            [case_id as i64],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let case = super::personal::open_case(self.vault, &state, sealed.as_deref())?;
        self.cache.put(case.clone());
        Ok(Some((case, key_id)))
    }

    /// Sets `column` of the registrant row this job read, with its seal, in one statement
    /// (`held.rs`); false where it cannot, and the caller takes the longer way.
    fn change_held(
        &self,
        held: &super::held::Held,
        column: &str,
        value: super::db::Owned,
    ) -> Result<bool, StoreError> {
        use super::db::ToValue;
        let Some((update, values)) =
            super::held::change(self.keys, &super::rows::REGISTRANTS, held, column, value)
        else {
            return Ok(false);
        };
        let values: Vec<super::db::Value<'_>> = values.iter().map(|v| v.to_value()).collect();
        if self.conn.engine() == super::db::Engine::Postgres {
            // Sent with the job's next message, so its row count cannot be read: a row that no
            // longer carries the seal it was read with makes it fail by a division by zero,
            // which fails the job (only the writer changes this table, under the same lock, so
            // it does not happen unless the row was edited by hand).
            self.write_later(
                &format!("WITH changed AS ({update} RETURNING 1) SELECT 1 / COUNT(*) FROM changed"),
                &values[..],
            )?;
            return Ok(true);
        }
        Ok(self.conn.execute(&update, &values[..])? == 1)
    }

    /// The registrant row this job already read, if it is `registrant_id`'s.
    pub(super) fn known_registrant(&self, registrant_id: i64) -> Option<&super::held::Held> {
        self.known
            .as_ref()
            .filter(|h| h.is_row_of(&super::rows::REGISTRANTS, registrant_id))
    }

    /// Writes the projection with its MAC. When no indexed column moved (a press, a location
    /// update, a note), only the row is rewritten: the four indexes of `cases` stay as they
    /// are, which in a raid was a third of the pages each commit wrote.
    fn save_case(
        &self,
        case: &Case,
        before: Option<Indexed>,
        key_id: Option<i64>,
    ) -> Result<(), StoreError> {
        // What is personal is sealed under the person's key, the rest kept in the clear.
        let (state, sealed) = match key_id {
            Some(key) => {
                let (state, sealed) = super::personal::seal_case(self.vault, key, case)?;
                (state, Some(sealed))
            }
            None => (serde_json::to_string(case)?, None),
        };
        let columns = CaseColumns::of(case)?;
        let mut row = columns.row(case, &state);
        row.key_id = key_id;
        row.sealed = sealed.as_deref();
        let mac = self.keys.case_mac(&row);
        let mac = &mac[..];
        let upsert = "INSERT INTO cases (id, consulate, status, lawyer_id, last_seq, state,
                                also_consulate, received_at, acknowledged, escalation, mac,
                                key_id, sealed)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT (id) DO UPDATE SET consulate = excluded.consulate,
                 status = excluded.status, lawyer_id = excluded.lawyer_id,
                 last_seq = excluded.last_seq, state = excluded.state,
                 also_consulate = excluded.also_consulate,
                 acknowledged = excluded.acknowledged, escalation = excluded.escalation,
                 mac = excluded.mac, key_id = excluded.key_id, sealed = excluded.sealed";
        let values = params![
            row.id,
            row.consulate,
            row.status,
            row.lawyer_id,
            row.last_seq,
            row.state,
            row.also_consulate,
            row.received_at,
            row.acknowledged,
            row.escalation,
            mac,
            row.key_id,
            row.sealed
        ];
        if self.conn.engine() == super::db::Engine::Postgres {
            // One upsert, sent with the job's next message: PostgreSQL leaves the indexes alone
            // (a heap-only update) when no indexed column's value moved, as the short update
            // below does on SQLite.
            return self.write_later(upsert, values);
        }
        if before.is_some_and(|b| b == Indexed::of(case)) {
            let n = self.execute(
                "UPDATE cases SET last_seq = ?2, state = ?3, mac = ?4, sealed = ?5
                  WHERE id = ?1",
                params![row.id, row.last_seq, row.state, mac, row.sealed],
            )?;
            if n == 1 {
                return Ok(());
            }
        }
        self.execute(upsert, values)?;
        Ok(())
    }

    /// The key an opening case's personal data is sealed under: the person's (a caller taken
    /// in by phone who is not enrolled gets one of their own). The case keeps it for life.
    fn opening_key(&self, case: &Case) -> Result<Option<i64>, StoreError> {
        let registrant: Option<i64> = if case.registrant_id > 0 {
            match self.known_registrant(case.registrant_id) {
                Some(held) => match held.get(&super::rows::REGISTRANTS, "key_id") {
                    Some(super::db::Owned::Int(k)) => Some(*k),
                    _ => None,
                },
                None => self
                    .query_row(
                        "SELECT key_id FROM registrants WHERE id = ?1",
                        [case.registrant_id],
                        |r| r.get(0),
                    )
                    .optional()?
                    .flatten(),
            }
        } else {
            None
        };
        match registrant {
            Some(key) => Ok(Some(key)),
            None => Ok(Some(self.vault.new_key()?)),
        }
    }

    /// The number the next case will get. Case numbers start at 1001 so that they read as case
    /// numbers on a phone call, not as small counts.
    pub fn next_case_id(&mut self) -> Result<u64, StoreError> {
        if let Some(max) = self.max_case {
            return Ok(max + 1);
        }
        let max: i64 = self.query_row("SELECT COALESCE(MAX(id), 1000) FROM cases", (), |r| {
            r.get(0)
        })?;
        self.max_case = Some(max as u64);
        Ok(max as u64 + 1)
    }
}

/// Keeps `placements` in step with a case's events: the latest placement naming a registry
/// facility. Written with the event, so it is exactly what the log says.
fn placements_after(ctx: &WriteCtx<'_>, event: &Event, case: &Case) -> Result<(), StoreError> {
    if let EventBody::CheckpointLogged(c) = &event.body
        && matches!(
            c.code,
            CheckpointCode::FacilityLocated | CheckpointCode::FacilityTransfer
        )
    {
        match c.fields.get("facility_code") {
            Some(code) => {
                ctx.execute(
                    "INSERT INTO placements (case_id, facility, seq) VALUES (?1, ?2, ?3)
                     ON CONFLICT (case_id) DO UPDATE SET facility = excluded.facility,
                         seq = excluded.seq",
                    params![case.id as i64, code, event.seq as i64],
                )?;
                ctx.reseal(&super::rows::PLACEMENTS, case.id as i64)?;
            }
            // Placed somewhere the registry does not know: no longer at the last known one.
            None => {
                ctx.execute(
                    "DELETE FROM placements WHERE case_id = ?1",
                    [case.id as i64],
                )?;
            }
        }
    }
    Ok(())
}

/// Keeps `searches` in step with a case's events: a row while the case's search is open, with
/// its last escalation. Only the events that can move a search touch the table.
fn searches_after(ctx: &WriteCtx<'_>, event: &Event, case: &Case) -> Result<(), StoreError> {
    let moves = matches!(
        event.body,
        EventBody::CheckpointLogged(_)
            | EventBody::CaseClosed(_)
            | EventBody::SearchEscalated(_)
            | EventBody::TransferAccepted(_)
    );
    if !moves {
        return Ok(());
    }
    match case.search {
        Some(s) => {
            ctx.execute(
                "INSERT INTO searches (case_id, consulate, since, escalated) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (case_id) DO UPDATE SET consulate = excluded.consulate,
                     since = excluded.since, escalated = excluded.escalated",
                params![
                    case.id as i64,
                    case.consulate,
                    sortable_time(s.since),
                    i64::from(s.escalated)
                ],
            )?;
            ctx.reseal(&super::rows::SEARCHES, case.id as i64)?;
        }
        None => {
            ctx.execute("DELETE FROM searches WHERE case_id = ?1", [case.id as i64])?;
        }
    }
    Ok(())
}

/// The columns of a case row that are not borrowed from the case itself.
pub(super) struct CaseColumns {
    status: String,
    received_at: String,
}

impl CaseColumns {
    pub fn of(case: &Case) -> Result<CaseColumns, StoreError> {
        let status = serde_json::to_value(case.status)?;
        Ok(CaseColumns {
            status: status.as_str().unwrap_or("open").to_string(),
            received_at: sortable_time(case.received_at),
        })
    }

    /// The row the writer stores for `case` (whose JSON is `state`): `guardia verify` builds the
    /// same from the folded log and compares.
    pub fn row<'a>(&'a self, case: &'a Case, state: &'a str) -> CaseRow<'a> {
        CaseRow {
            id: case.id as i64,
            consulate: &case.consulate,
            status: &self.status,
            lawyer_id: case.assigned_lawyer,
            last_seq: case.last_seq as i64,
            state,
            also_consulate: case.also_consulate(),
            received_at: &self.received_at,
            acknowledged: case.acknowledged_at.is_some(),
            escalation: case.escalation,
            key_id: None,
            sealed: None,
        }
    }
}
