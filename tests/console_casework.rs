//! Case work through the console, headless but with everything else real: keys go through
//! `update`, commands through the executor and the outbox file, requests over HTTP to a hub on
//! 127.0.0.1, and a second console (the supervisor's) follows the stream.

mod common;

use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use guardia::console::action::{Action, Command};
use guardia::console::app::{Effects, drain, spawn_feeds};
use guardia::console::model::Model;
use guardia::console::net::client::HubClient;
use guardia::console::net::outbox::{Draft, PendingState};
use guardia::domain::alert::AlertKind;
use guardia::domain::case::CaseStatus;
use guardia::domain::checkpoint::CheckpointCode;
use guardia::domain::command::CaseCommand;
use guardia::domain::staff::Role;
use guardia::i18n::Lang;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

struct Console {
    model: Model,
    inbox: mpsc::Receiver<Action>,
    effects: Effects,
    stop: CancellationToken,
}

impl Console {
    fn start(url: &str, token: &str, outbox: &Path) -> Console {
        let stop = CancellationToken::new();
        let client = HubClient::new(url, token).unwrap();
        let (inbox, effects) = spawn_feeds(client, outbox, &stop).unwrap();
        Console {
            model: Model::new(Lang::En, true, chrono::Duration::minutes(5), Utc::now()),
            inbox,
            effects,
            stop,
        }
    }

    fn perform(&mut self, commands: Vec<Command>) {
        for c in commands {
            self.effects.perform(c);
        }
    }

    /// Applies what arrives (performing its commands, as the app loop does) until `done` holds.
    async fn until(&mut self, what: &str, done: impl Fn(&Model) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        while !done(&self.model) {
            let action = tokio::time::timeout_at(deadline, self.inbox.recv())
                .await
                .unwrap_or_else(|_| panic!("the console never reached: {what}"))
                .expect("inbox closed");
            let commands = drain(&mut self.model, action, &mut self.inbox);
            self.perform(commands);
        }
    }

    fn key(&mut self, code: KeyCode) {
        let commands = guardia::console::update::update(
            &mut self.model,
            Action::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        );
        self.perform(commands);
    }

