//! The event stream over real HTTP: live delivery, resume with Last-Event-ID, resync, scope.

mod common;

use std::time::Duration;

use common::*;
use futures_util::{Stream, StreamExt};
use guardia::console::net::client::HubClient;
use guardia::domain::alert::AlertKind;
use guardia::domain::event::{Event, EventBody};
use guardia::domain::staff::Role;
use guardia::hub::state::StreamSettings;

type Sse = eventsource_stream::Event;

/// The next message, failing the test (not hanging it) if the hub sends nothing for a long while.
async fn next(
    stream: &mut (impl Stream<Item = Result<Sse, guardia::console::net::client::NetError>> + Unpin),
) -> Sse {
    tokio::time::timeout(Duration::from_secs(20), stream.next())
        .await
        .expect("the hub sent nothing")
        .expect("the stream ended")
        .expect("the stream broke")
}

fn event(message: &Sse) -> Event {
    assert_eq!(
        message.id,
        serde_json::from_str::<Event>(&message.data)
            .unwrap()
            .seq
            .to_string()
    );
    serde_json::from_str(&message.data).unwrap()
}

#[tokio::test]
async fn live_events_arrive_in_order_with_seq_as_id() {
    let hub = TestHub::start().await;
    let phone = hub.enroll("Ines Ficticia", &[]).await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let client = HubClient::new(&hub.url, &officer).unwrap();
    let mut stream = Box::pin(client.events(0).await.unwrap());
    let a = hub
        .press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    let b = hub
        .press(&phone.device_token, LA.0, LA.1, AlertKind::Detained)
        .await;
    let first = next(&mut stream).await;
    assert_eq!(first.event, "alert_raised");
    assert_eq!(event(&first).seq, a.seq);
    assert_eq!(event(&next(&mut stream).await).seq, b.seq);
}

#[tokio::test]
async fn reconnect_with_last_event_id_gets_exactly_the_missed_events() {
    let hub = TestHub::start().await;
    let phone = hub.enroll("Julia Ficticia", &[]).await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let client = HubClient::new(&hub.url, &officer).unwrap();

    let mut stream = Box::pin(client.events(0).await.unwrap());
    let a = hub
        .press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    let seen = event(&next(&mut stream).await);
    assert_eq!(seen.seq, a.seq);
    drop(stream); // the connection breaks

    let mut missed = Vec::new();
    for _ in 0..3 {
        missed.push(
            hub.press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent)
                .await
                .seq,
        );
    }
    // Another consulate's alert is not for this officer and must not appear.
    hub.press(
        &hub.enroll("Otra Ficticia", &[]).await.device_token,
        CHICAGO.0,
        CHICAGO.1,
        AlertKind::Imminent,
    )
    .await;
    let after = hub
        .press(&phone.device_token, LA.0, LA.1, AlertKind::Detained)
        .await;
    missed.push(after.seq);

    let mut stream = Box::pin(client.events(seen.seq).await.unwrap());
    let mut got = Vec::new();
    for _ in 0..missed.len() {
        let e = event(&next(&mut stream).await);
        assert_eq!(e.consulate, "los-angeles");
        got.push(e.seq);
    }
    assert_eq!(
        got, missed,
        "exactly the missed events, in order, once each"
    );

    // And the stream then goes on live.
    let live = hub
        .press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    assert_eq!(event(&next(&mut stream).await).seq, live.seq);
}

#[tokio::test]
async fn since_query_parameter_also_resumes() {
    let hub = TestHub::start().await;
    let phone = hub.enroll("Karla Ficticia", &[]).await;
    let sup = hub.staff(Role::Supervisor, None).await;
    let a = hub
        .press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    let b = hub
        .press(
            &hub.enroll("Otra Ficticia", &[]).await.device_token,
            CHICAGO.0,
            CHICAGO.1,
            AlertKind::Imminent,
        )
        .await;
    let res = hub
        .get_as(&sup, &format!("/v1/events?since={}", a.seq - 1))
        .await;
    assert_eq!(res.status(), 200);
    let mut stream = Box::pin(
        eventsource_stream::Eventsource::eventsource(res.bytes_stream()).map(|r| {
            r.map_err(|e| guardia::console::net::client::NetError::Unreachable(e.to_string()))
        }),
    );
    assert_eq!(event(&next(&mut stream).await).seq, a.seq);
    let second = event(&next(&mut stream).await);
    assert_eq!(
        second.seq, b.seq,
        "a national supervisor sees every consulate"
    );
    assert!(matches!(second.body, EventBody::AlertRaised(_)));
}

