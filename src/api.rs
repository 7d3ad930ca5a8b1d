//! The wire contract: request and response bodies shared by the hub, the console and the
//! simulator. docs/api.md describes the same shapes for people.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

// Request bodies are the domain's own types: what a person asks is part of the vocabulary the
// hub and the console decide with. Nothing here comes from the hub's storage.
pub use crate::domain::alert::{AlertRequest, CancelRequest, LocationRequest};
pub use crate::domain::checkpoint::CheckpointRequest;
pub use crate::domain::command::{
    AssignRequest, CloseRequest, Conflict, DeclineRequest, NoteRequest, ReopenRequest,
    TransferRequest,
};
pub use crate::domain::intake::{Candidate, IntakeRequest};
pub use crate::domain::registrant::Profile as EnrollRequest;
pub use crate::domain::staff::{LawyerInfo, NewStaff, StaffInfo as Me};
pub use crate::domain::triage::Triage as TriageRequest;
pub use crate::domain::validate::FieldCode;

/// `GET /v1/cases`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CasesResponse {
    /// The log position the cases are consistent with: stream from here (from the first
    /// page's, when there are several: a case changed since is at a later `seq` in its page,
    /// and folding skips what a case already holds).
    pub seq: u64,
    pub cases: Vec<crate::domain::case::Case>,
    /// Set when there may be more: ask again with `after` set to this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_after: Option<u64>,
}

/// `GET /v1/cases/find`: the cases a search means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Found {
    pub cases: Vec<u64>,
}

/// One read of a case's personal data (`GET /v1/cases/{id}/access`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessEntry {
    /// The read's own place in the log.
    pub seq: u64,
    pub at: chrono::DateTime<chrono::Utc>,
    pub by: crate::domain::event::Actor,
    pub purpose: crate::domain::event::ReadPurpose,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub console: Option<String>,
}

/// The answer to every case action.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActionResponse {
    pub case_id: u64,
    /// Log position of the event the action appended.
    pub seq: u64,
    /// The case version after the action: the next `If-Match`. (Absent from an intake's answer,
    /// which the console's outbox reads with this same shape.)
    #[serde(default)]
    pub version: u64,
    /// An intake's consulate: where the case went (the nearest to the person), which may not
    /// be the officer's. Absent from the answers to actions on a case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consulate: Option<String>,
}

impl From<crate::domain::command::Applied> for ActionResponse {
    fn from(a: crate::domain::command::Applied) -> Self {
        ActionResponse {
            case_id: a.case_id,
            seq: a.seq,
            version: a.version,
            consulate: None,
        }
    }
}

/// `POST /v1/intake` answer: the case made or joined, always one in the caller's reach.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntakeResponse {
    pub case_id: u64,
    /// The consulate the case went to (the nearest to the person, which may not be the caller's).
    pub consulate: String,
    pub seq: u64,
    /// The person the officer confirmed, if any.
    pub registrant_id: Option<i64>,
    pub matched_place: Option<String>,
}

impl From<crate::domain::intake::IntakeOutcome> for IntakeResponse {
    fn from(o: crate::domain::intake::IntakeOutcome) -> Self {
        IntakeResponse {
            case_id: o.case_id,
            consulate: o.consulate,
            seq: o.seq,
            registrant_id: o.registrant_id,
            matched_place: o.matched_place,
        }
    }
}

/// With `invalid_field` (422): which field, and what is wrong with it as a code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldProblem {
    pub name: String,
    pub code: FieldCode,
}

impl From<crate::domain::validate::FieldError> for FieldProblem {
    fn from(e: crate::domain::validate::FieldError) -> Self {
        FieldProblem {
            name: e.field,
            code: e.code,
        }
    }
}

/// `POST /v1/enroll` with verification on (202): a code went to the phone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrollmentPending {
    /// Random (not a count): what to verify it by.
    pub enrollment_id: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// `POST /v1/enroll/{id}/verify`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VerifyRequest {
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnrollResponse {
    pub registrant_id: i64,
    /// Shown once; the hub keeps only its hash.
    pub device_token: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertResponse {
    pub alert_id: Uuid,
    pub case_id: u64,
    /// Id of the consulate the alert was routed to.
    pub consulate: String,
    pub consulate_name: String,
    pub distance_km: f64,
    /// Log position of the `alert_raised` event.
    pub seq: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CancelResponse {
    pub alert_id: Uuid,
    pub case_id: u64,
    pub status: String,
    pub seq: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocationResponse {
    pub case_id: u64,
    pub seq: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A stable machine-readable code (`invalid_field`, `unauthorized`, ...).
    pub error: String,
    /// What was wrong, in words a developer can act on.
    pub message: String,
    /// With `case_changed` (409): the case as it now stands, so the client can show who did what.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<Box<crate::domain::case::Case>>,
    /// With `case_changed` (409): what about the case stood in the way.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Conflict>,
    /// With `invalid_field` (422): the field and its problem's code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<FieldProblem>,
    /// With `case_changed` (409) when something happened since the version acted on that changes
    /// what the command means: what, who and when (the action can be decided again on the case
    /// as it now stands, and sent with its version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<crate::domain::command::ChangedBy>,
}

/// The `event: resync` payload: the client's position is no longer replayable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resync {
    pub head: u64,
    pub reason: String,
}

/// `POST /v1/staff` answer: the token is shown once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffCreated {
    pub id: i64,
    pub token: String,
}

/// What a protection write answers: the id it gave or acted on (a plan, a visit, an incident, a
/// shift; for a facility, the event's position) and the event's position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    pub id: u64,
    pub seq: u64,
    /// Cases named that another raid already holds, left where they are (grouping a raid).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<u64>,
}
