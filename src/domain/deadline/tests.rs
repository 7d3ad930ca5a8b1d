use super::*;
use crate::domain::alert::AlertKind;
use crate::domain::case::tests::{checkpoint, raised};
use chrono::TimeZone;

const LA: Tz = chrono_tz::America::Los_Angeles;

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[test]
fn a_day_ends_at_midnight_where_it_is_received_and_not_in_utc() {
    // 2026-12-10 ends at 23:59:59 in Los Angeles (PST, UTC-8) ...
    assert_eq!(end_of(day(2026, 12, 10), LA), utc("2026-12-11T07:59:59Z"));
    // ... and at the Board's in Falls Church (EST, UTC-5), three hours earlier.
    assert_eq!(
        end_of(day(2026, 12, 10), BOARD_ZONE),
        utc("2026-12-11T04:59:59Z")
    );
    // The day the clocks go back has 25 hours, and ends when the clocks there say.
    assert_eq!(end_of(day(2026, 11, 1), LA), utc("2026-11-02T07:59:59Z"));
    assert_eq!(end_of(day(2026, 7, 1), LA), utc("2026-07-02T06:59:59Z"));
}

#[test]
fn each_deadline_on_a_day_says_whose_midnight_ends_it() {
    let mut case = Case::open(&raised(1, 9, AlertKind::Detained, vec![])).unwrap();
    case.apply(&checkpoint(
        2,
        9,
        CheckpointCode::RemovalOrder,
        &[("decided_on", "2026-11-10")],
    ))
    .unwrap();
    case.apply(&checkpoint(
        3,
        9,
        CheckpointCode::Released,
        &[("next_reporting", "2026-12-01")],
    ))
    .unwrap();
    let ends: Vec<_> = deadlines(&case, now(), LA)
        .iter()
        .map(|d| (d.kind, d.day_end))
        .collect();
    assert!(ends.contains(&(DeadlineKind::BoardAppeal, Some(DayEnd::Board))));
    assert!(ends.contains(&(DeadlineKind::Reporting, Some(DayEnd::Person))));
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
}

#[test]
fn five_business_days_skip_the_weekend() {
    // Friday 2026-11-20 + 5 business days = Friday 2026-11-27.
    assert_eq!(add_business_days(day(2026, 11, 20), 5), day(2026, 11, 27));
    // Wednesday + 5 = next Wednesday.
    assert_eq!(add_business_days(day(2026, 11, 18), 5), day(2026, 11, 25));
    // Saturday start: Monday is the first business day.
    assert_eq!(add_business_days(day(2026, 11, 21), 1), day(2026, 11, 23));
    assert_eq!(add_business_days(day(2026, 11, 21), 0), day(2026, 11, 21));
}

#[test]
fn a_final_order_starts_the_custody_clocks_counted_from_their_dated_rows() {
    let mut case = Case::open(&raised(1, 9, AlertKind::Detained, vec![])).unwrap();
    // Not appealed: final on 2026-07-01, when the 30 days to appeal ran out.
    case.apply(&checkpoint(
        2,
        9,
        CheckpointCode::RemovalOrder,
        &[("decided_on", "2026-06-01")],
    ))
    .unwrap();
    let d = deadlines(&case, now(), LA);
    let due = |k: DeadlineKind| d.iter().find(|x| x.kind == k).map(|x| x.due);
    assert_eq!(
        due(DeadlineKind::RemovalPeriodEnds),
        Some(end_of(day(2026, 9, 29), LA))
    );
    assert_eq!(
        due(DeadlineKind::PresumptiveLimit),
        Some(end_of(day(2026, 12, 28), LA))
    );
    assert!(
        due(DeadlineKind::BoardAppeal).is_some(),
        "the missed appeal stays"
    );
    // Released: no custody clock runs.
    case.apply(&checkpoint(3, 9, CheckpointCode::Released, &[]))
        .unwrap();
    assert!(
        deadlines(&case, now(), LA)
            .iter()
            .all(|x| x.kind != DeadlineKind::PresumptiveLimit)
    );
}

