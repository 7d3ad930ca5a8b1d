//! Protection work on the case-work rails: one vocabulary of the staff writes that concern no
//! single case's state (facilities, visits and their plans, raids as incidents, the duty roster),
//! one pure decision ([`decide`]) and, in `command::permission`, the same permission table as
//! case work. The console's forms, its outbox, the hub's routes and its store all carry
//! [`WorkCommand`]; the events a decision makes are folded into the hub's tables by one pure
//! [`project`], which `guardia verify` folds again from the log.
//!
//! Adding a verb: a variant here and in [`WorkVerb`] (its route and body), its row in
//! `command::permission::permitted_work`, its arm in [`decide`], the event it appends and its
//! fold in [`project`] (when it is a new event), and its words in the console's `i18n`.

mod decide;
mod project;

pub use decide::{NamedCase, Rostered, WorkFacts, WorkTarget, decide};
pub use project::{Row, RowKey, project};

use serde::{Deserialize, Serialize};

use super::facility::FacilityRequest;
use super::roster::ShiftRequest;
use super::validate::{FieldError, JsonError, from_json};
use super::visit::{PlanRequest, VisitRequest};

/// The name of a protection write, without its body: what keys, forms and the permission table
/// speak of.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::VariantArray,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum WorkVerb {
    RecordFacility,
    PlanVisit,
    PostponePlan,
    CancelPlan,
    LogVisit,
    OpenIncident,
    NameIncident,
    AddToIncident,
    SetShift,
    RemoveShift,
}

impl WorkVerb {
    pub const ALL: &[WorkVerb] = <WorkVerb as strum::VariantArray>::VARIANTS;

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// The event a carried-out command appends.
    pub fn appends(self) -> super::event::EventKind {
        use super::event::EventKind as K;
        match self {
            WorkVerb::RecordFacility => K::FacilityRecorded,
            WorkVerb::PlanVisit | WorkVerb::PostponePlan | WorkVerb::CancelPlan => {
                K::VisitPlanRecorded
            }
            WorkVerb::LogVisit => K::VisitLogged,
            WorkVerb::OpenIncident | WorkVerb::NameIncident | WorkVerb::AddToIncident => {
                K::IncidentRecorded
            }
            WorkVerb::SetShift | WorkVerb::RemoveShift => K::DutyRecorded,
        }
    }

    /// Whether it acts on something that exists (named by the id in its path).
    pub fn has_target(self) -> bool {
        matches!(
            self,
            WorkVerb::PostponePlan
                | WorkVerb::CancelPlan
                | WorkVerb::NameIncident
                | WorkVerb::AddToIncident
                | WorkVerb::RemoveShift
        )
    }
}

/// Where a new thing gets its id from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewIn {
    Plans,
    Visits,
    Incidents,
    Shifts,
}

/// What a decision needs besides its target ([`WorkCommand::needs`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Needs<'a> {
    /// The registry's facility of this code.
    pub facility: Option<&'a str>,
    /// An id for something new.
    pub new_id: Option<NewIn>,
    /// These cases as they stand.
    pub cases: Vec<u64>,
    /// This planned visit as it stands.
    pub plan: Option<u64>,
    /// This staff member as they are.
    pub rostered: Option<i64>,
}

/// `POST /v1/incidents` and `/v1/incidents/{id}/cases`: cases (and, opening one, a name).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IncidentRequest {
    #[serde(default)]
    pub cases: Vec<u64>,
    #[serde(default)]
    pub name: String,
}

/// `POST /v1/incidents/{id}/name`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NameRequest {
    #[serde(default)]
    pub name: String,
}

/// `POST /v1/visits/plans/{id}/postpone`: the new day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostponeRequest {
    pub planned_on: String,
}

/// A body-less write (`{}` or nothing).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