#[tokio::test]
async fn a_position_outside_the_replay_window_or_ahead_gets_resync() {
    let hub = TestHub::start_with(StreamSettings {
        replay_window: 2,
        ..Default::default()
    })
    .await;
    let phone = hub.enroll("Lola Ficticia", &[]).await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    for _ in 0..4 {
        hub.press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent)
            .await;
    }
    let client = HubClient::new(&hub.url, &officer).unwrap();
    let mut stream = Box::pin(client.events(0).await.unwrap());
    let message = next(&mut stream).await;
    assert_eq!(message.event, "resync");
    assert!(
        stream.next().await.is_none(),
        "the stream ends after resync"
    );

    let mut stream = Box::pin(client.events(999).await.unwrap());
    let message = next(&mut stream).await;
    assert_eq!(message.event, "resync");
    assert!(message.data.contains("ahead"));

    // Within the window: replay.
    let head = hub.store.head_seq().await.unwrap();
    let mut stream = Box::pin(client.events(head - 2).await.unwrap());
    assert_eq!(event(&next(&mut stream).await).seq, head - 1);
}

#[tokio::test]
async fn bad_positions_and_tokens_are_refused() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let res = hub
        .http
        .get(hub.at("/v1/events"))
        .bearer_auth(&officer)
        .header("Last-Event-ID", "minus-one")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let res = hub.http.get(hub.at("/v1/events")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    let admin = hub.staff(Role::Admin, None).await;
    let res = hub.get_as(&admin, "/v1/events").await;
    assert_eq!(res.status(), 403);
}

#[tokio::test]
async fn streams_end_when_the_hub_shuts_down() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let client = HubClient::new(&hub.url, &officer).unwrap();
    let mut stream = Box::pin(client.events(0).await.unwrap());
    let _dir = hub.stop().await;
    let end = tokio::time::timeout(Duration::from_secs(20), stream.next())
        .await
        .expect("shutdown must not hang on an open stream");
    assert!(end.is_none() || end.unwrap().is_err());
}

#[tokio::test]
async fn a_slow_subscriber_neither_slows_the_others_nor_loses_anything() {
    let hub = TestHub::start().await;
    let sup = hub.staff(Role::Supervisor, None).await;
    let phone = hub.enroll("Zulema Ficticia", &[]).await;
    let client = HubClient::new(&hub.url, &sup).unwrap();
    // Subscribed, but not read from until the end.
    let mut slow = Box::pin(client.events(0).await.unwrap());
    let mut fast = Box::pin(client.events(0).await.unwrap());
    // 400 events: one alert, then its repeat presses, sent a few at a time (after the log's
    // own record of the staff member added above).
    let start = hub.store.head_seq().await.unwrap();
    let mut last = 0;
    for _ in 0..20 {
        let presses =
            (0..20).map(|_| hub.press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent));
        for a in futures_util::future::join_all(presses).await {
            last = last.max(a.seq);
        }
        // The fast reader keeps up while the slow one sits on its backlog.
        let mut got = 0;
        while got < 20 {
            event(&next(&mut fast).await);
            got += 1;
        }
    }
    assert_eq!(last, start + 400);
    let mut seen = Vec::new();
    while seen.len() < 400 {
        seen.push(event(&next(&mut slow).await).seq);
    }
    assert_eq!(
        seen,
        (start + 1..=start + 400).collect::<Vec<u64>>(),
        "all of it, in order, once"
    );
}
