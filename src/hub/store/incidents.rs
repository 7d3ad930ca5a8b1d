//! Raids as incidents: opened by the cluster rule (the hub's timer) or by a supervisor grouping
//! cases by hand, named, joined by more cases. Each change is an event with its projection row
//! written in the same transaction; a case belongs to one incident at most.

use crate::domain::validate::{FieldCode, err};
use serde::{Deserialize, Serialize};

use super::db::{OptionalExtension, params};
use super::protection::{Idem, Recorded, actor, case_in_scope, next_id};
use super::writer::opened;
use super::{Outcome, Store, StoreError, WriteCtx};
use crate::domain::case::Case;
use crate::domain::event::{Actor, EventBody, IncidentChange, IncidentRecorded};
use crate::domain::incident::Incident;
use chrono::{DateTime, Utc};

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
    ctx.reseal(&super::rows::INCIDENTS, id as i64)?;
    for case in joined {
        let joined = ctx.execute(
            "INSERT INTO incident_cases (case_id, incident_id) VALUES (?1, ?2)
             ON CONFLICT (case_id) DO NOTHING",
            params![case as i64, id as i64],
        )?;
        if joined > 0 {
            ctx.reseal(&super::rows::INCIDENT_CASES, case as i64)?;
        }
    }
    Ok(seq)
}

impl Store {
    /// A supervisor's change to incidents. Cases must exist and be in the caller's scope; a
    /// case already in another incident stays there.
    pub async fn record_incident(
        &self,
        idem: Idem,
        write: IncidentWrite,
        now: DateTime<Utc>,
    ) -> Result<Outcome<Recorded>, StoreError> {
        self.record_once(idem, now, move |ctx, staff| {
            let check = |ctx: &mut WriteCtx<'_>, cases: &[u64]| -> Result<Vec<u64>, StoreError> {
                let mut loose = Vec::new();
                for id in cases {
                    if !case_in_scope(ctx, staff, *id)? {
                        return Err(StoreError::Field(err(
                            "cases",
                            FieldCode::UnknownValue,
                            format!("no case {id} in your scope"),
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
                        return Err(StoreError::Field(err(
                            "cases",
                            FieldCode::OutOfRange,
                            "every case named is already in an incident",
                        )));
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
            if !matches!(change, IncidentChange::Opened { .. }) {
                // Another consulate's incident is answered as if it did not exist: a
                // supervisor names and grows the incidents that hold one of their cases.
                let existing = incident(ctx, id)?.ok_or(StoreError::NotFound)?;
                let mut ours = staff.consulate.is_none();
                for case in &existing.cases {
                    if ours {
                        break;
                    }
                    if case_in_scope(ctx, staff, *case)? {
                        ours = true;
                        break;
                    }
                }
                if !ours {
                    return Err(StoreError::NotFound);
                }
            }
            let seq = change_incident(ctx, actor(staff), id, change, now)?;
            Ok(Recorded { id, seq })
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
}