/// Every protection write with what it carries: the body exactly as the wire has it, and the id
/// of what it acts on. Serialized as `{"task": ..., "body": ...}` in the console's outbox file
/// (as it was before these writes shared the case-work rails, so older files read the same).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "task", content = "body", rename_all = "snake_case")]
pub enum WorkCommand {
    RecordFacility(FacilityRequest),
    PlanVisit(PlanRequest),
    PostponePlan { plan_id: u64, planned_on: String },
    CancelPlan { plan_id: u64 },
    LogVisit(VisitRequest),
    OpenIncident { cases: Vec<u64>, name: String },
    NameIncident { incident_id: u64, name: String },
    AddToIncident { incident_id: u64, cases: Vec<u64> },
    SetShift(ShiftRequest),
    RemoveShift { shift_id: u64 },
}

impl WorkCommand {
    pub fn verb(&self) -> WorkVerb {
        match self {
            WorkCommand::RecordFacility(_) => WorkVerb::RecordFacility,
            WorkCommand::PlanVisit(_) => WorkVerb::PlanVisit,
            WorkCommand::PostponePlan { .. } => WorkVerb::PostponePlan,
            WorkCommand::CancelPlan { .. } => WorkVerb::CancelPlan,
            WorkCommand::LogVisit(_) => WorkVerb::LogVisit,
            WorkCommand::OpenIncident { .. } => WorkVerb::OpenIncident,
            WorkCommand::NameIncident { .. } => WorkVerb::NameIncident,
            WorkCommand::AddToIncident { .. } => WorkVerb::AddToIncident,
            WorkCommand::SetShift(_) => WorkVerb::SetShift,
            WorkCommand::RemoveShift { .. } => WorkVerb::RemoveShift,
        }
    }

    /// The id of what it acts on, when it acts on something that exists.
    pub fn target(&self) -> Option<RowKey> {
        match self {
            WorkCommand::PostponePlan { plan_id, .. } | WorkCommand::CancelPlan { plan_id } => {
                Some(RowKey::Plan(*plan_id))
            }
            WorkCommand::NameIncident { incident_id, .. }
            | WorkCommand::AddToIncident { incident_id, .. } => {
                Some(RowKey::Incident(*incident_id))
            }
            WorkCommand::RemoveShift { shift_id } => Some(RowKey::Shift(*shift_id)),
            _ => None,
        }
    }

