//! A case and how events change it. Pure: the hub keeps a projection built with this code and the
//! console folds streamed events with it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use std::collections::BTreeMap;

use super::alert::{AlertKind, CancelReason, Location};
use super::checkpoint::{CheckpointCode, CloseOutcome};
use super::event::{Actor, DeliveryState, Event, EventBody, EventKind, NoticeAbout};
use super::registrant::{Flag, Profile};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Open,
    /// The phone cancelled; it stays in the queue until an officer closes it.
    Cancelled,
    Closed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cancellation {
    pub at: DateTime<Utc>,
    pub reason: CancelReason,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEntry {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub actor: Actor,
    pub kind: EventKind,
    /// A short, language-neutral detail: a checkpoint or outcome code, a lawyer's name, a reason.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointRecord {
    pub seq: u64,
    pub code: CheckpointCode,
    pub happened_at: DateTime<Utc>,
    pub logged_at: DateTime<Utc>,
    pub by: Actor,
    pub fields: BTreeMap<String, String>,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteRecord {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub by: Actor,
    pub text: String,
}

/// A position of the phone: the press, a repeat press or a location update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fix {
    pub at: DateTime<Utc>,
    pub location: Location,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingTransfer {
    pub to_consulate: String,
    pub reason: String,
    pub at: DateTime<Utc>,
    pub by: Actor,
}

/// Where a relative's message stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Delivery {
    pub relative: usize,
    pub about: NoticeAbout,
    pub state: DeliveryState,
    pub reason: Option<String>,
    #[serde(default)]
    pub failure: Option<super::event::DeliveryFailure>,
    pub at: DateTime<Utc>,
}

/// Most fixes kept in the projection; the log keeps every one. 24 keeps a busy case's row
/// within one 4 KB page (at 50 it took two, and every press rewrote both). In the raid profile
/// (docs/performance.md) that wrote 13% fewer bytes per run.
pub const TRAIL_LEN: usize = 24;
/// Press times kept, to tell a phone pressing again and again.
pub const RECENT_PRESSES: usize = 8;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Closure {
    pub at: DateTime<Utc>,
    pub by: Actor,
    pub outcome: CloseOutcome,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub id: u64,
    pub consulate: String,
    pub status: CaseStatus,
    pub alert_id: Uuid,
    pub registrant_id: i64,
    pub registrant: Profile,
    /// Flags as they applied when the alert was raised (age-derived ones included).
    /// Always sent, even empty: consoles built before empty fields were left out require it.
    #[serde(default)]
    pub flags: Vec<Flag>,
    pub kind: AlertKind,
    pub location: Location,
    pub distance_km: f64,
    pub pressed_at: DateTime<Utc>,
    /// When the hub committed the alert.
    pub received_at: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_at: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub acknowledged_by: Option<Actor>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_lawyer: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assigned_lawyer_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled: Option<Cancellation>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checkpoints: Vec<CheckpointRecord>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<NoteRecord>,
    /// The latest closing; a reopened case keeps it until it is closed again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed: Option<Closure>,
    /// Presses by the same person on this case, the first included.
    #[serde(default = "one")]
    pub presses: u32,
    /// Positions, oldest first (the last [`TRAIL_LEN`]).
    #[serde(default)]
    pub trail: Vec<Fix>,
    /// Set when a cancel came with the duress PIN: the case stays open, at the top.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duress_at: Option<DateTime<Utc>>,
    /// 0 none; 1 before supervisors; 2 also offered to `offered_to`.
    #[serde(default)]
    pub escalation: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offered_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transfer: Option<PendingTransfer>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deliveries: Vec<Delivery>,
    /// Taken by phone at the call center, not pressed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub intake: Option<super::intake::Intake>,
    /// Staff who took a call that made or joined the case: when it is another consulate's, they
    /// may still add what the caller says (and read nothing of it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub call_takers: Vec<i64>,
    /// Consent, intent and kind of matter, once an officer has asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub triage: Option<super::triage::Triage>,
    /// Lawyers the case was reassigned away from: they see nothing more of it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub former_lawyers: Vec<i64>,
    /// Consulates the case was handed away from: they see nothing more of it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub former_consulates: Vec<String>,
    /// When the last few presses reached the hub (hub time), oldest first.
    #[serde(default)]
    pub recent_presses: Vec<DateTime<Utc>>,
    /// The watched appointment the case came from (or that the person pressed during): what
    /// they told beforehand, and whether they said they came out since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment: Option<super::appointment::OnCase>,
    /// Open while nobody can find the person (`NOT_LOCATED` until a placement, a release, a
    /// removal or a closing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<super::locate::Search>,
    /// Under a legal hold: retention erases nothing of the person while it stands.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub legal_hold: bool,
    /// The optimistic-concurrency version: events that change what a decision rests on (all but
    /// relatives' deliveries and position updates).
    pub version: u64,
    pub last_seq: u64,
    /// The last thing that happened to the case (kept when the timeline is not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last: Option<TimelineEntry>,
    /// The `seq` of the first cancel (plain or under duress), so a repeated cancel answers the
    /// same.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancel_seq: Option<u64>,
    /// Every event, when the case was read whole from the log (opening it, exporting it). The
    /// hub's stored projection and the consoles' lists leave it empty, and an empty timeline
    /// stays empty as events are applied: that keeps the cost of an event the same whatever the
    /// case's history.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timeline: Vec<TimelineEntry>,
}

/// Notes kept in the stored projection (the log keeps every one).
pub const NOTES_KEPT: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    #[error("event {seq} is for case {event_case}, not case {case}")]
    WrongCase {
        seq: u64,
        event_case: u64,
        case: u64,
    },
    #[error("event {seq} opens a case that already exists")]
    AlreadyOpen { seq: u64 },
    #[error("event {seq} needs an open case")]
    NoCase { seq: u64 },
}

