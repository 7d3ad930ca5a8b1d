//! Visit rounds: visits planned ahead, visits logged (carrying a plan out when they name one),
//! and the open cases placed at a facility for the matching. Each write is one writer job on
//! the helpers in `protection.rs`.

use super::db::{OptionalExtension, params};
use super::protection::{Idem, Recorded, actor, case_in_scope, facility, mine, next_id};
use super::writer::opened;
use super::{Outcome, Store, StoreError, WriteCtx};
use crate::domain::case::Case;
use crate::domain::event::{EventBody, PlanChange, VisitLogged, VisitPlanRecorded};
use crate::domain::sanitize::{Lines, sanitize};
use crate::domain::staff::StaffInfo;
use crate::domain::validate::{FieldCode, err};
use crate::domain::visit::{PlanStatus, PlannedVisit, Visit};
use chrono::{DateTime, NaiveDate, Utc};

fn not_registered(code: &str) -> StoreError {
    StoreError::Field(err(
        "facility",
        FieldCode::UnknownValue,
        format!(
            "{} is not in the registry; search GET /v1/facilities, or add it",
            sanitize(code, Lines::One)
        ),
    ))
}

/// A plan in the writer's scope, as stored.
fn plan(ctx: &WriteCtx<'_>, staff: &StaffInfo, id: u64) -> Result<PlannedVisit, StoreError> {
    let body: Option<String> = ctx
        .query_row(
            "SELECT body FROM visit_plans WHERE id = ?1",
            [id as i64],
            |r| r.get(0),
        )
        .optional()?;
    let plan: Option<PlannedVisit> = body.map(|b| serde_json::from_str(&b)).transpose()?;
    // Another consulate's plan is answered as if there were none.
    plan.filter(|p| mine(staff, &p.consulate))
        .ok_or(StoreError::NotFound)
}

fn save_plan(ctx: &WriteCtx<'_>, plan: &PlannedVisit) -> Result<(), StoreError> {
    ctx.execute(
        "INSERT INTO visit_plans (id, facility, consulate, planned_on, status, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (id) DO UPDATE SET status = excluded.status, body = excluded.body",
        params![
            plan.id as i64,
            plan.facility,
            plan.consulate,
            plan.planned_on.to_string(),
            plan.status.as_str(),
            serde_json::to_string(plan)?
        ],
    )?;
    ctx.reseal(&super::rows::VISIT_PLANS, plan.id as i64)
}

impl Store {
    /// Puts a visit on the calendar.
    pub async fn plan_visit(
        &self,
        idem: Idem,
        mut plan: PlannedVisit,
        now: DateTime<Utc>,
    ) -> Result<Outcome<Recorded>, StoreError> {
        self.record_once(idem, now, move |ctx, staff| {
            let place =
                facility(ctx, &plan.facility)?.ok_or_else(|| not_registered(&plan.facility))?;
            plan.id = next_id(ctx, "visit_plans")?;
            plan.facility = place.code;
            plan.facility_name = place.name;
            if plan.consulate.is_empty() {
                plan.consulate = staff.consulate.clone().unwrap_or_default();
            }
            save_plan(ctx, &plan)?;
            let id = plan.id;
            let seq = ctx.append_uncased(
                actor(staff),
                now,
                EventBody::VisitPlanRecorded(VisitPlanRecorded {
                    plan_id: id,
                    change: PlanChange::Planned { plan },
                }),
            )?;
            Ok(Recorded { id, seq })
        })
        .await
    }

    /// Takes a planned visit off the calendar. One already carried out or cancelled is a
    /// conflict: the record of what happened stays.
    pub async fn cancel_plan(
        &self,
        idem: Idem,
        plan_id: u64,
        now: DateTime<Utc>,
    ) -> Result<Outcome<Recorded>, StoreError> {
        self.record_once(idem, now, move |ctx, staff| {
            let mut plan = plan(ctx, staff, plan_id)?;
            if plan.status != PlanStatus::Planned {
                return Err(StoreError::Conflict(format!(
                    "this visit is already {}",
                    plan.status.as_str()
                )));
            }
            plan.status = PlanStatus::Cancelled;
            save_plan(ctx, &plan)?;
            let seq = ctx.append_uncased(
                actor(staff),
                now,
                EventBody::VisitPlanRecorded(VisitPlanRecorded {
                    plan_id,
                    change: PlanChange::Cancelled,
                }),
            )?;
            Ok(Recorded { id: plan_id, seq })
        })
        .await
    }

