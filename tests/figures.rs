//! The figures headquarters publishes, checked against a count this test makes itself from the
//! events: the cases' events as a national supervisor's stream replays them, and the visits and
//! incidents as the log holds them. Then the same figures and a shift handover through the
//! command line.

mod common;

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use chrono::{NaiveDate, Utc};
use common::*;
use futures_util::StreamExt;
use guardia::domain::alert::AlertKind;
use guardia::domain::staff::Role;
use serde_json::{Value, json};

async fn new_case(hub: &TestHub, at: (f64, f64), kind: AlertKind) -> u64 {
    let phone = hub.enroll("Caso Ficticio", &[]).await;
    hub.press(&phone.device_token, at.0, at.1, kind)
        .await
        .case_id
}

async fn act(hub: &TestHub, token: &str, case: u64, verb: &str, body: Value) {
    let version = hub.case(token, case).await["version"].as_u64().unwrap();
    let res = hub.act(token, case, verb, version, body).await;
    assert!(res.status().is_success(), "{verb}: {:?}", res.text().await);
}

async fn checkpoint(
    hub: &TestHub,
    token: &str,
    case: u64,
    code: &str,
    ago_min: i64,
    fields: Value,
) {
    let at = (Utc::now() - chrono::Duration::minutes(ago_min)).to_rfc3339();
    act(
        hub,
        token,
        case,
        "checkpoints",
        json!({"code": code, "at": at, "fields": fields}),
    )
    .await;
}

/// Every case event a national supervisor's stream replays, in order.
async fn replayed(hub: &TestHub, token: &str) -> Vec<Value> {
    let want = hub.count("SELECT COUNT(*) FROM events WHERE case_id > 0") as usize;
    let res = hub.get_as(token, "/v1/events?since=0").await;
    assert_eq!(res.status(), 200);
    let mut stream = Box::pin(eventsource_stream::Eventsource::eventsource(
        res.bytes_stream(),
    ));
    let mut out = Vec::new();
    while out.len() < want {
        let frame = tokio::time::timeout(Duration::from_secs(20), stream.next())
            .await
            .expect("the replay stalled")
            .expect("the stream ended")
            .expect("the stream broke");
        if frame.id.is_empty() {
            continue;
        }
        out.push(serde_json::from_str(&frame.data).unwrap());
    }
    out
}

fn day(at: &Value) -> NaiveDate {
    chrono::DateTime::parse_from_rfc3339(at.as_str().unwrap())
        .unwrap()
        .date_naive()
}

fn secs(from: &Value, to: &Value) -> f64 {
    let p = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    ((p(to) - p(from)).num_seconds().max(0)) as f64
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    (n > 0).then(|| {
        if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        }
    })
}

