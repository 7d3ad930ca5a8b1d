//! The alert lifecycle over real HTTP: repeat presses, location updates, duress, escalation with
//! an injected clock across a restart, and transfers between consulates.

mod common;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use common::*;
use guardia::domain::alert::AlertKind;
use guardia::domain::staff::Role;
use guardia::domain::urgency::Rules;
use serde_json::{Value, json};
use uuid::Uuid;

async fn ok(res: reqwest::Response) -> Value {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert!(status.is_success(), "{status}: {body}");
    body
}

async fn post_as(hub: &TestHub, token: &str, path: &str, body: Value) -> reqwest::Response {
    hub.http
        .post(hub.at(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_repeat_press_joins_the_open_case_and_raises_its_urgency() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let phone = hub.enroll("Lola Ficticia", &[]).await;
    let first = hub
        .press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    let id = Uuid::new_v4();
    let again = alert_body(id, LA.0 + 0.01, LA.1, AlertKind::Detained);
    let second = ok(post_as(&hub, &phone.device_token, "/v1/alerts", again.clone()).await).await;
    assert_eq!(second["case_id"], first.case_id, "same case, not a new one");
    // The phone's retry of that press is still idempotent.
    let retry = post_as(&hub, &phone.device_token, "/v1/alerts", again).await;
    assert_eq!(retry.headers()["idempotent-replayed"], "true");
    assert_eq!(ok(retry).await, second);

    let case = hub.case(&officer, first.case_id).await;
    assert_eq!(case["presses"], 2);
    assert_eq!(
        case["kind"], "detained",
        "the later 'detained' press outranks 'imminent'"
    );
    assert!((case["location"]["lat"].as_f64().unwrap() - (LA.0 + 0.01)).abs() < 1e-9);
    assert_eq!(hub.cases_of(&officer).await.len(), 1);

    // Once the case is closed, a new press is a new case.
    ok(hub
        .act(
            &officer,
            first.case_id,
            "close",
            2,
            json!({"outcome": "false_alarm", "note": "ok"}),
        )
        .await)
    .await;
    let third = hub
        .press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    assert_ne!(third.case_id, first.case_id);
}

#[tokio::test]
async fn location_updates_build_a_trail_and_only_the_owner_may_send_them() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let phone = hub.enroll("Mara Ficticia", &[]).await;
    let stranger = hub.enroll("Otra Ficticia", &[]).await;
    let alert = hub
        .press(&phone.device_token, LA.0, LA.1, AlertKind::Detained)
        .await;
    let path = format!("/v1/alerts/{}/location", alert.alert_id);
    let fix =
        json!({"lat": 34.1, "lon": -118.3, "accuracy_m": 12.0, "at": Utc::now().to_rfc3339()});
    let first = ok(post_as(&hub, &phone.device_token, &path, fix.clone()).await).await;
    let again = post_as(&hub, &phone.device_token, &path, fix.clone()).await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(ok(again).await["case_id"], first["case_id"]);
    let case = hub.case(&officer, alert.case_id).await;
    let trail = case["trail"].as_array().unwrap();
    assert_eq!(trail.len(), 2, "the press and one update");
    assert_eq!(case["location"]["lat"], 34.1);
    assert_eq!(
        post_as(&hub, &stranger.device_token, &path, fix)
            .await
            .status(),
        404
    );
    let bad =
        json!({"lat": 134.1, "lon": -118.3, "accuracy_m": 12.0, "at": Utc::now().to_rfc3339()});
    let res = post_as(&hub, &phone.device_token, &path, bad).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("lat"));
    // A phone whose clock runs a year ahead still knows where it is: the fix is kept, at the
    // hub's time.
    let ahead = Utc::now() + chrono::Duration::days(365);
    let skewed = json!({"lat": 34.2, "lon": -118.4, "accuracy_m": 9.0, "at": ahead.to_rfc3339()});
    ok(post_as(&hub, &phone.device_token, &path, skewed).await).await;
    let case = hub.case(&officer, alert.case_id).await;
    assert_eq!(case["location"]["lat"], 34.2);
    let trail = case["trail"].as_array().unwrap();
    let last: chrono::DateTime<Utc> = trail.last().unwrap()["at"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(last < ahead - chrono::Duration::days(300), "{last}");
}

#[tokio::test]
async fn a_duress_cancel_answers_the_phone_like_any_cancel_but_marks_the_case() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let plain = hub.enroll("Nora Ficticia", &[]).await;
    let forced = hub.enroll("Olga Ficticia", &[]).await;
    let a = hub
        .press(&plain.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    let b = hub
        .press(&forced.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    let cancel = |token: String, alert: Uuid, body: Value| {
        let hub = &hub;
        async move {
            hub.http
                .post(hub.at(&format!("/v1/alerts/{alert}/cancel")))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let normal = cancel(
        plain.device_token.clone(),
        a.alert_id,
        json!({"reason": "safe"}),
    )
    .await;
    let duress = cancel(
        forced.device_token.clone(),
        b.alert_id,
        json!({"reason": "safe", "duress": true}),
    )
    .await;
    // Same status, same headers (but the date), same body shape and values but ids.
    assert_eq!(normal.status(), duress.status());
    let names = |r: &reqwest::Response| {
        let mut h: Vec<(String, String)> = r
            .headers()
            .iter()
            .filter(|(k, _)| *k != "date" && *k != "content-length")
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_string()))
            .collect();
        h.sort();
        h
    };
    assert_eq!(names(&normal), names(&duress));
    let (n, d): (Value, Value) = (normal.json().await.unwrap(), duress.json().await.unwrap());
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&n), keys(&d));
    assert_eq!(n["status"], d["status"]);
    // A repeated duress cancel answers as the first did, like a repeated normal cancel.
    let again = cancel(
        forced.device_token.clone(),
        b.alert_id,
        json!({"duress": true}),
    )
    .await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");

    // The console side: the normal one is cancelled; the forced one open, marked and on top.
    let cancelled = hub.case(&officer, a.case_id).await;
    assert_eq!(cancelled["status"], "cancelled");
    let marked = hub.case(&officer, b.case_id).await;
    assert_eq!(marked["status"], "open");
    assert!(marked["duress_at"].is_string());
    let case: guardia::domain::case::Case = serde_json::from_value(marked).unwrap();
    let u =
        guardia::domain::urgency::assess(&case, Utc::now(), Rules::with_sla(Duration::minutes(5)));
    assert_eq!(u.reasons[0], guardia::domain::urgency::Reason::Duress);
    assert_eq!(u.tier, guardia::domain::urgency::Tier::Critical);
}