    fn ctrl(&mut self, c: char) {
        let commands = guardia::console::update::update(
            &mut self.model,
            Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)),
        );
        self.perform(commands);
    }

    /// A second passes, as the app loop tells it: what waits on time (a case shown in the
    /// detail pane read whole) happens.
    fn tick(&mut self) {
        let commands = guardia::console::update::update(&mut self.model, Action::Tick(Utc::now()));
        self.perform(commands);
    }

    fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c));
        }
    }

    fn screen(&mut self) -> String {
        let mut terminal = Terminal::new(TestBackend::new(160, 45)).unwrap();
        guardia::console::app::draw(&mut terminal, &mut self.model).unwrap();
        let buffer = terminal.backend().buffer().clone();
        (0..45u16)
            .map(|y| {
                (0..160u16)
                    .map(|x| buffer[(x, y)].symbol())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Selects a case the way a person would: through the `:` command line.
    fn open(&mut self, case: u64) {
        self.key(KeyCode::Char(':'));
        self.type_text(&case.to_string());
        self.key(KeyCode::Enter);
        assert_eq!(self.model.list.selected, Some(case));
    }
}

fn outbox_entries(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|_| "{\"entries\":[]}".into());
    serde_json::from_str::<Value>(&text).unwrap()["entries"]
        .as_array()
        .unwrap()
        .clone()
}

async fn new_case(hub: &TestHub) -> u64 {
    let phone = hub.enroll("Persona Ficticia", &[]).await;
    hub.press(&phone.device_token, LA.0, LA.1, AlertKind::Detained)
        .await
        .case_id
}

#[tokio::test]
async fn five_actions_taken_offline_survive_a_console_kill_and_apply_exactly_once() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let (lawyer_id, _) = hub.staff_with_id(Role::Lawyer, Some("los-angeles")).await;
    let mut cases = Vec::new();
    for _ in 0..5 {
        cases.push(new_case(&hub).await);
    }
    let (addr, url) = (hub.addr, hub.url.clone());
    let dir = hub.stop().await; // the hub is down from here on
    let home = tempfile::tempdir().unwrap();
    let outbox = home.path().join("outbox.json");

    let drafts = [
        CaseCommand::Acknowledge,
        CaseCommand::Note(guardia::api::NoteRequest {
            text: "Llamé a la hermana.".into(),
        }),
        CaseCommand::Assign(guardia::api::AssignRequest { lawyer_id }),
        CaseCommand::Checkpoint(guardia::api::CheckpointRequest {
            code: CheckpointCode::DetentionConfirmed,
            at: Some(Utc::now()),
            fields: [("agency".to_string(), "ice_ero".to_string())].into(),
            note: String::new(),
        }),
        CaseCommand::Close(guardia::api::CloseRequest {
            outcome: guardia::domain::checkpoint::CloseOutcome::FalseAlarm,
            note: "Era un simulacro.".into(),
        }),
    ];
    {
        let mut console = Console::start(&url, &officer, &outbox);
        for (case_id, request) in cases.iter().zip(drafts.clone()) {
            console.perform(vec![Command::Submit(Draft {
                case_id: *case_id,
                version: 1,
                request,
            })]);
        }
        console
            .until("five actions held", |m| m.outbox.waiting == 5)
            .await;
        // Killed: its tasks stop mid-retry and nothing runs on the way out.
        console.stop.cancel();
    }
    assert_eq!(outbox_entries(&outbox).len(), 5, "all five are on disk");

    // A new console on the same outbox, then the hub comes back.
    let mut console = Console::start(&url, &officer, &outbox);
    console
        .until("the outbox is read back", |m| m.outbox.waiting == 5)
        .await;
    let hub = TestHub::restart_at(addr, dir).await;
    console
        .until("all five applied", |m| {
            m.outbox.waiting == 0 && m.outbox.refused.is_empty()
        })
        .await;
    assert!(outbox_entries(&outbox).is_empty());
    let kinds = [
        "case_acknowledged",
        "note_added",
        "lawyer_assigned",
        "checkpoint_logged",
        "case_closed",
    ];
    for (case_id, kind) in cases.iter().zip(kinds) {
        let case = hub.case(&officer, *case_id).await;
        let timeline = case["timeline"].as_array().unwrap();
        assert_eq!(
            timeline.len(),
            2,
            "case {case_id}: exactly one action applied"
        );
        assert_eq!(timeline[1]["kind"], kind);
        assert_eq!(timeline[1]["actor"]["role"], "officer");
    }
    console.stop.cancel();
}

#[tokio::test]
async fn a_conflict_on_replay_is_shown_to_the_person_who_acted_until_dismissed() {
    let hub = TestHub::start().await;
    let me = hub.staff(Role::Officer, Some("los-angeles")).await;
    let colleague = hub.staff(Role::Officer, Some("los-angeles")).await;
    let case = new_case(&hub).await;
    let (addr, url) = (hub.addr, hub.url.clone());
    let dir = hub.stop().await;
    let home = tempfile::tempdir().unwrap();
    let outbox = home.path().join("outbox.json");
    let mut console = Console::start(&url, &me, &outbox);
    console.perform(vec![Command::Submit(Draft {
        case_id: case,
        version: 1,
        request: CaseCommand::Acknowledge,
    })]);
    console.until("held", |m| m.outbox.waiting == 1).await;

    // Meanwhile, with the hub back, a colleague acknowledges first.
    let hub = TestHub::restart_at(addr, dir).await;
    let res = hub.act(&colleague, case, "ack", 1, json!({})).await;
    assert_eq!(res.status(), 200);
    console
        .until("refused", |m| m.outbox.refused.len() == 1)
        .await;
    let refusal = &console.model.outbox.refused[0];
    let PendingState::Refused {
        status,
        case: Some(current),
        ..
    } = &refusal.state
    else {
        panic!("no case in the refusal: {refusal:?}");
    };
    assert_eq!(*status, 409);
    assert!(current.acknowledged_by.is_some());
    assert_eq!(outbox_entries(&outbox).len(), 1, "kept on disk until seen");

    console.key(KeyCode::Char('!'));
    let text = console.screen();
    // An acknowledgement is not refused for a stale version, only for the case's state.
    assert!(text.contains("the case is already acknowledged"), "{text}");
    assert!(text.contains("acknowledged by Test officer"), "{text}");
    console.key(KeyCode::Char('d'));
    console
        .until("dismissed", |m| m.outbox.refused.is_empty())
        .await;
    // The dismissal reaches the file through the outbox task.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !outbox_entries(&outbox).is_empty() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "dismissal not saved"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(
        hub.case(&me, case).await["version"],
        2,
        "the refused ack changed nothing"
    );
    console.stop.cancel();
}

