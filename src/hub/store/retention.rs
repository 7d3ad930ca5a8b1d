//! Retention: once every case of a person has been closed longer than the period (and none is
//! under a legal hold), their key is destroyed. Their personal data is then unreadable wherever
//! it was stored (the log, the projection, the enrollment, a backup), while every row, its chain
//! and every count stay as they were.

use super::db::{Conn, params};
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::vault::Vault;
use super::{Store, StoreError};
use crate::domain::event::{Actor, EventBody, LegalHold, RecordsErased};

/// What one run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Retained {
    /// Cases whose people were erased in this run.
    pub cases: Vec<u64>,
    /// Keys destroyed: the people's, and those of enrollments nothing holds any more.
    pub keys: usize,
    /// Cases past the period that a legal hold keeps.
    pub held: usize,
    /// The `seq` of the `records_erased` event, when anything was erased.
    pub seq: Option<u64>,
}

/// Seals the people enrolled before personal data was sealed: each gets a key, their profile is
/// sealed under it and their number kept as its blind index. Returns the rows sealed. (Their
/// old events stay as written: the log is append-only and chained.)
pub(super) fn seal_people(conn: &Conn, vault: &Vault) -> Result<usize, StoreError> {
    conn.in_transaction(|tx| seal_people_in(tx, vault))
}

