//! Protection work on the case-work rails: one writer job per command, as for case work
//! (`casework.rs`). Inside it: the idempotency look-up, the staff member as they are now, what
//! the command acts on and the facts it needs, read from the tables; then the domain's decision
//! (`domain::work::decide`); then its events appended, and their rows folded by the domain's
//! `project` and written in the same transaction. This file gathers and writes; it decides
//! nothing.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::db::OptionalExtension;
use super::idempotency::{fresh_staff, previous_answer, remember_answer};
use super::work_rows;
use super::{Outcome, Store, StoreError, WriteCtx};
use crate::api::Recorded;
use crate::domain::consulate::Consulate;
use crate::domain::event::{Actor, Event, EventBody};
use crate::domain::staff::{Role, StaffInfo};
use crate::domain::work::{
    NamedCase, NewIn, Rostered, Row, RowKey, WorkCommand, WorkFacts, WorkTarget, decide, project,
};

/// One protection write as the hub received it.
#[derive(Debug, Clone)]
pub struct WorkAction {
    pub staff: StaffInfo,
    /// The author's `Idempotency-Key`.
    pub key: String,
    /// A digest of the verb, the id in the path and the body: a key reused for another target
    /// or body is refused.
    pub fingerprint: String,
    pub command: WorkCommand,
}

