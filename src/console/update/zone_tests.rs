//! Times in the consulate's own clock: typed, prefilled and shown as wall time there, sent and
//! kept as UTC.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::test_support::{ctrl, key, officer, screen, typed};
use super::update;
use crate::console::action::{Action, Command};
use crate::console::keymap::Mode;
use crate::console::model::Model;
use crate::domain::alert::AlertKind;
use crate::domain::case::tests::raised;
use crate::domain::command::CaseCommand;
use crate::i18n::Lang;
use chrono::{TimeZone, Utc};

/// A Los Angeles officer at 02:01 local time (10:01 UTC), with one detained alert.
fn los_angeles() -> Model {
    let mut m = officer(Lang::Es);
    update(
        &mut m,
        Action::HubEvent(Box::new(raised(1, 1002, AlertKind::Detained, vec![]))),
    );
    m.refresh_order();
    m.list.selected = Some(1002);
    m
}

/// Ctrl-S on the open checkpoint form: the one request that leaves.
fn sent_checkpoint(m: &mut Model) -> crate::api::CheckpointRequest {
    let commands = update(m, ctrl('s'));
    let [Command::Submit(draft)] = &commands[..] else {
        panic!("{commands:?}");
    };
    let CaseCommand::Checkpoint(req) = &draft.request else {
        panic!("{draft:?}");
    };
    req.clone()
}

#[test]
fn a_hearing_is_typed_in_los_angeles_time_and_sent_in_utc() {
    let mut m = los_angeles();
    update(&mut m, key(KeyCode::Char('c')));
    typed(&mut m, "fianza");
    update(&mut m, key(KeyCode::Enter));
    assert_eq!(m.mode(), Mode::Form);
    let form = m.form.as_ref().unwrap();
    let at = form.input("at").unwrap();
    assert_eq!(
        at.value(),
        "2026-11-22 02:01",
        "prefilled with the local clock"
    );
    assert_eq!(at.hint, "AAAA-MM-DD HH:MM, hora local de Los Angeles, CA");
    assert_eq!(form.input("hearing_at").unwrap().hint, at.hint);
    update(&mut m, key(KeyCode::Tab));
    typed(&mut m, "2026-11-24 09:30");
    let req = sent_checkpoint(&mut m);
    assert_eq!(
        req.at,
        Some(Utc.with_ymd_and_hms(2026, 11, 22, 10, 1, 0).unwrap())
    );
    assert_eq!(req.fields["hearing_at"], "2026-11-24T17:30:00Z");
}

#[test]
fn a_time_the_clocks_skip_is_refused_on_its_field() {
    let mut m = los_angeles();
    update(&mut m, key(KeyCode::Char('c')));
    typed(&mut m, "fianza");
    update(&mut m, key(KeyCode::Enter));
    update(&mut m, key(KeyCode::Tab));
    typed(&mut m, "2026-03-08 02:30");
    let commands = update(
        &mut m,
        Action::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)),
    );
    assert!(commands.is_empty(), "nothing leaves");
    assert_eq!(m.form.as_ref().unwrap().focus, 1, "on the hearing's field");
}

#[test]
fn the_detail_reads_in_the_consulates_time_with_utc_beside() {
    let mut m = los_angeles();
    let text = screen(&mut m, 200, 40);
    assert!(text.contains("2026-11-22 02:00 PST (10:00 UTC)"), "{text}");
}

#[test]
fn a_coded_field_is_picked_with_the_arrows_in_spanish_and_sent_as_its_code() {
    let mut m = los_angeles();
    update(&mut m, key(KeyCode::Char('c')));
    typed(&mut m, "fianza");
    update(&mut m, key(KeyCode::Enter));
    update(&mut m, key(KeyCode::Tab));
    typed(&mut m, "2026-11-24 09:30");
    update(&mut m, key(KeyCode::Tab));
    let decision = |m: &Model| m.form.as_ref().unwrap().input("decision").unwrap().value();
    update(&mut m, key(KeyCode::Down));
    assert_eq!(decision(&m), "concedida");
    update(&mut m, key(KeyCode::Down));
    update(&mut m, key(KeyCode::Up));
    assert_eq!(decision(&m), "concedida", "↑ goes back");
    update(&mut m, key(KeyCode::Up));
    let last = decision(&m);
    assert_ne!(last, "concedida", "↑ from the first wraps to the last");
    update(&mut m, key(KeyCode::Down));
    assert!(
        m.form
            .as_ref()
            .unwrap()
            .input("decision")
            .unwrap()
            .hint
            .starts_with("↑/↓ para elegir"),
    );
    let req = sent_checkpoint(&mut m);
    assert_eq!(req.fields["decision"], "granted");
}
