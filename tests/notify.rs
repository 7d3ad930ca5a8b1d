//! Relatives' messages through a real webhook receiver on 127.0.0.1: delivery, retry after
//! failures, 410, the private-address guard, the signature (checked by an HMAC written here, not
//! the hub's), and an alert that never waits for the gateway.

mod common;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::http::{HeaderMap, StatusCode};
use base64::Engine;
use common::*;
use guardia::api::AlertResponse;
use guardia::domain::alert::AlertKind;
use guardia::domain::staff::Role;
use guardia::hub::notify::{NotifySettings, new_secret, parse_secret};
use serde_json::Value;
use sha2::{Digest, Sha256};

#[derive(Clone, Default)]
struct Receiver {
    got: Arc<Mutex<Vec<(HeaderMap, String)>>>,
    /// Statuses to answer, in order; then 200.
    script: Arc<Mutex<VecDeque<u16>>>,
    /// Answer nothing (hang) while set.
    hang: Arc<Mutex<bool>>,
    /// Hold the next request (only that one) until `release` is notified.
    hold_next: Arc<Mutex<bool>>,
    release: Arc<tokio::sync::Notify>,
}

impl Receiver {
    async fn start(script: &[u16]) -> (Receiver, String) {
        let r = Receiver::default();
        r.script.lock().unwrap().extend(script);
        let state = r.clone();
        let app = axum::Router::new().route(
            "/hook",
            axum::routing::post(move |headers: HeaderMap, body: String| {
                let state = state.clone();
                async move {
                    if *state.hang.lock().unwrap() {
                        tokio::time::sleep(Duration::from_secs(3600)).await;
                    }
                    let hold = std::mem::take(&mut *state.hold_next.lock().unwrap());
                    if hold {
                        state.release.notified().await;
                    }
                    state.got.lock().unwrap().push((headers, body));
                    let code = state.script.lock().unwrap().pop_front().unwrap_or(200);
                    StatusCode::from_u16(code).unwrap()
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (r, url)
    }

    fn count(&self) -> usize {
        self.got.lock().unwrap().len()
    }
}

fn settings(url: &str, secret: &str, allow_private: bool) -> NotifySettings {
    NotifySettings {
        url: Some(url.to_string()),
        secret: parse_secret(secret).unwrap(),
        allow_private_targets: allow_private,
        retry_base: Duration::from_millis(20),
        per_host: 4,
    }
}

/// HMAC-SHA256 from its definition (RFC 2104), independent of the hub's `hmac` crate.
fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |b: u8| block.iter().map(|k| k ^ b).collect::<Vec<u8>>();
    let inner = Sha256::digest([pad(0x36), message.to_vec()].concat());
    Sha256::digest([pad(0x5c), inner.to_vec()].concat()).to_vec()
}

/// A hub sending to `url`, an officer, and one alert from a fresh phone: what every test here
/// starts from.
async fn alert_with_gateway(
    url: &str,
    secret: &str,
    allow_private: bool,
) -> (TestHub, String, AlertResponse) {
    let conf = settings(url, secret, allow_private);
    let hub = TestHub::start_configured(tempfile::tempdir().unwrap(), |s| s.notify = conf).await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let phone = hub.enroll("Persona Ficticia", &[]).await;
    let alert = hub
        .press(&phone.device_token, LA.0, LA.1, AlertKind::Detained)
        .await;
    (hub, officer, alert)
}

/// Waits (bounded) until the case's delivery for relative 0 reaches `state`.
async fn delivery_state(hub: &TestHub, token: &str, case: u64, state: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let c = hub.case(token, case).await;
        if let Some(d) = c["deliveries"].as_array().and_then(|d| d.first())
            && d["state"] == state
        {
            return d.clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "delivery never became {state}: {c}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_relative_is_messaged_with_a_thin_signed_payload() {
    let (receiver, url) = Receiver::start(&[]).await;
    let secret = new_secret();
    let conf = settings(&url, &secret, true);
    let hub = TestHub::start_configured(tempfile::tempdir().unwrap(), |s| s.notify = conf).await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let phone = hub.enroll("Sara Ficticia", &[]).await;
    let alert = hub
        .press(&phone.device_token, LA.0, LA.1, AlertKind::Detained)
        .await;
    delivery_state(&hub, &officer, alert.case_id, "delivered").await;
    // A delivery is on the record but does not move the version an officer decides on: the
    // first acknowledgement, made on what the officer saw, goes through.
    let ack = hub
        .act(&officer, alert.case_id, "ack", 1, serde_json::json!({}))
        .await;
    assert_eq!(ack.status(), 200, "{:?}", ack.text().await);

    let (headers, body) = receiver.got.lock().unwrap()[0].clone();
    let id = headers["webhook-id"].to_str().unwrap();
    let ts = headers["webhook-timestamp"].to_str().unwrap();
    let sig = headers["webhook-signature"].to_str().unwrap();
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let expected = hmac_sha256(&key, format!("{id}.{ts}.{body}").as_bytes());
    let expected = format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(expected)
    );
    assert_eq!(sig, expected, "the signature verifies independently");
    let payload: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(payload["type"], "alert.raised");
    assert_eq!(payload["data"]["to"], "+13105550124");
    assert_eq!(payload["data"]["case"], alert.case_id);
    // Nothing that would harm the person if a relative's phone were seized.
    for secret_thing in ["34.05", "-118.25", "Sara", "Ficticia", "MX0000001"] {
        assert!(
            !body.contains(secret_thing),
            "{secret_thing} leaked: {body}"
        );
    }

    // A cancel sends a follow-up; a duress cancel would not.
    let res = hub
        .http
        .post(hub.at(&format!("/v1/alerts/{}/cancel", alert.alert_id)))
        .bearer_auth(&phone.device_token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while receiver.count() < 2 {
        assert!(tokio::time::Instant::now() < deadline, "no follow-up");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (_, follow_up) = receiver.got.lock().unwrap()[1].clone();
    assert!(follow_up.contains("alert.cancelled"));
}

#[tokio::test]
async fn a_failing_gateway_is_retried_with_the_same_id_until_it_answers() {
    let (receiver, url) = Receiver::start(&[500, 503]).await;
    let (hub, officer, alert) = alert_with_gateway(&url, &new_secret(), true).await;
    delivery_state(&hub, &officer, alert.case_id, "delivered").await;
    let got = receiver.got.lock().unwrap().clone();
    assert_eq!(got.len(), 3, "two failures, then success");
    let ids: Vec<&str> = got
        .iter()
        .map(|(h, _)| h["webhook-id"].to_str().unwrap())
        .collect();
    assert!(
        ids.iter().all(|i| *i == ids[0]),
        "webhook-id is stable across retries"
    );
    // The case's record shows the trouble and the outcome.
    let case = hub.case(&officer, alert.case_id).await;
    let kinds = timeline_kinds(&case);
    assert_eq!(
        kinds.iter().filter(|k| *k == "relative_notified").count(),
        2
    );
}

#[tokio::test]
async fn gone_stops_the_retries() {
    let (receiver, url) = Receiver::start(&[410]).await;
    let (hub, officer, alert) = alert_with_gateway(&url, &new_secret(), true).await;
    let d = delivery_state(&hub, &officer, alert.case_id, "failed").await;
    assert_eq!(d["failure"]["class"], "gone", "{d}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.count(), 1, "no retry after 410");
}

#[tokio::test]
async fn private_targets_are_refused_unless_allowed() {
    let (receiver, url) = Receiver::start(&[]).await;
    // A gateway key in the query string, as some gateways want it: it must not be recorded.
    let keyed = format!("{url}?api_key=SECRETKEY123");
    let (hub, officer, alert) = alert_with_gateway(&keyed, &new_secret(), false).await;
    let d = delivery_state(&hub, &officer, alert.case_id, "failed").await;
    assert_eq!(
        d["failure"],
        serde_json::json!({"class": "blocked_address", "host": "127.0.0.1"})
    );
    assert_eq!(receiver.count(), 0, "nothing reached the loopback receiver");
    // What the database holds, on either engine; on SQLite its files' bytes too.
    let mut stored = hub.texts("SELECT payload || ' ' || coalesce(last_error, '') FROM deliveries");
    stored.extend(hub.texts("SELECT body FROM events"));
    let mut files = vec![stored.join(",").into_bytes()];
    if !common::pg::sqlite_only("the database file's bytes") {
        files.push(std::fs::read(hub.dir.path().join("hub.db")).unwrap());
        files.push(std::fs::read(hub.dir.path().join("hub.db-wal")).unwrap_or_default());
    }
    for bytes in &files {
        let text = String::from_utf8_lossy(bytes);
        assert!(
            !text.contains("SECRETKEY123") && !text.contains("/hook"),
            "key or path stored"
        );
    }

    // A name that resolves to loopback is refused at resolution time too.
    let named = url.replace("127.0.0.1", "localhost");
    let (hub, officer, alert) = alert_with_gateway(&named, &new_secret(), false).await;
    let d = delivery_state(&hub, &officer, alert.case_id, "failed").await;
    assert_eq!(d["failure"]["class"], "blocked_address", "{d}");
    assert_eq!(d["failure"]["host"], "localhost", "{d}");
    assert_eq!(receiver.count(), 0);
}

#[tokio::test]
async fn an_alert_never_waits_for_the_gateway() {
    let (receiver, url) = Receiver::start(&[]).await;
    *receiver.hang.lock().unwrap() = true;
    let conf = settings(&url, &new_secret(), true);
    let hub = TestHub::start_configured(tempfile::tempdir().unwrap(), |s| s.notify = conf).await;
    let phone = hub.enroll("Wendy Ficticia", &[]).await;
    for _ in 0..3 {
        let other = hub.enroll("Xime Ficticia", &[]).await;
        // The receiver hangs; each press must still be answered (bounded, not timed).
        let answered = tokio::time::timeout(
            Duration::from_secs(10),
            hub.press(&other.device_token, LA.0, LA.1, AlertKind::Detained),
        )
        .await;
        assert!(answered.is_ok(), "the alert waited on the webhook");
    }
    let _ = phone;
}

#[tokio::test]
async fn one_slow_message_delays_no_other_family() {
    let (receiver, url) = Receiver::start(&[]).await;
    *receiver.hold_next.lock().unwrap() = true;
    let (hub, officer, first) = alert_with_gateway(&url, &new_secret(), true).await;
    // The first family's message is held by the gateway. Another family's alert follows.
    let other = hub.enroll("Otra Familia", &[]).await;
    let second = hub
        .press(
            &other.device_token,
            CHICAGO.0,
            CHICAGO.1,
            AlertKind::Detained,
        )
        .await;
    let chicago = hub.staff(Role::Supervisor, None).await;
    delivery_state(&hub, &chicago, second.case_id, "delivered").await;
    let held = hub.case(&officer, first.case_id).await;
    assert!(
        held["deliveries"].as_array().is_none_or(|d| d.is_empty()),
        "the first is still in flight: {held}"
    );
    receiver.release.notify_one();
    delivery_state(&hub, &officer, first.case_id, "delivered").await;
}
