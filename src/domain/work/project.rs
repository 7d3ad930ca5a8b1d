//! The protection tables as a fold of the log: which rows an event writes, given the rows as they
//! stand. The hub writes these rows in the same transaction as the event; `guardia verify` folds
//! the whole log again through the same function and compares. Rows are written, never deleted.

use crate::domain::event::{DutyChange, Event, EventBody, IncidentChange, PlanChange};
use crate::domain::facility::Facility;
use crate::domain::incident::Incident;
use crate::domain::roster::Shift;
use crate::domain::visit::{PlanStatus, PlannedVisit, Visit};

/// A row of the protection tables: its table and key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RowKey {
    Facility(String),
    Visit(u64),
    Plan(u64),
    Shift(u64),
    Incident(u64),
    /// The incident a case is in (a case is in one at most: the first that takes it).
    Member(u64),
}

/// What a row holds.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    Facility(Facility),
    Visit(Visit),
    Plan(PlannedVisit),
    Shift { shift: Shift, removed: bool },
    Incident(Incident),
    Member { incident: u64 },
}

/// The rows `event` writes, in order, given the rows as they stood before it.
pub fn project(event: &Event, before: &dyn Fn(&RowKey) -> Option<Row>) -> Vec<(RowKey, Row)> {
    let mut out = Vec::new();
    match &event.body {
        EventBody::FacilityRecorded(f) => out.push((
            RowKey::Facility(f.facility.code.clone()),
            Row::Facility(f.facility.clone()),
        )),
        EventBody::VisitLogged(v) => {
            if let Some(plan_id) = v.visit.plan_id
                && let Some(Row::Plan(mut plan)) = before(&RowKey::Plan(plan_id))
            {
                plan.status = PlanStatus::Done {
                    visit_id: v.visit.id,
                };
                out.push((RowKey::Plan(plan_id), Row::Plan(plan)));
            }
            out.push((RowKey::Visit(v.visit.id), Row::Visit(v.visit.clone())));
        }
        EventBody::VisitPlanRecorded(p) => {
            let key = RowKey::Plan(p.plan_id);
            match &p.change {
                PlanChange::Planned { plan } => out.push((key, Row::Plan(plan.clone()))),
                PlanChange::Postponed { planned_on } => {
                    if let Some(Row::Plan(mut plan)) = before(&key) {
                        plan.planned_on = *planned_on;
                        out.push((key, Row::Plan(plan)));
                    }
                }
                PlanChange::Cancelled => {
                    if let Some(Row::Plan(mut plan)) = before(&key) {
                        plan.status = PlanStatus::Cancelled;
                        out.push((key, Row::Plan(plan)));
                    }
                }
            }
        }
        EventBody::DutyRecorded(d) => {
            let key = RowKey::Shift(d.shift_id);
            match &d.change {
                DutyChange::Set { shift } => out.push((
                    key,
                    Row::Shift {
                        shift: shift.clone(),
                        removed: false,
                    },
                )),
                DutyChange::Removed => {
                    if let Some(Row::Shift { shift, .. }) = before(&key) {
                        out.push((
                            key,
                            Row::Shift {
                                shift,
                                removed: true,
                            },
                        ));
                    }
                }
            }
        }
        EventBody::IncidentRecorded(i) => {
            let key = RowKey::Incident(i.incident_id);
            let current = match before(&key) {
                Some(Row::Incident(incident)) => Some(incident),
                _ => None,
            };
            if let Some(next) = Incident::apply(current, i.incident_id, &i.change, event.at) {
                out.push((key, Row::Incident(next)));
            }
            if let IncidentChange::Opened { cases, .. } | IncidentChange::CasesAdded { cases } =
                &i.change
            {
                for case in cases {
                    let member = RowKey::Member(*case);
                    let taken = before(&member).is_some() || out.iter().any(|(k, _)| *k == member);
                    if !taken {
                        out.push((
                            member,
                            Row::Member {
                                incident: i.incident_id,
                            },
                        ));
                    }
                }
            }
        }
        _ => {}
    }
    out
}
