//! The protection work's projections and reads: facilities staff recorded, where each case's
//! detainee is held (`placements`), visit rounds, incidents and the duty roster. Each write is
//! one writer job: the idempotency look-up, the checks against what is stored and the append
//! happen together, and the projection row is written in the same transaction as its event.

use serde::{Deserialize, Serialize};

use super::casework::{fresh_staff, previous_answer, remember_answer};
use super::db::{OptionalExtension, params};
use super::writer::opened;
use super::{Outcome, Store, StoreError, WriteCtx};
use crate::domain::case::Case;
use crate::domain::checkpoint::CheckpointCode;
use crate::domain::event::{
    Actor, DutyChange, DutyRecorded, Event, EventBody, FacilityRecorded, IncidentChange,
    IncidentRecorded, VisitLogged,
};
use crate::domain::facility::{Facility, Registry};
use crate::domain::incident::Incident;
use crate::domain::roster::Shift;
use crate::domain::staff::StaffInfo;
use crate::domain::visit::Visit;
use chrono::{DateTime, Utc};

/// What a protection write answers: the id it gave (a visit, an incident, a shift) and the
/// event's position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    pub id: u64,
    pub seq: u64,
}

/// A staff write's identity for idempotency: who, their key, and the request's digest.
#[derive(Debug, Clone)]
pub struct Idem {
    pub staff: StaffInfo,
    pub key: String,
    pub fingerprint: String,
}

fn actor(staff: &StaffInfo) -> Actor {
    Actor::Staff {
        id: staff.id,
        name: staff.name.clone(),
        role: staff.role,
    }
}