impl Case {
    /// The person's A-number, as last recorded.
    pub fn a_number(&self) -> Option<&str> {
        self.checkpoints
            .iter()
            .rev()
            .find(|k| k.code == crate::domain::checkpoint::CheckpointCode::ANumberRecorded)
            .and_then(|k| k.fields.get("a_number"))
            .map(String::as_str)
    }

    /// Starts a case from the event that opens one.
    pub fn open(event: &Event) -> Result<Case, ApplyError> {
        let EventBody::AlertRaised(raised) = &event.body else {
            return Err(ApplyError::NoCase { seq: event.seq });
        };
        Ok(Case {
            id: event.case_id,
            consulate: event.consulate.clone(),
            status: CaseStatus::Open,
            alert_id: raised.alert_id,
            registrant_id: raised.registrant_id,
            registrant: raised.registrant.clone(),
            flags: raised
                .registrant
                .effective_flags(raised.pressed_at.date_naive()),
            kind: raised.kind,
            location: raised.location,
            distance_km: raised.distance_km,
            pressed_at: raised.pressed_at,
            received_at: event.at,
            acknowledged_at: None,
            acknowledged_by: None,
            assigned_lawyer: None,
            assigned_lawyer_name: None,
            cancelled: None,
            checkpoints: Vec::new(),
            notes: Vec::new(),
            closed: None,
            presses: 1,
            trail: vec![Fix {
                at: raised.pressed_at,
                location: raised.location,
            }],
            duress_at: None,
            escalation: 0,
            offered_to: None,
            transfer: None,
            deliveries: Vec::new(),
            intake: raised.intake.clone(),
            call_takers: raised
                .intake
                .as_ref()
                .and(staff_id(&event.actor))
                .into_iter()
                .collect(),
            triage: None,
            appointment: None,
            search: None,
            legal_hold: false,
            former_lawyers: Vec::new(),
            former_consulates: Vec::new(),
            recent_presses: vec![event.at],
            version: 1,
            last_seq: event.seq,
            last: Some(entry(event)),
            cancel_seq: None,
            timeline: vec![entry(event)],
        })
    }

