//! The decision: (what the command acts on as it is, the command, who asks, facts) -> the events
//! to append, or a typed refusal. Pure: the hub gathers the facts inside its write and calls this
//! there; the console gathers what it holds and calls it for an early "no".

use chrono::{DateTime, Utc};

use super::{WorkCommand, WorkVerb};
use crate::domain::command::{Act, Conflict, Refusal, Relation, permitted_work, work_relation};
use crate::domain::consulate::Consulate;
use crate::domain::event::{
    DutyChange, DutyRecorded, EventBody, FacilityRecorded, IncidentChange, IncidentRecorded,
    PlanChange, VisitLogged, VisitPlanRecorded,
};
use crate::domain::facility::Facility;
use crate::domain::incident::{Incident, MAX_CASES};
use crate::domain::roster::Shift;
use crate::domain::staff::{Role, StaffInfo};
use crate::domain::validate::{FieldCode, err, text};
use crate::domain::visit::{PlanStatus, PlannedVisit};

/// What the command acts on, as it stands.
#[derive(Debug, Clone, PartialEq)]
pub enum WorkTarget {
    /// Nothing yet: the command makes something new.
    New,
    /// The id named is of nothing (or of a shift taken off the roster).
    Missing,
    Plan(PlannedVisit),
    /// An incident, with the consulates of its cases (whose supervisors may name and grow it).
    Incident {
        incident: Incident,
        consulates: Vec<String>,
    },
    Shift(Shift),
}

/// A case a command names, as it stands (only cases that exist are given).
#[derive(Debug, Clone, PartialEq)]
pub struct NamedCase {
    pub id: u64,
    pub consulate: String,
    /// The incident it is in, if any (a case is in one at most).
    pub incident: Option<u64>,
}

/// The staff member a shift puts on the roster, as they are.
#[derive(Debug, Clone, PartialEq)]
pub struct Rostered {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub consulate: Option<String>,
    pub disabled: bool,
}

/// What a decision needs from outside the command and its target.
#[derive(Debug, Clone, Copy)]
pub struct WorkFacts<'a> {
    pub now: DateTime<Utc>,
    /// The id a new plan, visit, incident or shift gets (given out inside the write).
    pub next_id: u64,
    pub consulates: &'a [Consulate],
    /// The registry's facility the command names (a plan's, a visit's; the one a correction
    /// replaces), `None` when no facility has that code.
    pub facility: Option<&'a Facility>,
    /// The consulate whose district that facility lies in: a national supervisor's plan or visit
    /// counts for it.
    pub district: Option<&'a str>,
    /// The cases the command names that exist.
    pub cases: &'a [NamedCase],
    /// The planned visit a logged visit carries out, as it stands.
    pub plan: Option<&'a PlannedVisit>,
    /// The staff member a shift names.
    pub rostered: Option<&'a Rostered>,
}

/// What a decision appends, and the id of what it made or changed (`None`: the event's `seq`).
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub id: Option<u64>,
    pub events: Vec<EventBody>,
    /// Cases named that were left as they are because another raid already holds them: said
    /// back, never dropped in silence.
    pub skipped: Vec<u64>,
}

fn one(id: Option<u64>, event: EventBody) -> Result<Decision, Refusal> {
    Ok(Decision {
        id,
        events: vec![event],
        skipped: Vec::new(),
    })
}

/// The consulate a new thing is for when the request names one (a shift's roster): the one named,
/// else the caller's own.
fn acting_for(who: &StaffInfo, asked: Option<&str>) -> String {
    match (asked, &who.consulate) {
        (Some(asked), _) => asked.to_string(),
        (None, Some(own)) => own.clone(),
        (None, None) => String::new(),
    }
}

/// The consulate a new plan or visit is for: the caller's own, or for a national supervisor the
/// one whose district the facility lies in.
fn own_or(who: &StaffInfo, district: Option<&str>) -> String {
    who.consulate
        .clone()
        .or_else(|| district.map(String::from))
        .unwrap_or_default()
}

