//! The console walks an officer through a checklist: the next step comes first and prefilled.

use crossterm::event::KeyCode;

use super::test_support::{ctrl, key, officer, screen};
use super::update;
use crate::console::action::{Action, Command};
use crate::domain::alert::AlertKind;
use crate::domain::case::tests::{checkpoint, raised};
use crate::domain::checkpoint::CheckpointCode;
use crate::domain::command::CaseCommand;
use crate::i18n::Lang;

fn event(e: crate::domain::event::Event) -> Action {
    Action::HubEvent(Box::new(e))
}

#[test]
fn a_death_in_custody_is_walked_step_by_step() {
    let mut m = officer(Lang::Es);
    update(&mut m, event(raised(1, 1002, AlertKind::Detained, vec![])));
    update(
        &mut m,
        event(checkpoint(
            2,
            1002,
            CheckpointCode::HarmInCustody,
            &[("harm", "death"), ("occurred_on", "2026-11-21")],
        )),
    );
    m.list.selected = Some(1002);
    let text = screen(&mut m, 200, 70);
    assert!(text.contains("Muerte bajo custodia 0/6"), "{text}");
    assert!(
        text.contains("siguiente paso: familia más cercana informada"),
        "{text}"
    );
    // The checkpoint picker offers the next step first; Enter takes it, already filled in.
    update(&mut m, key(KeyCode::Char('c')));
    update(&mut m, key(KeyCode::Enter));
    let commands = update(&mut m, ctrl('s'));
    let [Command::Submit(draft)] = &commands[..] else {
        panic!("{commands:?} {}", screen(&mut m, 200, 70));
    };
    let CaseCommand::Checkpoint(req) = &draft.request else {
        panic!("{draft:?}");
    };
    assert_eq!(req.code, CheckpointCode::ChecklistStep);
    assert_eq!(req.fields["step"], "next_of_kin_notified");
    // Once it is logged, the next one is offered.
    update(
        &mut m,
        event(checkpoint(
            3,
            1002,
            CheckpointCode::ChecklistStep,
            &[("step", "next_of_kin_notified")],
        )),
    );
    let text = screen(&mut m, 200, 70);
    assert!(text.contains("Muerte bajo custodia 1/6"), "{text}");
    assert!(
        text.contains("siguiente paso: causa oficial solicitada"),
        "{text}"
    );
}

#[test]
fn a_case_without_a_list_is_not_offered_checklist_steps() {
    let mut m = officer(Lang::En);
    update(&mut m, event(raised(1, 1002, AlertKind::Detained, vec![])));
    m.list.selected = Some(1002);
    update(&mut m, key(KeyCode::Char('c')));
    let form = m.form.as_ref().unwrap();
    let picker = form.picker.as_ref().unwrap();
    assert!(
        !picker
            .items
            .iter()
            .any(|i| i.key == CheckpointCode::ChecklistStep.as_str())
    );
    assert_eq!(picker.items[0].key, "CONTACT_ATTEMPT");
}

#[test]
fn a_detainee_held_in_another_district_is_offered_to_that_consulate() {
    let mut m = officer(Lang::Es);
    update(&mut m, event(raised(1, 1002, AlertKind::Detained, vec![])));
    update(
        &mut m,
        event(checkpoint(
            2,
            1002,
            CheckpointCode::FacilityLocated,
            &[
                ("facility_code", "ADLNTCA"),
                ("facility", "ADELANTO ICE PROCESSING CENTER"),
                ("city_state", "ADELANTO, CA"),
                ("field_office", "LOS"),
            ],
        )),
    );
    m.list.selected = Some(1002);
    let text = screen(&mut m, 200, 70);
    assert!(
        text.contains("ADELANTO ICE PROCESSING CENTER · ADELANTO, CA"),
        "{text}"
    );
    assert!(text.contains("Oficina de ICE: Los Angeles"), "{text}");
    assert!(
        text.contains("Circunscripción de San Bernardino, CA"),
        "{text}"
    );
    assert!(text.contains("está en otra circunscripción"), "{text}");
    // A lawyer has no key to transfer with: the district is shown, the offer is not.
    let role = |m: &mut crate::console::model::Model, role| {
        if let Some(me) = &mut m.me {
            me.role = role;
        }
    };
    role(&mut m, crate::domain::staff::Role::Lawyer);
    let seen = screen(&mut m, 200, 70);
    assert!(
        seen.contains("Circunscripción de San Bernardino, CA"),
        "{seen}"
    );
    assert!(!seen.contains("está en otra circunscripción"), "{seen}");
    role(&mut m, crate::domain::staff::Role::Officer);
    update(&mut m, key(KeyCode::Char('t')));
    let picker = m.form.as_ref().unwrap().picker.as_ref().unwrap();
    assert_eq!(picker.items[0].key, "san-bernardino");
}

