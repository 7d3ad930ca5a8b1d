//! What is left of a person's record once their key is destroyed (retention): the shape of the
//! case and of every event, so the log, its counts and its chain stay whole, with nothing that
//! names, reaches or places anyone.
//!
//! The hub stores each event and case twice: this form in the clear, and the whole of it sealed
//! under the person's key. Before erasure, readers get the whole; after, this.

use super::alert::Location;
use super::case::Case;
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
pub fn case(mut case: Case) -> Case {
    case.registrant = profile(&case.registrant);
    case.registrant.flags = case.flags.clone();
    case.location = location();
    case.trail.clear();
    case.notes.clear();
    for checkpoint in &mut case.checkpoints {
        checkpoint.fields.clear();
        checkpoint.note.clear();
    }
    if let Some(closed) = &mut case.closed {
        closed.note.clear();
    }
    if let Some(transfer) = &mut case.transfer {
        transfer.reason.clear();
    }
    if let Some(intake) = &mut case.intake {
        intake.description.clear();
        intake.place = None;
        intake.matched_place = None;
    }
    if let Some(a) = &mut case.appointment {
        appointment(a);
    }
    for entry in case.timeline.iter_mut().chain(case.last.iter_mut()) {
        if matches!(entry.kind, EventKind::NoteAdded | EventKind::CaseReopened) {
            entry.detail = None;
        }
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
}
