//! Read paths: token look-ups, the case snapshot and the event backlog.

use std::sync::Arc;

use super::db::Owned;
use super::db::{Conn, OptionalExtension, params};

use super::{Published, Store, StoreError};

/// Whose access a logged change took away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessChange {
    Staff(i64),
    Device(i64),
}
use crate::domain::case::{Case, CaseStatus};
use crate::domain::event::EventKind;
use crate::domain::staff::{Role, Scope, StaffInfo};

fn head(tx: &Conn) -> Result<u64, StoreError> {
    let seq: i64 = tx.query_row("SELECT COALESCE(MAX(seq), 0) FROM events", (), |r| r.get(0))?;
    Ok(seq as u64)
}

pub(super) fn parse_kind(s: &str) -> Result<EventKind, StoreError> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(StoreError::from)
}

/// What a list of cases asks for (`GET /v1/cases`).
#[derive(Debug, Clone)]
pub struct CaseList {
    pub consulate: Option<String>,
    /// Only cases in this status (closed ones included if asked for by name).
    pub status: Option<CaseStatus>,
    /// Closed cases too, those closed at or after this time.
    pub closed_since: Option<chrono::DateTime<chrono::Utc>>,
    /// Cases with a greater id (the last id of the page before).
    pub after: u64,
    pub limit: usize,
}

/// What of each case a read opens: all of it (a console's snapshot), or the clear copy, and
/// the whole only of the cases a report needs sealed data from (a deadline's dates sit in a
/// checkpoint's fields). A report that opens nothing it does not read costs no decryption for
/// the bulk of a raid's one-press cases.
#[derive(Clone, Copy)]
pub enum Opening {
    Whole,
    ClearUnless(fn(&Case) -> bool),
}

/// An event as it is sent, from a row of `seq, consulate, lawyer_id, prev_lawyer_id,
/// also_consulate, prev_consulate, kind, body, sealed`: the replay's and the listener's.
pub(super) fn published_from_row(
    row: &super::db::Row<'_>,
    vault: &super::vault::Vault,
) -> Result<Published, StoreError> {
    let seq: u64 = row.get(0)?;
    let kind = parse_kind(&row.get::<String>(6)?)?;
    let sealed: Option<String> = row.get(8)?;
    let (json, read) = super::personal::open_event(vault, row.get(7)?, sealed.as_deref())?;
    let event: Option<crate::domain::event::Event> = match read {
        Some(event) if Published::personal(kind) => Some(event),
        _ if Published::personal(kind) => Some(serde_json::from_str(&json)?),
        _ => None,
    };
    let frames = Published::frames(seq, kind, &json, event.as_ref());
    Ok(Published {
        seq,
        consulate: row.get(1)?,
        lawyer: row.get(2)?,
        previous_lawyer: row.get(3)?,
        also_consulate: row.get(4)?,
        previous_consulate: row.get(5)?,
        kind,
        frame: frames.owner,
        outside: frames.outside,
        national: frames.national,
    })
}

impl Store {
    pub async fn device_by_token(&self, token_hash: String) -> Result<Option<i64>, StoreError> {
        self.read_one(move |tx| {
            Ok(tx
                .query_row(
                    "SELECT id FROM registrants WHERE token_hash = ?1 AND revoked = 0",
                    [token_hash],
                    |r| r.get(0),
                )
                .optional()?)
        })
        .await
    }

