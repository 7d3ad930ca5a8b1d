//! The wire contract: request and response bodies shared by the hub, the console and the
//! simulator. docs/api.md describes the same shapes for people.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use crate::domain::alert::{AlertRequest, CancelRequest, LocationRequest};
pub use crate::domain::checkpoint::CheckpointRequest;
pub use crate::domain::intake::IntakeRequest;
pub use crate::domain::registrant::Profile as EnrollRequest;
pub use crate::domain::staff::{LawyerInfo, NewStaff, StaffInfo as Me};
pub use crate::hub::store::ActionResponse;
pub use crate::hub::store::IntakeResponse;
pub use crate::hub::store::Snapshot as CasesResponse;

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
}

/// The `event: resync` payload: the client's position is no longer replayable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resync {
    pub head: u64,
    pub reason: String,
}

/// `POST /v1/cases/{id}/assign`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    pub lawyer_id: i64,
}

/// `POST /v1/cases/{id}/notes`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoteRequest {
    pub text: String,
}

/// `POST /v1/cases/{id}/close`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseRequest {
    pub outcome: crate::domain::checkpoint::CloseOutcome,
    pub note: String,
}

/// `POST /v1/cases/{id}/reopen`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReopenRequest {
    pub reason: String,
}

/// `POST /v1/staff` answer: the token is shown once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffCreated {
    pub id: i64,
    pub token: String,
}

/// `POST /v1/cases/{id}/transfer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    pub to_consulate: String,
    pub reason: String,
}