#[test]
fn board_appeal_is_thirty_calendar_days_and_ends_when_filed() {
    let mut case = Case::open(&raised(1, 9, AlertKind::Detained, vec![])).unwrap();
    case.apply(&checkpoint(
        2,
        9,
        CheckpointCode::RemovalOrder,
        &[("decided_on", "2026-11-10")],
    ))
    .unwrap();
    let d = deadlines(&case, now(), LA);
    assert_eq!(d.len(), 1);
    assert_eq!(d[0].kind, DeadlineKind::BoardAppeal);
    assert_eq!(d[0].due, end_of(day(2026, 12, 10), BOARD_ZONE));
    case.apply(&checkpoint(
        3,
        9,
        CheckpointCode::AppealFiled,
        &[("received_on", "2026-11-20")],
    ))
    .unwrap();
    assert!(deadlines(&case, now(), LA).is_empty());
}

#[test]
fn an_appeal_with_a_briefing_date_shows_the_brief_deadline() {
    let mut case = Case::open(&raised(1, 9, AlertKind::Detained, vec![])).unwrap();
    case.apply(&checkpoint(
        2,
        9,
        CheckpointCode::AppealFiled,
        &[("received_on", "2026-11-20"), ("brief_due", "2026-12-11")],
    ))
    .unwrap();
    let d = deadlines(&case, now(), LA);
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].kind, DeadlineKind::AppealBrief);
    assert_eq!(d[0].due, end_of(day(2026, 12, 11), BOARD_ZONE));
    // Missed, it stays: it is then the most urgent thing on the case.
    let later = Utc.with_ymd_and_hms(2026, 12, 20, 12, 0, 0).unwrap();
    assert!(deadlines(&case, later, LA)[0].overdue(later));
}

#[test]
fn post_conclusion_departure_has_a_bond_deadline_in_business_days() {
    let mut case = Case::open(&raised(1, 9, AlertKind::Detained, vec![])).unwrap();
    // `checkpoint` logs it as happening at 2026-11-22 10:00 (a Sunday).
    case.apply(&checkpoint(
        2,
        9,
        CheckpointCode::VoluntaryDeparture,
        &[("stage", "post_conclusion"), ("depart_by", "2027-01-20")],
    ))
    .unwrap();
    let d = deadlines(&case, now(), LA);
    let kinds: Vec<_> = d.iter().map(|d| d.kind).collect();
    assert_eq!(
        kinds,
        vec![
            DeadlineKind::VoluntaryDepartureBond,
            DeadlineKind::VoluntaryDeparture
        ]
    );
    assert_eq!(d[0].due, end_of(day(2026, 11, 27), LA));
}

#[test]
fn missing_consular_notification_is_due_24h_after_detention() {
    let mut case = Case::open(&raised(1, 9, AlertKind::Detained, vec![])).unwrap();
    case.apply(&checkpoint(
        2,
        9,
        CheckpointCode::DetentionConfirmed,
        &[("agency", "ice_ero")],
    ))
    .unwrap();
    let d = next(&case, now(), LA).unwrap();
    assert_eq!(d.kind, DeadlineKind::ConsularNotification);
    let later = now() + Duration::days(2);
    assert!(d.overdue(later), "a missed notification stays, as overdue");
    case.apply(&checkpoint(3, 9, CheckpointCode::ConsularNotification, &[]))
        .unwrap();
    assert!(next(&case, later, LA).is_none());
}

#[test]
fn a_transfer_restarts_the_clock_for_telling_counsel_and_flags_pending_matters() {
    let mut case = Case::open(&raised(1, 9, AlertKind::Detained, vec![])).unwrap();
    let at = |c: &Case| {
        deadlines(c, now(), LA)
            .into_iter()
            .find(|d| d.kind == DeadlineKind::CounselInformed)
    };
    case.apply(&checkpoint(
        2,
        9,
        CheckpointCode::FacilityLocated,
        &[("facility", "A")],
    ))
    .unwrap();
    assert!(at(&case).is_none(), "no counsel yet, nobody to tell");
    case.apply(&checkpoint(
        3,
        9,
        CheckpointCode::RepresentativeAssigned,
        &[],
    ))
    .unwrap();
    assert_eq!(at(&case).unwrap().from_seq, 2);
    case.apply(&checkpoint(4, 9, CheckpointCode::CounselInformed, &[]))
        .unwrap();
    assert!(at(&case).is_none());
    case.apply(&checkpoint(
        5,
        9,
        CheckpointCode::HabeasFiled,
        &[
            ("court", "C.D. Cal."),
            ("filed_on", "2026-11-20"),
            ("show_cause_on", "2026-11-21"),
        ],
    ))
    .unwrap();
    assert!(at_risk_after_transfer(&case).is_empty(), "not moved yet");
    case.apply(&checkpoint(
        6,
        9,
        CheckpointCode::FacilityTransfer,
        &[("facility", "B")],
    ))
    .unwrap();
    let d = at(&case).unwrap();
    assert_eq!(d.from_seq, 6, "the move restarts the clock");
    let risk: Vec<_> = at_risk_after_transfer(&case)
        .iter()
        .map(|c| c.code)
        .collect();
    assert_eq!(risk, vec![CheckpointCode::HabeasFiled]);
}

