//! A hub in a raid: a flood beyond what the writer keeps up with is answered 503 with
//! Retry-After (phones retry with the same id), every accepted alert is durable and delivered,
//! and the metrics an operator watches answer.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use futures_util::StreamExt;
use guardia::api::AlertResponse;
use guardia::console::net::client::HubClient;
use guardia::domain::alert::AlertKind;
use guardia::domain::staff::Role;
use uuid::Uuid;

#[tokio::test]
async fn a_flood_beyond_capacity_gets_503_and_every_accepted_alert_is_durable_and_delivered() {
    let hub = TestHub::start_configured(tempfile::tempdir().unwrap(), |s| {
        // Behind at all, with writes waiting: refuse. The flood below makes sure it is.
        s.max_ingest_lag = Duration::from_nanos(1);
    })
    .await;
    let national = hub.staff(Role::Supervisor, None).await;
    let mut phones = Vec::new();
    for i in 0..300 {
        phones.push(hub.enroll(&format!("Persona {i}"), &[]).await.device_token);
    }
    let client = HubClient::new(&hub.url, &national).unwrap();
    let mut stream = Box::pin(
        client
            .events(hub.store.head_seq().await.unwrap())
            .await
            .unwrap(),
    );
    let send = |token: String, id: Uuid| {
        let http = hub.http.clone();
        let url = hub.at("/v1/alerts");
        async move {
            http.post(url)
                .bearer_auth(token)
                .json(&alert_body(id, LA.0, LA.1, AlertKind::Detained))
                .send()
                .await
                .unwrap()
        }
    };
    let presses: Vec<(String, Uuid)> = phones.iter().map(|t| (t.clone(), Uuid::new_v4())).collect();
    let answers =
        futures_util::future::join_all(presses.iter().map(|(t, id)| send(t.clone(), *id))).await;
    let mut accepted = HashSet::new();
    let mut refused = Vec::new();
    for (res, press) in answers.into_iter().zip(&presses) {
        match res.status().as_u16() {
            201 => {
                let a: AlertResponse = res.json().await.unwrap();
                accepted.insert(a.seq);
            }
            503 => {
                assert!(res.headers().contains_key("retry-after"));
                let body: serde_json::Value = res.json().await.unwrap();
                assert_eq!(body["error"], "overloaded");
                refused.push(press.clone());
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(
        !refused.is_empty(),
        "the flood never got ahead of the writer"
    );
    // Phones retry with the same id, one at a time: each is taken once.
    for (token, id) in &refused {
        let res = send(token.clone(), *id).await;
        assert_eq!(res.status(), 201);
        let a: AlertResponse = res.json().await.unwrap();
        accepted.insert(a.seq);
    }
    assert_eq!(accepted.len(), 300, "every press became one case");
    // Every accepted alert reached the national supervisor's stream.
    let mut seen = HashSet::new();
    while seen.len() < accepted.len() {
        let m = tokio::time::timeout(Duration::from_secs(20), stream.next())
            .await
            .expect("an accepted alert never arrived")
            .unwrap()
            .unwrap();
        seen.insert(m.id.parse::<u64>().unwrap());
    }
    assert_eq!(seen, accepted);
    // And the operator can see it happened.
    let text = hub
        .get_as(&national, "/metrics")
        .await
        .text()
        .await
        .unwrap();
    for metric in [
        "guardia_overload_refusals_total",
        "guardia_ingest_queue_depth",
        "guardia_write_to_commit_seconds_bucket",
        "guardia_commit_batch_size_bucket",
        "guardia_events_published_total",
        "guardia_requests_total{route=\"/v1/alerts\",status=\"503\"}",
        "guardia_open_streams{role=\"supervisor\"}",
    ] {
        assert!(text.contains(metric), "{metric} missing:\n{text}");
    }
    assert_eq!(
        hub.http
            .get(hub.at("/metrics"))
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
    // Request counts by route say how a raid goes: not for officers or lawyers.
    for role in [Role::Officer, Role::Lawyer] {
        let token = hub.staff(role, Some("los-angeles")).await;
        assert_eq!(
            hub.get_as(&token, "/metrics").await.status(),
            403,
            "{role:?}"
        );
    }
    let admin = hub.staff(Role::Admin, None).await;
    assert_eq!(hub.get_as(&admin, "/metrics").await.status(), 200);
}