#[tokio::test]
async fn alert_to_closing_by_keyboard_is_seen_live_by_the_supervisor() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let supervisor = hub.staff(Role::Supervisor, Some("los-angeles")).await;
    let (lawyer_id, _) = hub.staff_with_id(Role::Lawyer, Some("los-angeles")).await;
    let home = tempfile::tempdir().unwrap();
    let mut duty = Console::start(&hub.url, &officer, &home.path().join("a.json"));
    let mut boss = Console::start(&hub.url, &supervisor, &home.path().join("b.json"));
    duty.until("connected", |m| m.me.is_some() && !m.lawyers.is_empty())
        .await;
    boss.until("connected", |m| m.me.is_some()).await;

    let case = new_case(&hub).await;
    duty.until("the alert arrives", |m| m.cases.contains_key(&case))
        .await;
    duty.open(case);

    // Acknowledge.
    duty.key(KeyCode::Char('a'));
    duty.until("acknowledged", |m| m.cases[&case].acknowledged_at.is_some())
        .await;
    // Assign: the picker lists the lawyer; Enter takes the best fit.
    duty.key(KeyCode::Char('l'));
    duty.until("lawyers listed", |m| {
        m.form
            .as_ref()
            .and_then(|f| f.picker.as_ref())
            .is_some_and(|p| !p.items.is_empty())
    })
    .await;
    duty.key(KeyCode::Enter);
    duty.until("assigned", |m| {
        m.cases[&case].assigned_lawyer == Some(lawyer_id)
    })
    .await;

    // Three checkpoints, each through the picker and the form.
    let steps: [(&str, &[&str]); 3] = [
        ("detention confirmed", &["ice_ero"]),
        ("a-number", &["A12345678"]),
        ("facility located", &[]),
    ];
    for (i, (filter, values)) in steps.iter().enumerate() {
        duty.key(KeyCode::Char('c'));
        duty.type_text(filter);
        duty.key(KeyCode::Enter);
        if values.is_empty() {
            // A placement: the registry's facilities, searched by name, fill the fields.
            duty.type_text("adelanto");
            duty.key(KeyCode::Enter);
        } else {
            // Tab past the time (default now) to the first field.
            duty.key(KeyCode::Tab);
            for v in *values {
                duty.type_text(v);
                duty.key(KeyCode::Tab);
            }
            duty.type_text("Nota de prueba.");
        }
        duty.ctrl('s');
        let want = 2 + i; // the automatic REPRESENTATIVE_ASSIGNED is first
        duty.until("checkpoint logged", |m| {
            m.cases[&case].checkpoints.len() == want
        })
        .await;
    }
    assert_eq!(
        duty.model.cases[&case].checkpoints[2].fields["a_number"], "012345678",
        "the hub applied the leading-zero rule"
    );
    let placed = &duty.model.cases[&case].checkpoints[3].fields;
    assert_eq!(placed["facility_code"], "ADLNTCA");
    assert_eq!(placed["facility"], "ADELANTO ICE PROCESSING CENTER");

    // Close: outcome, note, then the confirmation; `n` goes back, `y` closes.
    duty.key(KeyCode::Char('X'));
    duty.type_text("false");
    duty.key(KeyCode::Enter);
    duty.type_text("No hubo detención; la persona está a salvo.");
    duty.ctrl('s');
    assert!(duty.screen().contains("Close case #"), "confirmation asked");
    duty.key(KeyCode::Char('n'));
    assert_eq!(
        duty.model.cases[&case].status,
        CaseStatus::Open,
        "not closed on `n`"
    );
    duty.ctrl('s');
    duty.key(KeyCode::Char('y'));
    duty.until("closed", |m| m.cases[&case].status == CaseStatus::Closed)
        .await;

    // The supervisor's console saw it all, live.
    boss.until("the supervisor sees the closing", |m| {
        m.cases
            .get(&case)
            .is_some_and(|c| c.status == CaseStatus::Closed)
    })
    .await;
    let seen = &boss.model.cases[&case];
    assert_eq!(
        seen.timeline.len(),
        7,
        "raised, ack, assign, three checkpoints, closed"
    );
    assert_eq!(seen.checkpoints.len(), 4);
    boss.key(KeyCode::Char('2'));
    boss.open(case);
    let text = boss.screen();
    assert!(text.contains("Closed as: false alarm"), "{text}");
    // The checkpoints are further down the detail: scroll to them.
    boss.key(KeyCode::Char('J'));
    boss.key(KeyCode::Char('J'));
    let text = boss.screen();
    assert!(text.contains("A-number: 012345678"), "{text}");
    duty.stop.cancel();
    boss.stop.cancel();
}

