//! Protection work from the console: `p` offers each role its tasks; a visit is planned, logged
//! against its plan, a raid named and a shift taken off, each leaving as a `Command::Record`
//! only once the form holds what the hub will accept; a draft comes back.

use chrono::NaiveDate;
use crossterm::event::KeyCode;

use super::test_support::{ctrl, key, officer, screen, typed};
use super::update;
use crate::console::action::{Action, Command};
use crate::console::keymap::Mode;
use crate::console::model::{Model, ShiftPanel};
use crate::domain::roster::{DutyView, Shift, When};
use crate::domain::staff::Role;
use crate::domain::visit::{PlanStatus, PlannedVisit};
use crate::domain::work::WorkCommand;
use crate::i18n::Lang;

fn panel() -> ShiftPanel {
    ShiftPanel {
        plans: vec![PlannedVisit {
            id: 4,
            facility: "ADLNTCA".into(),
            facility_name: "ADELANTO ICE PROCESSING CENTER".into(),
            consulate: "los-angeles".into(),
            planned_on: NaiveDate::from_ymd_opt(2026, 11, 21).unwrap(),
            staff: vec!["Lucía Ramírez".into(), "Ana Soto".into()],
            note: String::new(),
            status: PlanStatus::Planned,
        }],
        duty: Some(DutyView {
            shifts: vec![(
                9,
                Shift {
                    consulate: "los-angeles".into(),
                    staff_id: 7,
                    name: "Lucía Ramírez".into(),
                    when: When::Rotation {
                        weekdays: vec![1, 2, 3, 4, 5],
                        start: chrono::NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
                        hours: 8,
                    },
                },
            )],
            on_duty: vec![],
            staff: vec![(7, "Lucía Ramírez".into()), (8, "Ana Soto".into())],
        }),
        ..ShiftPanel::default()
    }
}

fn loaded(role: Role) -> Model {
    let mut m = officer(Lang::Es);
    if let Some(me) = &mut m.me {
        me.role = role;
    }
    update(&mut m, Action::ShiftLoaded(Box::new(panel())));
    for (seq, id) in [(1, 12), (2, 1002), (3, 1003)] {
        let e = crate::domain::case::tests::raised(
            seq,
            id,
            crate::domain::alert::AlertKind::Detained,
            vec![],
        );
        update(&mut m, Action::HubEvent(Box::new(e)));
    }
    m
}

fn menu(m: &mut Model) -> Vec<String> {
    let commands = update(m, key(KeyCode::Char('p')));
    assert!(commands.contains(&Command::FetchShift), "{commands:?}");
    let form = m.form.as_ref().expect("the menu opens");
    form.picker
        .as_ref()
        .unwrap()
        .items
        .iter()
        .map(|i| i.label.clone())
        .collect()
}

/// Filters the open picker by `text` and takes the first match.
fn pick(m: &mut Model, text: &str) -> Vec<Command> {
    typed(m, text);
    update(m, key(KeyCode::Enter))
}

fn clear_and_type(m: &mut Model, field: &str, text: &str) {
    let form = m.form.as_mut().unwrap();
    form.focus = form.inputs.iter().position(|i| i.name == field).unwrap();
    form.inputs[form.focus].editor = ratatui_textarea::TextArea::default();
    typed(m, text);
}

#[test]
fn each_role_is_offered_only_the_work_it_may_do() {
    let mut m = loaded(Role::Officer);
    let offered = menu(&mut m);
    assert!(offered.iter().any(|l| l.contains("Registrar una visita")));
    assert!(
        !offered
            .iter()
            .any(|l| l.contains("operativo") || l.contains("guardia"))
    );
    let mut boss = loaded(Role::Supervisor);
    assert_eq!(menu(&mut boss).len(), 8);
    let mut lawyer = loaded(Role::Lawyer);
    assert!(update(&mut lawyer, key(KeyCode::Char('p'))).is_empty());
    assert!(lawyer.form.is_none());
}

