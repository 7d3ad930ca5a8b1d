//! Personal data by need. Streams and lists carry what a queue row needs (name, flags, language,
//! kind, place, status); the birth date, consular id, phone numbers, relatives and the trail of
//! positions come only with `GET /v1/cases/{id}`, which records the read. Outside the owning
//! consulate's staff, positions are rounded to about a kilometre, and a national supervisor's
//! queue shows initials until they open a case.

use super::alert::Location;
use super::case::Case;
use super::event::{Event, EventBody};
use super::registrant::Profile;
use super::staff::Scope;

/// Who a copy of an event or a case is made for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// Staff of the consulate the case is with.
    Owner,
    /// Anyone else who may see it: its lawyer, a consulate it is offered to.
    Outside,
    /// A supervisor of the whole network: counts and masked names.
    National,
}

impl Reader {
    /// How `scope` stands to a case now with `consulate`.
    pub fn of(scope: &Scope, consulate: &str) -> Reader {
        match scope {
            Scope::Consulate(c) if c == consulate => Reader::Owner,
            Scope::All => Reader::National,
            _ => Reader::Outside,
        }
    }
}

/// Checkpoint fields that identify the person (an A-number names them to every agency): in the
/// case when it is opened, not in rows, nor in national supervisors' streams.
const IDENTIFYING: &[&str] = &["a_number"];

/// Degrees to round to: 0.01° is about 1.1 km of latitude.
const ROUND_TO: f64 = 0.01;

/// A position to about a kilometre, its accuracy widened to say so.
pub fn rounded(location: &Location) -> Location {
    let round = |v: f64| (v / ROUND_TO).round() * ROUND_TO;
    Location {
        lat: round(location.lat),
        lon: round(location.lon),
        accuracy_m: location.accuracy_m.max(1_000.0),
    }
}

/// A distance to the kilometre: an exact distance from a known consulate, beside a rounded
/// position, would give the position back.
pub fn rounded_km(km: f64) -> f64 {
    km.round()
}