    /// Applies a later event. Events at or below `last_seq` are ignored, so replaying a stream
    /// that overlaps what was already applied never doubles anything.
    pub fn apply(&mut self, event: &Event) -> Result<bool, ApplyError> {
        if event.case_id != self.id {
            return Err(ApplyError::WrongCase {
                seq: event.seq,
                event_case: event.case_id,
                case: self.id,
            });
        }
        if event.seq <= self.last_seq {
            return Ok(false);
        }
        match &event.body {
            EventBody::AlertRaised(_) => return Err(ApplyError::AlreadyOpen { seq: event.seq }),
            EventBody::AlertCancelled(c) if c.duress => self.duress_at = Some(event.at),
            EventBody::AlertCancelled(c) => {
                if self.status == CaseStatus::Open {
                    self.status = CaseStatus::Cancelled;
                }
                self.cancelled = Some(Cancellation {
                    at: event.at,
                    reason: c.reason,
                });
            }
            EventBody::AlertRepeated(r) => {
                // A call is not a press: it is counted by its own record below.
                if r.intake.is_none() {
                    self.presses += r.count.max(1);
                    self.recent_presses.push(event.at);
                    if self.recent_presses.len() > RECENT_PRESSES {
                        self.recent_presses.remove(0);
                    }
                }
                // A press that says "detained" outranks an earlier "imminent", and so does a
                // watched appointment the person did not come out of.
                if r.kind == AlertKind::Detained {
                    self.kind = AlertKind::Detained;
                } else if r.kind == AlertKind::AppointmentMissed && self.kind == AlertKind::Imminent
                {
                    self.kind = AlertKind::AppointmentMissed;
                }
                if self.status == CaseStatus::Cancelled {
                    self.status = CaseStatus::Open;
                }
                // The person's own press confirmed a case a call made: their profile fills it in.
                if let Some(profile) = &r.registrant {
                    self.registrant = profile.clone();
                    if let Some(intake) = &mut self.intake {
                        intake.identity_only = false;
                    }
                }
                match &r.intake {
                    // A call: what the caller said goes on the record; a place nobody knows
                    // does not move the person on the map.
                    Some(call) => {
                        // A stream that withholds the words (a national reader's) leaves no
                        // empty note: the words are read with the case.
                        if !call.description.is_empty() {
                            self.notes.push(NoteRecord {
                                seq: event.seq,
                                at: event.at,
                                by: event.actor.clone(),
                                text: format!("☎ {}", call.description),
                            });
                        }
                        if let Some(id) = staff_id(&event.actor)
                            && !self.call_takers.contains(&id)
                        {
                            self.call_takers.push(id);
                        }
                        if call.located {
                            self.push_fix(r.pressed_at, r.location);
                        }
                    }
                    None => self.push_fix(r.pressed_at, r.location),
                }
            }
            EventBody::LocationUpdated(l) => self.push_fix(l.fixed_at, l.location),
            EventBody::CaseEscalated(e) => {
                self.escalation = self.escalation.max(e.level);
                if e.offered_to.is_some() {
                    self.offered_to.clone_from(&e.offered_to);
                }
            }
            EventBody::TransferRequested(t) => {
                self.transfer = Some(PendingTransfer {
                    to_consulate: t.to_consulate.clone(),
                    reason: t.reason.clone(),
                    at: event.at,
                    by: event.actor.clone(),
                })
            }
            EventBody::TransferAccepted(t) => {
                if let Some(km) = t.distance_km {
                    self.distance_km = km;
                }
                let from = std::mem::replace(&mut self.consulate, t.to_consulate.clone());
                self.former_consulates.retain(|c| *c != self.consulate);
                if !self.former_consulates.contains(&from) {
                    self.former_consulates.push(from);
                }
                self.transfer = None;
                self.offered_to = None;
            }
            EventBody::TransferDeclined(_) => {
                self.transfer = None;
                self.offered_to = None;
            }
            EventBody::TriageRecorded(t) => self.triage = Some(*t),
            EventBody::LegalHold(h) => self.legal_hold = h.on,
            EventBody::AppointmentLinked(l) => self.appointment = Some(l.appointment.clone()),
            EventBody::SearchEscalated(e) => {
                if let Some(s) = &mut self.search {
                    s.escalated = s.escalated.max(e.hours);
                }
            }
            EventBody::AppointmentOut(o) => {
                if let Some(a) = self
                    .appointment
                    .as_mut()
                    .filter(|a| a.id == o.appointment_id)
                {
                    a.out_at = Some(event.at);
                }
            }
            // Roster events carry no case; `case_id` 0 never matches one.
            EventBody::StaffChanged(_)
            | EventBody::DeviceChanged(_)
            | EventBody::SurgeDetected(_)
            | EventBody::CaseRead(_)
            | EventBody::RecordsErased(_)
            | EventBody::FacilityRecorded(_)
            | EventBody::VisitLogged(_)
            | EventBody::IncidentRecorded(_)
            | EventBody::DutyRecorded(_)
            | EventBody::VisitPlanRecorded(_) => return Ok(false),
            EventBody::RelativeNotified(n) => {
                let delivery = Delivery {
                    relative: n.relative,
                    about: n.about,
                    state: n.state,
                    reason: n.reason.clone(),
                    failure: n.failure.clone(),
                    at: event.at,
                };
                match self
                    .deliveries
                    .iter_mut()
                    .find(|d| d.relative == n.relative && d.about == n.about)
                {
                    Some(d) => *d = delivery,
                    None => self.deliveries.push(delivery),
                }
            }
            EventBody::CaseAcknowledged => {
                // Someone has it: an escalation's offer to another consulate is withdrawn.
                self.offered_to = None;
                self.acknowledged_at = Some(event.at);
                self.acknowledged_by = Some(event.actor.clone());
            }
            EventBody::LawyerAssigned(a) => {
                if let Some(before) = self.assigned_lawyer.filter(|b| *b != a.lawyer_id)
                    && !self.former_lawyers.contains(&before)
                {
                    self.former_lawyers.push(before);
                }
                self.former_lawyers.retain(|l| *l != a.lawyer_id);
                self.assigned_lawyer = Some(a.lawyer_id);
                self.assigned_lawyer_name = Some(a.lawyer_name.clone());
                // checkpoints.md: a representative assignment is logged automatically.
                self.checkpoints.push(CheckpointRecord {
                    seq: event.seq,
                    code: CheckpointCode::RepresentativeAssigned,
                    happened_at: event.at,
                    logged_at: event.at,
                    by: event.actor.clone(),
                    fields: BTreeMap::from([("lawyer".to_string(), a.lawyer_name.clone())]),
                    note: String::new(),
                });
            }
            EventBody::CheckpointLogged(c) => {
                // A confirmed detention is what the case is about now, however it began.
                if c.code == CheckpointCode::DetentionConfirmed {
                    self.kind = AlertKind::Detained;
                }
                match c.code {
                    CheckpointCode::NotLocated if self.search.is_none() => {
                        self.search = Some(super::locate::Search {
                            since: c.happened_at,
                            escalated: 0,
                        })
                    }
                    // Found: held somewhere, out, or gone.
                    CheckpointCode::FacilityLocated
                    | CheckpointCode::FacilityTransfer
                    | CheckpointCode::Released
                    | CheckpointCode::Removed => self.search = None,
                    _ => {}
                }
                self.checkpoints.push(CheckpointRecord {
                    seq: event.seq,
                    code: c.code,
                    happened_at: c.happened_at,
                    logged_at: event.at,
                    by: event.actor.clone(),
                    fields: c.fields.clone(),
                    note: c.note.clone(),
                });
            }
            EventBody::NoteAdded(n) => self.notes.push(NoteRecord {
                seq: event.seq,
                at: event.at,
                by: event.actor.clone(),
                text: n.text.clone(),
            }),
            EventBody::CaseClosed(c) => {
                // Nothing is handed over any more: a pending transfer or offer is withdrawn,
                // and nobody is searched for.
                self.transfer = None;
                self.search = None;
                self.offered_to = None;
                self.status = CaseStatus::Closed;
                self.closed = Some(Closure {
                    at: event.at,
                    by: event.actor.clone(),
                    outcome: c.outcome,
                    note: c.note.clone(),
                });
            }
            EventBody::CaseReopened(_) => {
                // The closure no longer stands: nothing reads "closed as" a case that is open
                // again (the history keeps it).
                self.status = CaseStatus::Open;
                self.closed = None;
            }
        }
        if matches!(event.body, EventBody::AlertCancelled(_)) && self.cancel_seq.is_none() {
            self.cancel_seq = Some(event.seq);
        }
        // The version is what a person's decision rests on (`If-Match`). A relative's message
        // being delivered or the phone's position moving does not change that, and they arrive
        // every few seconds: counting them would refuse an officer's first acknowledgement.
        if !matches!(
            event.body,
            EventBody::RelativeNotified(_) | EventBody::LocationUpdated(_)
        ) {
            self.version += 1;
        }
        self.last_seq = event.seq;
        let e = entry(event);
        if !self.timeline.is_empty() {
            self.timeline.push(e.clone());
        }
        self.last = Some(e);
        Ok(true)
    }