#[test]
fn a_visit_is_planned_at_a_facility_of_the_registry() {
    let mut m = loaded(Role::Officer);
    menu(&mut m);
    pick(&mut m, "programar");
    pick(&mut m, "adelanto");
    assert_eq!(m.mode(), Mode::Form);
    let text = screen(&mut m, 120, 40);
    assert!(text.contains("Programar una visita: ADELANTO"), "{text}");
    // Prefilled: tomorrow in Los Angeles, and who is planning it.
    let form = m.form.as_ref().unwrap();
    assert_eq!(form.input("planned_on").unwrap().value(), "2026-11-23");
    assert_eq!(form.input("staff").unwrap().value(), "Lucía Ramírez");
    // A day already past is caught here, on its field.
    clear_and_type(&mut m, "planned_on", "2026-11-01");
    assert!(update(&mut m, ctrl('s')).is_empty());
    assert_eq!(
        m.form.as_ref().unwrap().inputs[m.form.as_ref().unwrap().focus].name,
        "planned_on"
    );
    clear_and_type(&mut m, "planned_on", "2026-11-25");
    let commands = update(&mut m, ctrl('s'));
    let [Command::Record(WorkCommand::PlanVisit(req))] = &commands[..] else {
        panic!("{commands:?}");
    };
    assert_eq!(req.facility, "ADLNTCA");
    assert_eq!(req.planned_on, "2026-11-25");
    assert!(m.form.is_none());
}

#[test]
fn a_visit_logged_from_its_plan_carries_it_out_and_a_bad_a_number_is_caught() {
    let mut m = loaded(Role::Officer);
    menu(&mut m);
    pick(&mut m, "registrar");
    // The plan is offered first, by its date and place.
    pick(&mut m, "2026-11-21");
    let form = m.form.as_ref().unwrap();
    assert_eq!(
        form.input("staff").unwrap().value(),
        "Lucía Ramírez, Ana Soto"
    );
    // A case this console does not hold is caught here: the hub would refuse the whole visit.
    clear_and_type(&mut m, "interviewed", "#13");
    assert!(update(&mut m, ctrl('s')).is_empty());
    let form = m.form.as_ref().unwrap();
    assert_eq!(form.inputs[form.focus].name, "interviewed");
    clear_and_type(&mut m, "interviewed", "#12, A123456789");
    clear_and_type(&mut m, "roster", "123456789 12");
    assert!(update(&mut m, ctrl('s')).is_empty());
    let form = m.form.as_ref().unwrap();
    assert_eq!(form.inputs[form.focus].name, "roster");
    clear_and_type(&mut m, "roster", "123456789, 987654321");
    let commands = update(&mut m, ctrl('s'));
    let [Command::Record(WorkCommand::LogVisit(req))] = &commands[..] else {
        panic!("{commands:?}");
    };
    assert_eq!(req.plan_id, Some(4));
    assert_eq!(req.facility, "ADLNTCA");
    assert_eq!(req.interviewed[0].case_id, Some(12));
    assert_eq!(req.interviewed[1].a_number.as_deref(), Some("A123456789"));
    assert_eq!(req.roster.len(), 2);
}

