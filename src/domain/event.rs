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

mod encoded;
mod protection;
pub use encoded::Encoded;
pub use protection::{
    DutyChange, DutyRecorded, FacilityRecorded, IncidentChange, IncidentRecorded, PlanChange,
    VisitLogged, VisitPlanRecorded,
};

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
    /// Someone with the server's own shell (`guardia admin`).
    Operator,
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
    /// Set when an officer took the alert by phone instead of the button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intake: Option<super::intake::Intake>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertCancelled {
    pub alert_id: Uuid,
    pub reason: CancelReason,
    /// Sent with the app's duress PIN: the phone was answered exactly as for a real cancel, but
    /// the case stays open and goes to the top of every console.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub duress: bool,
}

/// The same person pressed again while their case was open (or called the call center).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertRepeated {
    pub alert_id: Uuid,
    pub kind: AlertKind,
    pub location: Location,
    pub pressed_at: DateTime<Utc>,
    /// Presses this event stands for: more than one when a phone pressing again and again was
    /// coalesced (the latest press's place and time are the ones kept).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub count: u32,
    /// Set when it was a call to the call center joining the case: what the caller said, and
    /// whether the place is known (if not, the case's position is not moved).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intake: Option<super::intake::Intake>,
    /// Set on the press by which a person confirms a case a call made for them (one that held
    /// only their identity): their profile, from their registration, fills in the case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registrant: Option<super::registrant::Profile>,
}

fn one() -> u32 {
    1
}

fn is_one(n: &u32) -> bool {
    *n == 1
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LocationUpdated {
    pub alert_id: Uuid,
    pub location: Location,
    /// When the phone took the fix.
    pub fixed_at: DateTime<Utc>,
}

/// The hub's timers: level 1 puts an unacknowledged case before supervisors; level 2 offers it
/// to the next-nearest consulate as well.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseEscalated {
    pub level: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offered_to: Option<String>,
    /// Staff on duty by the roster when it escalated, at the case's consulate (and the one it
    /// is offered to): the escalation is theirs, by name, not a consulate's in the abstract.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub on_duty: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransferRequested {
    pub to_consulate: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransferAccepted {
    pub from_consulate: String,
    pub to_consulate: String,
    /// The person's distance from the consulate that now has the case; absent in events from
    /// before it was recorded (the old distance then stays).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<f64>,
}

/// The offered consulate said no: the case stays where it was, and the offer is withdrawn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransferDeclined {
    /// The consulate that declined.
    pub consulate: String,
    pub reason: String,
}

/// A change to the staff roster or to someone's access. Not about a case: `case_id` is 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StaffChanged {
    pub staff_id: i64,
    pub change: StaffChange,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StaffChange {
    Added {
        name: String,
        role: Role,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        consulate: Option<String>,
    },
    RoleChanged {
        role: Role,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        consulate: Option<String>,
    },
    Disabled,
    Enabled,
    /// A new token was issued; the old one stops working. The token itself is never logged.
    TokenRotated,
    /// A lawyer's roster row changed on a new import of the roster: whom they serve, in which
    /// languages, how many cases they take.
    RosterChanged {
        serves: Vec<String>,
        languages: Vec<String>,
        capacity: u32,
    },
}

/// A phone's device credential changed: the record of who may press for whom.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeviceChanged {
    pub registrant_id: i64,
    pub change: DeviceChange,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DeviceChange {
    /// The same number verified a new device; this one's token stopped working.
    Replaced { by: i64 },
    /// Revoked by an administrator.
    Revoked,
}

/// Many enrollments or presses from one network in a short time: supervisors are told, since it
/// may be an attack burying real alerts (or a raid, which they need to know about too).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurgeDetected {
    /// `enroll` or `press`.
    pub what: String,
    /// The network, as a /24 (IPv4) or /48 (IPv6) prefix.
    pub network: String,
    /// How many in the window.
    pub count: u32,
    pub window_seconds: u32,
}

/// What a relative's message was about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeAbout {
    Alert,
    Cancel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    Pending,
    Delivered,
    Failed,
}

/// Why a message did not go through, as a class: never the gateway's words, never its URL's path
/// or query (where gateways keep API keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FailureClass {
    Timeout,
    /// The connection was refused or the host unreachable.
    Refused,
    Tls,
    /// The address guard refused the target (a private or special-purpose address).
    BlockedAddress,
    /// 410: the gateway says the target is gone.
    Gone,
    Http4xx,
    Http5xx,
    /// The configured URL cannot be used.
    BadUrl,
    /// Retries ran out (72 h).
    Expired,
    Other,
}

impl FailureClass {
    pub fn as_str(self) -> &'static str {
        match self {
            FailureClass::Timeout => "timeout",
            FailureClass::Refused => "refused",
            FailureClass::Tls => "tls",
            FailureClass::BlockedAddress => "blocked_address",
            FailureClass::Gone => "gone",
            FailureClass::Http4xx => "http_4xx",
            FailureClass::Http5xx => "http_5xx",
            FailureClass::BadUrl => "bad_url",
            FailureClass::Expired => "expired",
            FailureClass::Other => "other",
        }
    }
}

/// A failed attempt: what kind of failure, and at which host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryFailure {
    pub class: FailureClass,
    pub host: String,
}