    pub fn is_open(&self) -> bool {
        self.status == CaseStatus::Open
    }

    /// "Sin atender": open and acknowledged by nobody yet. The one definition the queue's
    /// counts, its quick view, bulk acknowledgement, the backlog, the shift tab and the
    /// handover all count by.
    pub fn unattended(&self) -> bool {
        self.is_open() && self.acknowledged_at.is_none()
    }

    /// "Sin abogado": open with no lawyer assigned, whether or not someone has acknowledged it
    /// (an unattended case has no lawyer either, and is counted here too).
    pub fn without_lawyer(&self) -> bool {
        self.is_open() && self.assigned_lawyer.is_none()
    }

    fn push_fix(&mut self, at: DateTime<Utc>, location: Location) {
        self.trail.push(Fix { at, location });
        if self.trail.len() > TRAIL_LEN {
            self.trail.remove(0);
        }
        if at >= self.trail.iter().map(|f| f.at).max().unwrap_or(at) {
            self.location = location;
        }
    }

    /// How many presses reached the hub within `window` before `now`.
    pub fn presses_within(&self, now: DateTime<Utc>, window: chrono::Duration) -> usize {
        self.recent_presses
            .iter()
            .filter(|t| **t > now - window)
            .count()
    }

    /// Whether the person's place is known. A call-center intake for a place nobody could
    /// match has the consulate's own coordinates as a placeholder: no distance, no map point.
    pub fn located(&self) -> bool {
        self.intake.as_ref().is_none_or(|i| i.located)
    }

