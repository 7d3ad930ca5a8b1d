//! `guardia simulate` keeps every press through a hub that is down or failing: each is tried
//! again with the same alert id (the hub's idempotency key) until the hub takes it.

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use common::TestHub;
use guardia::api::AlertResponse;
use guardia::domain::alert::AlertRequest;
use guardia::simulate::{self, Phone, Plan, Retry, Stats};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// Short waits: the tests check what is retried, never how long it took.
fn quick_retry() -> Retry {
    Retry {
        first_wait: Duration::from_millis(10),
        max_wait: Duration::from_millis(50),
        give_up_after: Duration::from_secs(60),
        attempt_timeout: Duration::from_secs(10),
    }
}

fn plan(count: u64, retry: Retry) -> Plan {
    Plan {
        rate: 50.0,
        count: Some(count),
        focus: None,
        spread: 0.25,
        retry,
    }
}

/// A stand-in hub on loopback that answers each alert id's attempts from a script (the last
/// entry repeats) and records every id it is sent, in order.
#[derive(Clone)]
struct Scripted {
    script: Arc<Vec<(StatusCode, Option<&'static str>)>>,
    seen: Arc<Mutex<Vec<Uuid>>>,
}

async fn scripted_alert(
    State(s): State<Scripted>,
    axum::Json(press): axum::Json<AlertRequest>,
) -> Response {
    let attempt = {
        let mut seen = s.seen.lock().unwrap();
        seen.push(press.id);
        seen.iter().filter(|id| **id == press.id).count()
    };
    let (status, retry_after) = s.script[(attempt - 1).min(s.script.len() - 1)];
    if !status.is_success() {
        let mut headers = HeaderMap::new();
        if let Some(seconds) = retry_after {
            headers.insert("retry-after", seconds.parse().unwrap());
        }
        return (status, headers, "{}").into_response();
    }
    let answer = AlertResponse {
        alert_id: press.id,
        case_id: 1,
        consulate: "los-angeles".into(),
        consulate_name: "Los Ángeles".into(),
        distance_km: 1.0,
        seq: 1,
    };
    (status, axum::Json(answer)).into_response()
}

/// Starts the stand-in on 127.0.0.1:0; returns its URL and the ids it has seen.
async fn scripted_hub(
    script: Vec<(StatusCode, Option<&'static str>)>,
    stop: CancellationToken,
) -> (String, Arc<Mutex<Vec<Uuid>>>) {
    let state = Scripted {
        script: Arc::new(script),
        seen: Arc::default(),
    };
    let seen = state.seen.clone();
    let app = axum::Router::new()
        .route("/v1/alerts", axum::routing::post(scripted_alert))
        .with_state(state);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.cancelled().await })
            .await
            .unwrap();
    });
    (url, seen)
}

fn phones(n: usize) -> Vec<Phone> {
    (0..n)
        .map(|i| Phone {
            token: format!("gdv_test_{i}"),
        })
        .collect()
}

/// How many times each id arrived.
fn arrivals(seen: &Mutex<Vec<Uuid>>) -> HashMap<Uuid, usize> {
    let mut count = HashMap::new();
    for id in seen.lock().unwrap().iter() {
        *count.entry(*id).or_default() += 1;
    }
    count
}

#[tokio::test]
async fn a_failed_press_is_sent_again_with_the_same_id_until_accepted() {
    let stop = CancellationToken::new();
    // Each press: 503 asking to wait 0 s, then a bare 502, then accepted.
    let script = vec![
        (StatusCode::SERVICE_UNAVAILABLE, Some("0")),
        (StatusCode::BAD_GATEWAY, None),
        (StatusCode::CREATED, None),
    ];
    let (url, seen) = scripted_hub(script, stop.clone()).await;
    let stats = Arc::new(Stats::default());
    let presses = 4;
    simulate::run(
        reqwest::Client::new(),
        url,
        phones(3),
        plan(presses, quick_retry()),
        stats.clone(),
        stop.clone(),
    )
    .await;
    let end = stats.snapshot();
    assert_eq!(
        (end.sent, end.accepted, end.failed, end.retrying),
        (presses, presses, 0, 0)
    );
    assert_eq!(end.retries, presses * 2);
    let arrivals = arrivals(&seen);
    assert_eq!(arrivals.len() as u64, presses, "one id per press");
    assert!(
        arrivals.values().all(|&n| n == 3),
        "every id came back until accepted: {arrivals:?}"
    );
    stop.cancel();
}

