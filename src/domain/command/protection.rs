//! The protection work's commands: the writes that concern no single case's state (visits,
//! incidents, the duty roster), in one vocabulary the console's forms, its outbox and the tests
//! share with the hub's routes. Each knows its route, its body and who may send it; the hub
//! checks the rest against what it holds.

use serde::{Deserialize, Serialize};

use crate::domain::event::EventKind;
use crate::domain::roster::ShiftRequest;
use crate::domain::staff::Role;
use crate::domain::visit::{PlanRequest, VisitRequest};

/// The name of a protection command, without its body: what the keys and forms speak of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    PlanVisit,
    LogVisit,
    CancelPlan,
    OpenIncident,
    NameIncident,
    AddToIncident,
    SetShift,
    RemoveShift,
}

impl Task {
    /// Officers and supervisors plan and log visits; supervisors group and name incidents and
    /// keep the roster (as the hub's routes say).
    pub fn role_may(self, role: Role) -> bool {
        match self {
            Task::PlanVisit | Task::LogVisit | Task::CancelPlan => {
                matches!(role, Role::Officer | Role::Supervisor)
            }
            _ => role == Role::Supervisor,
        }
    }

    /// The event a carried-out command appends.
    pub fn appends(self) -> EventKind {
        match self {
            Task::PlanVisit | Task::CancelPlan => EventKind::VisitPlanRecorded,
            Task::LogVisit => EventKind::VisitLogged,
            Task::OpenIncident | Task::NameIncident | Task::AddToIncident => {
                EventKind::IncidentRecorded
            }
            Task::SetShift | Task::RemoveShift => EventKind::DutyRecorded,
        }
    }
}

/// Every protection command with what it carries. Serialized as `{"task": ..., "body": ...}`
/// in the console's outbox file; on the wire the task is the route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "task", content = "body", rename_all = "snake_case")]
pub enum ProtectionCommand {
    PlanVisit(PlanRequest),
    LogVisit(VisitRequest),
    CancelPlan { plan_id: u64 },
    OpenIncident { cases: Vec<u64>, name: String },
    NameIncident { incident_id: u64, name: String },
    AddToIncident { incident_id: u64, cases: Vec<u64> },
    SetShift(ShiftRequest),
    RemoveShift { shift_id: u64 },
}

impl ProtectionCommand {
    pub fn task(&self) -> Task {
        match self {
            ProtectionCommand::PlanVisit(_) => Task::PlanVisit,
            ProtectionCommand::LogVisit(_) => Task::LogVisit,
            ProtectionCommand::CancelPlan { .. } => Task::CancelPlan,
            ProtectionCommand::OpenIncident { .. } => Task::OpenIncident,
            ProtectionCommand::NameIncident { .. } => Task::NameIncident,
            ProtectionCommand::AddToIncident { .. } => Task::AddToIncident,
            ProtectionCommand::SetShift(_) => Task::SetShift,
            ProtectionCommand::RemoveShift { .. } => Task::RemoveShift,
        }
    }

    pub fn path(&self) -> String {
        match self {
            ProtectionCommand::PlanVisit(_) => "/v1/visits/plans".into(),
            ProtectionCommand::LogVisit(_) => "/v1/visits".into(),
            ProtectionCommand::CancelPlan { plan_id } => {
                format!("/v1/visits/plans/{plan_id}/cancel")
            }
            ProtectionCommand::OpenIncident { .. } => "/v1/incidents".into(),
            ProtectionCommand::NameIncident { incident_id, .. } => {
                format!("/v1/incidents/{incident_id}/name")
            }
            ProtectionCommand::AddToIncident { incident_id, .. } => {
                format!("/v1/incidents/{incident_id}/cases")
            }
            ProtectionCommand::SetShift(_) => "/v1/duty".into(),
            ProtectionCommand::RemoveShift { shift_id } => format!("/v1/duty/{shift_id}/remove"),
        }
    }

    /// The request body as the wire carries it.
    pub fn body(&self) -> serde_json::Value {
        use serde_json::json;
        let value = match self {
            ProtectionCommand::PlanVisit(r) => serde_json::to_value(r),
            ProtectionCommand::LogVisit(r) => serde_json::to_value(r),
            ProtectionCommand::SetShift(r) => serde_json::to_value(r),
            ProtectionCommand::CancelPlan { .. } | ProtectionCommand::RemoveShift { .. } => {
                Ok(json!({}))
            }
            ProtectionCommand::OpenIncident { cases, name } => {
                Ok(json!({"cases": cases, "name": name}))
            }
            ProtectionCommand::NameIncident { name, .. } => Ok(json!({ "name": name })),
            ProtectionCommand::AddToIncident { cases, .. } => Ok(json!({ "cases": cases })),
        };
        value.unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_command_names_its_route_and_who_may_send_it() {
        let name = ProtectionCommand::NameIncident {
            incident_id: 4,
            name: "Operativo en Santa Ana".into(),
        };
        assert_eq!(name.path(), "/v1/incidents/4/name");
        assert_eq!(
            name.body(),
            serde_json::json!({"name": "Operativo en Santa Ana"})
        );
        assert!(!name.task().role_may(Role::Officer));
        assert!(name.task().role_may(Role::Supervisor));
        let cancel = ProtectionCommand::CancelPlan { plan_id: 9 };
        assert_eq!(cancel.path(), "/v1/visits/plans/9/cancel");
        assert!(cancel.task().role_may(Role::Officer));
        assert!(!cancel.task().role_may(Role::Lawyer));
        // The outbox file keeps the task beside its body, and reads it back the same.
        let saved = serde_json::to_string(&cancel).unwrap();
        assert_eq!(saved, r#"{"task":"cancel_plan","body":{"plan_id":9}}"#);
        assert_eq!(
            serde_json::from_str::<ProtectionCommand>(&saved).unwrap(),
            cancel
        );
    }
}