    /// The distance to the consulate, when the place is known.
    pub fn known_distance(&self) -> Option<f64> {
        self.located().then_some(self.distance_km)
    }

    /// The consulate that also sees this case: the target of a pending transfer, or the one an
    /// escalation offered it to.
    pub fn also_consulate(&self) -> Option<&str> {
        self.transfer
            .as_ref()
            .map(|t| t.to_consulate.as_str())
            .or(self.offered_to.as_deref())
    }

    /// The time of the last change, for "what happened since you looked".
    pub fn last_entry(&self) -> Option<&TimelineEntry> {
        self.last.as_ref()
    }

    /// Cuts the case down to what the stored projection keeps: no timeline; of each kind of
    /// checkpoint the first and the latest (deadlines count from a first detention, stages from
    /// the latest), and the latest contact that reached the person (urgency asks whether anyone
    /// ever did); the last [`NOTES_KEPT`] notes. Everything else is in the log, read when
    /// someone opens the case; the size of what is rewritten per event stays bounded.
    pub fn bounded(&mut self) {
        use std::collections::HashMap;
        self.timeline = Vec::new();
        let mut first: HashMap<(CheckpointCode, &str), usize> = HashMap::new();
        let mut last: HashMap<(CheckpointCode, &str), usize> = HashMap::new();
        let mut reached = None;
        for (i, c) in self.checkpoints.iter().enumerate() {
            // Checklist steps, appeals and harms are kept per step, forum and harm: each one
            // answers a different deadline or list (at most a dozen, so still bounded).
            let variant = match c.code {
                CheckpointCode::ChecklistStep => c.fields.get("step"),
                CheckpointCode::AppealFiled => c.fields.get("forum"),
                CheckpointCode::HarmInCustody => c.fields.get("harm"),
                _ => None,
            };
            let key = (c.code, variant.map_or("", String::as_str));
            first.entry(key).or_insert(i);
            last.insert(key, i);
            if c.code == CheckpointCode::ContactAttempt
                && c.fields.get("outcome").is_some_and(|o| o == "reached")
            {
                reached = Some(i);
            }
        }
        let keep: std::collections::HashSet<usize> = first
            .into_values()
            .chain(last.into_values())
            .chain(reached)
            .collect();
        let mut i = 0;
        self.checkpoints.retain(|_| {
            i += 1;
            keep.contains(&(i - 1))
        });
        let extra = self.notes.len().saturating_sub(NOTES_KEPT);
        self.notes.drain(..extra);
    }
}

