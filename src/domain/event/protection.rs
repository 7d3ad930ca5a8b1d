//! Events of the protection work that concern no single case's state: the facilities registry,
//! visit rounds, incidents and the duty roster. All carry `case_id` 0.

use serde::{Deserialize, Serialize};

use crate::domain::facility::Facility;

/// A facility added to the registry, or what is known of one corrected (same code).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FacilityRecorded {
    pub facility: Facility,
    /// Whether the code was already known (shipped or recorded before).
    pub correction: bool,
}

/// A visit round logged at a facility.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitLogged {
    pub visit: crate::domain::visit::Visit,
}

/// An incident opened, named, or joined by more cases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentRecorded {
    pub incident_id: u64,
    pub change: IncidentChange,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum IncidentChange {
    /// Opened by the cluster rule (`by_rule`) or by a supervisor grouping cases by hand.
    Opened {
        cases: Vec<u64>,
        #[serde(default)]
        name: String,
        by_rule: bool,
    },
    Named {
        name: String,
    },
    CasesAdded {
        cases: Vec<u64>,
    },
}

/// A shift set on the duty roster, or taken off it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DutyRecorded {
    pub shift_id: u64,
    pub change: DutyChange,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DutyChange {
    Set { shift: crate::domain::roster::Shift },
    Removed,
}

/// A visit put on the calendar, or taken off it. A plan carried out is closed by the
/// `visit_logged` that names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitPlanRecorded {
    pub plan_id: u64,
    pub change: PlanChange,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PlanChange {
    Planned {
        plan: crate::domain::visit::PlannedVisit,
    },
    /// Moved to another day, still to be made.
    Postponed {
        planned_on: chrono::NaiveDate,
    },
    Cancelled,
}