#[test]
fn a_placement_is_picked_from_the_registry_nearest_first() {
    let mut m = officer(Lang::En);
    update(&mut m, event(raised(1, 1002, AlertKind::Detained, vec![])));
    m.list.selected = Some(1002);
    update(&mut m, key(KeyCode::Char('c')));
    for c in "facility located".chars() {
        update(&mut m, key(KeyCode::Char(c)));
    }
    update(&mut m, key(KeyCode::Enter));
    let form = m.form.as_ref().unwrap();
    assert_eq!(form.stage, crate::console::form::Stage::PickingFacility);
    let items = &form.picker.as_ref().unwrap().items;
    assert_eq!(items[0].key, "", "typing it in is always offered first");
    assert!(items[1].detail.ends_with("LOS"), "{:?}", items[1]);
    for c in "bailey".chars() {
        update(&mut m, key(KeyCode::Char(c)));
    }
    update(&mut m, key(KeyCode::Enter));
    let commands = update(&mut m, ctrl('s'));
    let [Command::Submit(draft)] = &commands[..] else {
        panic!("{commands:?}");
    };
    let CaseCommand::Checkpoint(req) = &draft.request else {
        panic!("{draft:?}");
    };
    assert_eq!(req.fields["facility_code"], "BAILECA");
    assert_eq!(req.fields["facility"], "GEORGE BAILEY DETENTION FACILITY");
    assert_eq!(req.fields["field_office"], "SND");
}

#[test]
fn the_shift_tab_loads_and_shows_what_the_next_shift_inherits() {
    use crate::console::model::{ShiftPanel, Tab};
    use crate::domain::handover::handover;
    let mut m = officer(Lang::Es);
    update(&mut m, event(raised(1, 1002, AlertKind::Detained, vec![])));
    let commands = update(&mut m, key(KeyCode::Char('2')));
    assert_eq!(m.tab, Tab::Shift);
    assert!(commands.contains(&Command::FetchShift), "{commands:?}");
    assert!(screen(&mut m, 100, 30).contains("cargando…"));
    let tz = m.zone_of("los-angeles");
    let h = handover("los-angeles", tz, m.cases.values(), &[], m.now);
    update(
        &mut m,
        Action::ShiftLoaded(Box::new(ShiftPanel {
            handover: Some(h),
            ..ShiftPanel::default()
        })),
    );
    let text = screen(&mut m, 100, 30);
    assert!(text.contains("Entrega de guardia"), "{text}");
    assert!(text.contains("Alertas sin atender (1)"), "{text}");
    assert!(text.contains("#1002"), "{text}");
    assert!(text.contains("nadie según el rol de guardias"), "{text}");
}

#[test]
fn in_a_raid_the_shift_tab_stays_short_scrolls_by_page_and_lists_a_raids_cases() {
    use crate::console::model::{ShiftPanel, Tab};
    use crate::domain::handover::handover;
    use crate::domain::incident::{Incident, IncidentView, Tally};
    let mut m = officer(Lang::Es);
    for i in 0..300u64 {
        update(
            &mut m,
            event(raised(i + 1, 2000 + i, AlertKind::Detained, vec![])),
        );
    }
    update(&mut m, key(KeyCode::Char('2')));
    let tz = m.zone_of("los-angeles");
    let h = handover("los-angeles", tz, m.cases.values(), &[], m.now);
    let raid = IncidentView {
        incident: Incident {
            id: 12,
            name: "Operativo Bell".into(),
            by_rule: false,
            opened_at: m.now,
            cases: vec![2003, 2004],
        },
        tally: Tally::default(),
    };
    update(
        &mut m,
        Action::ShiftLoaded(Box::new(ShiftPanel {
            handover: Some(h),
            incidents: vec![raid],
            ..ShiftPanel::default()
        })),
    );
    let top = screen(&mut m, 100, 60);
    assert!(top.contains("Alertas sin atender (300)"), "{top}");
    assert!(
        top.contains("y 292 más"),
        "the list is cut and counted: {top}"
    );
    let rows = crate::console::view::shift_rows(&m, 98);
    assert!(rows < 80, "{rows} rows for 300 cases");
    // PgDn and End scroll within the tab, and stop at its end.
    screen(&mut m, 100, 30);
    update(&mut m, key(KeyCode::PageDown));
    assert!(m.shift.scroll > 1, "a page, not a line: {}", m.shift.scroll);
    for _ in 0..10 {
        update(&mut m, key(KeyCode::PageDown));
    }
    screen(&mut m, 100, 30);
    assert_eq!(m.shift.scroll, m.shift.most);
    let bottom = screen(&mut m, 100, 30);
    assert!(bottom.contains(":redada 12 para ver sus casos"), "{bottom}");
    update(&mut m, key(KeyCode::Home));
    assert_eq!(m.shift.scroll, 0);
    // The raid's cases, and only them, in the queue.
    update(&mut m, key(KeyCode::Char(':')));
    for c in "redada 12".chars() {
        update(&mut m, key(KeyCode::Char(c)));
    }
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(m.tab, Tab::Queue);
    m.refresh_order();
    let mut listed = m.list.order.clone();
    listed.sort();
    assert_eq!(listed, vec![2003, 2004]);
    assert!(screen(&mut m, 120, 30).contains("redada #12 · 2 casos"));
    update(&mut m, key(KeyCode::Esc));
    m.refresh_order();
    assert_eq!(m.list.order.len(), 300);
}