/// A facility by code: what staff recorded, else the shipped list.
pub(super) fn facility(ctx: &WriteCtx<'_>, code: &str) -> Result<Option<Facility>, StoreError> {
    let code = code.trim().to_ascii_uppercase();
    let row: Option<String> = ctx
        .query_row(
            "SELECT body FROM facilities WHERE code = ?1",
            [code.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    match row {
        Some(body) => Ok(Some(serde_json::from_str(&body)?)),
        None => Ok(Registry::new().get(&code).cloned()),
    }
}

/// Keeps `placements` in step with a case's events: the latest placement naming a registry
/// facility. Written with the event, so it is exactly what the log says.
pub(super) fn after_case_event(
    ctx: &WriteCtx<'_>,
    event: &Event,
    case: &Case,
) -> Result<(), StoreError> {
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

/// Staff on duty at `consulate` at `at`, by the roster.
pub(super) fn on_duty(
    ctx: &WriteCtx<'_>,
    consulate: &str,
    tz: chrono_tz::Tz,
    at: DateTime<Utc>,
) -> Result<Vec<i64>, StoreError> {
    let rows = ctx.conn().query_map(
        "SELECT body FROM duty WHERE consulate = ?1 AND removed = 0",
        [consulate],
        |r| r.get::<String>(0),
    )?;
    let shifts = rows
        .iter()
        .map(|b| serde_json::from_str(b))
        .collect::<Result<Vec<Shift>, _>>()?;
    Ok(crate::domain::roster::on_duty(&shifts, tz, at)
        .into_iter()
        .map(|p| p.0)
        .collect())
}

/// The next id of a table whose ids this hub gives out (inside the write, so hubs sharing a
/// database never give the same one).
fn next_id(ctx: &WriteCtx<'_>, table: &str) -> Result<u64, StoreError> {
    let max: i64 = ctx.query_row(
        &format!("SELECT CAST(COALESCE(MAX(id), 0) AS BIGINT) FROM {table}"),
        (),
        |r| r.get(0),
    )?;
    Ok(max as u64 + 1)
}

/// The earlier answer to this key, or the staff member as they are now.
fn begin(ctx: &WriteCtx<'_>, idem: &Idem) -> Result<Result<StaffInfo, Recorded>, StoreError> {
    if let Some(previous) = previous_answer(ctx, idem.staff.id, &idem.key, &idem.fingerprint)? {
        return Ok(Err(previous));
    }
    Ok(Ok(fresh_staff(ctx, &idem.staff)?))
}

fn done(
    ctx: &WriteCtx<'_>,
    idem: &Idem,
    answer: Recorded,
    now: DateTime<Utc>,
) -> Result<Outcome<Recorded>, StoreError> {
    remember_answer(
        ctx,
        idem.staff.id,
        &idem.key,
        &idem.fingerprint,
        &answer,
        now,
    )?;
    Ok(Outcome {
        value: answer,
        replayed: false,
    })
}

fn replayed(answer: Recorded) -> Outcome<Recorded> {
    Outcome {
        value: answer,
        replayed: true,
    }
}

/// Changes to incidents asked for by a supervisor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum IncidentWrite {
    Open { cases: Vec<u64>, name: String },
    Name { id: u64, name: String },
    Add { id: u64, cases: Vec<u64> },
}

fn incident(ctx: &WriteCtx<'_>, id: u64) -> Result<Option<Incident>, StoreError> {
    let row: Option<String> = ctx
        .query_row(
            "SELECT body FROM incidents WHERE id = ?1",
            [id as i64],
            |r| r.get(0),
        )
        .optional()?;
    row.map(|b| Ok(serde_json::from_str(&b)?)).transpose()
}

fn member_of(ctx: &WriteCtx<'_>, case: u64) -> Result<Option<u64>, StoreError> {
    let id: Option<i64> = ctx
        .query_row(
            "SELECT incident_id FROM incident_cases WHERE case_id = ?1",
            [case as i64],
            |r| r.get(0),
        )
        .optional()?;
    Ok(id.map(|i| i as u64))
}

/// Appends an incident change and writes its projection.
fn change_incident(
    ctx: &mut WriteCtx<'_>,
    who: Actor,
    id: u64,
    change: IncidentChange,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let current = incident(ctx, id)?;
    let next = Incident::apply(current, id, &change, now)
        .ok_or_else(|| StoreError::Invalid(format!("no incident {id}")))?;
    let joined: Vec<u64> = match &change {
        IncidentChange::Opened { cases, .. } | IncidentChange::CasesAdded { cases } => {
            cases.clone()
        }
        IncidentChange::Named { .. } => Vec::new(),
    };
    let seq = ctx.append_uncased(
        who,
        now,
        EventBody::IncidentRecorded(IncidentRecorded {
            incident_id: id,
            change,
        }),
    )?;
    ctx.execute(
        "INSERT INTO incidents (id, body, last_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET body = excluded.body, last_at = excluded.last_at",
        params![
            id as i64,
            serde_json::to_string(&next)?,
            super::writer::sortable_time(now)
        ],
    )?;
    for case in joined {
        ctx.execute(
            "INSERT INTO incident_cases (case_id, incident_id) VALUES (?1, ?2)
             ON CONFLICT (case_id) DO NOTHING",
            params![case as i64, id as i64],
        )?;
    }
    Ok(seq)
}

impl Store {
    /// Adds a facility to the registry or corrects one (same code).
    pub async fn record_facility(
        &self,
        idem: Idem,
        facility: Facility,
        now: DateTime<Utc>,
    ) -> Result<Outcome<Recorded>, StoreError> {
        self.write(move |ctx| {
            let staff = match begin(ctx, &idem)? {
                Ok(s) => s,
                Err(previous) => return Ok(replayed(previous)),
            };
            let correction = self::facility(ctx, &facility.code)?.is_some();
            let body = serde_json::to_string(&facility)?;
            let code = facility.code.clone();
            let seq = ctx.append_uncased(
                actor(&staff),
                now,
                EventBody::FacilityRecorded(FacilityRecorded {
                    facility,
                    correction,
                }),
            )?;
            ctx.execute(
                "INSERT INTO facilities (code, body, seq) VALUES (?1, ?2, ?3)
                 ON CONFLICT (code) DO UPDATE SET body = excluded.body, seq = excluded.seq",
                params![code, body, seq as i64],
            )?;
            done(ctx, &idem, Recorded { id: seq, seq }, now)
        })
        .await
    }

    /// What staff recorded over the shipped list.
    pub async fn recorded_facilities(&self) -> Result<Vec<Facility>, StoreError> {
        self.read(|tx| {
            let rows = tx.query_map("SELECT body FROM facilities ORDER BY code", (), |r| {
                r.get::<String>(0)
            })?;
            rows.iter().map(|b| Ok(serde_json::from_str(b)?)).collect()
        })
        .await
    }

    /// Logs a visit round. Cases named as interviewed must exist and be the consulate's.
    pub async fn log_visit(
        &self,
        idem: Idem,
        mut visit: Visit,
        now: DateTime<Utc>,
    ) -> Result<Outcome<Recorded>, StoreError> {
        self.write(move |ctx| {
            let staff = match begin(ctx, &idem)? {
                Ok(s) => s,
                Err(previous) => return Ok(replayed(previous)),
            };
            let place = self::facility(ctx, &visit.facility)?.ok_or_else(|| {
                StoreError::Invalid(format!(
                    "facility: {} is not in the registry; search GET /v1/facilities, or add it",
                    crate::domain::sanitize::sanitize(
                        &visit.facility,
                        crate::domain::sanitize::Lines::One
                    )
                ))
            })?;
            for person in &visit.interviewed {
                if let Some(id) = person.case_id {
                    let case = ctx.case(id)?;
                    let ours = case.is_some_and(|c| {
                        staff.consulate.is_none()
                            || staff.consulate.as_deref() == Some(c.consulate.as_str())
                    });
                    if !ours {
                        return Err(StoreError::Invalid(format!(
                            "interviewed: no case {id} in your scope"
                        )));
                    }
                }
            }
            visit.id = next_id(ctx, "visits")?;
            visit.facility = place.code.clone();
            visit.facility_name = place.name.clone();
            if visit.consulate.is_empty() {
                visit.consulate = staff.consulate.clone().unwrap_or_default();
            }
            let row = serde_json::to_string(&visit)?;
            let (id, consulate, day) = (
                visit.id,
                visit.consulate.clone(),
                visit.visited_on.to_string(),
            );
            let seq = ctx.append_uncased(
                actor(&staff),
                now,
                EventBody::VisitLogged(VisitLogged { visit }),
            )?;
            ctx.execute(
                "INSERT INTO visits (id, facility, consulate, visited_on, body)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id as i64, place.code, consulate, day, row],
            )?;
            done(ctx, &idem, Recorded { id, seq }, now)
        })
        .await
    }

    /// Visits, newest first: at one facility, or of one consulate, or all; at most `limit`.
    pub async fn visits(
        &self,
        facility: Option<String>,
        consulate: Option<String>,
        limit: usize,
    ) -> Result<Vec<Visit>, StoreError> {
        self.read(move |tx| {
            let rows = tx.query_map(
                "SELECT body FROM visits
                  WHERE (CAST(?1 AS TEXT) IS NULL OR facility = ?1)
                    AND (CAST(?2 AS TEXT) IS NULL OR consulate = ?2)
                  ORDER BY visited_on DESC, id DESC LIMIT ?3",
                params![facility, consulate, limit as i64],
                |r| r.get::<String>(0),
            )?;
            rows.iter().map(|b| Ok(serde_json::from_str(b)?)).collect()
        })
        .await
    }

    /// The open cases placed at a facility, whole (their A-numbers are sealed with them).
    pub async fn placed_at(&self, facility: String) -> Result<Vec<Case>, StoreError> {
        let vault = self.vault.clone();
        self.read(move |tx| {
            let mut out = Vec::new();
            tx.query_each(
                "SELECT c.state, c.sealed FROM placements p JOIN cases c ON c.id = p.case_id
                  WHERE p.facility = ?1 AND c.status <> 'closed' ORDER BY c.id",
                [facility.as_str()],
                |row| -> Result<(), StoreError> {
                    let state = opened(&vault, row.get(0)?, row.get(1)?)?;
                    out.push(serde_json::from_str(&state)?);
                    Ok(())
                },
            )?;
            Ok(out)
        })
        .await
    }

    /// A supervisor's change to incidents. Cases must exist and be in the caller's scope; a
    /// case already in another incident stays there.
    pub async fn record_incident(
        &self,
        idem: Idem,
        write: IncidentWrite,
        now: DateTime<Utc>,
    ) -> Result<Outcome<Recorded>, StoreError> {
        self.write(move |ctx| {
            let staff = match begin(ctx, &idem)? {
                Ok(s) => s,
                Err(previous) => return Ok(replayed(previous)),
            };
            let check = |ctx: &mut WriteCtx<'_>, cases: &[u64]| -> Result<Vec<u64>, StoreError> {
                let mut loose = Vec::new();
                for id in cases {
                    let visible = ctx.case(*id)?.is_some_and(|c| {
                        staff.consulate.is_none()
                            || staff.consulate.as_deref() == Some(c.consulate.as_str())
                    });
                    if !visible {
                        return Err(StoreError::Invalid(format!(
                            "cases: no case {id} in your scope"
                        )));
                    }
                    if member_of(ctx, *id)?.is_none() && !loose.contains(id) {
                        loose.push(*id);
                    }
                }
                Ok(loose)
            };
            let (id, change) = match write {
                IncidentWrite::Open { cases, name } => {
                    let loose = check(ctx, &cases)?;
                    if loose.is_empty() {
                        return Err(StoreError::Invalid(
                            "cases: every case named is already in an incident".into(),
                        ));
                    }
                    let id = next_id(ctx, "incidents")?;
                    (
                        id,
                        IncidentChange::Opened {
                            cases: loose,
                            name,
                            by_rule: false,
                        },
                    )
                }
                IncidentWrite::Name { id, name } => (id, IncidentChange::Named { name }),
                IncidentWrite::Add { id, cases } => {
                    let loose = check(ctx, &cases)?;
                    (id, IncidentChange::CasesAdded { cases: loose })
                }
            };
            if !matches!(change, IncidentChange::Opened { .. }) && incident(ctx, id)?.is_none() {
                return Err(StoreError::NotFound);
            }
            let seq = change_incident(ctx, actor(&staff), id, change, now)?;
            done(ctx, &idem, Recorded { id, seq }, now)
        })
        .await
    }

    /// The cluster rule applied to incidents (the hub's timer): `changes` as
    /// [`crate::domain::incident::from_clusters`] planned them, re-planned inside the write so
    /// two hubs never open the same incident twice.
    pub async fn incidents_from_clusters(
        &self,
        clusters: Vec<crate::domain::cluster::Cluster>,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        self.write(move |ctx| {
            let mut members = std::collections::HashMap::new();
            for c in clusters.iter().flat_map(|c| c.ids.iter()) {
                members.insert(*c, member_of(ctx, *c)?);
            }
            let plan = crate::domain::incident::from_clusters(&clusters, |id| {
                members.get(&id).copied().flatten()
            });
            let n = plan.len();
            for (id, change) in plan {
                let id = match id {
                    Some(id) => id,
                    None => next_id(ctx, "incidents")?,
                };
                change_incident(ctx, Actor::Hub, id, change, now)?;
            }
            Ok(n)
        })
        .await
    }

    /// Incidents with activity since `since`, newest first, with their cases whole.
    pub async fn incidents(
        &self,
        since: DateTime<Utc>,
    ) -> Result<Vec<(Incident, Vec<Case>)>, StoreError> {
        let vault = self.vault.clone();
        self.read(move |tx| {
            let rows = tx.query_map(
                "SELECT body FROM incidents WHERE last_at >= ?1 ORDER BY id DESC LIMIT 200",
                [super::writer::sortable_time(since)],
                |r| r.get::<String>(0),
            )?;
            let mut out = Vec::new();
            for body in rows {
                let incident: Incident = serde_json::from_str(&body)?;
                let mut cases = Vec::new();
                for id in &incident.cases {
                    let row: Option<(String, Option<String>)> = tx
                        .query_row(
                            "SELECT state, sealed FROM cases WHERE id = ?1",
                            [*id as i64],
                            |r| Ok((r.get(0)?, r.get(1)?)),
                        )
                        .optional()?;
                    if let Some((state, sealed)) = row {
                        cases.push(serde_json::from_str(&opened(&vault, state, sealed)?)?);
                    }
                }
                out.push((incident, cases));
            }
            Ok(out)
        })
        .await
    }

    /// Sets a shift on a consulate's roster (`shift_id` 0 for a new one) or takes it off.
    pub async fn record_duty(
        &self,
        idem: Idem,
        shift_id: u64,
        shift: Option<Shift>,
        now: DateTime<Utc>,
    ) -> Result<Outcome<Recorded>, StoreError> {
        self.write(move |ctx| {
            let staff = match begin(ctx, &idem)? {
                Ok(s) => s,
                Err(previous) => return Ok(replayed(previous)),
            };
            let id = if shift_id == 0 {
                next_id(ctx, "duty")?
            } else {
                shift_id
            };
            let existing: Option<String> = ctx
                .query_row(
                    "SELECT consulate FROM duty WHERE id = ?1 AND removed = 0",
                    [id as i64],
                    |r| r.get(0),
                )
                .optional()?;
            let mine = |c: &str| staff.consulate.as_deref().is_none_or(|m| m == c);
            if shift_id != 0 && !existing.as_deref().is_some_and(mine) {
                return Err(StoreError::NotFound);
            }
            let mut shift = shift;
            let change = match &mut shift {
                Some(s) => {
                    if !mine(&s.consulate) {
                        return Err(StoreError::Forbidden(
                            "a supervisor sets the roster of their own consulate",
                        ));
                    }
                    let name: Option<String> = ctx
                        .query_row(
                            "SELECT name FROM staff WHERE id = ?1 AND disabled = 0
                               AND role IN ('officer', 'supervisor')
                               AND (consulate = ?2 OR consulate IS NULL)",
                            params![s.staff_id, s.consulate],
                            |r| r.get(0),
                        )
                        .optional()?;
                    s.name = name.ok_or_else(|| {
                        StoreError::Invalid(format!(
                            "staff_id: no officer or supervisor {} at this consulate",
                            s.staff_id
                        ))
                    })?;
                    DutyChange::Set { shift: s.clone() }
                }
                None => DutyChange::Removed,
            };
            let seq = ctx.append_uncased(
                actor(&staff),
                now,
                EventBody::DutyRecorded(DutyRecorded {
                    shift_id: id,
                    change,
                }),
            )?;
            match shift {
                Some(s) => ctx.execute(
                    "INSERT INTO duty (id, consulate, body, removed) VALUES (?1, ?2, ?3, 0)
                     ON CONFLICT (id) DO UPDATE SET consulate = excluded.consulate,
                         body = excluded.body, removed = 0",
                    params![id as i64, s.consulate, serde_json::to_string(&s)?],
                )?,
                None => ctx.execute("UPDATE duty SET removed = 1 WHERE id = ?1", [id as i64])?,
            };
            done(ctx, &idem, Recorded { id, seq }, now)
        })
        .await
    }

    /// A consulate's roster (every consulate's for `None`), with each shift's id.
    pub async fn shifts(&self, consulate: Option<String>) -> Result<Vec<(u64, Shift)>, StoreError> {
        self.read(move |tx| {
            let rows = tx.query_map(
                "SELECT id, body FROM duty WHERE removed = 0
                    AND (CAST(?1 AS TEXT) IS NULL OR consulate = ?1) ORDER BY id",
                [consulate],
                |r| Ok((r.get::<i64>(0)?, r.get::<String>(1)?)),
            )?;
            rows.into_iter()
                .map(|(id, b)| Ok((id as u64, serde_json::from_str(&b)?)))
                .collect()
        })
        .await
    }
}

impl Store {
    /// The figures of a period, folded from the log in order. Only the kinds the figures read
    /// are parsed; a report, not a hot path, but it need not read every position update.
    pub async fn figures(
        &self,
        period: crate::domain::figures::Period,
    ) -> Result<crate::domain::figures::Figures, StoreError> {
        let vault = self.vault.clone();
        self.read(move |tx| {
            let mut folder = crate::domain::figures::Folder::new(period);
            tx.query_each(
                "SELECT body, sealed FROM events
                  WHERE kind IN ('alert_raised', 'case_acknowledged', 'lawyer_assigned',
                                 'checkpoint_logged', 'case_closed', 'triage_recorded',
                                 'visit_logged', 'incident_recorded', 'transfer_accepted')
                  ORDER BY seq",
                (),
                |row| -> Result<(), StoreError> {
                    let event: Event =
                        serde_json::from_str(&opened(&vault, row.get(0)?, row.get(1)?)?)?;
                    folder.event(&event);
                    Ok(())
                },
            )?;
            Ok(folder.finish())
        })
        .await
    }
}

impl Store {
    /// Open cases received since `since` (the cluster rule's window), whole.
    pub async fn recent_open(&self, since: DateTime<Utc>) -> Result<Vec<Case>, StoreError> {
        let vault = self.vault.clone();
        self.read(move |tx| {
            let mut out = Vec::new();
            tx.query_each(
                "SELECT state, sealed FROM cases
                  WHERE received_at >= ?1 AND status <> 'closed' ORDER BY id",
                [super::writer::sortable_time(since)],
                |row| -> Result<(), StoreError> {
                    out.push(serde_json::from_str(&opened(
                        &vault,
                        row.get(0)?,
                        row.get(1)?,
                    )?)?);
                    Ok(())
                },
            )?;
            Ok(out)
        })
        .await
    }
}
