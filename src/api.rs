//! The wire contract: request and response bodies shared by the hub, the console and the
//! simulator. docs/api.md describes the same shapes for people.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use crate::domain::alert::{AlertRequest, CancelRequest};
pub use crate::domain::registrant::Profile as EnrollRequest;
pub use crate::domain::staff::StaffInfo as Me;
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
pub struct ErrorBody {
    /// A stable machine-readable code (`invalid_field`, `unauthorized`, ...).
    pub error: String,
    /// What was wrong, in words a developer can act on.
    pub message: String,
}

/// The `event: resync` payload: the client's position is no longer replayable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resync {
    pub head: u64,
    pub reason: String,
}
