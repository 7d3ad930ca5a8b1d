//! Keys act where the person is: in the open case the movement keys scroll that case and never
//! put another under the verbs; the shift tab offers no case verbs; `?` and `p` name only what
//! the role's menu holds; Ctrl-C in a form keeps what was typed.

use crossterm::event::KeyCode;

use super::test_support::{ctrl, key, now, officer, screen, typed};
use super::update;
use crate::console::action::{Action, Command};
use crate::console::keymap::Mode;
use crate::console::model::{Message, Model, Tab};
use crate::domain::alert::AlertKind;
use crate::domain::case::tests::raised;
use crate::domain::command::CaseCommand;
use crate::i18n::Lang;

fn queue(lang: Lang) -> Model {
    let mut m = officer(lang);
    for i in 0..6u64 {
        let e = raised(i + 1, 1001 + i, AlertKind::Detained, vec![]);
        update(&mut m, Action::HubEvent(Box::new(e)));
    }
    update(&mut m, Action::Tick(now()));
    m.refresh_order();
    m
}

fn acknowledged(commands: &[Command]) -> Option<u64> {
    commands.iter().find_map(|c| match c {
        Command::Submit(d) if d.request == CaseCommand::Acknowledge => Some(d.case_id),
        _ => None,
    })
}

#[test]
fn in_the_open_case_movement_keys_scroll_it_and_a_acts_on_that_case() {
    let mut m = queue(Lang::Es);
    update(&mut m, key(KeyCode::Down));
    let opened = m.list.selected.unwrap();
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(m.mode(), Mode::Case);
    screen(&mut m, 80, 24);
    for code in [
        KeyCode::Down,
        KeyCode::Char('j'),
        KeyCode::Up,
        KeyCode::Char('k'),
        KeyCode::Char('G'),
        KeyCode::PageDown,
        KeyCode::End,
        KeyCode::Char('g'),
    ] {
        update(&mut m, key(code));
        screen(&mut m, 80, 24);
        assert_eq!(m.list.selected, Some(opened), "{code:?} changed the case");
    }
    update(&mut m, key(KeyCode::Down));
    update(&mut m, key(KeyCode::Down));
    screen(&mut m, 80, 12);
    assert!(m.detail.scroll > 0, "↓ scrolls the case's text");
    assert_eq!(
        acknowledged(&update(&mut m, key(KeyCode::Char('a')))),
        Some(opened)
    );
    let text = screen(&mut m, 80, 24);
    let hints = text.lines().last().unwrap();
    assert!(hints.starts_with("Esc volver a la lista"), "{hints}");
    assert!(hints.contains("↓ bajar el texto"), "{hints}");
    assert!(!hints.contains("Enter"), "{hints}");
    // Esc goes back to the list, where ↓ moves again.
    update(&mut m, key(KeyCode::Esc));
    assert_eq!(m.mode(), Mode::Normal);
    update(&mut m, key(KeyCode::Down));
    assert_ne!(m.list.selected, Some(opened));
}

#[test]
fn the_shift_tab_offers_no_case_verbs_and_enter_opens_nothing() {
    let mut m = queue(Lang::Es);
    update(&mut m, key(KeyCode::Char('2')));
    assert_eq!(m.tab, Tab::Shift);
    assert_eq!(m.mode(), Mode::Shift);
    for c in ['a', 'c', 'l', 'n', 'X'] {
        assert!(
            update(&mut m, key(KeyCode::Char(c))).is_empty(),
            "{c} did something on the shift tab"
        );
        assert!(m.form.is_none(), "{c} opened a form");
    }
    update(&mut m, key(KeyCode::Enter));
    assert!(!m.detail.full, "Enter opened a case from the shift tab");
    let text = screen(&mut m, 100, 30);
    let hints = text.lines().last().unwrap();
    for verb in ["abrir caso", "atender", "etapa"] {
        assert!(!hints.contains(verb), "{hints}");
    }
    assert!(
        hints.contains("? ayuda") && hints.contains("q salir"),
        "{hints}"
    );
    // No case's detail sits beside the shift tab.
    assert!(!text.contains("Detalle"), "{text}");
}