pub(super) fn actor(staff: &StaffInfo) -> Actor {
    Actor::Staff {
        id: staff.id,
        name: staff.name.clone(),
        role: staff.role,
    }
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

/// Appends one protection event and writes the rows it folds into. Sealing what a visit says of
/// people happens here, before the event reaches the log. Returns its `seq`.
pub(super) fn append_work(
    ctx: &mut WriteCtx<'_>,
    actor: Actor,
    now: DateTime<Utc>,
    mut body: EventBody,
) -> Result<u64, StoreError> {
    if let EventBody::VisitLogged(v) = &mut body {
        super::visit_seal::seal(ctx, &mut v.visit)?;
    }
    let seq = ctx.append_uncased(actor.clone(), now, body.clone())?;
    let event = Event {
        seq,
        at: now,
        case_id: crate::domain::event::NO_CASE,
        consulate: String::new(),
        actor,
        against_version: None,
        body,
    };
    let rows = {
        let conn = ctx.conn();
        // The memberships an incident's cases ask about, read together rather than one
        // statement a case.
        let members = match &event.body {
            EventBody::IncidentRecorded(i) => match &i.change {
                crate::domain::event::IncidentChange::Opened { cases, .. }
                | crate::domain::event::IncidentChange::CasesAdded { cases } => {
                    work_rows::members(conn, cases.iter().copied())?
                }
                _ => Default::default(),
            },
            _ => Default::default(),
        };
        let failed = std::cell::RefCell::new(None);
        let rows = project(&event, &|key: &RowKey| {
            if let RowKey::Member(case) = key
                && let Some(incident) = members.get(case)
            {
                return incident.map(|incident| Row::Member { incident });
            }
            match work_rows::load(conn, key) {
                Ok(row) => row,
                Err(e) => {
                    failed.borrow_mut().get_or_insert(e.to_string());
                    None
                }
            }
        });
        if let Some(why) = failed.into_inner() {
            return Err(StoreError::Corrupt(why));
        }
        rows
    };
    let mut members = Vec::new();
    for (key, row) in &rows {
        match (key, row) {
            (RowKey::Member(case), Row::Member { incident }) => members.push((*case, *incident)),
            _ => work_rows::save(ctx, &event, key, row)?,
        }
    }
    work_rows::save_members(ctx, &members)?;
    Ok(seq)
}

/// What the command acts on, as stored.
fn target(ctx: &mut WriteCtx<'_>, command: &WorkCommand) -> Result<WorkTarget, StoreError> {
    let Some(key) = command.target() else {
        return Ok(WorkTarget::New);
    };
    Ok(match work_rows::load(ctx.conn(), &key)? {
        Some(Row::Plan(plan)) => WorkTarget::Plan(plan),
        Some(Row::Shift {
            shift,
            removed: false,
        }) => WorkTarget::Shift(shift),
        Some(Row::Incident(incident)) => {
            let mut consulates: Vec<String> = Vec::new();
            for case in &incident.cases {
                if let Some(c) = ctx.case(*case)?
                    && !consulates.contains(&c.consulate)
                {
                    consulates.push(c.consulate.clone());
                }
            }
            WorkTarget::Incident {
                incident,
                consulates,
            }
        }
        _ => WorkTarget::Missing,
    })
}

/// The cases a command names that exist, with the incident each is in.
fn named_cases(ctx: &mut WriteCtx<'_>, ids: &[u64]) -> Result<Vec<NamedCase>, StoreError> {
    let mut out = Vec::new();
    for id in ids {
        let Some(case) = ctx.case(*id)? else {
            continue;
        };
        let incident: Option<i64> = ctx
            .query_row(
                "SELECT incident_id FROM incident_cases WHERE case_id = ?1",
                [*id as i64],
                |r| r.get(0),
            )
            .optional()?;
        out.push(NamedCase {
            id: *id,
            consulate: case.consulate,
            incident: incident.map(|i| i as u64),
        });
    }
    Ok(out)
}

fn rostered(ctx: &WriteCtx<'_>, id: i64) -> Result<Option<Rostered>, StoreError> {
    let row: Option<(String, String, Option<String>, bool)> = ctx
        .query_row(
            "SELECT name, role, consulate, disabled FROM staff WHERE id = ?1",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .optional()?;
    Ok(row.and_then(|(name, role, consulate, disabled)| {
        Some(Rostered {
            id,
            name,
            role: Role::parse(&role)?,
            consulate,
            disabled,
        })
    }))
}

impl Store {
    /// Carries out one protection write: the first answer again for a repeated key; otherwise
    /// the domain's decision on what the command acts on as it stands, inside this write.
    pub async fn work(
        &self,
        action: WorkAction,
        consulates: Arc<Vec<Consulate>>,
        now: DateTime<Utc>,
    ) -> Result<Outcome<Recorded>, StoreError> {
        self.write(move |ctx| {
            let a = action;
            if let Some(previous) = previous_answer(ctx, a.staff.id, &a.key, &a.fingerprint)? {
                return Ok(Outcome {
                    value: previous,
                    replayed: true,
                });
            }
            let staff = fresh_staff(ctx, &a.staff)?;
            let target = target(ctx, &a.command)?;
            let needs = a.command.needs();
            let facility = match needs.facility {
                Some(code) => super::facilities::facility(ctx, code)?,
                None => None,
            };
            let district = facility
                .as_ref()
                .and_then(|f| crate::domain::facility::district(f, &consulates))
                .map(|c| c.id.clone());
            let cases = named_cases(ctx, &needs.cases)?;
            let plan = match needs.plan {
                Some(id) => match work_rows::load(ctx.conn(), &RowKey::Plan(id))? {
                    Some(Row::Plan(p)) => Some(p),
                    _ => None,
                },
                None => None,
            };
            let person = match needs.rostered {
                Some(id) => rostered(ctx, id)?,
                None => None,
            };
            let next_id = match needs.new_id {
                Some(NewIn::Plans) => next_id(ctx, "visit_plans")?,
                Some(NewIn::Visits) => next_id(ctx, "visits")?,
                Some(NewIn::Incidents) => next_id(ctx, "incidents")?,
                Some(NewIn::Shifts) => next_id(ctx, "duty")?,
                None => 0,
            };
            let facts = WorkFacts {
                now,
                next_id,
                consulates: &consulates,
                facility: facility.as_ref(),
                district: district.as_deref(),
                cases: &cases,
                plan: plan.as_ref(),
                rostered: person.as_ref(),
            };
            let decision = decide(&a.command, &staff, &target, &facts).map_err(|refusal| {
                StoreError::Refused {
                    refusal,
                    case: None,
                }
            })?;
            let mut seq = 0;
            for body in decision.events {
                seq = append_work(ctx, actor(&staff), now, body)?;
            }
            let answer = Recorded {
                id: decision.id.unwrap_or(seq),
                seq,
                skipped: decision.skipped,
            };
            remember_answer(ctx, staff.id, &a.key, &a.fingerprint, &answer, now)?;
            Ok(Outcome {
                value: answer,
                replayed: false,
            })
        })
        .await
    }

    /// The cluster rule applied to incidents (the hub's timer): the changes
    /// [`crate::domain::incident::from_clusters`] plans, planned again inside the write so two
    /// hubs never open the same incident twice.
    pub async fn incidents_from_clusters(
        &self,
        clusters: Vec<crate::domain::cluster::Cluster>,
        now: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        self.write(move |ctx| {
            let members = work_rows::members(
                ctx.conn(),
                clusters.iter().flat_map(|c| c.ids.iter().copied()),
            )?;
            let plan = crate::domain::incident::from_clusters(&clusters, |id| {
                members.get(&id).copied().flatten()
            });
            let n = plan.len();
            for (id, change) in plan {
                let id = match id {
                    Some(id) => id,
                    None => next_id(ctx, "incidents")?,
                };
                let body = EventBody::IncidentRecorded(crate::domain::event::IncidentRecorded {
                    incident_id: id,
                    change,
                });
                append_work(ctx, Actor::Hub, now, body)?;
            }
            Ok(n)
        })
        .await
    }
}
