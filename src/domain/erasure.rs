//! What is left of a person's record once their key is destroyed (retention): the shape of the
//! case and of every event, so the log, its counts and its chain stay whole, with nothing that
//! names, reaches or places anyone.
//!
//! The hub stores each event and case twice: this form in the clear, and the whole of it sealed
//! under the person's key. Before erasure, readers get the whole; after, this.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::alert::Location;
use super::appointment::Place;
use super::case::{Case, Fix, NoteRecord};
use super::event::{Event, EventBody, EventKind};
use super::intake::Intake;
use super::registrant::Profile;

/// The profile with only what counts need: language and flags (which the backlog and the
/// figures group by, and which name no one).
pub fn profile(p: &Profile) -> Profile {
    Profile {
        name: String::new(),
        date_of_birth: None,
        consular_id: String::new(),
        phone: String::new(),
        language: p.language.clone(),
        flags: p.flags.clone(),
        relatives: Vec::new(),
        erased: true,
    }
}

/// An appointment with its kind and times (what the figures count) and nothing of where it was
/// or what the person said.
fn appointment(a: &mut super::appointment::OnCase) {
    a.place = super::appointment::Place {
        name: String::new(),
        lat: 0.0,
        lon: 0.0,
        facility: None,
    };
    a.note.clear();
}

/// No position at all: a rounded one would still say where someone was.
pub fn location() -> Location {
    Location {
        lat: 0.0,
        lon: 0.0,
        accuracy_m: 0.0,
    }
}

/// The event without what is personal, or `None` when it carries nothing personal (it is then
/// stored once, in the clear).
pub fn event(event: &Event) -> Option<Event> {
    split_event(event).map(|(erased, _)| erased)
}

/// What erasure takes out of an event, kept apart so that it alone is sealed: [`join_event`]
/// puts it back into the erased event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventPersonal {
    Raised {
        registrant: Profile,
        location: Location,
        intake: Option<IntakePart>,
    },
    Repeated {
        location: Location,
        intake: Option<IntakePart>,
    },
    Located(Location),
    /// A note, a closing note, a reason to reopen or to transfer, a reason a transfer was
    /// declined: what someone wrote.
    Text(String),
    Checkpoint {
        fields: BTreeMap<String, String>,
        note: String,
    },
    Appointment(Place, String),
}

/// The event as erasure leaves it, and what erasure took out of it; `None` when it carries
/// nothing personal.
pub fn split_event(event: &Event) -> Option<(Event, EventPersonal)> {
    use std::mem::{replace, take};
    let mut copy = event.clone();
    let personal = match &mut copy.body {
        EventBody::AlertRaised(r) => {
            let registrant = r.registrant.clone();
            // The flags the birth date implied on the day, kept: the case's flags are folded
            // from them, and the erased fold must count the same.
            r.registrant.flags = r.registrant.effective_flags(r.pressed_at.date_naive());
            r.registrant = profile(&r.registrant);
            EventPersonal::Raised {
                registrant,
                location: replace(&mut r.location, location()),
                intake: r.intake.as_mut().map(IntakePart::take),
            }
        }
        EventBody::AlertRepeated(r) => EventPersonal::Repeated {
            location: replace(&mut r.location, location()),
            intake: r.intake.as_mut().map(IntakePart::take),
        },
        EventBody::LocationUpdated(l) => {
            EventPersonal::Located(replace(&mut l.location, location()))
        }
        EventBody::NoteAdded(n) => EventPersonal::Text(take(&mut n.text)),
        EventBody::CheckpointLogged(c) => EventPersonal::Checkpoint {
            fields: take(&mut c.fields),
            note: take(&mut c.note),
        },
        EventBody::CaseClosed(c) => EventPersonal::Text(take(&mut c.note)),
        EventBody::AppointmentLinked(l) => {
            let kept = (l.appointment.place.clone(), l.appointment.note.clone());
            appointment(&mut l.appointment);
            EventPersonal::Appointment(kept.0, kept.1)
        }
        EventBody::CaseReopened(r) => EventPersonal::Text(take(&mut r.reason)),
        EventBody::TransferRequested(t) => EventPersonal::Text(take(&mut t.reason)),
        EventBody::TransferDeclined(t) => EventPersonal::Text(take(&mut t.reason)),
        _ => return None,
    };
    Some((copy, personal))
}

