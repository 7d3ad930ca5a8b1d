//! The decision: (case as it is, command, who asks) -> events to append, or a refusal.

use chrono::{DateTime, Utc};

use super::permission::{may_read, permitted, relation, role_may};
use super::{Act, CaseCommand, Conflict, Refusal, Relation, Verb};
use crate::domain::case::{Case, CaseStatus};
use crate::domain::checkpoint::{self, note};
use crate::domain::consulate::Consulate;
use crate::domain::event::{
    CaseClosed, CaseReopened, CheckpointLogged, EventBody, LawyerAssigned, NoteAdded,
    TransferAccepted, TransferDeclined, TransferRequested,
};
use crate::domain::staff::StaffInfo;
use crate::domain::validate::{FieldCode, err};

/// What a decision needs from outside the case, gathered by the caller: the hub from its
/// database and clock, the console from what it holds.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub now: DateTime<Utc>,
    pub consulates: &'a [Consulate],
    /// The name on the roster of the lawyer an `assign` names; `None` when no lawyer has that id.
    pub lawyer_name: Option<&'a str>,
    /// The registry's facility a placement checkpoint names by `facility_code`; `None` when no
    /// facility has that code (or none was named).
    pub facility: Option<&'a crate::domain::facility::Facility>,
    /// What happened to the case after the version acted on, oldest first, when that version is
    /// not the case's own; `None` when it is not known (then an older version is a conflict).
    pub since: Option<&'a [crate::domain::event::Event]>,
}

/// A placement naming a facility of the registry by code gets the registry's name, place and
/// field office, so every case placed there reads the same; an unknown code is refused.
fn placed(
    r: &crate::domain::checkpoint::CheckpointRequest,
    facts: &Facts<'_>,
) -> Result<Option<crate::domain::checkpoint::CheckpointRequest>, Refusal> {
    use crate::domain::checkpoint::CheckpointCode as C;
    let Some(code) = r.fields.get("facility_code").map(|c| c.trim()) else {
        return Ok(None);
    };
    if code.is_empty() || !matches!(r.code, C::FacilityLocated | C::FacilityTransfer) {
        return Ok(None);
    }
    let f = facts
        .facility
        .filter(|f| f.code.eq_ignore_ascii_case(code))
        .ok_or_else(|| {
            err(
                "fields.facility_code",
                FieldCode::UnknownValue,
                "is not a facility of the registry; search GET /v1/facilities, or add it",
            )
        })?;
    let mut with = r.clone();
    with.fields.insert("facility_code".into(), f.code.clone());
    with.fields.insert("facility".into(), f.name.clone());
    with.fields
        .insert("city_state".into(), format!("{}, {}", f.city, f.state));
    with.fields
        .insert("field_office".into(), f.field_office.clone());
    Ok(Some(with))
}

/// Role and scope: may `who` do `verb` on this case at all?
fn authorize(case: &Case, verb: Verb, who: &StaffInfo) -> Result<Relation, Refusal> {
    if !role_may(who.role, verb) {
        return Err(Refusal::RoleMayNot(Act::Case(verb)));
    }
    let rel = relation(case, who);
    if !may_read(rel) {
        // Not even its existence is told.
        return Err(Refusal::NotVisible);
    }
    if matches!(verb, Verb::AcceptTransfer | Verb::DeclineTransfer)
        && case.also_consulate().is_none()
    {
        // Nothing to accept or decline: say that, rather than whose it would be.
        return Err(Refusal::Conflict(Conflict::NoTransfer));
    }
    if !permitted(who.role, verb, rel) {
        return Err(match rel {
            Relation::Offered => Refusal::AcceptFirst,
            _ => Refusal::NotYours(Act::Case(verb)),
        });
    }
    Ok(rel)
}

/// Whether the case as it stands allows `verb`.
fn fits_state(case: &Case, verb: Verb) -> Result<(), Conflict> {
    let closed = case.status == CaseStatus::Closed;
    match verb {
        Verb::Reopen if !closed => Err(Conflict::NotClosed),
        Verb::Reopen => Ok(()),
        _ if closed => Err(Conflict::Closed),
        Verb::Acknowledge if case.acknowledged_at.is_some() => Err(Conflict::AlreadyAcknowledged),
        Verb::AcceptTransfer | Verb::DeclineTransfer if case.also_consulate().is_none() => {
            Err(Conflict::NoTransfer)
        }
        _ => Ok(()),
    }
}

/// Role, scope and state, before any body is typed: the console's "no" when a key is pressed.
pub fn precheck(case: &Case, verb: Verb, who: &StaffInfo) -> Result<(), Refusal> {
    authorize(case, verb, who)?;
    fits_state(case, verb).map_err(Refusal::Conflict)
}