#[tokio::test]
async fn a_transfer_by_keyboard_is_seen_by_both_consoles_and_duress_is_marked() {
    let hub = TestHub::start().await;
    let la = hub.staff(Role::Officer, Some("los-angeles")).await;
    let chicago = hub.staff(Role::Officer, Some("chicago")).await;
    let home = tempfile::tempdir().unwrap();
    let mut west = Console::start(&hub.url, &la, &home.path().join("w.json"));
    let mut east = Console::start(&hub.url, &chicago, &home.path().join("e.json"));
    west.until("ready", |m| m.me.is_some() && !m.consulates.is_empty())
        .await;
    east.until("ready", |m| m.me.is_some()).await;

    let case = new_case(&hub).await;
    west.until("the alert arrives", |m| m.cases.contains_key(&case))
        .await;
    assert!(east.model.cases.is_empty(), "not Chicago's yet");
    west.open(case);
    west.key(KeyCode::Char('t'));
    west.type_text("chicago");
    west.key(KeyCode::Enter);
    west.type_text("Trasladada a Broadview, Illinois.");
    west.ctrl('s');
    east.until("Chicago sees the pending transfer", |m| {
        m.cases.get(&case).is_some_and(|c| c.transfer.is_some())
    })
    .await;
    west.until("still visible to the origin", |m| {
        m.cases.get(&case).is_some_and(|c| c.transfer.is_some())
    })
    .await;

    east.open(case);
    east.key(KeyCode::Char('A'));
    east.until("accepted", |m| m.cases[&case].consulate == "chicago")
        .await;
    west.until("the origin drops it", |m| !m.cases.contains_key(&case))
        .await;
    let text = east.screen();
    assert!(text.contains("transfer accepted"), "{text}");

    // Duress: the phone hears a plain cancel; Chicago's console shows the case marked, on top.
    let phone = hub.enroll("Yara Ficticia", &[]).await;
    let other = hub
        .press(
            &phone.device_token,
            CHICAGO.0,
            CHICAGO.1,
            AlertKind::Imminent,
        )
        .await;
    let res = hub
        .http
        .post(hub.at(&format!("/v1/alerts/{}/cancel", other.alert_id)))
        .bearer_auth(&phone.device_token)
        .json(&json!({ "duress": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["status"], "cancelled");
    east.until("duress marked", |m| {
        m.cases
            .get(&other.case_id)
            .is_some_and(|c| c.duress_at.is_some())
    })
    .await;
    east.model.refresh_order();
    assert_eq!(east.model.list.order[0], other.case_id, "duress is on top");
    // `:N` opened the accepted case over the whole screen: back to the list.
    east.key(KeyCode::Esc);
    let text = east.screen();
    assert!(text.contains("DURESS"), "{text}");
    west.stop.cancel();
    east.stop.cancel();
}

#[tokio::test]
async fn a_call_is_taken_through_the_intake_form_and_flows_like_an_alert() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let home = tempfile::tempdir().unwrap();
    let mut duty = Console::start(&hub.url, &officer, &home.path().join("i.json"));
    duty.until("ready", |m| m.me.is_some()).await;
    duty.key(KeyCode::Char('I'));
    duty.type_text("Ximena Ficticia");
    duty.key(KeyCode::Enter); // next field
    duty.type_text("+1 213 555 0177");
    duty.key(KeyCode::Tab);
    duty.type_text("Los Angeles, CA");
    duty.key(KeyCode::Tab);
    duty.key(KeyCode::Tab);
    duty.key(KeyCode::Tab);
    duty.type_text("detained");
    duty.key(KeyCode::Tab);
    duty.type_text("Llama su esposo: la detuvieron saliendo del trabajo.");
    duty.ctrl('s');
    duty.until("the case arrives", |m| {
        m.cases.values().any(|c| c.intake.is_some())
    })
    .await;
    let case = duty
        .model
        .cases
        .values()
        .find(|c| c.intake.is_some())
        .unwrap()
        .clone();
    // The stream carries a queue row's worth: the number comes when the case is opened.
    assert_eq!(case.registrant.phone, "");
    assert_eq!(case.consulate, "los-angeles");
    assert_eq!(case.kind, AlertKind::Detained);
    duty.open(case.id);
    duty.screen();
    duty.tick();
    duty.until("the case read whole", |m| {
        m.cases[&case.id].registrant.phone == "+12135550177"
    })
    .await;
    let text = duty.screen();
    assert!(text.contains("Taken by phone"), "{text}");
    assert!(text.contains("Los Angeles, CA"), "{text}");
    duty.stop.cancel();
}

#[tokio::test]
async fn a_caller_is_confirmed_from_the_candidates_and_triage_is_typed_in_spanish() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let enrolled = hub
        .enroll_with_phone("Rosa Registrada", &[], "+13105550123")
        .await;
    let home = tempfile::tempdir().unwrap();
    let mut duty = Console::start(&hub.url, &officer, &home.path().join("c.json"));
    duty.model.lang = Lang::Es;
    duty.until("ready", |m| m.me.is_some()).await;
    duty.key(KeyCode::Char('I'));
    duty.type_text("Rosa");
    duty.key(KeyCode::Enter);
    // The number as a relative would say it.
    duty.type_text("(310) 555-0123");
    duty.key(KeyCode::Tab);
    duty.type_text("Los Angeles, CA");
    for _ in 0..4 {
        duty.key(KeyCode::Tab);
    }
    duty.type_text("Llama su hija.");
    duty.ctrl('s');
    duty.until("the candidates", |m| {
        m.form.as_ref().is_some_and(|f| f.picker.is_some())
    })
    .await;
    let text = duty.screen();
    assert!(text.contains("Rosa Registrada · 1988 · ····0001"), "{text}");
    assert!(text.contains("Ninguna de estas personas"), "{text}");
    duty.key(KeyCode::Enter); // the first: Rosa
    duty.until("the case arrives", |m| {
        m.cases.values().any(|c| c.intake.is_some())
    })
    .await;
    let case = duty
        .model
        .cases
        .values()
        .find(|c| c.intake.is_some())
        .unwrap()
        .clone();
    assert_eq!(case.registrant_id, enrolled.registrant_id);

    // Triage typed as the words a consular officer uses, not wire codes.
    duty.open(case.id);
    duty.screen();
    duty.tick();
    // Read whole, a case a call made holds only who she is (the matrícula's last four) until
    // her own phone confirms the match.
    duty.until("the case read whole", |m| {
        m.cases[&case.id].registrant.consular_id == "…0001"
    })
    .await;
    assert!(duty.model.cases[&case.id].registrant.relatives.is_empty());
    duty.key(KeyCode::Char('T'));
    duty.type_text("acepta la protección");
    duty.key(KeyCode::Tab);
    duty.type_text("Retorno voluntario");
    duty.key(KeyCode::Tab);
    duty.type_text("laboral");
    duty.ctrl('s');
    duty.until("triaged", |m| {
        m.cases.get(&case.id).is_some_and(|c| c.triage.is_some())
    })
    .await;
    let t = duty.model.cases[&case.id].triage.unwrap();
    assert_eq!(t.consent, guardia::domain::triage::Consent::Accepted);
    assert_eq!(t.category, guardia::domain::triage::Category::Labor);
    // And from the `:` line, with the first word of each label.
    duty.key(KeyCode::Char(':'));
    duty.type_text(&format!("triaje {} rechaza defenderse penal", case.id));
    duty.key(KeyCode::Enter);
    duty.until("triaged again", |m| {
        m.cases[&case.id]
            .triage
            .is_some_and(|t| t.consent == guardia::domain::triage::Consent::Declined)
    })
    .await;
    let text = duty.screen();
    assert!(text.contains("Triaje: rechaza la protección"), "{text}");
    duty.stop.cancel();
}