#[test]
fn the_help_names_only_the_work_the_role_may_do() {
    use crate::console::keymap::help_rows;
    use crate::domain::staff::Role;
    let p = |role| {
        help_rows(Mode::Normal, Lang::Es, false, Some(role))
            .into_iter()
            .find(|(k, _)| k == "p")
            .map(|(_, what)| what)
    };
    assert_eq!(p(Role::Officer), Some("visitas y centros de detención"));
    assert_eq!(p(Role::Supervisor), Some("visitas, redadas, guardias"));
    assert_eq!(p(Role::Lawyer), None);
    // And the `?` overlay is drawn from those rows.
    let mut m = queue(Lang::Es);
    update(&mut m, key(KeyCode::Char('?')));
    let text = screen(&mut m, 120, 40);
    assert!(text.contains("visitas y centros de detención"), "{text}");
}

#[test]
fn ctrl_c_in_a_form_keeps_the_text_and_asks_before_quitting() {
    let mut m = queue(Lang::Es);
    update(&mut m, key(KeyCode::Char('n')));
    typed(&mut m, "Llamó la hermana");
    let commands = update(&mut m, ctrl('c'));
    assert!(!m.quit, "one Ctrl-C with text typed does not quit");
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::SaveDrafts(l) if !l.is_empty())),
        "{commands:?}"
    );
    assert_eq!(m.message, Some(Message::QuitDraftKept));
    assert!(m.form.is_none());
    assert_eq!(update(&mut m, key(KeyCode::Char('q'))), vec![Command::Quit]);
}

#[test]
fn the_timeline_dates_carry_their_year() {
    let mut m = queue(Lang::Es);
    m.list.selected = Some(1001);
    update(&mut m, key(KeyCode::Enter));
    let text = screen(&mut m, 100, 40);
    // 10:00 UTC is 02:00 in Los Angeles: AAAA-MM-DD HH:MM, never a bare 11-22.
    assert!(text.contains("  2026-11-22 02:00  "), "{text}");
}

/// One case per vulnerability, as the reporter saw them cut at 80 columns.
fn flagged(lang: Lang) -> Model {
    use crate::domain::registrant::Flag;
    let mut m = officer(lang);
    let flags = [
        Flag::Over65,
        Flag::MedicalCondition,
        Flag::Disability,
        Flag::NeedsInterpreter,
        Flag::Pregnancy,
    ];
    for (i, flag) in flags.into_iter().enumerate() {
        let i = i as u64;
        let e = raised(i + 1, 1001 + i, AlertKind::Imminent, vec![flag]);
        update(&mut m, Action::HubEvent(Box::new(e)));
    }
    update(&mut m, Action::Tick(now()));
    m.refresh_order();
    m
}

#[test]
fn a_narrow_urgency_column_says_codes_instead_of_cut_words() {
    let text = screen(&mut flagged(Lang::En), 80, 24);
    for stub in ["over 6 ", "medica ", "disabi ", "interpr"] {
        assert!(!text.contains(stub), "{stub}: {text}");
    }
    for code in ["65+", "MED", "DIS", "INT"] {
        assert!(text.contains(code), "{code}: {text}");
    }
    let text = screen(&mut flagged(Lang::Es), 80, 24);
    for stub in ["intérpre ", "condició ", "discapac "] {
        assert!(!text.contains(stub), "{stub}: {text}");
    }
    assert!(text.contains("INT") && text.contains("EMB"), "{text}");
}

#[test]
fn at_forty_columns_the_urgency_and_the_case_number_are_the_last_to_go() {
    let mut m = flagged(Lang::Es);
    update(&mut m, Action::HubEvent(Box::new(duress_of(20, 1001))));
    m.refresh_order();
    let text = screen(&mut m, 40, 12);
    let row = text
        .lines()
        .find(|l| l.contains("1001"))
        .unwrap_or_else(|| panic!("no case number: {text}"));
    assert!(row.contains("‼ COACCIÓN"), "{text}");
    let other = text.lines().find(|l| l.contains("1002")).unwrap();
    assert!(other.contains('‼') || other.contains('▲'), "{text}");
}

#[test]
fn a_case_in_transfer_says_so_in_a_word_that_fits() {
    let text = crate::i18n::t(Lang::En, crate::i18n::Text::StatusTransfer);
    assert!(text.chars().count() <= 11, "{text}");
    assert_eq!(text, "in transfer");
}

fn duress_of(seq: u64, id: u64) -> crate::domain::event::Event {
    let mut e = crate::domain::case::tests::cancelled(seq, id);
    if let crate::domain::event::EventBody::AlertCancelled(c) = &mut e.body {
        c.duress = true;
    }
    e
}

