//! Finding a case the way a relative on the phone describes it, through the console's keys,
//! against a real hub: a number however it is written, a name without its accents.

mod common;

use chrono::Utc;
use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use guardia::console::action::Action;
use guardia::console::app::spawn_feeds;
use guardia::console::model::Model;
use guardia::console::net::client::HubClient;
use guardia::console::update::update;
use guardia::domain::alert::AlertKind;
use guardia::domain::staff::Role;
use guardia::i18n::Lang;

fn key(model: &mut Model, code: KeyCode) {
    update(model, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// Opens the search, types `text`, and settles the list as a frame would.
fn search(model: &mut Model, text: &str) -> Vec<u64> {
    key(model, KeyCode::Esc);
    key(model, KeyCode::Char('/'));
    for c in text.chars() {
        key(model, KeyCode::Char(c));
    }
    key(model, KeyCode::Enter);
    model.refresh_order();
    model.list.order.clone()
}

/// [`search`], then a second passes: a search that may be a phone number is asked of the hub
/// (queue rows do not carry numbers), and its answer awaited.
async fn search_with_hub(
    model: &mut Model,
    inbox: &mut tokio::sync::mpsc::Receiver<Action>,
    effects: &mut guardia::console::app::Effects,
    text: &str,
) -> Vec<u64> {
    search(model, text);
    let commands = update(model, Action::Tick(Utc::now()));
    let mut asked = false;
    for c in commands {
        if matches!(c, guardia::console::action::Command::FindOnHub(_)) {
            asked = true;
            effects.perform(c);
        }
    }
    if asked {
        console_until(model, inbox, |m| {
            m.list.found.as_ref().is_some_and(|(q, _)| q == text)
        })
        .await;
    }
    model.refresh_order();
    model.list.order.clone()
}

#[tokio::test]
async fn a_relative_gives_a_phone_number_or_a_name_without_accents() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let wanted = hub
        .enroll_with_phone("José Beltrán Núñez", &[], "+12135550199")
        .await;
    let other = hub.enroll("Otra Persona Ficticia", &[]).await;
    let found = hub
        .press(&wanted.device_token, LA.0, LA.1, AlertKind::Detained)
        .await;
    let last = hub
        .press(&other.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;

    let stop = tokio_util::sync::CancellationToken::new();
    let client = HubClient::new(&hub.url, &officer).unwrap();
    let outbox = hub.dir.path().join("outbox.json");
    let (mut inbox, mut effects) = spawn_feeds(client, &outbox, &stop).unwrap();
    let mut model = Model::new(Lang::Es, true, chrono::Duration::minutes(5), Utc::now());
    console_until(&mut model, &mut inbox, |m| m.last_seq >= last.seq).await;
    model.refresh_order();
    assert_eq!(model.list.order.len(), 2);
    // The rows carry no phone numbers: the hub finds them in the cases.
    assert!(model.cases.values().all(|c| c.registrant.phone.is_empty()));

    for typed in [
        "(213) 555-0199",
        "2135550199",
        "+1 213 555 0199",
        "beltran",
        "NUNEZ",
        "MX0000001",
    ] {
        let hits = search_with_hub(&mut model, &mut inbox, &mut effects, typed).await;
        let want = if typed == "MX0000001" {
            // Both test people carry the same fictional matrícula.
            vec![found.case_id, last.case_id]
        } else {
            vec![found.case_id]
        };
        let mut hits = hits;
        hits.sort();
        assert_eq!(hits, want, "{typed}");
    }
    assert!(
        search_with_hub(&mut model, &mut inbox, &mut effects, "(213) 555-0198")
            .await
            .is_empty()
    );
    stop.cancel();
    hub.stop().await;
}

#[tokio::test]
async fn duress_cases_stay_on_screen_and_the_counts_say_what_waits() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let mut duress = Vec::new();
    let mut last = 0;
    for n in 0..30 {
        let phone = hub.enroll(&format!("Persona {n:02} Ficticia"), &[]).await;
        let alert = hub
            .press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent)
            .await;
        last = alert.seq;
        if n == 7 || n == 21 {
            let res = hub
                .http
                .post(hub.at(&format!("/v1/alerts/{}/cancel", alert.alert_id)))
                .bearer_auth(&phone.device_token)
                .json(&serde_json::json!({ "duress": true }))
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            last = res.json::<serde_json::Value>().await.unwrap()["seq"]
                .as_u64()
                .unwrap();
            duress.push(alert.case_id.to_string());
        }
    }
    let stop = tokio_util::sync::CancellationToken::new();
    let client = HubClient::new(&hub.url, &officer).unwrap();
    let outbox = hub.dir.path().join("outbox.json");
    let (mut inbox, _effects) = spawn_feeds(client, &outbox, &stop).unwrap();
    let mut model = Model::new(Lang::Es, true, chrono::Duration::minutes(5), Utc::now());
    console_until(&mut model, &mut inbox, |m| m.last_seq >= last).await;

    // Every sort, and the selection at the bottom of the list: the duress rows stay in view.
    for _ in 0..4 {
        key(&mut model, KeyCode::Char('s'));
        key(&mut model, KeyCode::End);
        let text = console_screen(&mut model, 80, 24);
        for case in &duress {
            assert!(
                text.lines()
                    .any(|l| l.contains(case.as_str()) && l.contains("COACCIÓN")),
                "{case} scrolled away:\n{text}"
            );
        }
        assert!(text.contains("más arriba"), "{text}");
        assert!(text.contains("30 sin atender"), "{text}");
        assert!(text.contains("2 con coacción"), "{text}");
    }
    stop.cancel();
    hub.stop().await;
}
