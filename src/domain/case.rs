//! A case and how events change it. Pure: the hub keeps a projection built with this code and the
//! console folds streamed events with it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::alert::{AlertKind, CancelReason, Location};
use super::event::{Actor, Event, EventBody, EventKind};
use super::registrant::{Flag, Profile};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Open,
    Cancelled,
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
    pub flags: Vec<Flag>,
    pub kind: AlertKind,
    pub location: Location,
    pub distance_km: f64,
    pub pressed_at: DateTime<Utc>,
    /// When the hub committed the alert.
    pub received_at: DateTime<Utc>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub assigned_lawyer: Option<i64>,
    pub cancelled: Option<Cancellation>,
    /// Number of events applied; the optimistic-concurrency version.
    pub version: u64,
    pub last_seq: u64,
    pub timeline: Vec<TimelineEntry>,
}

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
            assigned_lawyer: None,
            cancelled: None,
            version: 1,
            last_seq: event.seq,
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
            EventBody::AlertCancelled(c) => {
                self.status = CaseStatus::Cancelled;
                self.cancelled = Some(Cancellation {
                    at: event.at,
                    reason: c.reason,
                });
            }
        }
        self.version += 1;
        self.last_seq = event.seq;
        self.timeline.push(entry(event));
        Ok(true)
    }

    pub fn is_open(&self) -> bool {
        self.status == CaseStatus::Open
    }
}

fn entry(event: &Event) -> TimelineEntry {
    TimelineEntry {
        seq: event.seq,
        at: event.at,
        actor: event.actor.clone(),
        kind: event.body.kind(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::event::{AlertCancelled, AlertRaised};
    use chrono::{NaiveDate, TimeZone};

    pub fn profile(name: &str, flags: Vec<Flag>) -> Profile {
        Profile {
            name: name.into(),
            date_of_birth: NaiveDate::from_ymd_opt(1990, 5, 1).unwrap(),
            consular_id: "MX1234567".into(),
            phone: "+13105550100".into(),
            language: "es".into(),
            flags,
            relatives: vec![],
        }
    }

    pub fn raised(seq: u64, case_id: u64, kind: AlertKind, flags: Vec<Flag>) -> Event {
        let at = Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap();
        Event {
            seq,
            at,
            case_id,
            consulate: "los-angeles".into(),
            actor: Actor::Phone,
            body: EventBody::AlertRaised(AlertRaised {
                alert_id: Uuid::from_u128(case_id as u128),
                registrant_id: case_id as i64,
                registrant: profile("Persona Ficticia", flags),
                kind,
                location: Location {
                    lat: 34.0,
                    lon: -118.2,
                    accuracy_m: 10.0,
                },
                pressed_at: at,
                distance_km: 5.0,
            }),
        }
    }

    pub fn cancelled(seq: u64, case_id: u64) -> Event {
        Event {
            seq,
            at: Utc.with_ymd_and_hms(2026, 11, 22, 10, 5, 0).unwrap(),
            case_id,
            consulate: "los-angeles".into(),
            actor: Actor::Phone,
            body: EventBody::AlertCancelled(AlertCancelled {
                alert_id: Uuid::from_u128(case_id as u128),
                reason: CancelReason::Safe,
            }),
        }
    }

    #[test]
    fn cancel_changes_status_and_version_once() {
        let mut case = Case::open(&raised(1, 7, AlertKind::Imminent, vec![])).unwrap();
        assert!(case.apply(&cancelled(2, 7)).unwrap());
        assert!(
            !case.apply(&cancelled(2, 7)).unwrap(),
            "a replayed event is ignored"
        );
        assert_eq!(case.status, CaseStatus::Cancelled);
        assert_eq!(case.version, 2);
        assert_eq!(case.timeline.len(), 2);
    }

    #[test]
    fn events_of_another_case_are_refused() {
        let mut case = Case::open(&raised(1, 7, AlertKind::Imminent, vec![])).unwrap();
        assert!(matches!(
            case.apply(&cancelled(2, 8)),
            Err(ApplyError::WrongCase { .. })
        ));
    }

    #[test]
    fn age_adds_over_65() {
        let mut p = profile("x", vec![]);
        p.date_of_birth = NaiveDate::from_ymd_opt(1950, 1, 1).unwrap();
        let on = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        assert_eq!(p.effective_flags(on), vec![Flag::Over65]);
    }
}
