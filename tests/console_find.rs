//! Finding a case the way a relative on the phone describes it, through the console's keys,
//! against a real hub: a number however it is written, a name without its accents.

mod common;

use std::time::Duration;

use chrono::Utc;
use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use guardia::console::action::Action;
use guardia::console::app::{drain, spawn_feeds};
use guardia::console::model::Model;
use guardia::console::net::client::HubClient;
use guardia::console::update::update;
use guardia::domain::alert::AlertKind;
use guardia::domain::staff::Role;
use guardia::i18n::Lang;
use tokio::sync::mpsc;

async fn until(
    model: &mut Model,
    inbox: &mut mpsc::Receiver<Action>,
    done: impl Fn(&Model) -> bool,
) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !done(model) {
        let action = tokio::time::timeout_at(deadline, inbox.recv())
            .await
            .expect("the console did not reach the expected state in time")
            .expect("inbox closed");
        drain(model, action, inbox);
    }
}

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
    model.order.clone()
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
    let (mut inbox, _effects) = spawn_feeds(client, &outbox, &stop).unwrap();
    let mut model = Model::new(Lang::Es, true, chrono::Duration::minutes(5), Utc::now());
    until(&mut model, &mut inbox, |m| m.last_seq >= last.seq).await;
    model.refresh_order();
    assert_eq!(model.order.len(), 2);

    for typed in [
        "(213) 555-0199",
        "2135550199",
        "+1 213 555 0199",
        "beltran",
        "NUNEZ",
    ] {
        assert_eq!(search(&mut model, typed), vec![found.case_id], "{typed}");
    }
    assert!(search(&mut model, "(213) 555-0198").is_empty());
    stop.cancel();
    hub.stop().await;
}