#[test]
fn typing_over_a_prefilled_time_replaces_it() {
    let mut m = queue(Lang::Es);
    update(&mut m, key(KeyCode::Char('c')));
    // The first checkpoint in the picker: its form opens on the time, prefilled with now.
    update(&mut m, key(KeyCode::Enter));
    let at = |m: &Model| m.form.as_ref().unwrap().input("at").unwrap().value();
    assert!(at(&m).starts_with("2026-11-22"), "{}", at(&m));
    assert_eq!(m.form.as_ref().unwrap().focus, 0);
    typed(&mut m, "2026-11-22 01:30");
    assert_eq!(at(&m), "2026-11-22 01:30");
    // Once edited, keys add to it as typed.
    update(&mut m, key(KeyCode::Backspace));
    typed(&mut m, "5");
    assert_eq!(at(&m), "2026-11-22 01:35");
}

#[test]
fn an_empty_required_phone_is_said_to_be_required() {
    use crate::domain::command::Refusal;
    use crate::domain::validate::FieldCode;
    let mut m = queue(Lang::Es);
    update(&mut m, key(KeyCode::Char('I')));
    typed(&mut m, "Rosa Elena Cruz");
    update(&mut m, ctrl('s'));
    let form = m.form.as_ref().expect("the form stays open");
    match &form.error {
        Some(Refusal::Invalid(e)) => {
            assert_eq!((e.field.as_str(), e.code), ("phone", FieldCode::Required))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_case_number_on_the_command_line_opens_the_case() {
    let mut m = queue(Lang::Es);
    update(&mut m, key(KeyCode::Char('2')));
    update(&mut m, key(KeyCode::Char(':')));
    typed(&mut m, "1004");
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(m.tab, Tab::Queue);
    assert_eq!(m.list.selected, Some(1004));
    assert_eq!(m.mode(), Mode::Case, "the case is open, not only selected");
}

#[test]
fn the_shift_tab_and_the_strip_count_the_same_unattended() {
    use crate::console::model::ShiftPanel;
    use crate::domain::handover::Handover;
    let mut m = queue(Lang::Es);
    m.cases.get_mut(&1002).unwrap().acknowledged_at = Some(now());
    m.list.stale = true;
    // The handover as the hub gave it when the tab was loaded: an older picture.
    m.shift.panel = Some(ShiftPanel {
        handover: Some(Handover {
            consulate: "los-angeles".into(),
            at: now(),
            shift_ends: None,
            on_duty: vec![(7, "Lucía Ramírez".into())],
            next_on_duty: vec![],
            unattended: vec![],
            without_lawyer: vec![],
            due: vec![],
            duress: vec![],
            not_located: vec![],
            transfers: vec![],
            alarms: vec![],
            totals: Default::default(),
        }),
        ..Default::default()
    });
    update(&mut m, key(KeyCode::Char('2')));
    let text = screen(&mut m, 120, 40);
    let strip = text.lines().nth(1).unwrap();
    assert!(strip.contains("5 sin atender"), "{strip}");
    assert!(text.contains("Alertas sin atender (5)"), "{text}");
}

#[test]
fn a_shift_reload_the_hub_did_not_answer_keeps_the_last_handover() {
    use crate::console::model::ShiftPanel;
    use crate::domain::handover::Handover;
    let mut m = queue(Lang::Es);
    let handover = Handover {
        consulate: "los-angeles".into(),
        at: now(),
        shift_ends: None,
        on_duty: vec![(7, "Lucía Ramírez".into())],
        next_on_duty: vec![],
        unattended: vec![],
        without_lawyer: vec![],
        due: vec![],
        duress: vec![],
        not_located: vec![],
        transfers: vec![],
        alarms: vec![],
        totals: Default::default(),
    };
    let loaded = |handover| {
        Action::ShiftLoaded(Box::new(ShiftPanel {
            handover,
            ..Default::default()
        }))
    };
    update(&mut m, loaded(Some(handover.clone())));
    // Refused past the reports' limit, or offline: the reload brings no handover.
    update(&mut m, loaded(None));
    let panel = m.shift.panel.as_ref().unwrap();
    assert_eq!(panel.handover.as_ref(), Some(&handover));
}