#[tokio::test]
async fn a_refusal_is_not_retried_and_a_long_retry_after_is_not_cut_short() {
    let stop = CancellationToken::new();
    // 401: a wrong token will not get better. The press is given up, sent once.
    let (url, seen) = scripted_hub(vec![(StatusCode::UNAUTHORIZED, None)], stop.clone()).await;
    let stats = Arc::new(Stats::default());
    simulate::run(
        reqwest::Client::new(),
        url,
        phones(1),
        plan(2, quick_retry()),
        stats.clone(),
        stop.clone(),
    )
    .await;
    assert_eq!((stats.snapshot().accepted, stats.snapshot().failed), (0, 2));
    assert!(arrivals(&seen).values().all(|&n| n == 1));

    // The hub asks for an hour; the simulator would only wait a minute in all. It honours the
    // hub rather than hammering it after its own short backoff: it gives up, having sent once.
    let (url, seen) = scripted_hub(
        vec![(StatusCode::SERVICE_UNAVAILABLE, Some("3600"))],
        stop.clone(),
    )
    .await;
    let stats = Arc::new(Stats::default());
    simulate::run(
        reqwest::Client::new(),
        url,
        phones(1),
        plan(1, quick_retry()),
        stats.clone(),
        stop.clone(),
    )
    .await;
    let end = stats.snapshot();
    assert_eq!((end.accepted, end.failed, end.retries), (0, 1, 0));
    assert_eq!(seen.lock().unwrap().len(), 1);
    stop.cancel();
}

#[tokio::test]
async fn presses_made_while_the_hub_is_down_are_all_stored_once_it_is_back() {
    let hub = TestHub::start().await;
    let http = reqwest::Client::new();
    let enrolled = simulate::enroll(&http, &hub.url, 6, None).await.unwrap();
    let (addr, url) = (hub.addr, hub.url.clone());
    let dir = hub.stop().await;

    let presses = 4;
    let stats = Arc::new(Stats::default());
    let stop = CancellationToken::new();
    let running = tokio::spawn(simulate::run(
        http,
        url,
        enrolled,
        plan(presses, quick_retry()),
        stats.clone(),
        stop.clone(),
    ));
    // Every press has been sent and refused by the closed port before the hub comes back.
    let down = tokio::time::timeout(Duration::from_secs(60), async {
        while stats.snapshot().retrying < presses {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(down.is_ok(), "presses never waited: {:?}", stats.snapshot());
    assert_eq!(stats.snapshot().accepted, 0);

    let hub = TestHub::restart_at(addr, dir).await;
    running.await.unwrap();
    let end = stats.snapshot();
    assert_eq!((end.accepted, end.failed), (presses, 0), "{end:?}");
    assert!(end.retries >= presses);
    let stored = hub.count("SELECT COUNT(*) FROM alerts") as u64;
    assert_eq!(stored, presses, "every press stored, none twice");
    stop.cancel();
    hub.stop().await;
}

#[tokio::test]
async fn stopping_ends_the_presses_still_waiting_and_the_counts_add_up() {
    let server_stop = CancellationToken::new();
    let (url, _) = scripted_hub(
        vec![(StatusCode::SERVICE_UNAVAILABLE, None)],
        server_stop.clone(),
    )
    .await;
    let presses = 3;
    let stats = Arc::new(Stats::default());
    let stop = CancellationToken::new();
    let running = tokio::spawn(simulate::run(
        reqwest::Client::new(),
        url,
        phones(2),
        plan(presses, quick_retry()),
        stats.clone(),
        stop.clone(),
    ));
    let waiting = tokio::time::timeout(Duration::from_secs(60), async {
        while stats.snapshot().retrying < presses {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await;
    assert!(
        waiting.is_ok(),
        "presses never waited: {:?}",
        stats.snapshot()
    );
    stop.cancel();
    running.await.unwrap();
    let end = stats.snapshot();
    assert_eq!(
        (end.sent, end.accepted, end.retrying, end.failed),
        (presses, 0, 0, presses)
    );
    server_stop.cancel();
}

/// Enrollment waits out the hub's limits (429 with `Retry-After`) under one idempotency key,
/// as the app would, instead of giving up on the first refusal.
#[tokio::test]
async fn an_enrollment_refused_for_a_limit_is_tried_again_under_the_same_key() {
    let keys: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = keys.clone();
    let app = axum::Router::new().route(
        "/v1/enroll",
        axum::routing::post(move |headers: HeaderMap| {
            let seen = seen.clone();
            async move {
                let key = headers["idempotency-key"].to_str().unwrap().to_string();
                let attempt = {
                    let mut keys = seen.lock().unwrap();
                    keys.push(key);
                    keys.len()
                };
                if attempt == 1 {
                    let mut h = HeaderMap::new();
                    h.insert("retry-after", "0".parse().unwrap());
                    return (StatusCode::TOO_MANY_REQUESTS, h, "{}").into_response();
                }
                let body = guardia::api::EnrollResponse {
                    registrant_id: 1,
                    device_token: "gdv_test".into(),
                };
                (StatusCode::CREATED, axum::Json(body)).into_response()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let phones = simulate::enroll(&reqwest::Client::new(), &url, 1, None)
        .await
        .expect("enrolled after waiting");
    assert_eq!(phones.len(), 1);
    assert_eq!(phones[0].token, "gdv_test");
    let keys = keys.lock().unwrap();
    assert_eq!(keys.len(), 2, "one refusal, one success");
    assert_eq!(keys[0], keys[1], "the same enrollment both times");
}