/// Decides a command on a case. `expected_version` is the version the person acted on (the
/// hub's `If-Match`). A case that moved since is a conflict only when something in
/// `facts.since` changes what the command means (`conflict.rs`): a press, an escalation or a
/// colleague's note never refuses a note, a checkpoint or an assignment. An acknowledgement is
/// never refused for the version: "I have this case" stays true whatever the phone did since;
/// someone else having acknowledged it first is still refused, by the case's state.
pub fn decide(
    case: &Case,
    command: &CaseCommand,
    who: &StaffInfo,
    expected_version: u64,
    facts: &Facts<'_>,
) -> Result<Vec<EventBody>, Refusal> {
    let verb = command.verb();
    authorize(case, verb, who)?;
    if case.version != expected_version && verb != Verb::Acknowledge {
        match facts.since {
            Some(since) if expected_version < case.version => {
                if let Some(event) = super::conflict::in_the_way(command, since, who.id) {
                    return Err(Refusal::Changed(super::ChangedBy::of(event)));
                }
            }
            _ => return Err(Refusal::Conflict(Conflict::Stale)),
        }
    }
    fits_state(case, verb).map_err(Refusal::Conflict)?;
    let body = match command {
        CaseCommand::Acknowledge => EventBody::CaseAcknowledged,
        CaseCommand::Assign(r) => {
            let name = facts.lawyer_name.ok_or_else(|| {
                err(
                    "lawyer_id",
                    FieldCode::UnknownValue,
                    format!("no lawyer has id {}", r.lawyer_id),
                )
            })?;
            if case.assigned_lawyer == Some(r.lawyer_id) {
                return Err(Refusal::Conflict(Conflict::AlreadyAssigned));
            }
            EventBody::LawyerAssigned(LawyerAssigned {
                lawyer_id: r.lawyer_id,
                lawyer_name: name.to_string(),
                previous: case.assigned_lawyer,
            })
        }
        CaseCommand::Checkpoint(r) => {
            let filled = placed(r, facts)?;
            let c = checkpoint::checkpoint(filled.as_ref().unwrap_or(r), facts.now)?;
            EventBody::CheckpointLogged(CheckpointLogged {
                code: c.code,
                happened_at: c.at,
                fields: c.fields,
                note: c.note,
            })
        }
        CaseCommand::Note(r) => EventBody::NoteAdded(NoteAdded {
            text: note("text", &r.text, true)?,
        }),
        CaseCommand::Close(r) => EventBody::CaseClosed(CaseClosed {
            outcome: r.outcome,
            note: note("note", &r.note, true)?,
        }),
        CaseCommand::Reopen(r) => EventBody::CaseReopened(CaseReopened {
            reason: note("reason", &r.reason, true)?,
        }),
        CaseCommand::Transfer(r) => {
            if !facts.consulates.iter().any(|c| c.id == r.to_consulate) {
                return Err(err(
                    "to_consulate",
                    FieldCode::UnknownValue,
                    "is not a known consulate id; see GET /v1/consulates",
                )
                .into());
            }
            if r.to_consulate == case.consulate {
                return Err(Refusal::Conflict(Conflict::AlreadyHere));
            }
            EventBody::TransferRequested(TransferRequested {
                to_consulate: r.to_consulate.clone(),
                reason: note("reason", &r.reason, true)?,
            })
        }
        CaseCommand::AcceptTransfer => {
            let to = case.also_consulate().unwrap_or_default().to_string();
            // Measured from the consulate that takes the case, where the person is known.
            let distance_km = facts
                .consulates
                .iter()
                .find(|c| c.id == to)
                .filter(|_| case.located())
                .map(|c| crate::domain::geo::distance_km(c.point(), case.location.point()));
            EventBody::TransferAccepted(TransferAccepted {
                from_consulate: case.consulate.clone(),
                to_consulate: to,
                distance_km,
            })
        }
        CaseCommand::DeclineTransfer(r) => EventBody::TransferDeclined(TransferDeclined {
            consulate: case.also_consulate().unwrap_or_default().to_string(),
            reason: note("reason", &r.reason, true)?,
        }),
        CaseCommand::Triage(t) => EventBody::TriageRecorded(*t),
        // A call makes a case; it is decided by [`decide_intake`], never on an existing case.
        CaseCommand::Intake(_) => return Err(Refusal::NotYours(Act::Case(Verb::Intake))),
    };
    Ok(vec![body])
}

/// What a call-center intake does, once the officer has confirmed who the caller is (or that
/// they are nobody enrolled).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntakePlan {
    /// The confirmed person already has an open case in the caller's scope: the call joins it.
    Join(u64),
    /// A new case.
    Open,
}

/// Decides a call that continues an earlier one (`IntakeRequest::case_id`): its own
/// consulate's staff, or whoever took the earlier call when it went to another consulate, may
/// add what the caller says to the open case. Anyone else is told nothing of the case.
pub fn decide_call_more(who: &StaffInfo, case: &Case) -> Result<IntakePlan, Refusal> {
    if !role_may(who.role, Verb::Intake) {
        return Err(Refusal::RoleMayNot(Act::Case(Verb::Intake)));
    }
    let relation = relation(case, who);
    if !permitted(who.role, Verb::Intake, relation) {
        return Err(if may_read(relation) {
            Refusal::NotYours(Act::Case(Verb::Intake))
        } else {
            Refusal::NotVisible
        });
    }
    if !case.is_open() {
        return Err(Refusal::Conflict(Conflict::Closed));
    }
    Ok(IntakePlan::Join(case.id))
}

/// Decides an intake. `open_case` is the open case of the person the officer confirmed, if any.
/// Intake acts only within the caller's scope: a case of another consulate is never written to,
/// and never named back.
pub fn decide_intake(who: &StaffInfo, open_case: Option<&Case>) -> Result<IntakePlan, Refusal> {
    if !role_may(who.role, Verb::Intake) {
        return Err(Refusal::RoleMayNot(Act::Case(Verb::Intake)));
    }
    match open_case {
        None => Ok(IntakePlan::Open),
        Some(case) if permitted(who.role, Verb::Intake, relation(case, who)) => {
            Ok(IntakePlan::Join(case.id))
        }
        Some(_) => Err(Refusal::Conflict(Conflict::OpenElsewhere)),
    }
}