#[test]
fn a_supervisor_names_a_raid_sets_a_shift_and_takes_one_off() {
    let mut m = loaded(Role::Supervisor);
    menu(&mut m);
    pick(&mut m, "quitar");
    // Choosing the shift asks first (it undoes something): no sends nothing, yes sends it.
    assert!(pick(&mut m, "lucía").is_empty());
    let asked = screen(&mut m, 120, 40);
    assert!(
        asked.contains("¿Quitar este turno del rol de guardias?"),
        "{asked}"
    );
    // Keys other than the answer do nothing: they never reach the queue as commands.
    assert!(update(&mut m, key(KeyCode::Char('B'))).is_empty());
    assert!(m.form.is_some());
    assert!(update(&mut m, key(KeyCode::Char('n'))).is_empty());
    assert!(m.form.is_none());
    menu(&mut m);
    pick(&mut m, "quitar");
    pick(&mut m, "lucía");
    let commands = update(&mut m, key(KeyCode::Char('s')));
    assert_eq!(
        commands.first(),
        Some(&Command::Record(WorkCommand::RemoveShift { shift_id: 9 }))
    );
    // The hub's answer is said by the task, and the shift tab (if open) reloads.
    m.tab = crate::console::model::Tab::Shift;
    let done = crate::console::action::Notice::Work {
        task: crate::domain::work::WorkVerb::RemoveShift,
        state: crate::console::action::WorkState::Done,
    };
    let commands = update(&mut m, Action::Notice(done));
    assert_eq!(commands, vec![Command::FetchShift]);
    let text = screen(&mut m, 120, 40);
    assert!(text.contains("turno de guardia quitado ✓"), "{text}");
    m.tab = crate::console::model::Tab::Queue;

    menu(&mut m);
    pick(&mut m, "asignar un turno");
    pick(&mut m, "ana");
    clear_and_type(&mut m, "weekdays", "sáb-dom");
    clear_and_type(&mut m, "start", "20:00");
    clear_and_type(&mut m, "hours", "12");
    let commands = update(&mut m, ctrl('s'));
    let [Command::Record(WorkCommand::SetShift(req))] = &commands[..] else {
        panic!("{commands:?}");
    };
    assert_eq!((req.staff_id, req.weekdays.clone()), (8, vec![6, 7]));
    assert_eq!(req.hours, Some(12));

    menu(&mut m);
    pick(&mut m, "agrupar");
    clear_and_type(&mut m, "cases", "#1002, 1003");
    clear_and_type(&mut m, "incident_name", "Operativo en Santa Ana");
    let commands = update(&mut m, ctrl('s'));
    assert_eq!(
        commands.first(),
        Some(&Command::Record(WorkCommand::OpenIncident {
            cases: vec![1002, 1003],
            name: "Operativo en Santa Ana".into(),
        }))
    );
}

#[test]
fn a_visit_half_typed_is_kept_as_a_draft_and_comes_back() {
    let mut m = loaded(Role::Officer);
    menu(&mut m);
    pick(&mut m, "registrar");
    pick(&mut m, "adelanto");
    // Left as the form filled it, nothing is kept.
    update(&mut m, key(KeyCode::Esc));
    assert!(m.drafts.is_empty());
    menu(&mut m);
    pick(&mut m, "registrar");
    pick(&mut m, "adelanto");
    clear_and_type(&mut m, "conditions", "sobrecupo en el dormitorio B");
    let commands = update(&mut m, key(KeyCode::Esc));
    assert!(matches!(&commands[..], [Command::SaveDrafts(d)] if d.len() == 1));
    assert!(m.form.is_none());
    menu(&mut m);
    pick(&mut m, "registrar");
    let form = m.form.as_ref().unwrap();
    assert_eq!(
        form.input("conditions").unwrap().value(),
        "sobrecupo en el dormitorio B"
    );
    // "adelanto" found the planned visit there first; the draft chose it again.
    assert_eq!(form.chosen.as_ref().unwrap().key, "plan:4");
    // Another task's form does not get it.
    update(&mut m, key(KeyCode::Esc));
    menu(&mut m);
    pick(&mut m, "programar");
    assert!(m.form.as_ref().unwrap().inputs.is_empty());
}

#[test]
fn the_shift_tab_lists_planned_visits_overdue_first_and_the_roster() {
    let mut m = loaded(Role::Supervisor);
    m.tab = crate::console::model::Tab::Shift;
    let text = screen(&mut m, 120, 60);
    assert!(text.contains("Visitas programadas (1)"), "{text}");
    assert!(
        text.contains("2026-11-21 VENCIDO · ADELANTO ICE PROCESSING CENTER"),
        "{text}"
    );
    assert!(
        text.contains("Lucía Ramírez · lun mar mié jue vie · 08:00 · 8 h"),
        "{text}"
    );
}