fn one() -> u32 {
    1
}

/// The staff member behind an actor, if a person at a console.
fn staff_id(actor: &Actor) -> Option<i64> {
    match actor {
        Actor::Staff { id, .. } => Some(*id),
        _ => None,
    }
}

/// The timeline's detail for an alert or a repeat that came by phone to the call center.
pub const BY_CALL: &str = "call";

fn entry(event: &Event) -> TimelineEntry {
    let detail = match &event.body {
        EventBody::AlertRaised(r) if r.intake.is_some() => Some(BY_CALL.into()),
        EventBody::AlertRepeated(r) if r.intake.is_some() => Some(BY_CALL.into()),
        EventBody::AlertRaised(_)
        | EventBody::CaseAcknowledged
        | EventBody::LocationUpdated(_)
        | EventBody::AlertRepeated(_) => None,
        EventBody::AlertCancelled(c) if c.duress => Some("duress".into()),
        EventBody::AlertCancelled(c) => Some(
            serde_json::to_value(c.reason)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default(),
        ),
        EventBody::LawyerAssigned(a) => Some(a.lawyer_name.clone()),
        EventBody::CheckpointLogged(c) => Some(c.code.as_str().to_string()),
        EventBody::NoteAdded(n) => Some(n.text.clone()),
        EventBody::CaseClosed(c) => Some(c.outcome.as_str().to_string()),
        EventBody::CaseReopened(r) => Some(r.reason.clone()),
        EventBody::CaseEscalated(e) => Some(match &e.offered_to {
            Some(c) => format!("{}:{c}", e.level),
            None => e.level.to_string(),
        }),
        EventBody::TransferRequested(t) => Some(t.to_consulate.clone()),
        EventBody::TransferAccepted(t) => Some(t.from_consulate.clone()),
        EventBody::TransferDeclined(t) => Some(t.consulate.clone()),
        EventBody::TriageRecorded(t) => Some(format!(
            "{}/{}/{}",
            t.consent.as_str(),
            t.intent.as_str(),
            t.category.as_str()
        )),
        EventBody::StaffChanged(_)
        | EventBody::DeviceChanged(_)
        | EventBody::SurgeDetected(_)
        | EventBody::CaseRead(_)
        | EventBody::RecordsErased(_)
        | EventBody::FacilityRecorded(_)
        | EventBody::VisitLogged(_)
        | EventBody::IncidentRecorded(_)
        | EventBody::DutyRecorded(_)
        | EventBody::VisitPlanRecorded(_) => None,
        EventBody::LegalHold(h) => Some(if h.on { "on" } else { "off" }.into()),
        EventBody::AppointmentLinked(l) => Some(
            match l.why {
                super::appointment::Linked::Missed => "missed",
                super::appointment::Linked::Pressed => "pressed",
                super::appointment::Linked::Duress => "duress",
            }
            .into(),
        ),
        EventBody::AppointmentOut(_) => None,
        EventBody::SearchEscalated(e) => Some(e.hours.to_string()),
        EventBody::RelativeNotified(n) => Some(format!(
            "{}:{}",
            n.relative,
            serde_json::to_value(n.state)
                .ok()
                .and_then(|v| v.as_str().map(String::from))
                .unwrap_or_default()
        )),
    };
    TimelineEntry {
        seq: event.seq,
        at: event.at,
        actor: event.actor.clone(),
        kind: event.body.kind(),
        detail,
    }
}

#[cfg(test)]
pub(crate) mod tests;