#[test]
fn habeas_has_a_return_date_then_a_circuit_appeal_window() {
    let mut case = Case::open(&raised(1, 9, AlertKind::Detained, vec![])).unwrap();
    case.apply(&checkpoint(
        2,
        9,
        CheckpointCode::HabeasFiled,
        &[
            ("court", "C.D. Cal."),
            ("filed_on", "2026-11-18"),
            ("show_cause_on", "2026-11-19"),
        ],
    ))
    .unwrap();
    let d = next(&case, now(), LA).unwrap();
    assert_eq!(d.kind, DeadlineKind::HabeasReturn);
    assert_eq!(d.due, end_of(day(2026, 11, 22), LA));
    case.apply(&checkpoint(
        3,
        9,
        CheckpointCode::HabeasDecided,
        &[("decision", "denied"), ("decided_on", "2026-11-21")],
    ))
    .unwrap();
    let d = next(&case, now(), LA).unwrap();
    assert_eq!(d.kind, DeadlineKind::CircuitAppeal);
    assert_eq!(d.due, end_of(day(2027, 1, 20), LA));
    // A Board appeal does not answer a circuit deadline; a circuit appeal does.
    case.apply(&checkpoint(
        4,
        9,
        CheckpointCode::AppealFiled,
        &[("received_on", "2026-11-22")],
    ))
    .unwrap();
    assert_eq!(
        next(&case, now(), LA).unwrap().kind,
        DeadlineKind::CircuitAppeal
    );
    case.apply(&checkpoint(
        5,
        9,
        CheckpointCode::AppealFiled,
        &[("forum", "circuit"), ("received_on", "2026-11-22")],
    ))
    .unwrap();
    assert!(next(&case, now(), LA).is_none());
}

#[test]
fn an_unaccompanied_minor_has_the_statutory_hours() {
    let mut case = Case::open(&raised(1, 9, AlertKind::Detained, vec![])).unwrap();
    case.apply(&checkpoint(
        2,
        9,
        CheckpointCode::MinorInCustody,
        &[
            ("accompanied", "unaccompanied"),
            ("apprehended_at", "2026-11-22T08:00:00Z"),
        ],
    ))
    .unwrap();
    let kinds: Vec<_> = deadlines(&case, now(), LA).iter().map(|d| d.kind).collect();
    assert_eq!(
        kinds,
        vec![DeadlineKind::MinorScreening, DeadlineKind::MinorTransfer]
    );
    case.apply(&checkpoint(
        3,
        9,
        CheckpointCode::ChecklistStep,
        &[("step", "screening_confirmed")],
    ))
    .unwrap();
    let kinds: Vec<_> = deadlines(&case, now(), LA).iter().map(|d| d.kind).collect();
    assert_eq!(kinds, vec![DeadlineKind::MinorTransfer]);
}

#[test]
fn past_hearings_drop_off_and_future_ones_count_down() {
    let mut case = Case::open(&raised(1, 9, AlertKind::Detained, vec![])).unwrap();
    case.apply(&checkpoint(
        2,
        9,
        CheckpointCode::MasterCalendarHearing,
        &[("hearing_at", "2026-12-01T09:00:00Z")],
    ))
    .unwrap();
    assert_eq!(next(&case, now(), LA).unwrap().kind, DeadlineKind::Hearing);
    let after = Utc.with_ymd_and_hms(2026, 12, 2, 0, 0, 0).unwrap();
    assert!(next(&case, after, LA).is_none());
}
