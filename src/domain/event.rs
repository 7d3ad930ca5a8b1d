//! Events: the only way a case changes. The hub appends them to its log; the console folds the
//! same events with the same code ([`super::case::Case::apply`]), so both sides agree by
//! construction.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use std::collections::BTreeMap;

use super::alert::{AlertKind, CancelReason, Location};
use super::checkpoint::{CheckpointCode, CloseOutcome};
use super::registrant::Profile;
use super::staff::Role;

/// Who caused an event. Staff are named so the record says who did what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Actor {
    /// The registrant's phone.
    Phone,
    Staff {
        id: i64,
        name: String,
        role: Role,
    },
    /// The hub itself (timers, routing).
    Hub,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRaised {
    pub alert_id: Uuid,
    pub registrant_id: i64,
    /// A copy of the profile as it stood when the button was pressed: the case must read the same
    /// in a year, whatever the registrant edits later.
    pub registrant: Profile,
    pub kind: AlertKind,
    pub location: Location,
    pub pressed_at: DateTime<Utc>,
    pub distance_km: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertCancelled {
    pub alert_id: Uuid,
    pub reason: CancelReason,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LawyerAssigned {
    pub lawyer_id: i64,
    /// Copied so the record reads the same if the roster changes.
    pub lawyer_name: String,
    pub previous: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointLogged {
    pub code: CheckpointCode,
    /// When it happened (the event's own `at` is when it was logged).
    pub happened_at: DateTime<Utc>,
    pub fields: BTreeMap<String, String>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteAdded {
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseClosed {
    pub outcome: CloseOutcome,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseReopened {
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
// Events are built once and moved, never copied in bulk; boxing would only add indirection.
#[allow(clippy::large_enum_variant)]
pub enum EventBody {
    AlertRaised(AlertRaised),
    AlertCancelled(AlertCancelled),
    CaseAcknowledged,
    LawyerAssigned(LawyerAssigned),
    CheckpointLogged(CheckpointLogged),
    NoteAdded(NoteAdded),
    CaseClosed(CaseClosed),
    CaseReopened(CaseReopened),
}

/// The tag of an [`EventBody`], for timelines and SSE `event:` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    AlertRaised,
    AlertCancelled,
    CaseAcknowledged,
    LawyerAssigned,
    CheckpointLogged,
    NoteAdded,
    CaseClosed,
    CaseReopened,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::AlertRaised => "alert_raised",
            EventKind::AlertCancelled => "alert_cancelled",
            EventKind::CaseAcknowledged => "case_acknowledged",
            EventKind::LawyerAssigned => "lawyer_assigned",
            EventKind::CheckpointLogged => "checkpoint_logged",
            EventKind::NoteAdded => "note_added",
            EventKind::CaseClosed => "case_closed",
            EventKind::CaseReopened => "case_reopened",
        }
    }
}

impl EventBody {
    pub fn kind(&self) -> EventKind {
        match self {
            EventBody::AlertRaised(_) => EventKind::AlertRaised,
            EventBody::AlertCancelled(_) => EventKind::AlertCancelled,
            EventBody::CaseAcknowledged => EventKind::CaseAcknowledged,
            EventBody::LawyerAssigned(_) => EventKind::LawyerAssigned,
            EventBody::CheckpointLogged(_) => EventKind::CheckpointLogged,
            EventBody::NoteAdded(_) => EventKind::NoteAdded,
            EventBody::CaseClosed(_) => EventKind::CaseClosed,
            EventBody::CaseReopened(_) => EventKind::CaseReopened,
        }
    }
}

/// One entry of the log. `seq` is gap-free and increasing across the whole hub.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub seq: u64,
    /// Hub time of the commit.
    pub at: DateTime<Utc>,
    pub case_id: u64,
    pub consulate: String,
    pub actor: Actor,
    /// The case version a staff member acted against (the `If-Match` they sent); absent for
    /// events the phone or the hub caused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub against_version: Option<u64>,
    pub body: EventBody,
}
