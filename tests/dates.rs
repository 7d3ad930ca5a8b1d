//! Dates at and past the edge of what the date library holds, sent to every route that takes a
//! date or a time: each answer is a 2xx or a 4xx with a machine-readable code (a 422 naming the
//! field where the date is out of range), never a 5xx and never a panic.

mod common;

use common::{LA, TestHub};
use guardia::domain::alert::AlertKind;
use guardia::domain::staff::Role;
use proptest::prelude::*;
use serde_json::{Value, json};

/// Dates and times a careless or hostile client might send.
fn a_date() -> impl Strategy<Value = String> {
    let edges = prop::sample::select(vec![
        "+262143-12-31",
        "-262144-01-01",
        "+262142-12-31T23:59:59Z",
        "-262143-01-01T00:00:00Z",
        "262143-12-31T23:59:59+23:59",
        "9999-12-31",
        "9999-12-31T23:59:59-23:59",
        "0000-01-01",
        "0000-01-01T00:00:00+23:59",
        "0001-01-01T00:00:00Z",
        "1969-12-31T23:59:59Z",
        "+10000-01-01",
        "2026-02-30",
        "2026-13-01",
        "2026-12-06T25:00:00Z",
        "2026-12-06 08:00",
        "",
        "now",
    ])
    .prop_map(String::from);
    let years = (-300_000i64..300_000).prop_map(|y| format!("{y:04}-06-15"));
    let times = (-300_000i64..300_000).prop_map(|y| format!("{y:04}-06-15T12:00:00Z"));
    prop_oneof![4 => edges, 1 => years, 1 => times]
}

/// A number of days, as large as JSON or a query string can carry.
fn a_count() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "-1",
            "0",
            "9223372036854775807",
            "-9223372036854775808",
            "99999999999999999999",
        ])
        .prop_map(String::from),
        any::<i64>().prop_map(|n| n.to_string()),
    ]
}

struct World {
    hub: TestHub,
    officer: String,
    boss: String,
    officer_id: i64,
    case: u64,
    alert: uuid::Uuid,
    phone: String,
}

