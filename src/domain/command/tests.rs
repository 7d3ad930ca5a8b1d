use chrono::{TimeZone, Utc};

use super::*;
use crate::domain::alert::AlertKind;
use crate::domain::case::Case;
use crate::domain::case::tests::{raised, staff_event};
use crate::domain::consulate::Consulate;
use crate::domain::event::{EventBody, LawyerAssigned, TransferAccepted, TransferRequested};
use crate::domain::staff::{Role, StaffInfo};
use crate::domain::triage::{Category, Consent, Intent, Triage};

fn staff(id: i64, role: Role, consulate: Option<&str>) -> StaffInfo {
    StaffInfo {
        id,
        name: format!("Persona {id}"),
        role,
        consulate: consulate.map(String::from),
        token_expires_at: None,
    }
}

fn consulates() -> Vec<Consulate> {
    ["los-angeles", "san-bernardino", "chicago"]
        .iter()
        .map(|id| Consulate {
            id: id.to_string(),
            city: id.to_string(),
            state: "XX".into(),
            lat: 34.0,
            lon: -118.0,
            tz: "America/Los_Angeles".into(),
        })
        .collect()
}

fn facts(list: &[Consulate]) -> Facts<'_> {
    Facts {
        now: Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap(),
        consulates: list,
        lawyer_name: Some("Lic. Ana"),
        since: None,
        facility: None,
    }
}

/// A Los Angeles case with a transfer to San Bernardino pending.
fn offered_case() -> Case {
    let mut case = Case::open(&raised(1, 7, AlertKind::Detained, vec![])).unwrap();
    case.apply(&staff_event(
        2,
        7,
        EventBody::TransferRequested(TransferRequested {
            to_consulate: "san-bernardino".into(),
            reason: "Trasladado".into(),
        }),
    ))
    .unwrap();
    case
}

fn note(text: &str) -> CaseCommand {
    CaseCommand::Note(NoteRequest { text: text.into() })
}

#[test]
fn an_offered_consulate_may_read_accept_or_decline_and_nothing_else() {
    let case = offered_case();
    let list = consulates();
    let officer = staff(5, Role::Officer, Some("san-bernardino"));
    assert_eq!(relation(&case, &officer), Relation::Offered);
    assert!(may_read(Relation::Offered));
    let v = case.version;
    for command in [
        note("x"),
        CaseCommand::Close(CloseRequest {
            outcome: crate::domain::checkpoint::CloseOutcome::FalseAlarm,
            note: "no".into(),
        }),
        CaseCommand::Assign(AssignRequest { lawyer_id: 9 }),
        CaseCommand::Transfer(TransferRequest {
            to_consulate: "chicago".into(),
            reason: "otra".into(),
        }),
        CaseCommand::Acknowledge,
    ] {
        assert_eq!(
            decide(&case, &command, &officer, v, &facts(&list)),
            Err(Refusal::AcceptFirst),
            "{command:?}"
        );
    }
    let accepted = decide(
        &case,
        &CaseCommand::AcceptTransfer,
        &officer,
        v,
        &facts(&list),
    );
    assert!(matches!(
        accepted.as_deref(),
        Ok([EventBody::TransferAccepted(_)])
    ));
    let declined = CaseCommand::DeclineTransfer(DeclineRequest {
        reason: "Fuera de nuestro distrito".into(),
    });
    assert!(decide(&case, &declined, &officer, v, &facts(&list)).is_ok());
    // The sender may not accept its own transfer.
    let origin = staff(6, Role::Officer, Some("los-angeles"));
    assert_eq!(
        decide(
            &case,
            &CaseCommand::AcceptTransfer,
            &origin,
            v,
            &facts(&list)
        ),
        Err(Refusal::NotYours(Act::Case(Verb::AcceptTransfer)))
    );
}