/// The whole event from its erased form and what [`split_event`] took out of it. A part that
/// does not fit the event's kind is dropped, never put where it does not belong.
pub fn join_event(mut event: Event, personal: EventPersonal) -> Event {
    use EventPersonal as P;
    match (&mut event.body, personal) {
        (
            EventBody::AlertRaised(r),
            P::Raised {
                registrant,
                location,
                intake,
            },
        ) => {
            r.registrant = registrant;
            r.location = location;
            IntakePart::put(&mut r.intake, intake);
        }
        (EventBody::AlertRepeated(r), P::Repeated { location, intake }) => {
            r.location = location;
            IntakePart::put(&mut r.intake, intake);
        }
        (EventBody::LocationUpdated(l), P::Located(location)) => l.location = location,
        (EventBody::NoteAdded(n), P::Text(text)) => n.text = text,
        (EventBody::CheckpointLogged(c), P::Checkpoint { fields, note }) => {
            c.fields = fields;
            c.note = note;
        }
        (EventBody::CaseClosed(c), P::Text(note)) => c.note = note,
        (EventBody::AppointmentLinked(l), P::Appointment(place, note)) => {
            l.appointment.place = place;
            l.appointment.note = note;
        }
        (EventBody::CaseReopened(r), P::Text(reason)) => r.reason = reason,
        (EventBody::TransferRequested(t), P::Text(reason)) => t.reason = reason,
        (EventBody::TransferDeclined(t), P::Text(reason)) => t.reason = reason,
        _ => {}
    }
    event
}

/// The case without what is personal. Applied to the case the log folds to, it gives the same
/// as applied to the fold of the erased events: `guardia verify` relies on that.
pub fn case(case: Case) -> Case {
    split(case).0
}

/// What erasure takes out of a case, kept apart so that it alone is sealed: [`join`] puts it
/// back into the erased case. Positional lists follow the case's own (its checkpoints; its
/// timeline entries that carry a personal detail, the last one after them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Personal {
    registrant: Profile,
    location: Location,
    trail: Vec<Fix>,
    notes: Vec<NoteRecord>,
    checkpoints: Vec<(BTreeMap<String, String>, String)>,
    closed_note: Option<String>,
    transfer_reason: Option<String>,
    intake: Option<IntakePart>,
    appointment: Option<(Place, String)>,
    details: Vec<Option<String>>,
}

/// What a call taker wrote down of where and what: the intake's personal part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntakePart {
    description: String,
    place: Option<String>,
    matched_place: Option<String>,
}

impl IntakePart {
    fn take(i: &mut Intake) -> IntakePart {
        IntakePart {
            description: std::mem::take(&mut i.description),
            place: i.place.take(),
            matched_place: i.matched_place.take(),
        }
    }

    fn put(intake: &mut Option<Intake>, part: Option<IntakePart>) {
        if let (Some(i), Some(part)) = (intake, part) {
            i.description = part.description;
            i.place = part.place;
            i.matched_place = part.matched_place;
        }
    }
}

/// Timeline entries whose detail is what someone wrote (a note, a reason to reopen).
fn personal_detail(kind: EventKind) -> bool {
    matches!(kind, EventKind::NoteAdded | EventKind::CaseReopened)
}

/// The case as erasure leaves it, and what erasure took out of it.
pub fn split(mut case: Case) -> (Case, Personal) {
    let mut erased_profile = profile(&case.registrant);
    erased_profile.flags = case.flags.clone();
    let registrant = std::mem::replace(&mut case.registrant, erased_profile);
    let checkpoints = case
        .checkpoints
        .iter_mut()
        .map(|c| (std::mem::take(&mut c.fields), std::mem::take(&mut c.note)))
        .collect();
    let appointment = case.appointment.as_mut().map(|a| {
        let place = a.place.clone();
        let note = a.note.clone();
        appointment(a);
        (place, note)
    });
    let details = case
        .timeline
        .iter_mut()
        .chain(case.last.iter_mut())
        .filter(|e| personal_detail(e.kind))
        .map(|e| e.detail.take())
        .collect();
    let personal = Personal {
        registrant,
        location: std::mem::replace(&mut case.location, location()),
        trail: std::mem::take(&mut case.trail),
        notes: std::mem::take(&mut case.notes),
        checkpoints,
        closed_note: case.closed.as_mut().map(|c| std::mem::take(&mut c.note)),
        transfer_reason: case
            .transfer
            .as_mut()
            .map(|t| std::mem::take(&mut t.reason)),
        intake: case.intake.as_mut().map(IntakePart::take),
        appointment,
        details,
    };
    (case, personal)
}