async fn world() -> World {
    let hub = TestHub::start().await;
    let (officer_id, officer) = hub.staff_with_id(Role::Officer, Some("los-angeles")).await;
    let boss = hub.staff(Role::Supervisor, Some("los-angeles")).await;
    let phone = hub.enroll("Persona de Fechas", &[]).await.device_token;
    let alert = hub.press(&phone, LA.0, LA.1, AlertKind::Detained).await;
    World {
        hub,
        officer,
        boss,
        officer_id,
        case: alert.case_id,
        alert: alert.alert_id,
        phone,
    }
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Sends `date` (and `count`) to every date-bearing route; returns what went wrong.
async fn every_route(w: &World, date: &str, count: &str) -> Vec<String> {
    let hub = &w.hub;
    let d = enc(date);
    let mut answers: Vec<(String, reqwest::Response)> = Vec::new();
    for (token, path) in [
        (&w.officer, format!("/v1/handover?at={d}")),
        (&w.officer, format!("/v1/duty?at={d}")),
        (&w.officer, format!("/v1/incidents?since={d}")),
        (&w.officer, format!("/v1/cases?closed_since={d}")),
        (&w.officer, format!("/v1/visits/plans?days={}", enc(count))),
        (
            &w.boss,
            format!("/v1/reports/figures?from={d}&to=2026-12-31"),
        ),
        (
            &w.boss,
            format!("/v1/reports/figures?from=2026-01-01&to={d}"),
        ),
    ] {
        answers.push((path.clone(), hub.get_as(token, &path).await));
    }
    let posts = [
        (
            &w.officer,
            "/v1/visits".to_string(),
            json!({"facility": "ADLNTCA", "visited_on": date}),
        ),
        (
            &w.officer,
            "/v1/visits/plans".to_string(),
            json!({"facility": "ADLNTCA", "planned_on": date}),
        ),
        (
            &w.boss,
            "/v1/duty".to_string(),
            json!({"staff_id": w.officer_id, "from": date, "to": date}),
        ),
        (
            &w.boss,
            "/v1/duty".to_string(),
            json!({"staff_id": w.officer_id, "from": "2026-12-06T08:00:00Z", "to": date}),
        ),
        (
            &w.boss,
            "/v1/duty".to_string(),
            json!({"staff_id": w.officer_id, "weekdays": [1], "start": "08:00", "hours": count.parse::<i64>().unwrap_or(1)}),
        ),
        (
            &w.officer,
            format!("/v1/cases/{}/checkpoints", w.case),
            json!({"code": "DETAINED", "at": date}),
        ),
        (
            &w.officer,
            format!("/v1/cases/{}/checkpoints", w.case),
            json!({"code": "BOND_HEARING", "fields": {"hearing_at": date}}),
        ),
        (
            &w.officer,
            format!("/v1/cases/{}/checkpoints", w.case),
            json!({"code": "REMOVAL_ORDER", "fields": {"decided_on": date}}),
        ),
        (
            &w.officer,
            format!("/v1/cases/{}/checkpoints", w.case),
            json!({"code": "RELEASED", "fields": {"next_reporting": date}}),
        ),
    ];
    for (token, path, body) in posts {
        // A checkpoint acts on the case as it stands: its version, read just before.
        let version = hub.case(&w.officer, w.case).await["version"]
            .as_u64()
            .unwrap();
        let res = hub
            .http
            .post(hub.at(&path))
            .bearer_auth(token)
            .header("If-Match", format!("\"{version}\""))
            .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
            .json(&body)
            .send()
            .await
            .unwrap();
        answers.push((format!("POST {path} {body}"), res));
    }
    let enroll = json!({"name": "Fecha Extrema", "date_of_birth": date, "consular_id": "MX123",
                        "phone": common::fresh_phone(), "language": "es", "relatives": []});
    let res = hub
        .http
        .post(hub.at("/v1/enroll"))
        .json(&enroll)
        .send()
        .await
        .unwrap();
    answers.push(("POST /v1/enroll".into(), res));
    let press = json!({"id": uuid::Uuid::new_v4(), "lat": LA.0, "lon": LA.1, "accuracy_m": 10.0,
                       "pressed_at": date, "kind": "detained"});
    let res = hub
        .http
        .post(hub.at("/v1/alerts"))
        .bearer_auth(&w.phone)
        .json(&press)
        .send()
        .await
        .unwrap();
    answers.push(("POST /v1/alerts".into(), res));
    let moved = json!({"lat": LA.0, "lon": LA.1, "accuracy_m": 10.0, "at": date});
    let res = hub
        .http
        .post(hub.at(&format!("/v1/alerts/{}/location", w.alert)))
        .bearer_auth(&w.phone)
        .json(&moved)
        .send()
        .await
        .unwrap();
    answers.push(("POST location".into(), res));

    let mut wrong = Vec::new();
    for (what, res) in answers {
        let status = res.status().as_u16();
        let text = res.text().await.unwrap_or_default();
        let body: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if status >= 500 {
            wrong.push(format!("{what} ({date}, {count}): {status} {text}"));
        } else if status >= 400 && status != 429 && body["error"].as_str().is_none() {
            wrong.push(format!("{what} ({date}): {status} without a code: {text}"));
        } else if status == 422
            && body["error"] == "invalid_field"
            && body["field"]["name"].as_str().is_none_or(str::is_empty)
        {
            wrong.push(format!("{what} ({date}): 422 naming no field: {text}"));
        }
    }
    wrong
}

#[test]
fn no_route_fails_or_panics_on_a_date() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let w = rt.block_on(world());
    let config = ProptestConfig {
        cases: 48,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(date in a_date(), count in a_count())| {
        let wrong = rt.block_on(every_route(&w, &date, &count));
        prop_assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    });
}