    /// What a decision on this command needs to know besides its target: the store gathers
    /// exactly this inside its write (the console, what it holds).
    pub fn needs(&self) -> Needs<'_> {
        let mut needs = Needs::default();
        match self {
            WorkCommand::RecordFacility(r) => needs.facility = Some(&r.code),
            WorkCommand::PlanVisit(r) => {
                needs.facility = Some(&r.facility);
                needs.new_id = Some(NewIn::Plans);
            }
            WorkCommand::LogVisit(r) => {
                needs.facility = Some(&r.facility);
                needs.new_id = Some(NewIn::Visits);
                needs.cases = r.interviewed.iter().filter_map(|i| i.case_id).collect();
                needs.plan = r.plan_id;
            }
            WorkCommand::OpenIncident { cases, .. } => {
                needs.new_id = Some(NewIn::Incidents);
                needs.cases = cases.clone();
            }
            WorkCommand::AddToIncident { cases, .. } => needs.cases = cases.clone(),
            WorkCommand::SetShift(r) => {
                needs.new_id = Some(NewIn::Shifts);
                needs.rostered = Some(r.staff_id);
            }
            _ => {}
        }
        needs
    }

    pub fn path(&self) -> String {
        match self {
            WorkCommand::RecordFacility(_) => "/v1/facilities".into(),
            WorkCommand::PlanVisit(_) => "/v1/visits/plans".into(),
            WorkCommand::PostponePlan { plan_id, .. } => {
                format!("/v1/visits/plans/{plan_id}/postpone")
            }
            WorkCommand::CancelPlan { plan_id } => format!("/v1/visits/plans/{plan_id}/cancel"),
            WorkCommand::LogVisit(_) => "/v1/visits".into(),
            WorkCommand::OpenIncident { .. } => "/v1/incidents".into(),
            WorkCommand::NameIncident { incident_id, .. } => {
                format!("/v1/incidents/{incident_id}/name")
            }
            WorkCommand::AddToIncident { incident_id, .. } => {
                format!("/v1/incidents/{incident_id}/cases")
            }
            WorkCommand::SetShift(_) => "/v1/duty".into(),
            WorkCommand::RemoveShift { shift_id } => format!("/v1/duty/{shift_id}/remove"),
        }
    }

    /// The request body as the wire carries it.
    pub fn body(&self) -> serde_json::Value {
        let value = match self {
            WorkCommand::RecordFacility(r) => serde_json::to_value(r),
            WorkCommand::PlanVisit(r) => serde_json::to_value(r),
            WorkCommand::LogVisit(r) => serde_json::to_value(r),
            WorkCommand::SetShift(r) => serde_json::to_value(r),
            WorkCommand::PostponePlan { planned_on, .. } => serde_json::to_value(PostponeRequest {
                planned_on: planned_on.clone(),
            }),
            WorkCommand::CancelPlan { .. } | WorkCommand::RemoveShift { .. } => {
                serde_json::to_value(Empty {})
            }
            WorkCommand::OpenIncident { cases, name } => serde_json::to_value(IncidentRequest {
                cases: cases.clone(),
                name: name.clone(),
            }),
            WorkCommand::NameIncident { name, .. } => {
                serde_json::to_value(NameRequest { name: name.clone() })
            }
            WorkCommand::AddToIncident { cases, .. } => {
                serde_json::to_value(serde_json::json!({ "cases": cases }))
            }
        };
        value.unwrap_or_default()
    }

    /// Reads a wire body sent for `verb` on `target` (the id in its path) straight into its
    /// type: an unknown or repeated field is named, never silently dropped.
    pub fn from_wire(
        verb: WorkVerb,
        target: Option<u64>,
        bytes: &[u8],
    ) -> Result<WorkCommand, FieldError> {
        fn parse<T: serde::de::DeserializeOwned + Default>(bytes: &[u8]) -> Result<T, FieldError> {
            if bytes.iter().all(u8::is_ascii_whitespace) {
                return Ok(T::default());
            }
            from_json(bytes).map_err(|e| match e {
                JsonError::Field(f) => f,
                JsonError::Syntax(why) => {
                    super::validate::err("body", super::validate::FieldCode::InvalidFormat, why)
                }
            })
        }
        fn parse_required<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, FieldError> {
            from_json(bytes).map_err(|e| match e {
                JsonError::Field(f) => f,
                JsonError::Syntax(why) => {
                    super::validate::err("body", super::validate::FieldCode::InvalidFormat, why)
                }
            })
        }
        let id = target.unwrap_or(0);
        Ok(match verb {
            WorkVerb::RecordFacility => WorkCommand::RecordFacility(parse_required(bytes)?),
            WorkVerb::PlanVisit => WorkCommand::PlanVisit(parse_required(bytes)?),
            WorkVerb::PostponePlan => WorkCommand::PostponePlan {
                plan_id: id,
                planned_on: parse_required::<PostponeRequest>(bytes)?.planned_on,
            },
            WorkVerb::CancelPlan => {
                parse::<Empty>(bytes)?;
                WorkCommand::CancelPlan { plan_id: id }
            }
            WorkVerb::LogVisit => WorkCommand::LogVisit(parse_required(bytes)?),
            WorkVerb::OpenIncident => {
                let r: IncidentRequest = parse(bytes)?;
                WorkCommand::OpenIncident {
                    cases: r.cases,
                    name: r.name,
                }
            }
            WorkVerb::NameIncident => {
                let r: NameRequest = parse(bytes)?;
                WorkCommand::NameIncident {
                    incident_id: id,
                    name: r.name,
                }
            }
            WorkVerb::AddToIncident => {
                let r: IncidentRequest = parse(bytes)?;
                WorkCommand::AddToIncident {
                    incident_id: id,
                    cases: r.cases,
                }
            }
            WorkVerb::SetShift => WorkCommand::SetShift(parse_required(bytes)?),
            WorkVerb::RemoveShift => {
                parse::<Empty>(bytes)?;
                WorkCommand::RemoveShift { shift_id: id }
            }
        })
    }
}

#[cfg(test)]
mod tests;