fn seal_people_in(tx: &Conn, vault: &Vault) -> Result<usize, StoreError> {
    let mut n = 0;
    for table in ["registrants", "enrollments"] {
        let rows: Vec<(i64, String, String)> = tx.query_map(
            &format!("SELECT id, profile, phone FROM {table} WHERE key_id IS NULL"),
            (),
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        for (id, profile, phone) in rows {
            let key = vault.new_key()?;
            tx.execute(
                &format!("UPDATE {table} SET profile = ?1, phone = ?2, key_id = ?3 WHERE id = ?4"),
                params![vault.seal(key, &profile)?, vault.blind(&phone), key, id],
            )?;
            n += 1;
        }
    }
    Ok(n)
}

/// Which keys may go at `cutoff`: those whose every case is closed before it and not held.
fn due(
    tx: &Conn,
    vault: &Vault,
    cutoff: DateTime<Utc>,
) -> Result<(Vec<i64>, Vec<u64>, usize), StoreError> {
    use std::collections::BTreeMap;
    // key → (every case closed before the cutoff, none held, its cases)
    let mut by_key: BTreeMap<i64, (bool, bool, Vec<u64>)> = BTreeMap::new();
    // The hold reads back as SQLite's 1 or PostgreSQL's 'true', absent as NULL on both.
    // Only people with a closed case can be due: the open cases of a raid cost nothing here.
    tx.query_each(
        "SELECT key_id, id, status, json_extract(state, '$.closed.at'),
                json_extract(state, '$.legal_hold')
           FROM cases
          WHERE key_id IN (SELECT key_id FROM cases
                            WHERE status = 'closed' AND key_id IS NOT NULL)",
        (),
        |row| -> Result<(), StoreError> {
            let key: i64 = row.get(0)?;
            let id: i64 = row.get(1)?;
            let status: String = row.get(2)?;
            let closed_at: Option<String> = row.get(3)?;
            let held: i64 = row.get::<Option<i64>>(4)?.unwrap_or(0);
            let past = status == "closed"
                && closed_at
                    .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
                    .is_some_and(|t| t < cutoff);
            let entry = by_key.entry(key).or_insert((true, false, Vec::new()));
            entry.0 &= past;
            entry.1 |= held != 0;
            entry.2.push(id as u64);
            Ok(())
        },
    )?;
    let (mut keys, mut cases, mut held) = (Vec::new(), Vec::new(), 0);
    let past: Vec<i64> = by_key
        .iter()
        .filter(|(_, (past, ..))| *past)
        .map(|(k, _)| *k)
        .collect();
    let living = vault.holding(&past)?;
    for (key, (past, on_hold, ids)) in by_key {
        if !past || !living.contains(&key) {
            continue;
        }
        if on_hold {
            held += ids.len();
            continue;
        }
        keys.push(key);
        cases.extend(ids);
    }
    Ok((keys, cases, held))
}

impl Store {
    /// Places a legal hold on a case or lifts it (an administrator's act, on the record).
    pub async fn legal_hold(
        &self,
        case_id: u64,
        on: bool,
        reason: String,
        actor: Actor,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        self.write(move |ctx| {
            let case = ctx.case(case_id)?.ok_or(StoreError::NotFound)?;
            if case.legal_hold == on {
                return Ok(false);
            }
            if case.registrant.erased {
                return Err(StoreError::Conflict(
                    "this case's personal data was already erased".into(),
                ));
            }
            ctx.append(
                case_id,
                &case.consulate,
                actor,
                now,
                None,
                EventBody::LegalHold(LegalHold { on, reason }),
            )?;
            Ok(true)
        })
        .await
    }

    /// Runs the retention policy as of `now`: cases closed more than `closed_case_days` ago
    /// lose their people's personal data. The keys go after the commit that records it, so a
    /// crash between the two leaves keys that the next run destroys.
    pub async fn retain(
        &self,
        now: DateTime<Utc>,
        closed_case_days: u32,
    ) -> Result<Retained, StoreError> {
        let cutoff = now - Duration::days(i64::from(closed_case_days));
        let vault = self.vault.clone();
        let (keys, mut retained) = self
            .write(move |ctx| {
                let (mut keys, cases, held) = due(ctx.conn(), ctx.vault(), cutoff)?;
                // A visit's own secrets (its roster, conditions, complaints, the interviews of
                // people with no case) go once the visit is older than the period.
                let old_visits: Vec<i64> = ctx.conn().query_map(
                    "SELECT key_id FROM visits WHERE key_id IS NOT NULL AND visited_on < ?1",
                    [cutoff.date_naive().to_string()],
                    |r| r.get(0),
                )?;
                for key in old_visits {
                    if ctx.vault().holds(key)? && !keys.contains(&key) {
                        keys.push(key);
                    }
                }
                // Keys nothing holds any more: enrollments never finished or replaced, made
                // before the cutoff.
                let made = ctx
                    .vault()
                    .keys_made_before(&cutoff.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))?;
                for key in made {
                    let held: bool = ctx.query_row(
                        "SELECT EXISTS (SELECT 1 FROM cases WHERE key_id = ?1)
                             OR EXISTS (SELECT 1 FROM registrants
                                         WHERE key_id = ?1 AND revoked = 0)
                             OR EXISTS (SELECT 1 FROM enrollments
                                         WHERE key_id = ?1 AND state = 'pending')
                             OR EXISTS (SELECT 1 FROM visits WHERE key_id = ?1)",
                        [key],
                        |r| r.get(0),
                    )?;
                    if !held && !keys.contains(&key) {
                        keys.push(key);
                    }
                }
                for key in &keys {
                    // The device goes with the person: a phone whose owner was erased must
                    // enroll again. Its number's blind index goes too.
                    let devices: Vec<i64> = ctx.conn().query_map(
                        "UPDATE registrants SET revoked = 1, phone = '', open_case_id = NULL,
                                token_hash = 'erased:' || CAST(id AS TEXT)
                          WHERE key_id = ?1 RETURNING id",
                        [key],
                        |r| r.get(0),
                    )?;
                    for id in devices {
                        ctx.reseal(&super::rows::REGISTRANTS, id)?;
                    }
                    let enrollments: Vec<i64> = ctx.conn().query_map(
                        "UPDATE enrollments SET phone = '', state = 'void' WHERE key_id = ?1
                         RETURNING id",
                        [key],
                        |r| r.get(0),
                    )?;
                    for id in enrollments {
                        ctx.reseal(&super::rows::ENROLLMENTS, id)?;
                    }
                    // Where and when the person had to go: unreadable once the key goes, and
                    // nothing left to watch.
                    ctx.execute("DELETE FROM appointments WHERE key_id = ?1", [key])?;
                }
                for case in &cases {
                    ctx.execute(
                        "DELETE FROM coalesced_presses WHERE case_id = ?1",
                        [*case as i64],
                    )?;
                    // Where the person was held is theirs too.
                    ctx.execute("DELETE FROM placements WHERE case_id = ?1", [*case as i64])?;
                    let failed: Vec<i64> = ctx.conn().query_map(
                        "UPDATE deliveries SET state = 'failed', last_error = 'erased'
                          WHERE case_id = ?1 AND state = 'pending' RETURNING id",
                        [*case as i64],
                        |r| r.get(0),
                    )?;
                    for id in failed {
                        ctx.reseal(&super::rows::DELIVERIES, id)?;
                    }
                }
                let seq = if keys.is_empty() {
                    None
                } else {
                    Some(ctx.append_uncased(
                        Actor::Hub,
                        now,
                        EventBody::RecordsErased(RecordsErased {
                            cases: cases.clone(),
                            keys: keys.len() as u32,
                        }),
                    )?)
                };
                Ok((
                    keys,
                    Retained {
                        cases,
                        keys: 0,
                        held,
                        seq,
                    },
                ))
            })
            .await?;
        retained.keys = tokio::task::spawn_blocking(move || vault.destroy(&keys))
            .await
            .map_err(|_| StoreError::Closed)??;
        Ok(retained)
    }
}