/// The whole case from its erased form and what [`split`] took out of it. Parts whose place in
/// the erased case is gone (a list shorter than the one split) are dropped, never misplaced.
pub fn join(mut case: Case, personal: Personal) -> Case {
    case.registrant = personal.registrant;
    case.location = personal.location;
    case.trail = personal.trail;
    case.notes = personal.notes;
    for (c, (fields, note)) in case.checkpoints.iter_mut().zip(personal.checkpoints) {
        c.fields = fields;
        c.note = note;
    }
    if let (Some(c), Some(note)) = (&mut case.closed, personal.closed_note) {
        c.note = note;
    }
    if let (Some(t), Some(reason)) = (&mut case.transfer, personal.transfer_reason) {
        t.reason = reason;
    }
    IntakePart::put(&mut case.intake, personal.intake);
    if let (Some(a), Some((place, note))) = (&mut case.appointment, personal.appointment) {
        a.place = place;
        a.note = note;
    }
    let entries = case
        .timeline
        .iter_mut()
        .chain(case.last.iter_mut())
        .filter(|e| personal_detail(e.kind));
    for (entry, detail) in entries.zip(personal.details) {
        entry.detail = detail;
    }
    case
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::AlertKind;
    use crate::domain::case::tests::{profile as a_profile, raised};
    use crate::domain::event::NoteAdded;
    use crate::domain::registrant::Flag;

    fn note(seq: u64, text: &str) -> Event {
        let mut e = raised(seq, 1001, AlertKind::Detained, vec![]);
        e.body = EventBody::NoteAdded(NoteAdded { text: text.into() });
        e
    }

    #[test]
    fn an_erased_profile_keeps_what_counts_group_by_and_nothing_that_names() {
        let p = a_profile("Ana María López", vec![Flag::Pregnancy]);
        let e = profile(&p);
        assert!(e.erased);
        assert_eq!(
            (e.language.as_str(), e.flags.clone()),
            ("es", vec![Flag::Pregnancy])
        );
        let json = serde_json::to_string(&e).unwrap();
        for personal in ["Ana", &p.phone, &p.consular_id] {
            assert!(!json.contains(personal), "{personal} in {json}");
        }
    }

    #[test]
    fn folding_erased_events_gives_the_erased_fold() {
        let mut first = raised(1, 1001, AlertKind::Detained, vec![Flag::MinorsInCare]);
        if let EventBody::AlertRaised(r) = &mut first.body {
            // Over 65 on the day of the press: a flag the birth date implies.
            r.registrant.date_of_birth = chrono::NaiveDate::from_ymd_opt(1950, 1, 1);
        }
        let mut events = vec![first];
        events.push(note(2, "Su hermana Rosa llamó desde el 3105550199"));
        let fold = |events: &[Event]| {
            let mut case = Case::open(&events[0]).unwrap();
            for e in &events[1..] {
                case.apply(e).unwrap();
            }
            case
        };
        let erased: Vec<Event> = events
            .iter()
            .map(|e| event(e).unwrap_or_else(|| e.clone()))
            .collect();
        let whole = case(fold(&events));
        assert_eq!(case(fold(&erased)), whole);
        let json = serde_json::to_string(&whole).unwrap();
        assert!(
            !json.contains("Rosa") && !json.contains("3105550199"),
            "{json}"
        );
        assert_eq!(whole.flags, fold(&events).flags, "the counts' flags stay");
        assert!(whole.flags.contains(&Flag::Over65), "{:?}", whole.flags);
    }

    #[test]
    fn an_event_split_in_two_joins_back_to_the_same_bytes_and_only_its_part_names_anyone() {
        use crate::domain::checkpoint::{CheckpointCode, CloseOutcome};
        use crate::domain::event::{CaseClosed, CheckpointLogged, LocationUpdated};
        let first = raised(1, 1001, AlertKind::Detained, vec![Flag::MinorsInCare]);
        let with = |seq: u64, body: EventBody| Event {
            seq,
            body,
            ..first.clone()
        };
        let events = [
            first.clone(),
            note(2, "Su hermana Rosa llamó desde el 3105550199"),
            with(
                3,
                EventBody::LocationUpdated(LocationUpdated {
                    alert_id: uuid::Uuid::from_u128(1001),
                    location: crate::domain::alert::Location {
                        lat: 33.93,
                        lon: -117.41,
                        accuracy_m: 12.5,
                    },
                    fixed_at: first.at,
                }),
            ),
            with(
                4,
                EventBody::CheckpointLogged(CheckpointLogged {
                    code: CheckpointCode::ANumberRecorded,
                    happened_at: first.at,
                    fields: [("a_number".to_string(), "A123456789".to_string())].into(),
                    note: "visto en Adelanto".into(),
                }),
            ),
            with(
                5,
                EventBody::CaseClosed(CaseClosed {
                    outcome: CloseOutcome::ALL[0],
                    note: "Rosa lo recogió".into(),
                }),
            ),
        ];
        for e in &events {
            let (erased, personal) = split_event(e).expect("each carries something personal");
            assert_eq!(Some(erased.clone()), event(e), "split is erasure's own");
            let whole = join_event(erased.clone(), personal.clone());
            assert_eq!(
                serde_json::to_string(&whole).unwrap(),
                serde_json::to_string(e).unwrap()
            );
            let clear = serde_json::to_string(&erased).unwrap();
            let part = serde_json::to_string(&personal).unwrap();
            for personal_text in ["Ficticia", "Rosa", "A123456789", "Adelanto", "-117.41"] {
                assert!(!clear.contains(personal_text), "{personal_text} in {clear}");
            }
            assert!(
                !part.contains("los-angeles"),
                "only the personal part: {part}"
            );
        }
        // A part of another kind is dropped, not put where it does not belong.
        let (erased_note, _) = split_event(&events[1]).unwrap();
        let (_, location) = split_event(&events[2]).unwrap();
        assert_eq!(join_event(erased_note.clone(), location), erased_note);
        let ack = with(6, EventBody::CaseAcknowledged);
        assert!(
            split_event(&ack).is_none(),
            "nothing personal, nothing split"
        );
    }

    #[test]
    fn a_case_split_in_two_joins_back_whole_and_only_the_personal_part_names_anyone() {
        let mut case =
            Case::open(&raised(1, 1001, AlertKind::Detained, vec![Flag::Over65])).unwrap();
        case.apply(&note(2, "Su hermana Rosa llamó desde el 3105550199"))
            .unwrap();
        let mut reopened = note(3, "");
        reopened.body = EventBody::CaseReopened(crate::domain::event::CaseReopened {
            reason: "Rosa volvió a llamar".into(),
        });
        case.timeline.push(crate::domain::case::TimelineEntry {
            seq: 3,
            at: reopened.at,
            actor: reopened.actor.clone(),
            kind: EventKind::CaseReopened,
            detail: Some("Rosa volvió a llamar".into()),
        });
        case.checkpoints
            .push(crate::domain::case::CheckpointRecord {
                seq: 4,
                code: crate::domain::checkpoint::CheckpointCode::ANumberRecorded,
                happened_at: reopened.at,
                logged_at: reopened.at,
                by: reopened.actor.clone(),
                fields: [("a_number".to_string(), "A123456789".to_string())].into(),
                note: "visto en Adelanto".into(),
            });
        let (erased, personal) = split(case.clone());
        assert_eq!(erased, super::case(case.clone()), "split is erasure's own");
        assert_eq!(join(erased.clone(), personal.clone()), case);
        let clear = serde_json::to_string(&erased).unwrap();
        let part = serde_json::to_string(&personal).unwrap();
        for personal_text in ["Rosa", "3105550199", "A123456789", "Adelanto"] {
            assert!(!clear.contains(personal_text), "{personal_text} in {clear}");
            assert!(
                part.contains(personal_text),
                "{personal_text} not in {part}"
            );
        }
        assert!(
            part.len() < clear.len(),
            "the sealed part is the smaller one"
        );
    }
}
