//! Test helpers shared by the domain's and the console's tests, and the fold's own tests.

use super::*;
use crate::domain::command::{Conflict, Refusal, Verb, precheck};
use crate::domain::event::{AlertCancelled, AlertRaised};
use chrono::{NaiveDate, TimeZone};

pub fn profile(name: &str, flags: Vec<Flag>) -> Profile {
    Profile {
        name: name.into(),
        date_of_birth: NaiveDate::from_ymd_opt(1990, 5, 1),
        consular_id: "MX1234567".into(),
        phone: "+13105550100".into(),
        language: "es".into(),
        flags,
        relatives: vec![],
        erased: false,
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
        against_version: None,
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
            intake: None,
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
        against_version: None,
        body: EventBody::AlertCancelled(AlertCancelled {
            alert_id: Uuid::from_u128(case_id as u128),
            reason: CancelReason::Safe,
            duress: false,
        }),
    }
}

pub fn officer() -> Actor {
    Actor::Staff {
        id: 1,
        name: "Oficial de guardia".into(),
        role: crate::domain::staff::Role::Officer,
    }
}

pub fn staff_event(seq: u64, case_id: u64, body: EventBody) -> Event {
    Event {
        seq,
        at: Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap()
            + chrono::Duration::seconds(seq as i64),
        case_id,
        consulate: "los-angeles".into(),
        actor: officer(),
        against_version: Some(seq - 1),
        body,
    }
}

/// A checkpoint that happened at 2026-11-22 10:00 UTC.
pub fn checkpoint(seq: u64, case_id: u64, code: CheckpointCode, fields: &[(&str, &str)]) -> Event {
    staff_event(
        seq,
        case_id,
        EventBody::CheckpointLogged(crate::domain::event::CheckpointLogged {
            code,
            happened_at: Utc.with_ymd_and_hms(2026, 11, 22, 10, 0, 0).unwrap(),
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            note: String::new(),
        }),
    )
}

#[test]
fn staff_actions_fold_and_closing_blocks_all_but_reopen() {
    use crate::domain::event::{CaseClosed, CaseReopened, LawyerAssigned};
    let mut case = Case::open(&raised(1, 7, AlertKind::Detained, vec![])).unwrap();
    let boss = crate::domain::staff::StaffInfo {
        id: 1,
        name: "Supervisora".into(),
        role: crate::domain::staff::Role::Supervisor,
        consulate: None,
        token_expires_at: None,
    };
    let check = |case: &Case, verb| precheck(case, verb, &boss);
    assert!(check(&case, Verb::Acknowledge).is_ok());
    case.apply(&staff_event(2, 7, EventBody::CaseAcknowledged))
        .unwrap();
    assert_eq!(case.acknowledged_by, Some(officer()));
    assert_eq!(
        check(&case, Verb::Acknowledge),
        Err(Refusal::Conflict(Conflict::AlreadyAcknowledged))
    );
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
    assert_eq!(case.assigned_lawyer, Some(40));
    assert_eq!(
        case.checkpoints[0].code,
        CheckpointCode::RepresentativeAssigned
    );
    case.apply(&staff_event(
        4,
        7,
        EventBody::CaseClosed(CaseClosed {
            outcome: CloseOutcome::FalseAlarm,
            note: "ok".into(),
        }),
    ))
    .unwrap();
    assert_eq!(case.status, CaseStatus::Closed);
    assert_eq!(
        check(&case, Verb::Note),
        Err(Refusal::Conflict(Conflict::Closed))
    );
    assert!(check(&case, Verb::Reopen).is_ok());
    case.apply(&staff_event(
        5,
        7,
        EventBody::CaseReopened(CaseReopened {
            reason: "new facts".into(),
        }),
    ))
    .unwrap();
    assert_eq!(case.status, CaseStatus::Open);
    assert_eq!(case.version, 5);
    assert_eq!(case.timeline.len(), 5);
    assert_eq!(case.timeline[3].detail.as_deref(), Some("false_alarm"));
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
    p.date_of_birth = NaiveDate::from_ymd_opt(1950, 1, 1);
    let on = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    assert_eq!(p.effective_flags(on), vec![Flag::Over65]);
}

#[test]
fn the_bounded_record_keeps_what_urgency_and_deadlines_read() {
    let mut case = Case::open(&raised(1, 7, AlertKind::Detained, vec![])).unwrap();
    let mut seq = 1;
    let mut log = |case: &mut Case, code, fields: &[(&str, &str)]| {
        seq += 1;
        case.apply(&checkpoint(seq, 7, code, fields)).unwrap();
    };
    log(&mut case, CheckpointCode::DetentionConfirmed, &[]);
    log(
        &mut case,
        CheckpointCode::ContactAttempt,
        &[("who", "hermana"), ("outcome", "reached")],
    );
    for _ in 0..10 {
        log(
            &mut case,
            CheckpointCode::ContactAttempt,
            &[("who", "hermana"), ("outcome", "no_answer")],
        );
    }
    log(&mut case, CheckpointCode::DetentionConfirmed, &[]);
    let whole = case.clone();
    case.bounded();
    assert!(case.checkpoints.len() <= 5, "{}", case.checkpoints.len());
    let first = |c: &Case| {
        c.checkpoints
            .iter()
            .find(|x| x.code == CheckpointCode::DetentionConfirmed)
            .map(|x| x.seq)
    };
    assert_eq!(first(&case), first(&whole), "the first detention stays");
    assert!(
        case.checkpoints
            .iter()
            .any(|c| c.fields.get("outcome").is_some_and(|o| o == "reached")),
        "someone reached them, and that stays"
    );
    assert_eq!(case.checkpoints.last(), whole.checkpoints.last());
    assert!(case.timeline.is_empty());
    // And an empty timeline stays empty as events come: the cost of one does not grow.
    case.apply(&checkpoint(99, 7, CheckpointCode::FamilyNotified, &[]))
        .unwrap();
    assert!(case.timeline.is_empty());
    assert_eq!(case.last.as_ref().map(|l| l.seq), Some(99));
}

#[test]
fn a_confirmed_detention_makes_the_kind_detained_and_a_reopen_drops_the_closure() {
    use crate::domain::checkpoint::CloseOutcome;
    use crate::domain::event::{CaseClosed, CaseReopened};
    let mut case = Case::open(&raised(1, 7, AlertKind::Imminent, vec![])).unwrap();
    case.apply(&checkpoint(2, 7, CheckpointCode::DetentionConfirmed, &[]))
        .unwrap();
    assert_eq!(case.kind, AlertKind::Detained);
    case.apply(&staff_event(
        3,
        7,
        EventBody::CaseClosed(CaseClosed {
            outcome: CloseOutcome::FalseAlarm,
            note: "no era".into(),
        }),
    ))
    .unwrap();
    assert!(case.closed.is_some());
    case.apply(&staff_event(
        4,
        7,
        EventBody::CaseReopened(CaseReopened {
            reason: "sí era".into(),
        }),
    ))
    .unwrap();
    assert!(case.is_open());
    assert!(
        case.closed.is_none(),
        "nothing reads 'closed as' an open case"
    );
}
