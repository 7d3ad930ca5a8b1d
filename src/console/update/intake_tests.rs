//! A call taken here whose case went to another consulate says which.

use super::test_support::officer;
use super::update;
use crate::console::action::{Action, Notice};
use crate::domain::event::EventKind;
use crate::i18n::Lang;

fn applied(consulate: Option<&str>) -> Action {
    Action::Notice(Notice::Applied {
        case_id: 1138,
        kind: EventKind::AlertRaised,
        consulate: consulate.map(String::from),
    })
}

#[test]
fn an_intake_routed_to_another_consulate_names_it() {
    let mut m = officer(Lang::Es);
    update(&mut m, applied(Some("san-bernardino")));
    assert_eq!(
        m.notice,
        Some(Notice::RoutedElsewhere {
            case_id: 1138,
            consulate: "San Bernardino, CA".into()
        })
    );
    let text = crate::console::words::notice(Lang::Es, m.notice.as_ref().unwrap());
    assert!(text.contains("consulado de San Bernardino, CA"), "{text}");
    assert!(text.contains("no aparece en esta lista"), "{text}");
}

#[test]
fn an_intake_that_stays_here_and_other_actions_read_as_before() {
    let mut m = officer(Lang::En);
    update(&mut m, applied(Some("los-angeles")));
    assert_eq!(m.notice, Some(Notice::CallTaken { case_id: 1138 }));
    update(&mut m, applied(None));
    assert!(matches!(m.notice, Some(Notice::Applied { .. })));
}

#[test]
fn assign_on_the_command_line_finds_a_lawyer_without_accents() {
    use crate::domain::alert::AlertKind;
    use crate::domain::case::tests::raised;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut m = officer(Lang::Es);
    update(
        &mut m,
        Action::HubEvent(Box::new(raised(1, 1002, AlertKind::Detained, vec![]))),
    );
    m.lawyers = vec![crate::domain::staff::LawyerInfo {
        id: 41,
        name: "Lic. Ana Beltrán".into(),
        serves: vec!["los-angeles".into()],
        languages: vec!["es".into()],
        capacity: 20,
        open_cases: 3,
    }];
    let key = |c: KeyCode| Action::Key(KeyEvent::new(c, KeyModifiers::NONE));
    update(&mut m, key(KeyCode::Char(':')));
    for c in "assign 1002 beltran".chars() {
        update(&mut m, key(KeyCode::Char(c)));
    }
    let commands = update(&mut m, key(KeyCode::Enter));
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, crate::console::action::Command::Submit(d)
            if d.request == crate::domain::command::CaseCommand::Assign(
                crate::domain::command::AssignRequest { lawyer_id: 41 }))),
        "{commands:?}"
    );
}

#[test]
fn the_call_taker_adds_what_the_caller_says_next_to_a_case_this_list_does_not_hold() {
    use crate::console::action::Command;
    use crate::domain::command::CaseCommand;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut m = officer(Lang::Es);
    update(&mut m, applied(Some("san-bernardino")));
    let told = crate::console::words::notice(Lang::Es, m.notice.as_ref().unwrap());
    assert!(
        told.contains(":llamada 1138"),
        "the notice says how: {told}"
    );
    let key = |c: KeyCode| Action::Key(KeyEvent::new(c, KeyModifiers::NONE));
    update(&mut m, key(KeyCode::Char(':')));
    for c in "llamada 1138 ya se lo llevaron".chars() {
        update(&mut m, key(KeyCode::Char(c)));
    }
    let commands = update(&mut m, key(KeyCode::Enter));
    let sent = commands.iter().find_map(|c| match c {
        Command::Submit(d) => match &d.request {
            CaseCommand::Intake(r) => Some((d.case_id, r.clone())),
            _ => None,
        },
        _ => None,
    });
    let (case_id, request) = sent.unwrap_or_else(|| panic!("{commands:?} {:?}", m.message));
    assert_eq!(case_id, 1138);
    assert_eq!(request.case_id, Some(1138));
    assert_eq!(request.description, "ya se lo llevaron");
    assert!(request.registrant_id.is_none() && request.name.is_empty());

    // Without words, the form opens on what the caller says.
    update(&mut m, key(KeyCode::Char(':')));
    for c in "call 1138".chars() {
        update(&mut m, key(KeyCode::Char(c)));
    }
    update(&mut m, key(KeyCode::Enter));
    let form = m.form.as_ref().expect("the form is open");
    assert_eq!(form.case_id, 1138);
    assert_eq!(form.inputs[form.focus].name, "description");
    assert!(
        form.inputs
            .iter()
            .all(|i| i.name != "name" && i.name != "phone")
    );
}

#[test]
fn a_checkpoint_named_ambiguously_on_the_command_line_is_chosen_not_guessed() {
    use crate::domain::alert::AlertKind;
    use crate::domain::case::tests::raised;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let mut m = officer(Lang::Es);
    update(
        &mut m,
        Action::HubEvent(Box::new(raised(1, 1002, AlertKind::Detained, vec![]))),
    );
    let key = |c: KeyCode| Action::Key(KeyEvent::new(c, KeyModifiers::NONE));
    update(&mut m, key(KeyCode::Char(':')));
    for c in "etapa 1002 audiencia".chars() {
        update(&mut m, key(KeyCode::Char(c)));
    }
    let commands = update(&mut m, key(KeyCode::Enter));
    assert!(
        !commands
            .iter()
            .any(|c| matches!(c, crate::console::action::Command::Submit(_))),
        "{commands:?}"
    );
    let picker = m.form.as_ref().and_then(|f| f.picker.as_ref()).unwrap();
    let shown = picker.visible().len();
    assert!(shown >= 3, "every hearing is offered: {shown}");
    assert!(matches!(
        m.message,
        Some(crate::console::records::Message::ChooseAmong(n, _)) if n == shown
    ));
    assert!(
        m.form.as_ref().unwrap().chosen.is_none(),
        "none chosen for them"
    );
}