/// The figures counted here, by a route of this test's own: (name, value) in the API's names.
fn counted(
    events: &[Value],
    uncased: &[Value],
    from: NaiveDate,
    to: NaiveDate,
    consulate: Option<&str>,
) -> HashMap<&'static str, Value> {
    let within = |at: &Value| (from..=to).contains(&day(at));
    let ours = |e: &Value| consulate.is_none_or(|c| e["consulate"] == c);
    let body = |e: &Value| e["body"].clone();
    let of_kind = |k: &'static str| events.iter().filter(move |e| e["body"]["type"] == k);
    // Each case's consulate as it stands after all its events (used for incidents).
    let mut home: HashMap<u64, String> = HashMap::new();
    for e in events {
        home.insert(
            e["case_id"].as_u64().unwrap(),
            e["consulate"].as_str().unwrap().into(),
        );
    }
    let checkpoints = |code: &str| -> Vec<&Value> {
        of_kind("checkpoint_logged")
            .filter(|e| e["body"]["code"] == code && within(&e["body"]["happened_at"]) && ours(e))
            .collect()
    };
    let distinct = |list: Vec<&Value>| {
        list.iter()
            .map(|e| e["case_id"].as_u64().unwrap())
            .collect::<HashSet<_>>()
            .len()
    };
    let closed_as = |outcomes: &[&str]| -> Vec<&Value> {
        of_kind("case_closed")
            .filter(|e| {
                outcomes.contains(&e["body"]["outcome"].as_str().unwrap())
                    && within(&e["at"])
                    && ours(e)
            })
            .collect()
    };
    let mut released = checkpoints("RELEASED");
    released.extend(closed_as(&["released_on_bond", "released_on_recognizance"]));
    let mut removed = checkpoints("REMOVED");
    removed.extend(closed_as(&["removed"]));
    let detained: HashSet<u64> = events
        .iter()
        .filter(|e| {
            (e["body"]["type"] == "alert_raised" && e["body"]["kind"] == "detained")
                || (e["body"]["type"] == "checkpoint_logged"
                    && e["body"]["code"] == "DETENTION_CONFIRMED")
        })
        .map(|e| e["case_id"].as_u64().unwrap())
        .collect();
    let mut raids = 0;
    let mut in_raids = 0;
    let mut members: HashMap<u64, Vec<u64>> = HashMap::new();
    for e in uncased
        .iter()
        .filter(|e| e["body"]["type"] == "incident_recorded")
    {
        let id = e["body"]["incident_id"].as_u64().unwrap();
        let change = &e["body"]["change"];
        let cases: Vec<u64> = serde_json::from_value(change["cases"].clone()).unwrap_or_default();
        if change["type"] == "opened" && within(&e["at"]) {
            members.insert(id, cases);
        } else if let Some(list) = members.get_mut(&id) {
            list.extend(cases);
        }
    }
    for cases in members.values() {
        let mine: Vec<&u64> = cases
            .iter()
            .filter(|c| consulate.is_none_or(|k| home[*c] == k))
            .collect();
        if !mine.is_empty() {
            raids += 1;
            in_raids += mine.iter().filter(|c| detained.contains(c)).count();
        }
    }
    // Medians: press to acknowledgement; detention to notification and to a lawyer.
    let pressed: HashMap<u64, Value> = of_kind("alert_raised")
        .map(|e| {
            (
                e["case_id"].as_u64().unwrap(),
                body(e)["pressed_at"].clone(),
            )
        })
        .collect();
    let ack: Vec<f64> = of_kind("case_acknowledged")
        .filter(|e| within(&e["at"]) && ours(e))
        .map(|e| secs(&pressed[&e["case_id"].as_u64().unwrap()], &e["at"]) / 60.0)
        .collect();
    let first_detained: HashMap<u64, Value> = {
        let mut m = HashMap::new();
        for e in of_kind("checkpoint_logged").filter(|e| e["body"]["code"] == "DETENTION_CONFIRMED")
        {
            m.entry(e["case_id"].as_u64().unwrap())
                .or_insert(e["body"]["happened_at"].clone());
        }
        m
    };
    let notification: Vec<f64> = checkpoints("CONSULAR_NOTIFICATION")
        .iter()
        .filter_map(|e| {
            first_detained
                .get(&e["case_id"].as_u64().unwrap())
                .map(|d| secs(d, &e["body"]["happened_at"]) / 3600.0)
        })
        .collect();
    let lawyer: Vec<f64> = of_kind("lawyer_assigned")
        .filter(|e| within(&e["at"]) && ours(e))
        .filter_map(|e| {
            first_detained
                .get(&e["case_id"].as_u64().unwrap())
                .map(|d| secs(d, &e["at"]) / 3600.0)
        })
        .collect();
    let consent: HashSet<u64> = of_kind("triage_recorded")
        .filter(|e| e["body"]["consent"] == "accepted" && within(&e["at"]) && ours(e))
        .map(|e| e["case_id"].as_u64().unwrap())
        .collect();
    let visits = uncased
        .iter()
        .filter(|e| e["body"]["type"] == "visit_logged" && within(&e["at"]))
        .filter(|e| consulate.is_none_or(|c| e["body"]["visit"]["consulate"] == c))
        .count();
    let notes = checkpoints("CHECKLIST_STEP")
        .iter()
        .filter(|e| e["body"]["fields"]["step"] == "diplomatic_note_sent")
        .count();
    let deaths = checkpoints("HARM_IN_CUSTODY")
        .into_iter()
        .filter(|e| e["body"]["fields"]["harm"] == "death")
        .collect();
    let round = |m: Option<f64>| m.map_or(Value::Null, |v| json!((v * 10.0).round() / 10.0));
    HashMap::from([
        ("people_assisted", json!(consent.len())),
        (
            "alerts",
            json!(
                of_kind("alert_raised")
                    .filter(|e| within(&e["at"]) && ours(e))
                    .count()
            ),
        ),
        ("raids", json!(raids)),
        ("detained_in_raids", json!(in_raids)),
        ("visits", json!(visits)),
        (
            "advisories",
            json!(
                of_kind("lawyer_assigned")
                    .filter(|e| within(&e["at"]) && ours(e))
                    .count()
            ),
        ),
        ("released", json!(distinct(released))),
        ("removed", json!(distinct(removed))),
        ("deaths_in_custody", json!(distinct(deaths))),
        ("diplomatic_notes", json!(notes)),
        ("median_ack_minutes", round(median(ack))),
        ("median_notification_hours", round(median(notification))),
        ("median_lawyer_hours", round(median(lawyer))),
    ])
}

