//! Case work in a raid: while phones press again, move, and the hub escalates unacknowledged
//! cases and a colleague writes notes, an officer sends notes, checkpoints and assignments from
//! forms opened before all that — online, and queued in the console's outbox while the hub was
//! out of reach. Nothing of that changes what those actions mean, so every one lands on its first
//! try: no refusal, no retyping. A real conflict (a colleague assigning first) is still refused,
//! saying what changed and by whom.

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use common::*;
use guardia::console::action::Action;
use guardia::console::app::{Effects, drain, spawn_feeds};
use guardia::console::model::Model;
use guardia::console::net::client::HubClient;
use guardia::console::records::{Draft, PendingState};
use guardia::domain::alert::AlertKind;
use guardia::domain::command::{AssignRequest, CaseCommand, NoteRequest};
use guardia::domain::staff::Role;
use guardia::domain::urgency::Rules;
use guardia::i18n::Lang;
use serde_json::json;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The raid around `case`: a press again (detained, after an imminent one would change what a
/// close means, so the phone keeps saying "imminent"), a position, a colleague's note.
async fn raid_on(hub: &TestHub, phone: &str, alert: uuid::Uuid, colleague: &str, case: u64) {
    hub.press(phone, LA.0 + 0.001, LA.1, AlertKind::Imminent)
        .await;
    let moved = json!({"lat": LA.0 + 0.002, "lon": LA.1, "accuracy_m": 20.0, "at": Utc::now()});
    let res = hub
        .http
        .post(hub.at(&format!("/v1/alerts/{alert}/location")))
        .bearer_auth(phone)
        .json(&moved)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let seen = hub.case(colleague, case).await["version"].as_u64().unwrap();
    let note = json!({"text": "La familia llamó otra vez."});
    assert_eq!(
        hub.act(colleague, case, "notes", seen, note).await.status(),
        200
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_raid_work_that_conflicts_with_nothing_lands_on_the_first_try() {
    let hub = TestHub::start().await;
    let (officer_id, officer) = hub.staff_with_id(Role::Officer, Some("los-angeles")).await;
    let colleague = hub.staff(Role::Officer, Some("los-angeles")).await;
    let (lawyer, _) = hub.staff_with_id(Role::Lawyer, Some("los-angeles")).await;
    let _ = officer_id;

    // Eight people in a raid; the officer opens a form on each (the version it was opened on).
    let mut cases = Vec::new();
    for i in 0..8 {
        let phone = hub
            .enroll(&format!("Persona Redada {i}"), &[])
            .await
            .device_token;
        let alert = hub.press(&phone, LA.0, LA.1, AlertKind::Imminent).await;
        let seen = hub.case(&officer, alert.case_id).await["version"]
            .as_u64()
            .unwrap();
        cases.push((phone, alert, seen));
    }
    // The raid goes on: presses, positions, a colleague's notes, and the hub escalating every
    // case nobody acknowledged.
    for (phone, alert, _) in &cases {
        raid_on(&hub, phone, alert.alert_id, &colleague, alert.case_id).await;
    }
    let later = Utc::now() + chrono::Duration::minutes(30);
    let escalated = hub
        .store
        .escalate(
            later,
            Rules::with_sla(chrono::Duration::minutes(5)),
            Arc::new(
                guardia::domain::consulate::parse_csv(guardia::config::BUILTIN_CONSULATES).unwrap(),
            ),
        )
        .await
        .unwrap();
    assert!(escalated > 0, "the raid escalates");

    // Online, from the stale forms: a note, a checkpoint, an assignment on the first four.
    for (_, alert, seen) in &cases[..4] {
        let case = alert.case_id;
        let now = hub.case(&officer, case).await["version"].as_u64().unwrap();
        assert!(now > *seen, "the case moved on since the form was opened");
        for (verb, body) in [
            ("notes", json!({"text": "Hablé con la persona."})),
            ("checkpoints", json!({"code": "CONSULAR_NOTIFICATION"})),
            ("assign", json!({"lawyer_id": lawyer})),
        ] {
            let res = hub.act(&officer, case, verb, *seen, body).await;
            let status = res.status();
            assert_eq!(status, 200, "{verb} on #{case}: {:?}", res.text().await);
        }
    }

    // From the outbox, queued while the hub was out of reach: the same on the other four, each
    // case's actions in order on the version the form was opened on (an assignment, then a note
    // and a checkpoint after it: the officer's own assignment is in the way of nothing of theirs).
    let addr = hub.addr;
    let dir = hub.stop().await;
    let stop = CancellationToken::new();
    let outbox = dir.path().join("outbox.json");
    let client = HubClient::new(&format!("http://{addr}"), &officer).unwrap();
    let (mut inbox, effects): (mpsc::Receiver<Action>, Effects) =
        spawn_feeds(client, &outbox, &stop).unwrap();
    let mut model = Model::new(Lang::Es, true, chrono::Duration::minutes(5), Utc::now());
    let queued: Vec<CaseCommand> = vec![
        CaseCommand::Assign(AssignRequest { lawyer_id: lawyer }),
        CaseCommand::Note(NoteRequest {
            text: "Sin conexión: la hermana confirma la detención.".into(),
        }),
        CaseCommand::Checkpoint(
            serde_json::from_value(json!({"code": "CONSULAR_NOTIFICATION"})).unwrap(),
        ),
    ];
    for (_, alert, seen) in &cases[4..] {
        for request in &queued {
            effects.perform(guardia::console::action::Command::Submit(Draft {
                case_id: alert.case_id,
                version: *seen,
                request: request.clone(),
            }));
        }
    }
    let hub = TestHub::restart_at(addr, dir).await;
    effects.perform(guardia::console::action::Command::FlushOutbox);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if model.outbox.waiting == 0
            && hub.count("SELECT COUNT(*) FROM events WHERE kind = 'lawyer_assigned'") == 8
        {
            break;
        }
        let action = tokio::time::timeout_at(deadline, inbox.recv())
            .await
            .expect("the outbox never emptied")
            .expect("inbox open");
        let commands = drain(&mut model, action, &mut inbox);
        for c in commands {
            effects.perform(c);
        }
        assert!(
            model.outbox.refused.is_empty(),
            "refused for nothing: {:?}",
            model.outbox.refused
        );
    }
    for (_, alert, _) in &cases {
        let case = hub.case(&officer, alert.case_id).await;
        assert_eq!(case["assigned_lawyer"], lawyer, "{case}");
    }

    // A real conflict is still one: a colleague reassigns, and a close decided before that is
    // refused with what changed and by whom.
    let (other_lawyer, _) = hub.staff_with_id(Role::Lawyer, Some("los-angeles")).await;
    let case = cases[0].1.case_id;
    let seen = hub.case(&officer, case).await["version"].as_u64().unwrap();
    let res = hub
        .act(
            &colleague,
            case,
            "assign",
            seen,
            json!({"lawyer_id": other_lawyer}),
        )
        .await;
    assert_eq!(res.status(), 200);
    effects.perform(guardia::console::action::Command::Submit(Draft {
        case_id: case,
        version: seen,
        request: CaseCommand::Close(
            serde_json::from_value(json!({"outcome": "false_alarm", "note": "No era nada."}))
                .unwrap(),
        ),
    }));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while model.outbox.refused.is_empty() {
        let action = tokio::time::timeout_at(deadline, inbox.recv())
            .await
            .expect("the close was never answered")
            .expect("inbox open");
        let commands = drain(&mut model, action, &mut inbox);
        for c in commands {
            effects.perform(c);
        }
    }
    let PendingState::Refused {
        changed: Some(by), ..
    } = &model.outbox.refused[0].state
    else {
        panic!("no change named: {:?}", model.outbox.refused[0]);
    };
    assert_eq!(by.kind.as_str(), "lawyer_assigned");
    let said = guardia::console::words::refused(Lang::Es, &model.outbox.refused[0], Utc::now());
    assert!(said.contains("después de que usted vio el caso"), "{said}");
    assert!(said.contains("enviar de todos modos"), "{said}");
    stop.cancel();
}