    /// Planned visits still to be made, of one consulate or all, up to `until` (those whose day
    /// has passed included: a visit planned and not logged is something to see), soonest first.
    pub async fn planned_visits(
        &self,
        consulate: Option<String>,
        until: NaiveDate,
    ) -> Result<Vec<PlannedVisit>, StoreError> {
        self.read(move |tx| {
            let rows = tx.query_map(
                "SELECT body FROM visit_plans
                  WHERE status = 'planned' AND planned_on <= ?2
                    AND (CAST(?1 AS TEXT) IS NULL OR consulate = ?1)
                  ORDER BY planned_on, id LIMIT 500",
                params![consulate, until.to_string()],
                |r| r.get::<String>(0),
            )?;
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
        self.record_once(idem, now, move |ctx, staff| {
            let place =
                facility(ctx, &visit.facility)?.ok_or_else(|| not_registered(&visit.facility))?;
            for person in &visit.interviewed {
                if let Some(id) = person.case_id {
                    if !case_in_scope(ctx, staff, id)? {
                        return Err(StoreError::Field(err(
                            "interviewed",
                            FieldCode::UnknownValue,
                            format!("no case {id} in your scope"),
                        )));
                    }
                }
            }
            visit.id = next_id(ctx, "visits")?;
            // The plan it carries out: the writer's, at this facility, still to be made.
            if let Some(plan_id) = visit.plan_id {
                let mut plan = plan(ctx, staff, plan_id).map_err(|_| {
                    StoreError::Field(err(
                        "plan_id",
                        FieldCode::UnknownValue,
                        format!("no planned visit {plan_id} in your scope"),
                    ))
                })?;
                if plan.status != PlanStatus::Planned || plan.facility != place.code {
                    return Err(StoreError::Field(err(
                        "plan_id",
                        FieldCode::UnknownValue,
                        format!(
                            "visit {plan_id} is {} for {}, not open at this facility",
                            plan.status.as_str(),
                            plan.facility
                        ),
                    )));
                }
                plan.status = PlanStatus::Done { visit_id: visit.id };
                save_plan(ctx, &plan)?;
                if visit.consulate.is_empty() {
                    visit.consulate = plan.consulate.clone();
                }
            }
            visit.facility = place.code.clone();
            visit.facility_name = place.name.clone();
            if visit.consulate.is_empty() {
                visit.consulate = staff.consulate.clone().unwrap_or_default();
            }
            // What it says of people, sealed before it reaches the log or the table.
            let key = super::visit_seal::seal(ctx, &mut visit)?;
            let row = serde_json::to_string(&visit)?;
            let (id, consulate, day) = (
                visit.id,
                visit.consulate.clone(),
                visit.visited_on.to_string(),
            );
            let seq = ctx.append_uncased(
                actor(staff),
                now,
                EventBody::VisitLogged(VisitLogged { visit }),
            )?;
            ctx.execute(
                "INSERT INTO visits (id, facility, consulate, visited_on, body, key_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id as i64, place.code, consulate, day, row, key],
            )?;
            ctx.reseal(&super::rows::VISITS, id as i64)?;
            Ok(Recorded { id, seq })
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
        let vault = self.vault.clone();
        self.read(move |tx| {
            let rows = tx.query_map(
                "SELECT body FROM visits
                  WHERE (CAST(?1 AS TEXT) IS NULL OR facility = ?1)
                    AND (CAST(?2 AS TEXT) IS NULL OR consulate = ?2)
                  ORDER BY visited_on DESC, id DESC LIMIT ?3",
                params![facility, consulate, limit as i64],
                |r| r.get::<String>(0),
            )?;
            rows.iter()
                .map(|b| {
                    let mut visit: Visit = serde_json::from_str(b)?;
                    super::visit_seal::open(&vault, &mut visit)?;
                    Ok(visit)
                })
                .collect()
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
}