fn rounded(figures: &Value) -> HashMap<String, Value> {
    figures
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            let v = match v.as_f64() {
                Some(f) if k.starts_with("median") => json!((f * 10.0).round() / 10.0),
                _ => v.clone(),
            };
            (k.clone(), v)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_figures_match_a_count_made_from_the_events() {
    let hub = TestHub::start().await;
    let la = hub.staff(Role::Officer, Some("los-angeles")).await;
    let chi = hub.staff(Role::Officer, Some("chicago")).await;
    let boss = hub.staff(Role::Supervisor, None).await;
    let la_boss = hub.staff(Role::Supervisor, Some("los-angeles")).await;
    let (lawyer, _) = hub.staff_with_id(Role::Lawyer, None).await;
    let chicago = (41.88, -87.63);

    // A raid in Los Angeles: five alerts close together, one incident by the cluster rule.
    let mut raid = Vec::new();
    for i in 0..5 {
        let at = (LA.0 + 0.002 * i as f64, LA.1);
        raid.push(
            new_case(
                &hub,
                at,
                if i % 2 == 0 {
                    AlertKind::Detained
                } else {
                    AlertKind::Imminent
                },
            )
            .await,
        );
    }
    guardia::hub::incidents::pass(&hub.store, Utc::now())
        .await
        .unwrap();
    let lone = new_case(&hub, chicago, AlertKind::Detained).await;
    let triage = json!({"consent": "accepted", "intent": "contest", "category": "migratory"});
    for (i, case) in raid.iter().enumerate() {
        act(&hub, &la, *case, "ack", json!({})).await;
        if i < 4 {
            checkpoint(
                &hub,
                &la,
                *case,
                "DETENTION_CONFIRMED",
                180 - 20 * i as i64,
                json!({"agency": "ice_ero"}),
            )
            .await;
        }
        if i < 3 {
            act(&hub, &la, *case, "triage", triage.clone()).await;
            checkpoint(
                &hub,
                &la,
                *case,
                "CONSULAR_NOTIFICATION",
                60 - 10 * i as i64,
                json!({}),
            )
            .await;
            act(&hub, &la, *case, "assign", json!({"lawyer_id": lawyer})).await;
        }
    }
    checkpoint(
        &hub,
        &la,
        raid[0],
        "RELEASED",
        5,
        json!({"release_type": "bond"}),
    )
    .await;
    act(
        &hub,
        &la,
        raid[0],
        "close",
        json!({"outcome": "released_on_bond", "note": "liberado"}),
    )
    .await;
    checkpoint(&hub, &la, raid[1], "REMOVED", 5, json!({"port": "Tijuana"})).await;
    checkpoint(
        &hub,
        &la,
        raid[2],
        "HARM_IN_CUSTODY",
        30,
        json!({"harm": "death", "occurred_on": Utc::now().date_naive().to_string()}),
    )
    .await;
    checkpoint(
        &hub,
        &la,
        raid[2],
        "CHECKLIST_STEP",
        10,
        json!({"step": "diplomatic_note_sent"}),
    )
    .await;
    checkpoint(
        &hub,
        &la,
        raid[3],
        "HARM_IN_CUSTODY",
        30,
        json!({"harm": "injury", "occurred_on": Utc::now().date_naive().to_string()}),
    )
    .await;
    // Chicago: one case taken in, and a visit round.
    act(&hub, &chi, lone, "ack", json!({})).await;
    act(&hub, &chi, lone, "triage", triage.clone()).await;
    let visit = json!({"facility": "BSAHOLD", "visited_on": Utc::now().date_naive().to_string(), "roster": ["123456789"]});
    let res = hub.post_as(&chi, "/v1/visits", visit).await;
    assert_eq!(res.status(), 201, "{:?}", res.text().await);

    let events = replayed(&hub, &boss).await;
    let uncased: Vec<Value> = hub
        .texts("SELECT body FROM events WHERE case_id = 0 ORDER BY seq")
        .iter()
        .map(|b| serde_json::from_str(b).unwrap())
        .collect();
    let today = Utc::now().date_naive();
    let from = today - chrono::Duration::days(1);
    for consulate in [None, Some("los-angeles"), Some("chicago")] {
        let mut path = format!("/v1/reports/figures?from={from}&to={today}");
        if let Some(c) = consulate {
            path.push_str(&format!("&consulate={c}"));
        }
        let api: Value = hub.json_as(&boss, &path).await;
        let ours = counted(&events, &uncased, from, today, consulate);
        let api = rounded(&api);
        for (name, value) in &ours {
            assert_eq!(&api[*name], value, "{name} for {consulate:?}: {api:?}");
        }
    }
    // The seeding reached every figure (a count of zero everywhere would prove nothing).
    let all = counted(&events, &uncased, from, today, None);
    for name in [
        "people_assisted",
        "alerts",
        "raids",
        "detained_in_raids",
        "visits",
        "advisories",
        "released",
        "removed",
        "deaths_in_custody",
        "diplomatic_notes",
    ] {
        assert!(all[name].as_u64().unwrap() > 0, "{name} is zero");
    }
    for name in [
        "median_ack_minutes",
        "median_notification_hours",
        "median_lawyer_hours",
    ] {
        assert!(!all[name].is_null(), "{name} has no sample");
    }
    // A day with nothing counts nothing.
    let empty: Value = hub
        .json_as(
            &boss,
            &format!(
                "/v1/reports/figures?from={}&to={}",
                today - chrono::Duration::days(30),
                today - chrono::Duration::days(29)
            ),
        )
        .await;
    assert_eq!(empty["alerts"], 0);

    // Who may ask: a consulate's supervisor gets their own only; officers and lawyers none.
    let own: Value = hub
        .json_as(
            &la_boss,
            &format!("/v1/reports/figures?from={from}&to={today}"),
        )
        .await;
    assert_eq!(
        rounded(&own)["alerts"],
        counted(&events, &uncased, from, today, Some("los-angeles"))["alerts"]
    );
    let refused = hub
        .get_as(
            &la_boss,
            &format!("/v1/reports/figures?from={from}&to={today}&consulate=chicago"),
        )
        .await;
    assert_eq!(refused.status(), 403);
    assert_eq!(
        hub.get_as(&la, &format!("/v1/reports/figures?from={from}&to={today}"))
            .await
            .status(),
        403
    );
    let backwards = hub
        .get_as(
            &boss,
            &format!("/v1/reports/figures?from={today}&to={from}"),
        )
        .await;
    assert_eq!(backwards.status(), 400);

    // The same figures on the command line, as CSV, and a handover in Spanish.
    let (url, token) = (hub.url.clone(), boss.clone());
    let csv = tokio::task::spawn_blocking(move || {
        guardia()
            .env("GUARDIA_TOKEN", &token)
            .args([
                "report",
                "figures",
                "--hub",
                &url,
                "--from",
                &from.to_string(),
                "--to",
                &today.to_string(),
                "--consulate",
                "los-angeles",
                "--csv",
            ])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&csv.stdout);
    assert!(
        csv.status.success(),
        "{}",
        String::from_utf8_lossy(&csv.stderr)
    );
    let la_alerts = counted(&events, &uncased, from, today, Some("los-angeles"))["alerts"].clone();
    assert!(text.contains(&format!("alerts,{la_alerts}\n")), "{text}");
    assert!(text.contains("consulate,los-angeles\n"), "{text}");
    let (url, token) = (hub.url.clone(), la.clone());
    let handover = tokio::task::spawn_blocking(move || {
        guardia()
            .env("GUARDIA_TOKEN", &token)
            .args(["handover", "--hub", &url, "--lang", "es"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let text = String::from_utf8_lossy(&handover.stdout);
    assert!(
        handover.status.success(),
        "{}",
        String::from_utf8_lossy(&handover.stderr)
    );
    assert!(
        text.starts_with("Entrega de guardia · Los Angeles, CA"),
        "{text}"
    );
    assert!(text.contains("Casos abiertos sin abogado(a) (2)"), "{text}");
    assert!(text.contains(&format!("#{}", raid[3])), "{text}");
}

/// A case raised before the period and acknowledged in it counts in the period, with its wait
/// measured from the press (the report reads such a case's events from its alert on); a case
/// wholly before the period counts in none of it.
#[tokio::test]
async fn a_case_from_before_the_period_counts_by_what_happened_in_it() {
    let hub = TestHub::start().await;
    let boss = hub.staff(Role::Supervisor, None).await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let consulates = std::sync::Arc::new(
        guardia::domain::consulate::parse_csv(guardia::config::BUILTIN_CONSULATES).unwrap(),
    );
    let two_days_ago = chrono::Utc::now() - chrono::Duration::days(2);
    let mut raised = Vec::new();
    for name in ["Caso Antiguo", "Caso Olvidado"] {
        let phone = hub.enroll(name, &[]).await;
        let alert = guardia::domain::alert::AlertRequest {
            id: uuid::Uuid::new_v4(),
            lat: LA.0,
            lon: LA.1,
            accuracy_m: 10.0,
            pressed_at: two_days_ago,
            kind: guardia::domain::alert::AlertKind::Detained,
        };
        let out = hub
            .store
            .raise_alert(
                phone.registrant_id,
                alert,
                consulates.clone(),
                false,
                None,
                two_days_ago,
            )
            .await
            .unwrap();
        raised.push(out.value.case_id);
    }
    let version = hub.case(&officer, raised[0]).await["version"]
        .as_u64()
        .unwrap();
    let res = hub
        .act(&officer, raised[0], "ack", version, json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let today = chrono::Utc::now().date_naive();
    let f: Value = hub
        .json_as(
            &boss,
            &format!("/v1/reports/figures?from={today}&to={today}"),
        )
        .await;
    assert_eq!(f["alerts"], 0, "{f}");
    // About two days from press to acknowledgement, in minutes.
    let waited = f["median_ack_minutes"].as_f64().unwrap();
    assert!((2.0 * 24.0 * 60.0 - waited).abs() < 5.0, "{f}");
    let before: Value = hub
        .json_as(
            &boss,
            &format!(
                "/v1/reports/figures?from={}&to={}",
                today - chrono::Duration::days(2),
                today - chrono::Duration::days(2)
            ),
        )
        .await;
    assert_eq!(before["alerts"], 2, "{before}");
    assert!(before["median_ack_minutes"].is_null(), "{before}");
}
