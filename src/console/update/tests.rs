use chrono::{Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::*;
use crate::api::{CasesResponse, Me};
use crate::console::action::{Connection, Notice};
use crate::domain::alert::AlertKind;
use crate::domain::case::tests::{cancelled, raised};
use crate::domain::command::CaseCommand;
use crate::domain::registrant::Flag;
use crate::domain::staff::Role;
use crate::i18n::Lang;

fn model() -> Model {
    let now = Utc.with_ymd_and_hms(2026, 11, 22, 10, 1, 0).unwrap();
    Model::new(Lang::En, false, Duration::minutes(5), now)
}

fn me() -> Me {
    Me {
        id: 1,
        name: "Duty Officer".into(),
        role: Role::Officer,
        consulate: Some("los-angeles".into()),
        token_expires_at: None,
    }
}

fn key(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE))
}

fn event(e: crate::domain::event::Event) -> Action {
    Action::HubEvent(Box::new(e))
}

fn named(seq: u64, id: u64, kind: AlertKind, flags: Vec<Flag>, name: &str, km: f64) -> Action {
    let mut e = raised(seq, id, kind, flags);
    if let EventBody::AlertRaised(r) = &mut e.body {
        r.registrant.name = name.into();
        r.distance_km = km;
    }
    event(e)
}

#[test]
fn a_replayed_event_is_applied_once() {
    let mut m = model();
    update(&mut m, event(raised(1, 7, AlertKind::Imminent, vec![])));
    update(&mut m, event(cancelled(2, 7)));
    update(&mut m, event(cancelled(2, 7)));
    update(&mut m, event(raised(1, 7, AlertKind::Imminent, vec![])));
    assert_eq!(m.cases.len(), 1);
    assert_eq!(m.cases[&7].version, 2);
    assert_eq!(m.cases[&7].timeline.len(), 2);
    assert_eq!(m.last_seq, 2);
}

#[test]
fn queue_is_ordered_by_urgency_then_proximity() {
    let mut m = model();
    update(
        &mut m,
        named(1, 1, AlertKind::Imminent, vec![], "Far imminent", 40.0),
    );
    update(
        &mut m,
        named(2, 2, AlertKind::Imminent, vec![], "Near imminent", 2.0),
    );
    update(
        &mut m,
        named(3, 3, AlertKind::Detained, vec![], "Detained", 90.0),
    );
    m.refresh_order();
    assert_eq!(m.list.order, vec![3, 2, 1]);
    update(&mut m, key('s'));
    m.refresh_order();
    assert_eq!(m.list.order, vec![2, 1, 3], "proximity order");
    update(&mut m, key('s'));
    m.refresh_order();
    assert_eq!(
        m.list.order,
        vec![1, 2, 3],
        "age order, oldest first, ties by case number"
    );
}

#[test]
fn a_new_critical_alert_rings_once_and_stays_highlighted_until_selected() {
    let mut m = model();
    update(
        &mut m,
        named(1, 1, AlertKind::Imminent, vec![], "First", 1.0),
    );
    m.refresh_order();
    let cmds = update(
        &mut m,
        named(
            2,
            2,
            AlertKind::Detained,
            vec![Flag::MinorsInCare],
            "Urgent",
            5.0,
        ),
    );
    assert_eq!(cmds, vec![Command::Bell]);
    assert!(m.list.unseen.contains(&2));
    let next = m.now + Duration::seconds(1);
    let again = update(&mut m, Action::Tick(next));
    assert!(again.is_empty(), "no second bell for the same case");
    m.refresh_order();
    assert!(m.list.unseen.contains(&2), "still highlighted");
    // The critical case sorts first; moving onto it marks it seen.
    update(&mut m, key('k'));
    assert_eq!(m.list.selected, Some(2));
    assert!(!m.list.unseen.contains(&2));
}

#[test]
fn waiting_past_the_sla_makes_a_case_critical_and_rings() {
    let mut m = model();
    update(
        &mut m,
        named(1, 1, AlertKind::Imminent, vec![], "Waiting", 1.0),
    );
    let later = m.cases[&1].received_at + Duration::minutes(5);
    assert_eq!(update(&mut m, Action::Tick(later)), vec![Command::Bell]);
}

#[test]
fn filter_narrows_the_queue_and_escape_clears_it() {
    let mut m = model();
    update(
        &mut m,
        named(1, 1, AlertKind::Imminent, vec![], "Rosa Ficticia", 1.0),
    );
    update(
        &mut m,
        named(2, 2, AlertKind::Imminent, vec![], "Pedro Ficticio", 2.0),
    );
    update(&mut m, key('/'));
    assert_eq!(m.mode(), Mode::Filter);
    for c in "rosa".chars() {
        update(&mut m, key(c));
    }
    m.refresh_order();
    assert_eq!(m.list.order, vec![1]);
    update(
        &mut m,
        Action::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
    );
    m.refresh_order();
    assert_eq!(m.list.order.len(), 2);
    assert_eq!(m.mode(), Mode::Normal);
}