#[test]
fn after_a_handoff_the_old_consulate_and_the_old_lawyer_see_nothing() {
    let mut case = offered_case();
    case.apply(&staff_event(
        3,
        7,
        EventBody::LawyerAssigned(LawyerAssigned {
            lawyer_id: 40,
            lawyer_name: "Lic. Ana".into(),
            previous: None,
        }),
    ))
    .unwrap();
    case.apply(&staff_event(
        4,
        7,
        EventBody::LawyerAssigned(LawyerAssigned {
            lawyer_id: 41,
            lawyer_name: "Lic. Beto".into(),
            previous: Some(40),
        }),
    ))
    .unwrap();
    case.apply(&staff_event(
        5,
        7,
        EventBody::TransferAccepted(TransferAccepted {
            from_consulate: "los-angeles".into(),
            to_consulate: "san-bernardino".into(),
            distance_km: None,
        }),
    ))
    .unwrap();
    let old_lawyer = staff(40, Role::Lawyer, None);
    let new_lawyer = staff(41, Role::Lawyer, None);
    let old_office = staff(6, Role::Officer, Some("los-angeles"));
    assert_eq!(relation(&case, &old_lawyer), Relation::FormerLawyer);
    assert_eq!(relation(&case, &new_lawyer), Relation::AssignedLawyer);
    assert_eq!(relation(&case, &old_office), Relation::TransferredAway);
    let list = consulates();
    for who in [&old_lawyer, &old_office] {
        assert_eq!(
            decide(&case, &note("x"), who, case.version, &facts(&list)),
            Err(Refusal::NotVisible)
        );
    }
    assert!(decide(&case, &note("x"), &new_lawyer, case.version, &facts(&list)).is_ok());
}

#[test]
fn the_table_gives_lawyers_notes_and_checkpoints_only_and_admins_nothing() {
    for verb in Verb::ALL {
        let lawyer = permitted(Role::Lawyer, *verb, Relation::AssignedLawyer);
        assert_eq!(
            lawyer,
            matches!(verb, Verb::Checkpoint | Verb::Note),
            "{verb:?}"
        );
        for rel in Relation::ALL {
            assert!(!permitted(Role::Admin, *verb, *rel));
            for role in [Role::Officer, Role::Supervisor, Role::Lawyer] {
                if matches!(
                    rel,
                    Relation::TransferredAway | Relation::FormerLawyer | Relation::Unrelated
                ) {
                    assert!(!permitted(role, *verb, *rel), "{role:?} {verb:?} {rel:?}");
                }
            }
        }
    }
    assert!(!role_may(Role::Officer, Verb::Reopen));
    assert!(role_may(Role::Supervisor, Verb::Reopen));
    assert!(role_may(Role::Officer, Verb::Triage));
    assert!(!role_may(Role::Lawyer, Verb::Triage));
}

#[test]
fn triage_is_recorded_and_a_stale_version_is_a_conflict() {
    let case = Case::open(&raised(1, 7, AlertKind::Imminent, vec![])).unwrap();
    let list = consulates();
    let officer = staff(5, Role::Officer, Some("los-angeles"));
    let triage = Triage {
        consent: Consent::Declined,
        intent: Intent::VoluntaryReturn,
        category: Category::Migratory,
    };
    let command = CaseCommand::Triage(triage);
    assert_eq!(
        decide(&case, &command, &officer, case.version, &facts(&list)),
        Ok(vec![EventBody::TriageRecorded(triage)])
    );
    assert_eq!(
        decide(&case, &command, &officer, case.version + 1, &facts(&list)),
        Err(Refusal::Conflict(Conflict::Stale))
    );
    let bad = note("  ");
    let Err(Refusal::Invalid(e)) = decide(&case, &bad, &officer, case.version, &facts(&list))
    else {
        panic!("an empty note must be a field error");
    };
    assert_eq!(e.code, crate::domain::validate::FieldCode::Required);
}

#[test]
fn intake_never_joins_another_consulates_case() {
    let case = Case::open(&raised(1, 7, AlertKind::Imminent, vec![])).unwrap();
    let chicago = staff(5, Role::Officer, Some("chicago"));
    let la = staff(6, Role::Officer, Some("los-angeles"));
    assert_eq!(
        decide_intake(&chicago, Some(&case)),
        Err(Refusal::Conflict(Conflict::OpenElsewhere))
    );
    assert_eq!(decide_intake(&la, Some(&case)), Ok(IntakePlan::Join(7)));
    assert_eq!(decide_intake(&chicago, None), Ok(IntakePlan::Open));
    assert_eq!(
        decide_intake(&staff(9, Role::Lawyer, None), None),
        Err(Refusal::RoleMayNot(Act::Case(Verb::Intake)))
    );
}