/// A change in a relative's message delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RelativeNotified {
    /// Index into the registrant's relatives.
    pub relative: usize,
    pub about: NoticeAbout,
    pub state: DeliveryState,
    /// Free text, written only by hubs before failures were classed; kept readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<DeliveryFailure>,
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

/// Someone read a case's personal data. The record of who saw what is in the log like
/// everything else, but it does not change the case: it is logged with `case_id` 0 (the case is
/// named in the body), so it neither moves the case's version nor reaches anyone's queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaseRead {
    pub case_id: u64,
    pub purpose: ReadPurpose,
    /// The console (or tool) it was read from, as it named itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub console: Option<String>,
}

/// A legal hold placed on a case or lifted: while held, retention erases nothing of the person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LegalHold {
    pub on: bool,
    /// What it rests on (a court order, a request from the ministry's legal office).
    pub reason: String,
}

/// The retention policy destroyed the keys of these cases' people: what they held is erased.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordsErased {
    pub cases: Vec<u64>,
    /// Keys destroyed, those of cases and those nothing held any more (abandoned enrollments).
    pub keys: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadPurpose {
    /// Opened in a console.
    View,
    /// Written out by `guardia case export`.
    Export,
    /// Read again by `guardia verify --export`.
    Verify,
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
    AlertRepeated(AlertRepeated),
    LocationUpdated(LocationUpdated),
    CaseEscalated(CaseEscalated),
    TransferRequested(TransferRequested),
    TransferAccepted(TransferAccepted),
    RelativeNotified(RelativeNotified),
    TransferDeclined(TransferDeclined),
    TriageRecorded(super::triage::Triage),
    StaffChanged(StaffChanged),
    DeviceChanged(DeviceChanged),
    SurgeDetected(SurgeDetected),
    CaseRead(CaseRead),
    LegalHold(LegalHold),
    RecordsErased(RecordsErased),
    FacilityRecorded(FacilityRecorded),
    VisitLogged(VisitLogged),
    IncidentRecorded(IncidentRecorded),
    DutyRecorded(DutyRecorded),
    VisitPlanRecorded(VisitPlanRecorded),
    AppointmentLinked(super::appointment::AppointmentLinked),
    AppointmentOut(super::appointment::AppointmentOut),
    SearchEscalated(super::locate::SearchEscalated),
}

/// The tag of an [`EventBody`], for timelines and SSE `event:` names.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr, strum::EnumIter,
)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum EventKind {
    AlertRaised,
    AlertCancelled,
    CaseAcknowledged,
    LawyerAssigned,
    CheckpointLogged,
    NoteAdded,
    CaseClosed,
    CaseReopened,
    AlertRepeated,
    LocationUpdated,
    CaseEscalated,
    TransferRequested,
    TransferAccepted,
    RelativeNotified,
    TransferDeclined,
    TriageRecorded,
    StaffChanged,
    DeviceChanged,
    SurgeDetected,
    CaseRead,
    LegalHold,
    RecordsErased,
    FacilityRecorded,
    VisitLogged,
    IncidentRecorded,
    DutyRecorded,
    VisitPlanRecorded,
    AppointmentLinked,
    AppointmentOut,
    SearchEscalated,
}

impl EventKind {
    /// The kind as the log and the wire write it (serde's name for it).
    pub fn as_str(self) -> &'static str {
        self.into()
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
            EventBody::AlertRepeated(_) => EventKind::AlertRepeated,
            EventBody::LocationUpdated(_) => EventKind::LocationUpdated,
            EventBody::CaseEscalated(_) => EventKind::CaseEscalated,
            EventBody::TransferRequested(_) => EventKind::TransferRequested,
            EventBody::TransferAccepted(_) => EventKind::TransferAccepted,
            EventBody::RelativeNotified(_) => EventKind::RelativeNotified,
            EventBody::TransferDeclined(_) => EventKind::TransferDeclined,
            EventBody::TriageRecorded(_) => EventKind::TriageRecorded,
            EventBody::StaffChanged(_) => EventKind::StaffChanged,
            EventBody::DeviceChanged(_) => EventKind::DeviceChanged,
            EventBody::SurgeDetected(_) => EventKind::SurgeDetected,
            EventBody::CaseRead(_) => EventKind::CaseRead,
            EventBody::LegalHold(_) => EventKind::LegalHold,
            EventBody::RecordsErased(_) => EventKind::RecordsErased,
            EventBody::FacilityRecorded(_) => EventKind::FacilityRecorded,
            EventBody::VisitLogged(_) => EventKind::VisitLogged,
            EventBody::IncidentRecorded(_) => EventKind::IncidentRecorded,
            EventBody::DutyRecorded(_) => EventKind::DutyRecorded,
            EventBody::VisitPlanRecorded(_) => EventKind::VisitPlanRecorded,
            EventBody::AppointmentLinked(_) => EventKind::AppointmentLinked,
            EventBody::AppointmentOut(_) => EventKind::AppointmentOut,
            EventBody::SearchEscalated(_) => EventKind::SearchEscalated,
        }
    }
}

/// Events that are about the roster, not a case: they carry `case_id` 0.
pub const NO_CASE: u64 = 0;

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
