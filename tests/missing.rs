//! The search for a person no one can find, against a real hub: a case marked `NOT_LOCATED`
//! walks its checklist, escalates once at 24, 48 and 72 hours (across a restart, with two hubs
//! racing), is listed in the handover, and a placement ends it and feeds the figures.

mod common;

use chrono::{Duration, Utc};
use common::*;
use guardia::domain::alert::AlertKind;
use guardia::domain::staff::Role;
use serde_json::{Value, json};

async fn checkpoint(hub: &TestHub, token: &str, case: u64, body: Value) {
    let version = hub.case(token, case).await["version"].as_u64().unwrap();
    let res = hub.act(token, case, "checkpoints", version, body).await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
}

fn escalations(hub: &TestHub, case: u64) -> Vec<String> {
    hub.texts(&format!(
        "SELECT CAST(seq AS TEXT) FROM events WHERE kind = 'search_escalated' AND case_id = {case}"
    ))
}

#[tokio::test]
async fn a_person_not_located_is_searched_for_escalated_once_at_each_step_and_found() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let phone = hub.enroll("Tomás Ficticio", &[]).await;
    let case = hub
        .press(&phone.device_token, LA.0, LA.1, AlertKind::Detained)
        .await
        .case_id;
    let since = Utc::now() - Duration::hours(1);
    checkpoint(
        &hub,
        &officer,
        case,
        json!({"code": "NOT_LOCATED", "at": since,
               "fields": {"last_seen": "afuera de la oficina de ICE"}}),
    )
    .await;
    checkpoint(
        &hub,
        &officer,
        case,
        json!({"code": "CHECKLIST_STEP",
               "fields": {"step": "locator_searched", "result": "not_there"}}),
    )
    .await;
    let c = hub.case(&officer, case).await;
    assert!(c["search"]["since"].is_string(), "{c}");

    // The handover lists the person, with when the search began.
    let handover: Value = hub.json_as(&officer, "/v1/handover").await;
    assert_eq!(handover["not_located"][0]["case_id"].as_u64(), Some(case));
    assert_eq!(handover["totals"]["not_located"], 1);

    // Not yet a day: nothing. Then each step once, across a restart and a second hub.
    assert_eq!(
        hub.store
            .escalate_searches(since + Duration::hours(23))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        hub.store
            .escalate_searches(since + Duration::hours(25))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        hub.store
            .escalate_searches(since + Duration::hours(26))
            .await
            .unwrap(),
        0
    );
    let addr = hub.addr;
    let dir = hub.stop().await;
    let hub = TestHub::restart_at(addr, dir).await;
    let other = guardia::hub::store::Store::open_target(
        &target(hub.dir.path()),
        Some(&key_file(hub.dir.path())),
    )
    .unwrap();
    let at = since + Duration::hours(49);
    let (a, b) = tokio::join!(hub.store.escalate_searches(at), other.escalate_searches(at));
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    drop(other);
    assert_eq!(
        hub.store
            .escalate_searches(since + Duration::hours(73))
            .await
            .unwrap(),
        1
    );
    assert_eq!(escalations(&hub, case).len(), 3);
    let c = hub.case(&officer, case).await;
    assert_eq!(c["search"]["escalated"], 72);

    // Found: a placement ends the search and stops the escalations.
    checkpoint(
        &hub,
        &officer,
        case,
        json!({"code": "FACILITY_LOCATED", "fields": {"facility_code": "adlntca"}}),
    )
    .await;
    let c = hub.case(&officer, case).await;
    assert!(c["search"].is_null(), "{c}");
    assert_eq!(hub.count("SELECT COUNT(*) FROM searches"), 0);
    assert_eq!(
        hub.store
            .escalate_searches(since + Duration::days(10))
            .await
            .unwrap(),
        0
    );
    let handover: Value = hub.json_as(&officer, "/v1/handover").await;
    assert_eq!(handover["totals"]["not_located"], 0);

    // The figures: one search, and the time from the alert to the person located.
    let supervisor = hub.staff(Role::Supervisor, Some("los-angeles")).await;
    let today = Utc::now().date_naive();
    let f: Value = hub
        .json_as(
            &supervisor,
            &format!(
                "/v1/reports/figures?from={}&to={}",
                today.pred_opt().unwrap(),
                today
            ),
        )
        .await;
    assert_eq!(f["not_located"], 1, "{f}");
    assert!(f["median_located_hours"].as_f64().is_some(), "{f}");
    hub.stop().await;
}

#[tokio::test]
async fn a_search_step_takes_only_the_searchs_results_and_closing_the_case_ends_it() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let phone = hub.enroll("Elsa Ficticia", &[]).await;
    let case = hub
        .press(&phone.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await
        .case_id;
    checkpoint(&hub, &officer, case, json!({"code": "NOT_LOCATED"})).await;
    let version = hub.case(&officer, case).await["version"].as_u64().unwrap();
    let res = hub
        .act(
            &officer,
            case,
            "checkpoints",
            version,
            json!({"code": "CHECKLIST_STEP",
                   "fields": {"step": "hospitals_asked", "result": "maybe"}}),
        )
        .await;
    assert_eq!(res.status(), 422);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["field"]["name"], "fields.result", "{e}");
    let res = hub
        .act(
            &officer,
            case,
            "close",
            version,
            json!({"outcome": "lost_contact", "note": "Sin rastro."}),
        )
        .await;
    assert_eq!(res.status(), 200, "{:?}", res.text().await);
    assert_eq!(hub.count("SELECT COUNT(*) FROM searches"), 0);
    assert_eq!(
        hub.store
            .escalate_searches(Utc::now() + Duration::days(5))
            .await
            .unwrap(),
        0
    );
    hub.stop().await;
}

#[tokio::test]
async fn an_insider_deleting_an_open_searchs_row_to_silence_it_is_found_by_verify() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let phone = hub.enroll("Raúl Ficticio", &[]).await;
    let case = hub
        .press(&phone.device_token, LA.0, LA.1, AlertKind::Detained)
        .await
        .case_id;
    checkpoint(&hub, &officer, case, json!({"code": "NOT_LOCATED"})).await;
    let check = || {
        guardia::hub::store::verify::verify_target(
            &target(hub.dir.path()),
            Some(&key_file(hub.dir.path())),
        )
        .unwrap()
        .findings
    };
    assert!(check().is_empty(), "{:?}", check());
    hub.with_db(|c| c.execute("DELETE FROM searches", ()).unwrap());
    let found = check();
    assert!(
        found.iter().any(|f| f
            .what
            .contains(&format!("case {case}'s open search has no row"))),
        "{found:?}"
    );
}
