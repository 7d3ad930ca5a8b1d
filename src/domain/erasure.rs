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
    let mut copy = event.clone();
    match &mut copy.body {
        EventBody::AlertRaised(r) => {
            // The flags the birth date implied on the day, kept: the case's flags are folded
            // from them, and the erased fold must count the same.
            r.registrant.flags = r.registrant.effective_flags(r.pressed_at.date_naive());
            r.registrant = profile(&r.registrant);
            r.location = location();
            if let Some(intake) = &mut r.intake {
                intake.description.clear();
                intake.place = None;
                intake.matched_place = None;
            }
        }
        EventBody::AlertRepeated(r) => {
            r.location = location();
            if let Some(intake) = &mut r.intake {
                intake.description.clear();
                intake.place = None;
                intake.matched_place = None;
            }
        }
        EventBody::LocationUpdated(l) => l.location = location(),
        EventBody::NoteAdded(n) => n.text.clear(),
        EventBody::CheckpointLogged(c) => {
            c.fields.clear();
            c.note.clear();
        }
        EventBody::CaseClosed(c) => c.note.clear(),
        EventBody::AppointmentLinked(l) => appointment(&mut l.appointment),
        EventBody::CaseReopened(r) => r.reason.clear(),
        EventBody::TransferRequested(t) => t.reason.clear(),
        EventBody::TransferDeclined(t) => t.reason.clear(),
        _ => return None,
    }
    Some(copy)
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

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct IntakePart {
    description: String,
    place: Option<String>,
    matched_place: Option<String>,
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
        intake: case.intake.as_mut().map(|i| IntakePart {
            description: std::mem::take(&mut i.description),
            place: i.place.take(),
            matched_place: i.matched_place.take(),
        }),
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
    if let (Some(i), Some(part)) = (&mut case.intake, personal.intake) {
        i.description = part.description;
        i.place = part.place;
        i.matched_place = part.matched_place;
    }
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