/// May `who` do `verb` for `consulate`? A consulate that is not theirs is told as not theirs
/// for new work, as nothing at all for something that exists there.
fn authorize(
    verb: WorkVerb,
    who: &StaffInfo,
    consulate: &str,
    exists: bool,
) -> Result<Relation, Refusal> {
    let rel = work_relation(consulate, who);
    if permitted_work(who.role, verb, rel) {
        return Ok(rel);
    }
    Err(if exists && rel == Relation::Unrelated {
        Refusal::NotVisible
    } else {
        Refusal::NotYours(Act::Work(verb))
    })
}

/// Decides one protection write.
pub fn decide(
    command: &WorkCommand,
    who: &StaffInfo,
    target: &WorkTarget,
    facts: &WorkFacts<'_>,
) -> Result<Decision, Refusal> {
    let verb = command.verb();
    if !crate::domain::command::role_may_work(who.role, verb) {
        return Err(Refusal::RoleMayNot(Act::Work(verb)));
    }
    let mine = |consulate: &str| work_relation(consulate, who) != Relation::Unrelated;
    let in_scope = |field: &str, ids: &[u64]| -> Result<Vec<&NamedCase>, Refusal> {
        ids.iter()
            .map(|id| {
                facts
                    .cases
                    .iter()
                    .find(|c| c.id == *id && mine(&c.consulate))
                    .ok_or_else(|| {
                        Refusal::Invalid(err(
                            field,
                            FieldCode::UnknownValue,
                            format!("no case {id} in your scope"),
                        ))
                    })
            })
            .collect()
    };
    let loose = |cases: Vec<&NamedCase>| -> Vec<u64> {
        let mut out: Vec<u64> = Vec::new();
        for c in cases {
            if c.incident.is_none() && !out.contains(&c.id) {
                out.push(c.id);
            }
        }
        out
    };
    // Named cases another incident than `this` already holds.
    let elsewhere = |cases: &[&NamedCase], this: Option<u64>| -> Vec<u64> {
        let mut out: Vec<u64> = Vec::new();
        for c in cases {
            if c.incident.is_some() && c.incident != this && !out.contains(&c.id) {
                out.push(c.id);
            }
        }
        out
    };
    let not_registered = |code: &str| {
        Refusal::Invalid(err(
            "facility",
            FieldCode::UnknownValue,
            format!(
                "{} is not in the registry; search GET /v1/facilities, or add it",
                crate::domain::sanitize::sanitize(code, crate::domain::sanitize::Lines::One)
            ),
        ))
    };
    match command {
        WorkCommand::RecordFacility(req) => {
            let facility = crate::domain::facility::validate(req)?;
            // A facility is recorded and corrected by the consulate whose district it lies in
            // (national supervisors: any). Its place decides whose visit lists it is on, so a
            // correction must be the district's both where it was and where it goes: an officer
            // cannot move another consulate's facility into (or out of) their own district.
            let goes_to = crate::domain::facility::district(&facility, facts.consulates)
                .map(|c| c.id.as_str())
                .unwrap_or_default();
            authorize(verb, who, goes_to, false)?;
            if facts.facility.is_some() {
                authorize(verb, who, facts.district.unwrap_or_default(), false)?;
            }
            let correction = facts.facility.is_some();
            one(
                None,
                EventBody::FacilityRecorded(FacilityRecorded {
                    facility,
                    correction,
                }),
            )
        }
        WorkCommand::PlanVisit(req) => {
            let mut plan = crate::domain::visit::validate_plan(req, facts.now)?;
            let place = facts
                .facility
                .ok_or_else(|| not_registered(&plan.facility))?;
            plan.consulate = own_or(who, facts.district);
            authorize(verb, who, &plan.consulate, false)?;
            plan.id = facts.next_id;
            plan.facility = place.code.clone();
            plan.facility_name = place.name.clone();
            let id = plan.id;
            one(
                Some(id),
                EventBody::VisitPlanRecorded(VisitPlanRecorded {
                    plan_id: id,
                    change: PlanChange::Planned { plan },
                }),
            )
        }
        WorkCommand::PostponePlan {
            plan_id,
            planned_on,
        } => {
            let WorkTarget::Plan(plan) = target else {
                return Err(Refusal::NotVisible);
            };
            authorize(verb, who, &plan.consulate, true)?;
            if plan.status != PlanStatus::Planned {
                return Err(Refusal::Conflict(Conflict::PlanNotOpen));
            }
            // The new day by the same rules as a plan's: not past, at most a year ahead.
            let request = crate::domain::visit::PlanRequest {
                facility: plan.facility.clone(),
                planned_on: planned_on.clone(),
                staff: plan.staff.clone(),
                note: plan.note.clone(),
            };
            let planned_on = crate::domain::visit::validate_plan(&request, facts.now)?.planned_on;
            one(
                Some(*plan_id),
                EventBody::VisitPlanRecorded(VisitPlanRecorded {
                    plan_id: *plan_id,
                    change: PlanChange::Postponed { planned_on },
                }),
            )
        }
        WorkCommand::CancelPlan { plan_id } => {
            let WorkTarget::Plan(plan) = target else {
                return Err(Refusal::NotVisible);
            };
            authorize(verb, who, &plan.consulate, true)?;
            if plan.status != PlanStatus::Planned {
                return Err(Refusal::Conflict(Conflict::PlanNotOpen));
            }
            one(
                Some(*plan_id),
                EventBody::VisitPlanRecorded(VisitPlanRecorded {
                    plan_id: *plan_id,
                    change: PlanChange::Cancelled,
                }),
            )
        }
        WorkCommand::LogVisit(req) => {
            let mut visit = crate::domain::visit::validate(req, facts.now)?;
            let place = facts
                .facility
                .ok_or_else(|| not_registered(&visit.facility))?;
            let named: Vec<u64> = visit.interviewed.iter().filter_map(|i| i.case_id).collect();
            in_scope("interviewed", &named)?;
            if let Some(plan_id) = visit.plan_id {
                // The plan it carries out: the writer's, at this facility, still to be made.
                let plan = facts.plan.filter(|p| mine(&p.consulate)).ok_or_else(|| {
                    Refusal::Invalid(err(
                        "plan_id",
                        FieldCode::UnknownValue,
                        format!("no planned visit {plan_id} in your scope"),
                    ))
                })?;
                if plan.status != PlanStatus::Planned || plan.facility != place.code {
                    return Err(Refusal::Invalid(err(
                        "plan_id",
                        FieldCode::UnknownValue,
                        format!(
                            "visit {plan_id} is {} for {}, not open at this facility",
                            plan.status.as_str(),
                            plan.facility
                        ),
                    )));
                }
                visit.consulate = plan.consulate.clone();
            } else {
                visit.consulate = own_or(who, facts.district);
            }
            authorize(verb, who, &visit.consulate, false)?;
            visit.id = facts.next_id;
            visit.facility = place.code.clone();
            visit.facility_name = place.name.clone();
            let id = visit.id;
            one(Some(id), EventBody::VisitLogged(VisitLogged { visit }))
        }
        WorkCommand::OpenIncident { cases, name } => {
            authorize(verb, who, &acting_for(who, None), false)?;
            let name = if name.trim().is_empty() {
                String::new()
            } else {
                text("name", name, 120)?
            };
            if cases.is_empty() || cases.len() > MAX_CASES {
                return Err(Refusal::Invalid(err(
                    "cases",
                    FieldCode::Required,
                    format!("must list 1 to {MAX_CASES} cases"),
                )));
            }
            let named = in_scope("cases", cases)?;
            let skipped = elsewhere(&named, None);
            let loose = loose(named);
            if loose.is_empty() {
                return Err(Refusal::Invalid(err(
                    "cases",
                    FieldCode::OutOfRange,
                    "every case named is already in an incident",
                )));
            }
            let id = facts.next_id;
            let mut decision = one(
                Some(id),
                EventBody::IncidentRecorded(IncidentRecorded {
                    incident_id: id,
                    change: IncidentChange::Opened {
                        cases: loose,
                        name,
                        by_rule: false,
                    },
                }),
            )?;
            decision.skipped = skipped;
            Ok(decision)
        }
        WorkCommand::NameIncident { incident_id, name } => {
            incident_is_theirs(verb, who, target)?;
            let name = text("name", name, 120)?;
            one(
                Some(*incident_id),
                EventBody::IncidentRecorded(IncidentRecorded {
                    incident_id: *incident_id,
                    change: IncidentChange::Named { name },
                }),
            )
        }
        WorkCommand::AddToIncident { incident_id, cases } => {
            incident_is_theirs(verb, who, target)?;
            if cases.is_empty() || cases.len() > MAX_CASES {
                return Err(Refusal::Invalid(err(
                    "cases",
                    FieldCode::Required,
                    format!("must list 1 to {MAX_CASES} cases"),
                )));
            }
            let named = in_scope("cases", cases)?;
            let skipped = elsewhere(&named, Some(*incident_id));
            let loose = loose(named);
            if loose.is_empty() && !skipped.is_empty() {
                return Err(Refusal::Invalid(err(
                    "cases",
                    FieldCode::OutOfRange,
                    "every case named is already in another incident",
                )));
            }
            let mut decision = one(
                Some(*incident_id),
                EventBody::IncidentRecorded(IncidentRecorded {
                    incident_id: *incident_id,
                    change: IncidentChange::CasesAdded { cases: loose },
                }),
            )?;
            decision.skipped = skipped;
            Ok(decision)
        }
        WorkCommand::SetShift(req) => {
            let consulate = acting_for(who, req.consulate.as_deref());
            if consulate.is_empty() {
                return Err(Refusal::Invalid(err(
                    "consulate",
                    FieldCode::Required,
                    "name the consulate whose roster this is",
                )));
            }
            authorize(verb, who, &consulate, false)?;
            if !facts.consulates.iter().any(|c| c.id == consulate) {
                return Err(Refusal::Invalid(err(
                    "consulate",
                    FieldCode::UnknownValue,
                    "no such consulate; see GET /v1/consulates",
                )));
            }
            let when = crate::domain::roster::validate(req)?;
            let person = facts
                .rostered
                .filter(|p| {
                    p.id == req.staff_id
                        && !p.disabled
                        && matches!(p.role, Role::Officer | Role::Supervisor)
                        && p.consulate.as_deref().is_none_or(|c| c == consulate)
                })
                .ok_or_else(|| {
                    Refusal::Invalid(err(
                        "staff_id",
                        FieldCode::UnknownValue,
                        format!(
                            "no officer or supervisor {} at this consulate",
                            req.staff_id
                        ),
                    ))
                })?;
            let id = facts.next_id;
            let shift = Shift {
                consulate,
                staff_id: person.id,
                name: person.name.clone(),
                when,
            };
            one(
                Some(id),
                EventBody::DutyRecorded(DutyRecorded {
                    shift_id: id,
                    change: DutyChange::Set { shift },
                }),
            )
        }
        WorkCommand::RemoveShift { shift_id } => {
            let WorkTarget::Shift(shift) = target else {
                return Err(Refusal::NotVisible);
            };
            authorize(verb, who, &shift.consulate, true)?;
            one(
                Some(*shift_id),
                EventBody::DutyRecorded(DutyRecorded {
                    shift_id: *shift_id,
                    change: DutyChange::Removed,
                }),
            )
        }
    }
}

/// An incident is named and grown by a supervisor with one of its cases (or a national one);
/// another consulate's is answered as if it did not exist.
fn incident_is_theirs(verb: WorkVerb, who: &StaffInfo, target: &WorkTarget) -> Result<(), Refusal> {
    let WorkTarget::Incident { consulates, .. } = target else {
        return Err(Refusal::NotVisible);
    };
    let theirs = consulates
        .iter()
        .find(|c| work_relation(c, who) != Relation::Unrelated)
        .map(String::as_str)
        .unwrap_or("");
    authorize(verb, who, theirs, true).map(|_| ())
}