#[test]
fn snapshot_replaces_cases_and_sets_the_position() {
    let mut m = model();
    update(&mut m, named(1, 1, AlertKind::Imminent, vec![], "Old", 1.0));
    let case = crate::domain::case::Case::open(&raised(9, 9, AlertKind::Imminent, vec![])).unwrap();
    update(
        &mut m,
        Action::Snapshot {
            me: me(),
            snapshot: CasesResponse {
                seq: 9,
                cases: vec![case],
                next_after: None,
            },
        },
    );
    assert_eq!(m.cases.keys().copied().collect::<Vec<_>>(), vec![9]);
    assert_eq!(m.last_seq, 9);
    update(&mut m, event(raised(5, 5, AlertKind::Imminent, vec![])));
    assert!(
        !m.cases.contains_key(&5),
        "events older than the snapshot are ignored"
    );
}

#[test]
fn q_quits_and_question_mark_opens_help() {
    let mut m = model();
    update(&mut m, key('?'));
    assert_eq!(m.mode(), Mode::Help);
    update(&mut m, key('?'));
    assert_eq!(m.mode(), Mode::Normal);
    assert_eq!(update(&mut m, key('q')), vec![Command::Quit]);
}

fn screen(m: &mut Model, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    crate::console::app::draw(&mut terminal, m).unwrap();
    let buffer = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..height {
        for x in 0..width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn populated() -> Model {
    let mut m = model();
    update(
        &mut m,
        Action::Snapshot {
            me: me(),
            snapshot: CasesResponse {
                seq: 0,
                cases: vec![],
                next_after: None,
            },
        },
    );
    update(&mut m, Action::Connection(Connection::Live));
    update(
        &mut m,
        named(1, 1001, AlertKind::Imminent, vec![], "Ana Ficticia", 12.0),
    );
    update(
        &mut m,
        named(
            2,
            1002,
            AlertKind::Detained,
            vec![Flag::Pregnancy],
            "Beto Ficticio",
            30.0,
        ),
    );
    update(&mut m, event(cancelled(3, 1001)));
    m
}

#[test]
fn screen_in_english() {
    let mut m = populated();
    insta::assert_snapshot!(screen(&mut m, 130, 30));
}

#[test]
fn screen_in_spanish_with_help_open() {
    let mut m = populated();
    m.lang = Lang::Es;
    update(&mut m, key('?'));
    insta::assert_snapshot!(screen(&mut m, 100, 30));
}

#[test]
fn hostile_names_are_drawn_harmless() {
    let mut m = model();
    update(
        &mut m,
        named(
            1,
            1,
            AlertKind::Imminent,
            vec![],
            "Eve\u{1b}]52;c;aGk=\u{7}\u{202e}X\r",
            1.0,
        ),
    );
    let text = screen(&mut m, 130, 20);
    assert!(text.contains("Eve"));
    let bad: Vec<char> = text
        .chars()
        .filter(|c| *c != '\n' && crate::domain::sanitize::is_forbidden(*c))
        .collect();
    assert!(bad.is_empty(), "{bad:?}");
    assert!(!text.contains("52;c"));
}

#[test]
fn critical_rows_carry_their_colour_and_no_color_drops_it() {
    use ratatui::style::Color;
    let mut m = model();
    update(
        &mut m,
        named(
            1,
            1,
            AlertKind::Detained,
            vec![Flag::MinorsInCare],
            "Crit",
            1.0,
        ),
    );
    let find = |m: &mut Model| {
        let mut terminal = Terminal::new(TestBackend::new(130, 10)).unwrap();
        crate::console::app::draw(&mut terminal, m).unwrap();
        let buffer = terminal.backend().buffer().clone();
        (0..10u16)
            .flat_map(|y| (0..130u16).map(move |x| (x, y)))
            .find(|&(x, y)| buffer[(x, y)].symbol() == "‼")
            .map(|p| buffer[p].fg)
            .unwrap()
    };
    // Selected rows are drawn reversed; look at the colour of the symbol's own cell.
    assert_eq!(find(&mut m), Color::Red);
    m.no_color = true;
    assert_eq!(find(&mut m), Color::Reset);
}

#[test]
fn only_the_visible_window_is_built_for_a_large_queue() {
    let mut m = model();
    for i in 0..20_000u64 {
        update(
            &mut m,
            named(
                i + 1,
                i + 1,
                AlertKind::Imminent,
                vec![],
                "Bulk Ficticio",
                i as f64,
            ),
        );
    }
    update(&mut m, key('G'));
    let text = screen(&mut m, 130, 30);
    assert!(text.contains("20000"), "the last case is in view after End");
    assert_eq!(m.list.table.offset(), 20_000 - m.list.page);
}

fn ctrl(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn code(c: KeyCode) -> Action {
    Action::Key(KeyEvent::new(c, KeyModifiers::NONE))
}

fn type_text(m: &mut Model, text: &str) {
    for c in text.chars() {
        update(m, key(c));
    }
}

#[test]
fn checkpoint_form_names_the_bad_field_and_sends_once_fixed() {
    let mut m = populated();
    m.list.selected = Some(1002);
    update(&mut m, key('c'));
    assert_eq!(m.mode(), Mode::Picker);
    type_text(&mut m, "a-number");
    update(&mut m, code(KeyCode::Enter));
    assert_eq!(m.mode(), Mode::Form);
    update(&mut m, code(KeyCode::Tab));
    type_text(&mut m, "1234");
    assert!(update(&mut m, ctrl('s')).is_empty(), "nothing is sent");
    assert_eq!(
        m.form.as_ref().unwrap().focus,
        1,
        "the focus goes to the bad field"
    );
    let text = screen(&mut m, 110, 30);
    insta::assert_snapshot!(text);
    assert!(
        text.contains("A-number: not written as expected (expected: A-123456789)"),
        "{text}"
    );
    // Fix it: four more digits make eight, which the hub pads to nine.
    type_text(&mut m, "5678");
    let commands = update(&mut m, ctrl('s'));
    let [Command::Submit(draft)] = &commands[..] else {
        panic!("{commands:?}");
    };
    assert_eq!(draft.case_id, 1002);
    assert_eq!(draft.version, 1);
    let CaseCommand::Checkpoint(req) = &draft.request else {
        panic!("{draft:?}");
    };
    assert_eq!(req.fields["a_number"], "12345678");
    assert_eq!(m.mode(), Mode::Normal);
}

#[test]
fn closing_asks_for_confirmation_and_is_never_on_a_plain_key() {
    let mut m = populated();
    m.list.selected = Some(1002);
    update(&mut m, key('x'));
    assert!(m.form.is_none(), "lower-case x does nothing");
    update(&mut m, key('X'));
    update(&mut m, code(KeyCode::Enter)); // first outcome
    type_text(&mut m, "Liberado.");
    assert!(update(&mut m, ctrl('s')).is_empty());
    assert_eq!(m.mode(), Mode::Confirm);
    let commands = update(&mut m, key('y'));
    assert!(
        matches!(&commands[..], [Command::Submit(d)] if matches!(d.request, CaseCommand::Close(_)))
    );
}

#[test]
fn a_lawyer_sees_only_their_cases_and_may_not_assign() {
    let mut m = model();
    let lawyer = Me {
        id: 40,
        name: "Lic. Prueba".into(),
        role: Role::Lawyer,
        consulate: None,
        token_expires_at: None,
    };
    let mut mine = Case::open(&raised(1, 1, AlertKind::Detained, vec![])).unwrap();
    mine.assigned_lawyer = Some(40);
    update(
        &mut m,
        Action::Snapshot {
            me: lawyer,
            snapshot: CasesResponse {
                seq: 1,
                cases: vec![mine],
                next_after: None,
            },
        },
    );
    assert_eq!(m.tab, crate::console::model::Tab::MyCases);
    assert_eq!(m.list.sort, SortMode::Deadline);
    m.list.selected = Some(1);
    assert!(update(&mut m, key('l')).is_empty());
    assert!(m.form.is_none());
    assert_eq!(
        m.message
            .as_ref()
            .map(|msg| crate::console::words::message(m.lang, msg)),
        Some("your role does not allow this".to_string())
    );
    // Reassigned to someone else: it leaves this console.
    let away = crate::domain::case::tests::staff_event(
        2,
        1,
        EventBody::LawyerAssigned(crate::domain::event::LawyerAssigned {
            lawyer_id: 41,
            lawyer_name: "Otra".into(),
            previous: Some(40),
        }),
    );
    update(&mut m, event(away));
    assert!(m.cases.is_empty());
}

#[test]
fn going_live_flushes_the_outbox_and_refusals_ring() {
    let mut m = populated();
    assert_eq!(
        update(&mut m, Action::Connection(Connection::Live)),
        vec![Command::FlushOutbox]
    );
    let refused = Notice::Refused {
        case_id: 1002,
        kind: crate::domain::event::EventKind::CaseAcknowledged,
    };
    assert_eq!(update(&mut m, Action::Notice(refused)), vec![Command::Bell]);
}

#[test]
fn a_case_newly_assigned_to_a_lawyer_is_fetched_and_loses_no_event_meanwhile() {
    use crate::domain::event::{LawyerAssigned, NoteAdded};
    let mut m = model();
    let lawyer = Me {
        id: 40,
        name: "Lic. Prueba".into(),
        role: Role::Lawyer,
        consulate: None,
        token_expires_at: None,
    };
    update(
        &mut m,
        Action::Snapshot {
            me: lawyer,
            snapshot: CasesResponse {
                seq: 1,
                cases: vec![],
                next_after: None,
            },
        },
    );
    let assigned = crate::domain::case::tests::staff_event(
        2,
        7,
        EventBody::LawyerAssigned(LawyerAssigned {
            lawyer_id: 40,
            lawyer_name: "Lic. Prueba".into(),
            previous: None,
        }),
    );
    assert_eq!(
        update(&mut m, event(assigned.clone())),
        vec![Command::FetchCase(7)]
    );
    let note = crate::domain::case::tests::staff_event(
        3,
        7,
        EventBody::NoteAdded(NoteAdded {
            text: "llegó antes que el caso".into(),
        }),
    );
    assert!(
        update(&mut m, event(note)).is_empty(),
        "held, not fetched twice"
    );
    // The fetched case was read before the note was committed.
    let mut fetched = Case::open(&raised(1, 7, AlertKind::Detained, vec![])).unwrap();
    fetched.apply(&assigned).unwrap();
    update(&mut m, Action::CaseLoaded(Box::new(fetched)));
    assert_eq!(m.cases[&7].notes.len(), 1);
    assert_eq!(m.cases[&7].version, 3);
    assert!(m.detail.fetching.is_empty());
}

#[test]
fn supervisors_hear_escalations_and_officers_hear_offers_to_their_consulate() {
    use crate::domain::event::CaseEscalated;
    let escalated = |seq, level, offered: Option<&str>| {
        let mut e = crate::domain::case::tests::staff_event(
            seq,
            1,
            EventBody::CaseEscalated(CaseEscalated {
                level,
                offered_to: offered.map(String::from),
                on_duty: Vec::new(),
            }),
        );
        e.actor = crate::domain::event::Actor::Hub;
        event(e)
    };
    let mut sup = model();
    let boss = Me {
        id: 9,
        name: "Sup".into(),
        role: Role::Supervisor,
        consulate: Some("los-angeles".into()),
        token_expires_at: None,
    };
    update(
        &mut sup,
        Action::Snapshot {
            me: boss,
            snapshot: CasesResponse {
                seq: 0,
                cases: vec![],
                next_after: None,
            },
        },
    );
    update(&mut sup, event(raised(1, 1, AlertKind::Imminent, vec![])));
    assert!(update(&mut sup, escalated(2, 1, None)).contains(&Command::Bell));

    let mut officer = model();
    update(
        &mut officer,
        Action::Snapshot {
            me: Me {
                consulate: Some("santa-ana".into()),
                token_expires_at: None,
                ..me()
            },
            snapshot: CasesResponse {
                seq: 0,
                cases: vec![],
                next_after: None,
            },
        },
    );
    // Not theirs: no bell, but the offer to them fetches the case and rings.
    let commands = update(&mut officer, escalated(3, 2, Some("santa-ana")));
    assert!(commands.contains(&Command::Bell));
    assert!(commands.contains(&Command::FetchCase(1)));
}

#[test]
fn a_case_transferred_here_is_read_whole_when_next_shown() {
    // Held as the copy an offered consulate may read (no relatives' numbers, a rounded
    // position): once the transfer is accepted the case is this consulate's, and the detail
    // pane reads it whole.
    let mut m = model();
    let mut offered = Case::open(&raised(1, 1, AlertKind::Imminent, vec![])).unwrap();
    offered.consulate = "santa-ana".into();
    assert!(!offered.timeline.is_empty());
    update(
        &mut m,
        Action::Snapshot {
            me: me(),
            snapshot: CasesResponse {
                seq: 1,
                cases: vec![offered],
                next_after: None,
            },
        },
    );
    m.detail.shown_for = Some(1);
    let now = m.now;
    assert!(
        !update(&mut m, Action::Tick(now)).contains(&Command::FetchCase(1)),
        "a case held with its timeline is not read again on every tick"
    );
    let accepted = crate::domain::case::tests::staff_event(
        2,
        1,
        EventBody::TransferAccepted(crate::domain::event::TransferAccepted {
            from_consulate: "santa-ana".into(),
            to_consulate: "los-angeles".into(),
            distance_km: Some(3.0),
        }),
    );
    update(&mut m, event(accepted));
    assert_eq!(m.cases[&1].consulate, "los-angeles");
    assert!(update(&mut m, Action::Tick(now)).contains(&Command::FetchCase(1)));
}