#[test]
fn the_shift_tab_lists_tomorrows_watched_appointments_by_place_and_hour() {
    use crate::console::model::ShiftPanel;
    use crate::domain::appointment::{Appointment, AppointmentKind, AppointmentState, Place};
    let mut m = officer(Lang::Es);
    update(&mut m, key(KeyCode::Char('2')));
    let tz = m.zone_of("los-angeles");
    // Tomorrow 08:00 in Los Angeles.
    let tomorrow = crate::domain::time::local_date(m.now, tz)
        .succ_opt()
        .unwrap()
        .and_hms_opt(8, 0, 0)
        .unwrap()
        .and_local_timezone(tz)
        .unwrap()
        .with_timezone(&chrono::Utc);
    let one = |id, minutes, state| Appointment {
        id,
        kind: AppointmentKind::IceCheckIn,
        starts_at: tomorrow + chrono::Duration::minutes(minutes),
        expected_minutes: 60,
        place: Place {
            name: "ICE Los Angeles, 300 N Los Angeles St".into(),
            lat: 34.0537,
            lon: -118.2395,
            facility: None,
        },
        note: "Llevo mi pasaporte.".into(),
        state,
        consulate: "los-angeles".into(),
        case_id: None,
    };
    let appointments: Vec<Appointment> = (0..14)
        .map(|i| one(i, i as i64 * 4, AppointmentState::Watched))
        .collect();
    update(
        &mut m,
        Action::ShiftLoaded(Box::new(ShiftPanel {
            appointments,
            ..ShiftPanel::default()
        })),
    );
    let text = screen(&mut m, 120, 60);
    assert!(
        text.contains("mañana 08:00 · ICE Los Angeles, 300 N Los Angeles St · 14 citas vigiladas"),
        "{text}"
    );
    // What a person told beforehand is read with their case, not on the list.
    assert!(!text.contains("pasaporte"), "{text}");
}

#[test]
fn a_missed_appointments_case_is_urgent_and_its_detail_says_what_the_person_told_beforehand() {
    use crate::domain::appointment::{AppointmentKind, OnCase, Place};
    let mut m = officer(Lang::Es);
    let mut case =
        crate::domain::case::Case::open(&raised(1, 31, AlertKind::AppointmentMissed, vec![]))
            .unwrap();
    case.appointment = Some(OnCase {
        id: 4,
        kind: AppointmentKind::IceCheckIn,
        starts_at: m.now - chrono::Duration::hours(3),
        expected_minutes: 60,
        place: Place {
            name: "ICE Los Angeles, 300 N Los Angeles St".into(),
            lat: 34.0537,
            lon: -118.2395,
            facility: None,
        },
        note: "Llevo mi pasaporte.".into(),
        out_at: None,
    });
    update(&mut m, Action::CaseLoaded(Box::new(case)));
    let list = screen(&mut m, 120, 30);
    assert!(list.contains("no salió de su cita"), "{list}");
    // As a detention: someone held inside cannot press.
    assert!(list.contains("ALTA"), "{list}");
    update(&mut m, key(KeyCode::Enter));
    let detail = screen(&mut m, 120, 40);
    assert!(detail.contains("Cita vigilada"), "{detail}");
    assert!(
        detail.contains("cita de control de ICE · ICE Los Angeles"),
        "{detail}"
    );
    assert!(
        detail.contains("dijo antes: «Llevo mi pasaporte.»"),
        "{detail}"
    );
}

#[test]
fn a_person_not_located_gets_the_search_list_with_each_answer_and_the_queue_says_so() {
    let mut m = officer(Lang::Es);
    update(&mut m, event(raised(1, 1003, AlertKind::Detained, vec![])));
    update(
        &mut m,
        event(checkpoint(2, 1003, CheckpointCode::NotLocated, &[])),
    );
    update(
        &mut m,
        event(checkpoint(
            3,
            1003,
            CheckpointCode::ChecklistStep,
            &[("step", "locator_searched"), ("result", "not_there")],
        )),
    );
    m.list.selected = Some(1003);
    let text = screen(&mut m, 200, 70);
    assert!(text.contains("no localizada"), "{text}");
    assert!(
        text.contains("Búsqueda de persona no localizada 1/6"),
        "{text}"
    );
    assert!(
        text.contains("✓ localizador de detenidos de ICE consultado: no está"),
        "{text}"
    );
    assert!(
        text.contains("siguiente paso: oficina de campo de ICE consultada"),
        "{text}"
    );
    // Placed: the search ends, and its list with it.
    update(
        &mut m,
        event(checkpoint(
            4,
            1003,
            CheckpointCode::FacilityLocated,
            &[("facility", "Adelanto")],
        )),
    );
    let text = screen(&mut m, 200, 70);
    assert!(
        !text.contains("Búsqueda de persona no localizada"),
        "{text}"
    );
}
