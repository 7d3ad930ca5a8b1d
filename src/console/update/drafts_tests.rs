//! Typed work is never lost: Esc keeps it, a crash loses at most a second of it, Ctrl-D throws
//! it away on purpose, and a refused action comes back in its form.

use chrono::Duration;
use crossterm::event::KeyCode;

use super::test_support::{self as support, ctrl, key, typed};
use super::update;
use crate::console::action::{Action, Command};
use crate::console::keymap::Mode;
use crate::console::model::{Message, Model};
use crate::console::records::{Pending, PendingState};
use crate::domain::alert::AlertKind;
use crate::domain::case::tests::raised;
use crate::domain::checkpoint::CloseOutcome;
use crate::domain::command::{CaseCommand, CloseRequest, Verb};
use crate::i18n::Lang;

fn officer() -> Model {
    let mut m = support::officer(Lang::Es);
    update(
        &mut m,
        Action::HubEvent(Box::new(raised(1, 1002, AlertKind::Detained, vec![]))),
    );
    m.refresh_order();
    m.list.selected = Some(1002);
    m
}

fn saved(commands: &[Command]) -> Option<&Vec<crate::console::records::FormDraft>> {
    commands.iter().find_map(|c| match c {
        Command::SaveDrafts(list) => Some(list),
        _ => None,
    })
}

const NOTE: &str = "Llamó la hermana: está en Adelanto";

#[test]
fn esc_keeps_a_note_and_the_same_form_brings_it_back_until_it_is_sent() {
    let mut m = officer();
    update(&mut m, key(KeyCode::Char('n')));
    typed(&mut m, NOTE);
    let commands = update(&mut m, key(KeyCode::Esc));
    assert_eq!(m.mode(), Mode::Normal);
    assert_eq!(m.message, Some(Message::DraftKept));
    let list = saved(&commands).expect("written at once");
    assert_eq!(list[0].fields, vec![("text".to_string(), NOTE.to_string())]);

    update(&mut m, key(KeyCode::Char('n')));
    assert_eq!(m.message, Some(Message::DraftRestored));
    assert_eq!(
        m.form.as_ref().unwrap().input("text").unwrap().value(),
        NOTE
    );
    let commands = update(&mut m, ctrl('s'));
    assert!(commands.iter().any(|c| matches!(c, Command::Submit(d)
        if d.request == CaseCommand::Note(crate::domain::command::NoteRequest { text: NOTE.into() }))));
    assert_eq!(saved(&commands), Some(&vec![]), "sent: the draft is gone");
    update(&mut m, key(KeyCode::Char('n')));
    assert_eq!(m.form.as_ref().unwrap().input("text").unwrap().value(), "");
}

#[test]
fn typing_is_written_about_once_a_second_and_only_when_it_changed() {
    let mut m = officer();
    update(&mut m, key(KeyCode::Char('n')));
    typed(&mut m, "Audiencia");
    let tick = Action::Tick(m.now + Duration::seconds(1));
    let list = saved(&update(&mut m, tick.clone()))
        .cloned()
        .expect("written");
    assert_eq!(list[0].fields[0].1, "Audiencia");
    assert!(
        saved(&update(&mut m, tick)).is_none(),
        "nothing new, nothing written"
    );
}

#[test]
fn ctrl_d_throws_the_draft_away() {
    let mut m = officer();
    update(&mut m, key(KeyCode::Char('n')));
    typed(&mut m, NOTE);
    update(&mut m, key(KeyCode::Esc));
    update(&mut m, key(KeyCode::Char('n')));
    let commands = update(&mut m, ctrl('d'));
    assert_eq!(m.message, Some(Message::DraftDiscarded));
    assert_eq!(saved(&commands), Some(&vec![]));
    update(&mut m, key(KeyCode::Char('n')));
    assert_eq!(m.form.as_ref().unwrap().input("text").unwrap().value(), "");
}

#[test]
fn a_refused_close_reopens_with_its_note_and_says_why() {
    let mut m = officer();
    let refused = Pending {
        key: "k-1".into(),
        case_id: 1002,
        version: 1,
        request: crate::domain::command::Request::Case(CaseCommand::Close(CloseRequest {
            outcome: CloseOutcome::FalseAlarm,
            note: "Nadie detenido; habló con su hermana".into(),
        })),
        created_at: m.now,
        state: PendingState::Refused {
            status: 409,
            error: "case_changed".into(),
            message: "the case changed".into(),
            case: None,
            reason: None,
            field: None,
            changed: None,
        },
    };
    update(
        &mut m,
        Action::Outbox {
            waiting: vec![],
            refused: vec![refused],
        },
    );
    update(&mut m, key(KeyCode::Char('!')));
    assert_eq!(m.mode(), Mode::Refusals);
    let commands = update(&mut m, key(KeyCode::Char('e')));
    assert!(commands.contains(&Command::Dismiss("k-1".into())));
    assert_eq!(m.mode(), Mode::Form);
    let form = m.form.as_ref().unwrap();
    assert_eq!(form.kind, crate::console::form::FormKind::Case(Verb::Close));
    assert_eq!(form.chosen.as_ref().unwrap().key, "false_alarm");
    assert_eq!(
        form.input("note").unwrap().value(),
        "Nadie detenido; habló con su hermana"
    );
    assert!(
        form.refused.is_some(),
        "the hub's reason is shown in the form"
    );
    assert!(m.outbox.refused.is_empty());
}
