//! The console's client and state, headless, against a real hub: alerts posted over HTTP appear
//! on the rendered screen in urgency order, and survive a hub restart with nothing missed or
//! doubled.

mod common;

use chrono::Utc;
use common::*;
use guardia::console::app::spawn_feeds;
use guardia::console::model::Model;
use guardia::console::net::client::HubClient;
use guardia::domain::alert::AlertKind;
use guardia::domain::registrant::Flag;
use guardia::domain::staff::Role;
use guardia::i18n::Lang;

#[tokio::test]
async fn alerts_appear_on_screen_in_urgency_order_and_survive_a_hub_restart() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let plain = hub.enroll("Uno Ficticio", &[]).await;
    let vulnerable = hub.enroll("Dos Ficticia", &[Flag::MinorsInCare]).await;

    // One alert exists before the console starts: it must come with the snapshot.
    hub.press(&plain.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;

    let stop = tokio_util::sync::CancellationToken::new();
    let client = HubClient::new(&hub.url, &officer).unwrap();
    let outbox = hub.dir.path().join("outbox.json");
    let (mut inbox, _effects) = spawn_feeds(client, &outbox, &stop).unwrap();
    let mut model = Model::new(Lang::En, true, chrono::Duration::minutes(5), Utc::now());
    console_until(&mut model, &mut inbox, |m| m.cases.len() == 1).await;

    hub.press(&vulnerable.device_token, LA.0, LA.1, AlertKind::Detained)
        .await;
    // Each alert from its own phone: a phone pressing again joins its open case instead.
    let chicago = hub.enroll("Tres Ficticio", &[]).await;
    hub.press(
        &chicago.device_token,
        CHICAGO.0,
        CHICAGO.1,
        AlertKind::Detained,
    )
    .await;
    let farther = hub.enroll("Cuatro Ficticia", &[]).await;
    let last = hub
        .press(&farther.device_token, LA.0 + 0.3, LA.1, AlertKind::Detained)
        .await;
    console_until(&mut model, &mut inbox, |m| m.last_seq >= last.seq).await;

    let text = console_screen(&mut model, 140, 30);
    // Detained + minors (critical) above detained (high) above imminent (elevated): the
    // urgency cell keeps the tier's symbol at every width, and says why ("minors in care").
    let rows: Vec<&str> = text.lines().filter(|l| l.contains("Ficti")).collect();
    assert!(
        rows[0].contains("‼ minors in care") && rows[0].contains("Dos Ficticia"),
        "{text}"
    );
    assert!(
        rows[1].contains("▲") && rows[1].contains("Cuatro"),
        "{text}"
    );
    assert!(rows[2].contains("△") && rows[2].contains("Uno"), "{text}");
    assert_eq!(
        model.cases.len(),
        3,
        "the Chicago alert is not this officer's"
    );

    // The hub goes away and comes back on the same port and database.
    let addr = hub.addr;
    let dir = hub.stop().await;
    let hub = TestHub::restart_at(addr, dir).await;
    let url = format!("http://{addr}");
    let http = reqwest::Client::new();
    let mut newer = 0;
    for name in ["Cinco Ficticio", "Seis Ficticia"] {
        let phone = hub.enroll(name, &[]).await;
        let res = http
            .post(format!("{url}/v1/alerts"))
            .bearer_auth(&phone.device_token)
            .json(&alert_body(
                uuid::Uuid::new_v4(),
                LA.0,
                LA.1,
                AlertKind::Imminent,
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        newer = res.json::<guardia::api::AlertResponse>().await.unwrap().seq;
    }
    console_until(&mut model, &mut inbox, |m| m.last_seq >= newer).await;
    assert_eq!(model.cases.len(), 5, "none missed, none doubled");
    // Queue rows only: the left two thirds of the screen (the detail pane repeats one name).
    let queue_rows = console_screen(&mut model, 140, 30)
        .lines()
        .filter(|l| l.chars().take(90).collect::<String>().contains("Ficti"))
        .count();
    assert_eq!(queue_rows, 5);
    stop.cancel();
    hub.stop().await;
}