    /// The staff member a token hash belongs to, if it is active: not disabled and issued less
    /// than `token_days` ago (0: tokens do not expire).
    pub async fn staff_by_token(
        &self,
        token_hash: String,
        now: chrono::DateTime<chrono::Utc>,
        token_days: u32,
    ) -> Result<Option<StaffInfo>, StoreError> {
        self.read_one(move |tx| {
            type Row = (i64, String, String, Option<String>, String);
            let row: Option<Row> = tx
                .query_row(
                    "SELECT id, name, role, consulate, token_issued_at FROM staff
                     WHERE token_hash = ?1 AND disabled = 0",
                    [token_hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?;
            let Some((id, name, role, consulate, issued)) = row else {
                return Ok(None);
            };
            let role = Role::parse(&role)
                .ok_or_else(|| StoreError::Corrupt(format!("unknown role {role}")))?;
            let expires = (token_days > 0)
                .then(|| {
                    chrono::DateTime::parse_from_rfc3339(&issued)
                        .map(|t| t.with_timezone(&chrono::Utc))
                        .ok()
                        .map(|t| t + chrono::Duration::days(i64::from(token_days)))
                })
                .flatten();
            if expires.is_some_and(|e| e <= now) {
                return Ok(None);
            }
            Ok(Some(StaffInfo {
                id,
                name,
                role,
                consulate,
                token_expires_at: expires,
            }))
        })
        .await
    }

    /// The log's last `seq`, on disk ([`Self::settled`]): where a stream that asks for nothing
    /// older starts.
    pub async fn head_seq(&self) -> Result<u64, StoreError> {
        let seq = self.read(head).await?;
        self.settled().await?;
        Ok(seq)
    }

    /// One page of the cases in `scope` (narrowed as `list` asks), ordered by id, and the `seq`
    /// the page is consistent at, read in one transaction. The page is full when it holds
    /// `list.limit` cases; the next begins after its last id.
    pub async fn snapshot(
        &self,
        scope: Scope,
        list: CaseList,
    ) -> Result<(u64, Vec<Case>), StoreError> {
        let page = self.cases_page(scope, list, Opening::Whole).await?;
        // A console resumes its stream from this `seq`: on disk first.
        self.settled().await?;
        Ok(page)
    }

    /// [`Self::snapshot`], opening each case as `opening` says: a report's batch.
    pub async fn cases_page(
        &self,
        scope: Scope,
        list: CaseList,
        opening: Opening,
    ) -> Result<(u64, Vec<Case>), StoreError> {
        let vault = self.vault.clone();
        self.read(move |tx| {
            let seq = head(tx)?;
            const COLUMNS: &str =
                "SELECT state, consulate, lawyer_id, status, also_consulate, sealed, id FROM cases";
            // Each leg walks an index in id order and stops at the page's size: a consulate's
            // own cases through `cases_by_consulate` and those offered to it through
            // `cases_by_also_consulate`, merged by id below. (One query with `OR` made SQLite
            // gather and sort all of the consulate's rows for every page: a walk of a raid's
            // consulate in pages cost the square of its cases.) The row check enforces the
            // scope whatever index served it.
            let legs: Vec<(&str, Owned)> = match (&scope, &list.consulate) {
                (Scope::Nothing, _) => return Ok((seq, vec![])),
                // Every engine needs to know the placeholder's type, even unused.
                (Scope::All, None) => vec![("CAST(?1 AS TEXT) IS NULL", Owned::Null)],
                (Scope::All, Some(c)) | (Scope::Consulate(c), _) => vec![
                    ("consulate = ?1", Owned::Text(c.clone())),
                    ("also_consulate = ?1", Owned::Text(c.clone())),
                ],
                (Scope::AssignedTo(id), _) => vec![("lawyer_id = ?1", Owned::Int(*id))],
            };
            let status = list
                .status
                .map(|s| serde_json::to_value(s).map(|v| v.as_str().unwrap_or("").to_string()))
                .transpose()?;
            // Closed cases only when asked for: by status, or closed since a time.
            let closed = if list.status.is_some() || list.closed_since.is_some() {
                ""
            } else {
                "AND status != 'closed'"
            };
            // The page's rows first, then their people's keys in one look-up, then each row
            // opened: a key-store query per row held every concurrent snapshot in line.
            let mut rows: Vec<(i64, String, Option<String>)> = Vec::new();
            for (filter, arg) in legs {
                let sql = format!("{COLUMNS} WHERE {filter} AND id > ?2 {closed} ORDER BY id");
                let mut taken = 0;
                tx.query_while(
                    &sql,
                    params![arg, list.after as i64],
                    |row| -> Result<bool, StoreError> {
                        let row_consulate: String = row.get(1)?;
                        let lawyer: Option<i64> = row.get(2)?;
                        let row_status: String = row.get(3)?;
                        let also: Option<String> = row.get(4)?;
                        // The scope is re-checked on every row so that a broader query can
                        // never leak.
                        if !scope.allows(&row_consulate, also.as_deref(), lawyer)
                            || list
                                .consulate
                                .as_ref()
                                .is_some_and(|c| *c != row_consulate && Some(c) != also.as_ref())
                            || status.as_ref().is_some_and(|s| *s != row_status)
                        {
                            return Ok(true);
                        }
                        let state: String = row.get(0)?;
                        // When it closed is not personal: the clear copy says it.
                        if let (Some(since), None) = (list.closed_since, list.status)
                            && serde_json::from_str::<ClosedAt>(&state)?
                                .closed
                                .is_some_and(|c| c.at < since)
                        {
                            return Ok(true);
                        }
                        rows.push((row.get(6)?, state, row.get(5)?));
                        taken += 1;
                        Ok(taken < list.limit)
                    },
                )?;
            }
            // The legs merged by id: a case both legs found (its own consulate's and offered
            // to the same) counts once.
            rows.sort_by_key(|(id, ..)| *id);
            rows.dedup_by_key(|(id, ..)| *id);
            rows.truncate(list.limit);
            let rows: Vec<(String, Option<String>)> =
                rows.into_iter().map(|(_, st, se)| (st, se)).collect();
            let cases = match opening {
                Opening::Whole => {
                    vault.prefetch(rows.iter().filter_map(|(_, sealed)| sealed.as_deref()))?;
                    rows.into_iter()
                        .map(|(state, sealed)| {
                            super::personal::open_case(&vault, &state, sealed.as_deref())
                        })
                        .collect::<Result<Vec<Case>, StoreError>>()?
                }
                Opening::ClearUnless(needs) => {
                    let clear = rows
                        .into_iter()
                        .map(|(state, sealed)| {
                            let case: Case = serde_json::from_str(&state)?;
                            Ok((sealed.filter(|_| needs(&case)), case))
                        })
                        .collect::<Result<Vec<_>, StoreError>>()?;
                    vault.prefetch(clear.iter().filter_map(|(sealed, _)| sealed.as_deref()))?;
                    clear
                        .into_iter()
                        .map(|(sealed, case)| match sealed {
                            Some(sealed) => match vault.unseal(&sealed)? {
                                super::vault::Opened::Clear(opened) => {
                                    super::personal::whole_case(case, &opened)
                                }
                                super::vault::Opened::Erased => Ok(case),
                            },
                            None => Ok(case),
                        })
                        .collect::<Result<Vec<Case>, StoreError>>()?
                }
            };
            Ok((seq, cases))
        })
        .await
    }

    /// Up to `limit` events after `since` that `audience` hears, oldest first, and the last `seq`
    /// looked at (so a caller paging through a sparse scope keeps moving). The rule is the live
    /// stream's ([`super::fanout::Audience::hears`]): a supervisor who reconnects gets the
    /// surges they missed, as they would have live.
    ///
    /// Visibility is the caller's scope *now*: an event is sent when its case is in the scope as
    /// the case stands today, or when the event itself moved the case away from the caller (so
    /// their console drops it). A lawyer reassigned away, or a consulate that handed a case on,
    /// replays nothing of it but that handoff.
    pub async fn events_after(
        &self,
        since: u64,
        audience: super::fanout::Audience,
        limit: usize,
    ) -> Result<(Vec<Arc<Published>>, u64), StoreError> {
        let vault = self.vault.clone();
        let bound = self.events.replay_bound().min(i64::MAX as u64) as i64;
        self.read(move |tx| {
            let mut out = Vec::new();
            let mut last = since;
            tx.query_each(
                "SELECT e.seq, COALESCE(c.consulate, e.consulate), c.lawyer_id, e.prev_lawyer_id,
                        c.also_consulate, e.prev_consulate, e.kind, e.body, e.sealed
                   FROM events e LEFT JOIN cases c ON c.id = e.case_id
                  WHERE e.seq > ?1 AND e.seq <= ?3 ORDER BY e.seq LIMIT ?2",
                params![since as i64, limit as i64, bound],
                |row| -> Result<(), StoreError> {
                    let published = published_from_row(row, &vault)?;
                    last = published.seq;
                    if audience.hears(&published) {
                        out.push(Arc::new(published));
                    }
                    Ok(())
                },
            )?;
            Ok((out, last))
        })
        .await
    }

    /// Changes that take access away, logged after `seq`, oldest first: staff disabled, given
    /// a new token or another role, and devices revoked or replaced (from this process or
    /// another writing the same database).
    pub async fn access_changes_after(
        &self,
        seq: u64,
    ) -> Result<Vec<(u64, AccessChange)>, StoreError> {
        self.read(move |tx| {
            Ok(tx.query_map(
                "SELECT seq, kind, json_extract(body, '$.body.staff_id'),
                        json_extract(body, '$.body.registrant_id') FROM events
                  WHERE case_id = 0 AND seq > ?1
                    AND ((kind = 'staff_changed' AND json_extract(body, '$.body.change.type')
                            IN ('disabled', 'token_rotated', 'role_changed'))
                         OR kind = 'device_changed')
                  ORDER BY seq",
                [seq as i64],
                |r| {
                    let seq = r.get::<i64>(0)? as u64;
                    let change = match r.get::<String>(1)?.as_str() {
                        "device_changed" => AccessChange::Device(r.get(3)?),
                        _ => AccessChange::Staff(r.get(2)?),
                    };
                    Ok((seq, change))
                },
            )?)
        })
        .await
    }

    /// One case read whole from its events (the index on the case): its full timeline, every
    /// checkpoint and note, for someone opening or exporting it. Whoever may see it: the caller
    /// decides with the domain's relation.
    /// With `as_of`, the case as it stood after that event (an export checked later).
    pub async fn case_whole(
        &self,
        id: u64,
        as_of: Option<u64>,
    ) -> Result<Option<Case>, StoreError> {
        let vault = self.vault.clone();
        self.read(move |tx| {
            let upto = as_of.map_or(i64::MAX, |s| s as i64);
            let mut case: Option<Case> = None;
            tx.query_each(
                "SELECT body, sealed FROM events WHERE case_id = ?1 AND seq <= ?2 ORDER BY seq",
                params![id as i64, upto],
                |row| -> Result<(), StoreError> {
                    let event = super::personal::event_at(&vault, row, 0)?;
                    match &mut case {
                        None => {
                            case = Some(
                                Case::open(&event)
                                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                            )
                        }
                        Some(c) => {
                            c.apply(&event)
                                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                        }
                    }
                    Ok(())
                },
            )?;
            Ok(case)
        })
        .await
    }

    /// The seal's link of event `seq`, if there is one.
    pub async fn link_at(&self, seq: u64) -> Result<Option<super::chain::Link>, StoreError> {
        self.read(move |tx| {
            let chain: Option<Option<Vec<u8>>> = tx
                .query_row(
                    "SELECT chain FROM events WHERE seq = ?1",
                    [seq as i64],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(chain.flatten().and_then(|c| c.try_into().ok()))
        })
        .await
    }

    /// One case, whoever may see it: the caller decides with the domain's relation.
    pub async fn case(&self, id: u64) -> Result<Option<Case>, StoreError> {
        let vault = self.vault.clone();
        self.read(move |tx| {
            let row: Option<(String, Option<String>)> = tx
                .query_row(
                    "SELECT state, sealed FROM cases WHERE id = ?1",
                    [id as i64],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            row.map(|(state, sealed)| super::personal::open_case(&vault, &state, sealed.as_deref()))
                .transpose()
        })
        .await
    }
}

/// What a snapshot reads of a case's clear copy to leave out those closed before a time.
#[derive(serde::Deserialize)]
struct ClosedAt {
    #[serde(default)]
    closed: Option<At>,
}

#[derive(serde::Deserialize)]
struct At {
    at: chrono::DateTime<chrono::Utc>,
}