#[test]
fn wire_bodies_round_trip_for_every_verb() {
    let commands = [
        CaseCommand::Acknowledge,
        CaseCommand::Assign(AssignRequest { lawyer_id: 3 }),
        note("hola"),
        CaseCommand::DeclineTransfer(DeclineRequest {
            reason: "no".into(),
        }),
        CaseCommand::Triage(Triage {
            consent: Consent::Accepted,
            intent: Intent::Contest,
            category: Category::Labor,
        }),
    ];
    for c in commands {
        assert_eq!(CaseCommand::from_wire(c.verb(), c.body()), Ok(c.clone()));
        assert_eq!(Verb::from_segment(c.verb().segment()), Some(c.verb()));
    }
    assert!(CaseCommand::from_wire(Verb::Acknowledge, serde_json::json!({"x": 1})).is_err());
    // Outbox files written before the vocabulary said `ack`.
    let old: CaseCommand = serde_json::from_str(r#"{"verb":"ack"}"#).unwrap();
    assert_eq!(old, CaseCommand::Acknowledge);
}

#[test]
fn after_a_transfer_the_distance_is_from_the_consulate_that_has_the_case() {
    // The person (34.0, -118.2) is near Los Angeles and about 80 km from San Bernardino.
    let list = crate::domain::consulate::parse_csv(crate::config::BUILTIN_CONSULATES).unwrap();
    let mut case = offered_case();
    let before = case.distance_km;
    let officer = staff(5, Role::Officer, Some("san-bernardino"));
    let bodies = decide(
        &case,
        &CaseCommand::AcceptTransfer,
        &officer,
        case.version,
        &facts(&list),
    )
    .unwrap();
    let sb = list.iter().find(|c| c.id == "san-bernardino").unwrap();
    let expected = crate::domain::geo::distance_km(sb.point(), case.location.point());
    assert!(expected > 50.0, "{expected}");
    let [EventBody::TransferAccepted(t)] = &bodies[..] else {
        panic!("{bodies:?}");
    };
    assert_eq!(t.distance_km, Some(expected));
    case.apply(&staff_event(3, 7, bodies[0].clone())).unwrap();
    assert_eq!(case.consulate, "san-bernardino");
    assert_eq!(case.distance_km, expected);
    assert_ne!(case.distance_km, before);
}

#[test]
fn an_acknowledgement_is_not_refused_because_the_phone_pressed_again() {
    use crate::domain::event::AlertRepeated;
    let mut case = Case::open(&raised(1, 7, AlertKind::Imminent, vec![])).unwrap();
    let seen = case.version;
    let mut press = raised(2, 7, AlertKind::Imminent, vec![]);
    press.body = EventBody::AlertRepeated(AlertRepeated {
        alert_id: uuid::Uuid::from_u128(2),
        kind: AlertKind::Imminent,
        location: case.location,
        pressed_at: press.at,
        count: 1,
        intake: None,
        registrant: None,
    });
    case.apply(&press).unwrap();
    assert!(case.version > seen);
    let list = consulates();
    let officer = staff(5, Role::Officer, Some("los-angeles"));
    let ack = CaseCommand::Acknowledge;
    assert_eq!(
        decide(&case, &ack, &officer, seen, &facts(&list)),
        Ok(vec![EventBody::CaseAcknowledged])
    );
    // Without what happened since, an older version is refused as before; with it, a press
    // stands in the way of nothing a note does.
    assert_eq!(
        decide(&case, &note("x"), &officer, seen, &facts(&list)),
        Err(Refusal::Conflict(Conflict::Stale))
    );
    let since = [press.clone()];
    let knowing = Facts {
        since: Some(&since),
        ..facts(&list)
    };
    assert!(decide(&case, &note("x"), &officer, seen, &knowing).is_ok());
    // A colleague's assignment since does stand in the way of a close.
    let assigned = staff_event(
        3,
        7,
        EventBody::LawyerAssigned(crate::domain::event::LawyerAssigned {
            lawyer_id: 40,
            lawyer_name: "Lic. Otra".into(),
            previous: None,
        }),
    );
    let mut moved = case.clone();
    moved.apply(&assigned).unwrap();
    let since = [press.clone(), assigned.clone()];
    let knowing = Facts {
        since: Some(&since),
        ..facts(&list)
    };
    let close = CaseCommand::Close(CloseRequest {
        outcome: crate::domain::checkpoint::CloseOutcome::FalseAlarm,
        note: "x".into(),
    });
    let Err(Refusal::Changed(by)) = decide(&moved, &close, &officer, seen, &knowing) else {
        panic!("a colleague's assignment must stand in the way of a close");
    };
    assert_eq!(by.kind, crate::domain::event::EventKind::LawyerAssigned);
    // Someone else acknowledging first is still a conflict.
    case.apply(&staff_event(3, 7, EventBody::CaseAcknowledged))
        .unwrap();
    assert!(matches!(
        decide(&case, &ack, &officer, seen, &facts(&list)),
        Err(Refusal::Conflict(_))
    ));
}