/// A clock the test moves by hand.
fn manual_clock() -> (Arc<Mutex<DateTime<Utc>>>, guardia::hub::state::Clock) {
    let now = Arc::new(Mutex::new(Utc::now()));
    let read = now.clone();
    (now, Arc::new(move || *read.lock().unwrap()))
}

#[tokio::test]
async fn escalation_after_the_sla_survives_a_restart_and_offers_the_case_next_door() {
    let rules = Rules {
        sla: Duration::minutes(5),
        offer_after: Duration::minutes(15),
        silence: Duration::minutes(30),
    };
    let (now, clock) = manual_clock();
    let dir = tempfile::tempdir().unwrap();
    let hub = TestHub::start_configured(dir, |s| {
        s.clock = clock.clone();
        s.rules = rules;
    })
    .await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let neighbour = hub.staff(Role::Officer, Some("santa-ana")).await;
    let phone = hub.enroll("Paz Ficticia", &[]).await;
    let alert = hub
        .press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    let received: DateTime<Utc> = *now.lock().unwrap();
    let consulates = Arc::new(
        guardia::domain::consulate::parse_csv(guardia::config::BUILTIN_CONSULATES).unwrap(),
    );
    // Not yet due.
    let early = hub
        .store
        .escalate(received + Duration::minutes(4), rules, consulates.clone())
        .await;
    assert_eq!(early.unwrap(), 0);

    // The hub restarts; the timer is read from the database, not from memory.
    let dir = hub.stop().await;
    let hub = TestHub::start_configured(dir, |s| s.clock = clock.clone()).await;
    let n = hub
        .store
        .escalate(received + Duration::minutes(6), rules, consulates.clone())
        .await;
    assert_eq!(n.unwrap(), 1);
    let case = hub.case(&officer, alert.case_id).await;
    assert_eq!(case["escalation"], 1);
    assert_eq!(
        hub.get_as(&neighbour, &format!("/v1/cases/{}", alert.case_id))
            .await
            .status(),
        404
    );
    // Running again at the same time does nothing more.
    assert_eq!(
        hub.store
            .escalate(received + Duration::minutes(6), rules, consulates.clone())
            .await
            .unwrap(),
        0
    );

    let n = hub
        .store
        .escalate(received + Duration::minutes(16), rules, consulates.clone())
        .await;
    assert_eq!(n.unwrap(), 1);
    let case = hub.case(&officer, alert.case_id).await;
    assert_eq!(case["escalation"], 2);
    let offered = case["offered_to"].as_str().unwrap().to_string();
    assert_ne!(offered, "los-angeles");
    let next_door = hub.staff(Role::Officer, Some(&offered)).await;
    let seen = hub.case(&next_door, alert.case_id).await;
    assert_eq!(
        seen["id"], alert.case_id,
        "the next-nearest consulate now sees it"
    );
    // Los Angeles gets to it after all: the offer is withdrawn, and the neighbour no longer
    // sees the case or can take it.
    let v = seen["version"].as_u64().unwrap();
    ok(hub.act(&officer, alert.case_id, "ack", v, json!({})).await).await;
    assert_eq!(
        hub.get_as(&next_door, &format!("/v1/cases/{}", alert.case_id))
            .await
            .status(),
        404
    );

    // Acknowledged cases are never escalated.
    let other = hub.enroll("Quela Ficticia", &[]).await;
    let acked = hub
        .press(&other.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    ok(hub.act(&officer, acked.case_id, "ack", 1, json!({})).await).await;
    let later = *now.lock().unwrap() + Duration::hours(2);
    hub.store.escalate(later, rules, consulates).await.unwrap();
    assert_eq!(hub.case(&officer, acked.case_id).await["escalation"], 0);
}

#[tokio::test]
async fn a_transfer_is_seen_by_both_consulates_until_accepted() {
    let hub = TestHub::start().await;
    let la = hub.staff(Role::Officer, Some("los-angeles")).await;
    let chicago = hub.staff(Role::Officer, Some("chicago")).await;
    let phone = hub.enroll("Rita Ficticia", &[]).await;
    let alert = hub
        .press(&phone.device_token, LA.0, LA.1, AlertKind::Detained)
        .await;
    let case = alert.case_id;
    let body = json!({"to_consulate": "chicago", "reason": "Trasladada a un centro en Illinois."});
    let bad = hub
        .act(
            &la,
            case,
            "transfer",
            1,
            json!({"to_consulate": "atlantis", "reason": "x"}),
        )
        .await;
    assert_eq!(bad.status(), 422);
    ok(hub.act(&la, case, "transfer", 1, body).await).await;
    // Both see it now; the origin may not accept its own transfer.
    assert_eq!(
        hub.case(&chicago, case).await["transfer"]["to_consulate"],
        "chicago"
    );
    let own = hub.act(&la, case, "accept_transfer", 2, json!({})).await;
    assert_eq!(
        own.status(),
        403,
        "handing over is the receiver's to accept"
    );
    assert_eq!(hub.cases_of(&chicago).await.len(), 1);

    ok(hub
        .act(&chicago, case, "accept_transfer", 2, json!({}))
        .await)
    .await;
    let now_theirs = hub.case(&chicago, case).await;
    assert_eq!(now_theirs["consulate"], "chicago");
    assert_eq!(
        timeline_kinds(&now_theirs),
        ["alert_raised", "transfer_requested", "transfer_accepted"]
    );
    assert_eq!(
        hub.get_as(&la, &format!("/v1/cases/{case}")).await.status(),
        404
    );
    // The origin's stream carries the handoff, so its console can drop the case; replaying from
    // the start gives it nothing else of a case that is no longer its own.
    let client = guardia::console::net::client::HubClient::new(&hub.url, &la).unwrap();
    let mut stream = Box::pin(client.events(0).await.unwrap());
    use futures_util::StreamExt;
    let m = tokio::time::timeout(std::time::Duration::from_secs(20), stream.next())
        .await
        .expect("the hub sent nothing")
        .unwrap()
        .unwrap();
    assert_eq!(m.event, "transfer_accepted");
    // Chicago works the case; then a new Los Angeles alert. The origin's next event is that
    // alert: the note on a case it handed away never reaches it.
    let version = hub.case(&chicago, case).await["version"].as_u64().unwrap();
    ok(hub
        .act(&chicago, case, "notes", version, json!({"text": "Visita."}))
        .await)
    .await;
    let marker = hub
        .press(
            &hub.enroll("Marca Ficticia", &[]).await.device_token,
            LA.0,
            LA.1,
            AlertKind::Imminent,
        )
        .await;
    let m = tokio::time::timeout(std::time::Duration::from_secs(20), stream.next())
        .await
        .expect("the hub sent nothing")
        .unwrap()
        .unwrap();
    assert_eq!(m.id, marker.seq.to_string(), "{m:?}");
}

#[tokio::test]
async fn a_call_center_intake_is_routed_by_place_and_matched_to_the_registrant() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let lawyer = hub.staff(Role::Lawyer, Some("los-angeles")).await;
    let national = hub.staff(Role::Supervisor, None).await;
    let intake = |token: String, key: &'static str, body: Value| {
        let hub = &hub;
        async move {
            hub.http
                .post(hub.at("/v1/intake"))
                .bearer_auth(token)
                .header("Idempotency-Key", key)
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let call = json!({
        "name": "Zoe Ficticia",
        "phone": "+17145550199",
        "description": "Su hermano llama: ICE en el trabajo.",
        "place": "Santa Ana, CA",
        "kind": "detained",
    });
    let res = intake(officer.clone(), "call-1", call.clone()).await;
    assert_eq!(res.status(), 201);
    let first = ok(res).await;
    assert_eq!(
        first["consulate"], "santa-ana",
        "routed by the gazetteer's coordinates"
    );
    assert_eq!(first["matched_place"], "Santa Ana, CA");
    assert!(first["registrant_id"].is_null());
    let again = intake(officer.clone(), "call-1", call.clone()).await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(ok(again).await, first);
    let case = hub
        .case(&national, first["case_id"].as_u64().unwrap())
        .await;
    assert_eq!(case["intake"]["located"], true);
    assert_eq!(case["timeline"][0]["actor"]["role"], "officer");
    assert_eq!(case["registrant"]["name"], "Zoe Ficticia");

    // An unknown place: kept as text, the case stays with the officer's consulate.
    let mut lost = call.clone();
    lost["place"] = json!("Ningún Lugar, ZZ");
    lost["phone"] = json!("+17145550198");
    let second = ok(intake(officer.clone(), "call-2", lost).await).await;
    assert_eq!(second["consulate"], "los-angeles");
    let case = hub
        .case(&officer, second["case_id"].as_u64().unwrap())
        .await;
    assert_eq!(case["intake"]["located"], false);
    assert_eq!(case["intake"]["place"], "Ningún Lugar, ZZ");

    // A caller whose number an enrolled registrant has: not matched on its own. The officer sees
    // the candidates and confirms one; only then is the enrolled profile used.
    let enrolled = hub
        .enroll_with_phone("Ana Registrada", &[], "+13105550123")
        .await;
    let mut known = call.clone();
    known["phone"] = json!("+13105550123");
    known["place"] = json!(null);
    known["lat"] = json!(LA.0);
    known["lon"] = json!(LA.1);
    let unconfirmed = ok(intake(officer.clone(), "call-3", known.clone()).await).await;
    assert!(unconfirmed["registrant_id"].is_null());
    let case = hub
        .case(&officer, unconfirmed["case_id"].as_u64().unwrap())
        .await;
    assert_eq!(case["registrant"]["name"], "Zoe Ficticia");
    assert_eq!(case["intake"]["registrant_matched"], false);
    let candidates: Value = hub
        .get_as(
            &officer,
            "/v1/intake/candidates?phone=%2B1%20(310)%20555-0123",
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(candidates[0]["registrant_id"], enrolled.registrant_id);
    assert_eq!(candidates[0]["name"], "Ana Registrada");
    assert!(candidates[0].get("phone").is_none() && candidates[0].get("relatives").is_none());
    known["registrant_id"] = json!(enrolled.registrant_id);
    let third = ok(intake(officer.clone(), "call-3b", known).await).await;
    assert_eq!(third["registrant_id"], enrolled.registrant_id);
    let case = hub.case(&officer, third["case_id"].as_u64().unwrap()).await;
    assert_eq!(case["registrant"]["name"], "Ana Registrada");
    assert_eq!(case["intake"]["registrant_matched"], true);
    // Her own press now joins the case the call opened: her open case is known without a search.
    let pressed = hub
        .press(&enrolled.device_token, LA.0, LA.1, AlertKind::Detained)
        .await;
    assert_eq!(Some(pressed.case_id), third["case_id"].as_u64());

    assert_eq!(intake(lawyer, "call-4", call.clone()).await.status(), 403);
    let bad = intake(
        officer.clone(),
        "call-5",
        json!({"name": "X", "phone": "nope", "description": "d"}),
    )
    .await;
    assert_eq!(bad.status(), 422);
    let no_key = hub
        .http
        .post(hub.at("/v1/intake"))
        .bearer_auth(&officer)
        .json(&call)
        .send()
        .await
        .unwrap();
    assert_eq!(no_key.status(), 400);
}

#[tokio::test]
async fn pages_of_a_consulates_cases_hold_its_own_and_those_offered_to_it_in_order_once() {
    let hub = TestHub::start().await;
    let la = hub.staff(Role::Officer, Some("los-angeles")).await;
    let chicago = hub.staff(Role::Officer, Some("chicago")).await;
    let press = |at: (f64, f64)| {
        let hub = &hub;
        async move {
            let phone = hub.enroll("Caso Ficticio", &[]).await;
            hub.press(&phone.device_token, at.0, at.1, AlertKind::Detained)
                .await
                .case_id
        }
    };
    // Chicago's own cases, with one of Los Angeles's offered to Chicago between them by id.
    let mut want = vec![press(CHICAGO).await, press(CHICAGO).await];
    let offered = press(LA).await;
    let body = json!({"to_consulate": "chicago", "reason": "Trasladada a Illinois."});
    ok(hub.act(&la, offered, "transfer", 1, body).await).await;
    want.push(offered);
    want.push(press(CHICAGO).await);
    want.push(press(CHICAGO).await);
    let _not_theirs = press(LA).await;
    // Walked one case a page: each once, in id order, nothing of Los Angeles's own.
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let page: Value = hub
            .json_as(&chicago, &format!("/v1/cases?limit=1&after={after}"))
            .await;
        for c in page["cases"].as_array().unwrap() {
            seen.push(c["id"].as_u64().unwrap());
        }
        match page["next_after"].as_u64() {
            Some(n) => after = n,
            None => break,
        }
    }
    assert_eq!(seen, want);
}