/// "Ana María López" → "A. M. L.": enough to tell rows apart, not to name anyone.
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .map(|c| format!("{}.", c.to_uppercase()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The profile as a queue row needs it: name, language and flags; nothing to reach or identify
/// the person by.
pub fn withheld(profile: &Profile, reader: Reader) -> Profile {
    Profile {
        name: match reader {
            Reader::National => initials(&profile.name),
            _ => profile.name.clone(),
        },
        date_of_birth: None,
        consular_id: String::new(),
        phone: String::new(),
        language: profile.language.clone(),
        flags: profile.flags.clone(),
        relatives: Vec::new(),
        erased: profile.erased,
    }
}

/// Whether a profile is the withheld form (what streams and lists carry), so a console knows
/// to read the case whole before showing its details.
pub fn is_withheld(profile: &Profile) -> bool {
    // An erased profile has nothing more to read.
    !profile.erased
        && profile.phone.is_empty()
        && profile.consular_id.is_empty()
        && profile.date_of_birth.is_none()
}

/// The event as `reader` may receive it on a stream, or `None` when it carries nothing personal
/// to take out (it is then sent as logged).
pub fn event_for(event: &Event, reader: Reader) -> Option<Event> {
    let outside = reader != Reader::Owner;
    let mut copy = match &event.body {
        EventBody::AlertRaised(_) => event.clone(),
        EventBody::AlertRepeated(r) if outside || r.registrant.is_some() => event.clone(),
        EventBody::LocationUpdated(_) if outside => event.clone(),
        EventBody::NoteAdded(_) if reader == Reader::National => event.clone(),
        EventBody::CheckpointLogged(c)
            if reader == Reader::National
                && IDENTIFYING.iter().any(|k| c.fields.contains_key(*k)) =>
        {
            event.clone()
        }
        EventBody::TransferAccepted(t) if outside && t.distance_km.is_some() => event.clone(),
        EventBody::AppointmentLinked(_) if outside => event.clone(),
        _ => return None,
    };
    match &mut copy.body {
        EventBody::AlertRaised(r) => {
            r.registrant = withheld(&r.registrant, reader);
            if let Some(intake) = &mut r.intake {
                intake.description.clear();
            }
            if outside {
                r.location = rounded(&r.location);
                r.distance_km = rounded_km(r.distance_km);
            }
        }
        EventBody::AlertRepeated(r) => {
            // What a caller said is kept as an officer's note is: withheld only from the
            // national view, which reads it with the case.
            if let Some(intake) = &mut r.intake
                && reader == Reader::National
            {
                intake.description.clear();
            }
            // A profile a press confirmed goes on streams as an opening's does: withheld.
            if let Some(p) = &mut r.registrant {
                *p = withheld(p, reader);
            }
            if outside {
                r.location = rounded(&r.location);
            }
        }
        EventBody::LocationUpdated(l) => l.location = rounded(&l.location),
        // What the person told beforehand is their consulate's to read, with the case.
        EventBody::AppointmentLinked(l) => outside_appointment(&mut l.appointment),
        EventBody::TransferAccepted(t) => t.distance_km = t.distance_km.map(rounded_km),
        // What an officer wrote about a person: read when the case is opened.
        EventBody::NoteAdded(n) => n.text.clear(),
        EventBody::CheckpointLogged(c) => {
            c.fields.retain(|k, _| !IDENTIFYING.contains(&k.as_str()))
        }
        _ => {}
    }
    Some(copy)
}

/// The case whole, as `reader` may open it: the lawyer (and a consulate it is only offered to)
/// reads the person's profile with positions rounded, and the relatives' names without their
/// numbers, which stay with the consulate. A consulate's staff and a national supervisor who
/// opens a case read all of it.
pub fn opened_by(mut case: Case, reader: Reader) -> Case {
    if reader != Reader::Outside {
        return case;
    }
    for relative in &mut case.registrant.relatives {
        relative.phone.clear();
    }
    case.location = rounded(&case.location);
    case.distance_km = rounded_km(case.distance_km);
    for fix in &mut case.trail {
        fix.location = rounded(&fix.location);
    }
    if let Some(a) = &mut case.appointment {
        outside_appointment(a);
    }
    case
}

/// An appointment as someone outside the person's consulate reads it: the place rounded as a
/// position is, and nothing of what the person said.
fn outside_appointment(a: &mut crate::domain::appointment::OnCase) {
    let p = rounded(&Location {
        lat: a.place.lat,
        lon: a.place.lon,
        accuracy_m: 0.0,
    });
    (a.place.lat, a.place.lon) = (p.lat, p.lon);
    a.note.clear();
}

/// The case as a list row for `reader`: the profile withheld, only the latest position, and
/// that rounded outside the owning consulate.
pub fn case_for(mut row: Case, reader: Reader) -> Case {
    row.registrant = withheld(&row.registrant, reader);
    // What a caller said and what officers wrote: read when the case is opened.
    if let Some(intake) = &mut row.intake {
        intake.description.clear();
    }
    row.notes.clear();
    if let Some(a) = &mut row.appointment {
        a.note.clear();
        if reader != Reader::Owner {
            outside_appointment(a);
        }
    }
    for checkpoint in &mut row.checkpoints {
        checkpoint
            .fields
            .retain(|k, _| !IDENTIFYING.contains(&k.as_str()));
    }
    let keep = row.trail.len().saturating_sub(1);
    row.trail.drain(..keep);
    if reader != Reader::Owner {
        row.location = rounded(&row.location);
        row.distance_km = rounded_km(row.distance_km);
        for fix in &mut row.trail {
            fix.location = rounded(&fix.location);
        }
    }
    row
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::alert::AlertKind;
    use crate::domain::case::tests::raised;

    #[test]
    fn a_stream_copy_carries_no_birth_date_consular_id_or_phone() {
        let mut event = raised(1, 1001, AlertKind::Detained, vec![]);
        if let EventBody::AlertRaised(r) = &mut event.body {
            r.distance_km = 5.37;
        }
        let EventBody::AlertRaised(original) = &event.body else {
            unreachable!()
        };
        assert!(!original.registrant.phone.is_empty());
        for reader in [Reader::Owner, Reader::Outside, Reader::National] {
            let copy = event_for(&event, reader).expect("an alert always has a copy");
            let json = serde_json::to_string(&copy).unwrap();
            assert!(!json.contains(&original.registrant.phone), "{reader:?}");
            assert!(
                !json.contains(&original.registrant.consular_id),
                "{reader:?}"
            );
            assert!(!json.contains("date_of_birth\":\""), "{reader:?}: {json}");
            let EventBody::AlertRaised(r) = &copy.body else {
                unreachable!()
            };
            assert!(is_withheld(&r.registrant));
            assert!(r.registrant.relatives.is_empty());
            let exact = r.location == original.location;
            assert_eq!(exact, reader == Reader::Owner, "{reader:?}");
            let km = r.distance_km == original.distance_km;
            assert_eq!(km, reader == Reader::Owner, "{reader:?}: {}", r.distance_km);
        }
        let national = event_for(&event, Reader::National).unwrap();
        let EventBody::AlertRaised(r) = &national.body else {
            unreachable!()
        };
        assert_eq!(r.registrant.name, initials(&original.registrant.name));
    }

    #[test]
    fn what_officers_wrote_and_callers_said_waits_for_the_case_to_be_opened() {
        use crate::domain::case::tests::staff_event;
        use crate::domain::event::NoteAdded;
        let note = staff_event(
            2,
            1001,
            EventBody::NoteAdded(NoteAdded {
                text: "la hermana dice que está en Adelanto".into(),
            }),
        );
        assert!(event_for(&note, Reader::Owner).is_none(), "sent as logged");
        assert!(
            event_for(&note, Reader::Outside).is_none(),
            "their lawyer reads it"
        );
        let national = event_for(&note, Reader::National).unwrap();
        assert_eq!(
            national.body,
            EventBody::NoteAdded(NoteAdded {
                text: String::new()
            })
        );
        let mut case = Case::open(&raised(1, 1001, AlertKind::Detained, vec![])).unwrap();
        case.apply(&note).unwrap();
        assert_eq!(case.notes.len(), 1);
        assert!(case_for(case.clone(), Reader::Owner).notes.is_empty());
        let a_number = crate::domain::case::tests::checkpoint(
            3,
            1001,
            crate::domain::checkpoint::CheckpointCode::ANumberRecorded,
            &[("a_number", "012345678")],
        );
        assert!(event_for(&a_number, Reader::Owner).is_none());
        let national = serde_json::to_string(&event_for(&a_number, Reader::National).unwrap());
        assert!(!national.unwrap().contains("012345678"));
        case.apply(&a_number).unwrap();
        let row = serde_json::to_string(&case_for(case, Reader::Owner)).unwrap();
        assert!(!row.contains("012345678"), "{row}");
    }

    #[test]
    fn a_callers_words_travel_as_an_officers_note_does() {
        use crate::domain::case::tests::staff_event;
        use crate::domain::event::AlertRepeated;
        use crate::domain::intake::Intake;
        let call = staff_event(
            2,
            1001,
            EventBody::AlertRepeated(AlertRepeated {
                alert_id: uuid::Uuid::nil(),
                kind: AlertKind::Detained,
                location: crate::domain::alert::Location {
                    lat: 34.0522,
                    lon: -118.2437,
                    accuracy_m: 0.0,
                },
                pressed_at: chrono::Utc::now(),
                count: 1,
                intake: Some(Intake {
                    description: "ya se lo llevaron".into(),
                    place: None,
                    matched_place: None,
                    located: false,
                    registrant_matched: false,
                    identity_only: false,
                }),
                registrant: None,
            }),
        );
        assert!(event_for(&call, Reader::Owner).is_none(), "sent as logged");
        let words = |e: Option<Event>| match e.map(|e| e.body) {
            Some(EventBody::AlertRepeated(r)) => r.intake.unwrap().description,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            words(event_for(&call, Reader::Outside)),
            "ya se lo llevaron"
        );
        assert_eq!(words(event_for(&call, Reader::National)), "");
        // Withheld words leave no empty note behind.
        let mut case = Case::open(&raised(1, 1001, AlertKind::Imminent, vec![])).unwrap();
        case.apply(&event_for(&call, Reader::National).unwrap())
            .unwrap();
        assert!(case.notes.is_empty());
        assert_eq!(case.call_takers.len(), 1);
    }

    #[test]
    fn positions_outside_are_rounded_to_about_a_kilometre() {
        let fine = Location {
            lat: 34.052_23,
            lon: -118.243_68,
            accuracy_m: 8.0,
        };
        let r = rounded(&fine);
        assert!((r.lat - 34.05).abs() < 1e-9 && (r.lon + 118.24).abs() < 1e-9);
        assert!(r.accuracy_m >= 1_000.0);
        let at = |l: &Location| crate::domain::geo::Point {
            lat: l.lat,
            lon: l.lon,
        };
        assert!(crate::domain::geo::distance_km(at(&fine), at(&r)) < 1.0);
    }

    #[test]
    fn a_lawyer_opening_a_case_reads_the_person_not_the_relatives_numbers() {
        let mut case = Case::open(&raised(1, 1001, AlertKind::Detained, vec![])).unwrap();
        case.registrant.relatives = vec![crate::domain::registrant::Relative {
            name: "Pariente Ficticio".into(),
            relation: "hermana".into(),
            phone: "+13105550124".into(),
        }];
        case.location.lat += 0.001_23;
        let lawyer = opened_by(case.clone(), Reader::Outside);
        assert_eq!(lawyer.registrant.phone, case.registrant.phone);
        assert!(
            lawyer
                .registrant
                .relatives
                .iter()
                .all(|r| r.phone.is_empty())
        );
        assert_eq!(
            lawyer.registrant.relatives[0].name,
            case.registrant.relatives[0].name
        );
        assert_ne!(lawyer.location, case.location);
        assert_eq!(opened_by(case.clone(), Reader::Owner), case);
        assert_eq!(opened_by(case.clone(), Reader::National), case);
    }

    #[test]
    fn initials_name_no_one() {
        assert_eq!(initials("Ana María López"), "A. M. L.");
        assert_eq!(initials("  élida  "), "É.");
        assert_eq!(initials(""), "");
    }

    #[test]
    fn a_list_row_keeps_the_latest_position_only() {
        let mut case = Case::open(&raised(1, 1001, AlertKind::Detained, vec![])).unwrap();
        for i in 0..5 {
            case.trail.push(crate::domain::case::Fix {
                at: case.received_at,
                location: Location {
                    lat: 34.0 + f64::from(i) * 0.001,
                    lon: -118.0,
                    accuracy_m: 5.0,
                },
            });
        }
        let owner = case_for(case.clone(), Reader::Owner);
        assert_eq!(owner.trail.len(), 1);
        assert_eq!(owner.trail[0], *case.trail.last().unwrap());
        assert!(is_withheld(&owner.registrant));
        let outside = case_for(case.clone(), Reader::Outside);
        assert_ne!(
            outside.trail[0].location,
            case.trail.last().unwrap().location
        );
    }
}
