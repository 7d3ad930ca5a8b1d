//! Visits planned ahead and carried out, over real HTTP: a plan is listed until a visit logged
//! against it closes it or it is cancelled, and no other consulate can see, close or cancel it.

mod common;

use common::*;
use guardia::domain::staff::Role;
use serde_json::{Value, json};

async fn ok(res: reqwest::Response, status: u16) -> Value {
    let got = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(got, status, "{body}");
    body
}

fn day(offset: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::days(offset))
        .format("%Y-%m-%d")
        .to_string()
}

fn ids(list: &Value) -> Vec<u64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_u64().unwrap())
        .collect()
}

#[tokio::test]
async fn a_planned_visit_is_listed_until_a_logged_visit_carries_it_out() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("san-bernardino")).await;
    let plan = json!({"facility": "adlntca", "planned_on": day(2), "staff": ["Lucía Ramírez"],
                      "note": "llevar la lista de la semana"});
    let key = uuid::Uuid::new_v4().to_string();
    let first = ok(
        hub.post_with_key(&officer, "/v1/visits/plans", plan.clone(), &key)
            .await,
        201,
    )
    .await;
    // Sent again with its key (an answer lost on the way): the same plan, not a second one.
    let again = ok(
        hub.post_with_key(&officer, "/v1/visits/plans", plan, &key)
            .await,
        201,
    )
    .await;
    assert_eq!(first["id"], again["id"]);
    let id = first["id"].as_u64().unwrap();

    let listed: Value = hub.json_as(&officer, "/v1/visits/plans").await;
    assert_eq!(ids(&listed), vec![id], "{listed}");
    assert_eq!(listed[0]["facility"], "ADLNTCA");
    assert_eq!(listed[0]["facility_name"], "ADELANTO ICE PROCESSING CENTER");
    assert_eq!(listed[0]["consulate"], "san-bernardino");
    // Beyond the days asked for, it is not listed yet.
    let today: Value = hub.json_as(&officer, "/v1/visits/plans?days=1").await;
    assert_eq!(today, json!([]));

    // A visit at another facility does not carry this plan out.
    let elsewhere = json!({"facility": "BAILECA", "visited_on": day(0), "plan_id": id});
    let e = ok(hub.post_as(&officer, "/v1/visits", elsewhere).await, 422).await;
    assert_eq!(e["field"]["name"], "plan_id", "{e}");

    let made = json!({"facility": "ADLNTCA", "visited_on": day(0), "plan_id": id,
                      "roster": ["A123456789"]});
    let visit = ok(hub.post_as(&officer, "/v1/visits", made.clone()).await, 201).await;
    let listed: Value = hub.json_as(&officer, "/v1/visits/plans").await;
    assert_eq!(listed, json!([]));
    let visits: Value = hub.json_as(&officer, "/v1/visits").await;
    assert_eq!(visits[0]["id"], visit["id"]);
    assert_eq!(visits[0]["plan_id"], id);
    // A plan is carried out once; the record of it stays.
    let e = ok(hub.post_as(&officer, "/v1/visits", made).await, 422).await;
    assert_eq!(e["field"]["name"], "plan_id", "{e}");
    let path = format!("/v1/visits/plans/{id}/cancel");
    ok(hub.post_as(&officer, &path, json!({})).await, 409).await;

    // The log has the plan, and the visit that carried it out names it.
    let planned = hub.count("SELECT COUNT(*) FROM events WHERE kind = 'visit_plan_recorded'");
    let logged = hub.count("SELECT COUNT(*) FROM events WHERE kind = 'visit_logged'");
    assert_eq!((planned, logged), (1, 1));
}

#[tokio::test]
async fn plans_are_checked_and_another_consulate_cannot_see_close_or_cancel_them() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("san-bernardino")).await;
    let other = hub.staff(Role::Officer, Some("chicago")).await;
    let lawyer = hub.staff(Role::Lawyer, None).await;
    let national = hub.staff(Role::Supervisor, None).await;

    for (body, field) in [
        (
            json!({"facility": "ADLNTCA", "planned_on": day(-3)}),
            "planned_on",
        ),
        (
            json!({"facility": "ADLNTCA", "planned_on": day(400)}),
            "planned_on",
        ),
        (
            json!({"facility": "ADLNTCA", "planned_on": "25/12/2026"}),
            "planned_on",
        ),
        (
            json!({"facility": "NOSUCHPLACE", "planned_on": day(1)}),
            "facility",
        ),
    ] {
        let e = ok(hub.post_as(&officer, "/v1/visits/plans", body).await, 422).await;
        assert_eq!(e["field"]["name"], field, "{e}");
    }
    let unknown = json!({"facility": "ADLNTCA", "planned_on": day(1), "when": "soon"});
    let e = ok(
        hub.post_as(&officer, "/v1/visits/plans", unknown).await,
        422,
    )
    .await;
    assert_eq!(e["field"]["name"], "when", "{e}");

    let plan = json!({"facility": "ADLNTCA", "planned_on": day(1)});
    let id = ok(
        hub.post_as(&officer, "/v1/visits/plans", plan.clone())
            .await,
        201,
    )
    .await["id"]
        .as_u64()
        .unwrap();
    // A national supervisor's plan counts for the district the facility lies in.
    let theirs = ok(hub.post_as(&national, "/v1/visits/plans", plan).await, 201).await["id"]
        .as_u64()
        .unwrap();
    let all: Value = hub.json_as(&national, "/v1/visits/plans").await;
    assert_eq!(ids(&all), vec![id, theirs]);
    assert_eq!(all[1]["consulate"], "san-bernardino");

    // Chicago sees none of San Bernardino's plans and cannot touch them.
    let listed: Value = hub.json_as(&other, "/v1/visits/plans").await;
    assert_eq!(listed, json!([]));
    ok(
        hub.get_as(&other, "/v1/visits/plans?consulate=san-bernardino")
            .await,
        403,
    )
    .await;
    let path = format!("/v1/visits/plans/{id}/cancel");
    ok(hub.post_as(&other, &path, json!({})).await, 404).await;
    let sneaky = json!({"facility": "ADLNTCA", "visited_on": day(0), "plan_id": id});
    let e = ok(hub.post_as(&other, "/v1/visits", sneaky).await, 422).await;
    assert_eq!(e["field"]["name"], "plan_id", "{e}");
    // Lawyers see no consulate's calendar.
    ok(hub.get_as(&lawyer, "/v1/visits/plans").await, 403).await;
    ok(
        hub.post_as(
            &lawyer,
            "/v1/visits/plans",
            json!({"facility": "ADLNTCA", "planned_on": day(1)}),
        )
        .await,
        403,
    )
    .await;

    // Cancelled by its consulate: off the calendar; cancelling again is a conflict.
    ok(hub.post_as(&officer, &path, json!({})).await, 201).await;
    let listed: Value = hub.json_as(&officer, "/v1/visits/plans").await;
    assert_eq!(ids(&listed), vec![theirs]);
    ok(hub.post_as(&officer, &path, json!({})).await, 409).await;
    ok(
        hub.post_as(&officer, "/v1/visits/plans/999/cancel", json!({}))
            .await,
        404,
    )
    .await;
}

#[tokio::test]
async fn shift_zero_is_not_a_way_to_remove_the_first_shift() {
    let hub = TestHub::start().await;
    let boss = hub.staff(Role::Supervisor, Some("los-angeles")).await;
    let (officer_id, _) = hub.staff_with_id(Role::Officer, Some("los-angeles")).await;
    let shift =
        json!({"staff_id": officer_id, "weekdays": [1,2,3,4,5], "start": "08:00", "hours": 8});
    ok(hub.post_as(&boss, "/v1/duty", shift).await, 201).await;
    ok(
        hub.post_as(&boss, "/v1/duty/0/remove", json!({})).await,
        404,
    )
    .await;
    let duty: Value = hub.json_as(&boss, "/v1/duty").await;
    assert_eq!(duty["shifts"].as_array().unwrap().len(), 1, "{duty}");
}

/// Whether `needle` is anywhere in the database or its WAL, as bytes.
fn on_disk(dir: &std::path::Path, needle: &str) -> bool {
    ["hub.db", "hub.db-wal"].iter().any(|f| {
        std::fs::read(dir.join(f))
            .is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle.as_bytes()))
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_visit_says_of_people_is_sealed_shown_to_its_consulate_and_erased_with_them() {
    use guardia::domain::alert::AlertKind;
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let national = hub.staff(Role::Supervisor, None).await;
    let phone = hub.enroll("Persona Visitada", &[]).await.device_token;
    let case = hub
        .press(&phone, LA.0, LA.1, AlertKind::Detained)
        .await
        .case_id;
    // Seen tomorrow (the consulate's day may be ahead of UTC's), interviewed by case and, for
    // someone with no case, by A-number.
    let visit = json!({
        "facility": "ADLNTCA", "visited_on": day(1),
        "interviewed": [
            {"case_id": case, "note": "su hermana Rocío cuida a los niños"},
            {"a_number": "A987654321", "note": "pide un abogado"}
        ],
        "roster": ["A123456789"], "conditions": "celda de castigo para Julián"
    });
    ok(hub.post_as(&officer, "/v1/visits", visit).await, 201).await;
    for secret in [
        "Rocío",
        "pide un abogado",
        "987654321",
        "123456789",
        "Julián",
    ] {
        assert!(
            !on_disk(hub.dir.path(), secret),
            "{secret} is in the clear on disk"
        );
    }
    let seen: Value = hub.json_as(&officer, "/v1/visits").await;
    assert_eq!(
        seen[0]["interviewed"][0]["note"],
        "su hermana Rocío cuida a los niños"
    );
    assert_eq!(seen[0]["interviewed"][1]["a_number"], "987654321");
    assert_eq!(seen[0]["roster"], json!(["123456789"]));
    assert!(
        seen[0].get("sealed").is_none() && seen[0].get("withheld").is_none(),
        "{seen}"
    );
    // A national supervisor sees the round, not the people in it.
    let far: Value = hub.json_as(&national, "/v1/visits").await;
    assert_eq!(far[0]["withheld"], true, "{far}");
    assert_eq!(far[0]["roster"], json!([]));
    assert!(far[0]["interviewed"][1].get("a_number").is_none(), "{far}");
    assert_eq!(far[0]["interviewed"][0]["note"], "");

    // The person's case closed, and their data erased: what the interview said goes with them,
    // while the visit (younger than the period) keeps the rest.
    let version = hub.case(&officer, case).await["version"].as_u64().unwrap();
    let close = json!({"outcome": "released_on_bond", "note": "liberada"});
    ok(hub.act(&officer, case, "close", version, close).await, 200).await;
    let tomorrow = chrono::Utc::now() + chrono::Duration::days(1);
    let run = hub
        .store
        .retain(tomorrow + chrono::Duration::days(730), 730)
        .await
        .unwrap();
    assert_eq!(run.cases, vec![case]);
    let after: Value = hub.json_as(&officer, "/v1/visits").await;
    assert_eq!(after[0]["withheld"], true, "{after}");
    assert_eq!(after[0]["interviewed"][0]["case_id"], case);
    assert_eq!(after[0]["interviewed"][0]["note"], "", "{after}");
    assert_eq!(after[0]["interviewed"][1]["note"], "pide un abogado");
    assert_eq!(after[0]["conditions"], "celda de castigo para Julián");
    // Once the visit itself is older than the period, the rest goes too.
    hub.store
        .retain(tomorrow + chrono::Duration::days(800), 730)
        .await
        .unwrap();
    let gone: Value = hub.json_as(&officer, "/v1/visits").await;
    assert_eq!(gone[0]["conditions"], "", "{gone}");
    assert_eq!(gone[0]["roster"], json!([]));
    assert_eq!(
        gone[0]["interviewed"].as_array().unwrap().len(),
        2,
        "the round stays"
    );
}

#[tokio::test]
async fn a_planned_visit_is_postponed_by_its_consulate_only_and_stays_on_the_record() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("san-bernardino")).await;
    let other = hub.staff(Role::Officer, Some("chicago")).await;
    let plan = json!({"facility": "ADLNTCA", "planned_on": day(2)});
    let id = ok(hub.post_as(&officer, "/v1/visits/plans", plan).await, 201).await["id"]
        .as_u64()
        .unwrap();
    let path = format!("/v1/visits/plans/{id}/postpone");
    // Another consulate's plan is not there; a day past or malformed names its field.
    ok(
        hub.post_as(&other, &path, json!({"planned_on": day(5)}))
            .await,
        404,
    )
    .await;
    for bad in [day(-3), "mañana".to_string()] {
        let e = ok(
            hub.post_as(&officer, &path, json!({"planned_on": bad}))
                .await,
            422,
        )
        .await;
        assert_eq!(e["field"]["name"], "planned_on", "{e}");
    }
    ok(
        hub.post_as(&officer, &path, json!({"planned_on": day(5)}))
            .await,
        201,
    )
    .await;
    let listed: Value = hub.json_as(&officer, "/v1/visits/plans?days=30").await;
    assert_eq!(listed[0]["planned_on"], day(5), "{listed}");
    assert_eq!(listed[0]["status"]["state"], "planned");
    // A cancelled plan stays cancelled.
    ok(
        hub.post_as(
            &officer,
            &format!("/v1/visits/plans/{id}/cancel"),
            json!({}),
        )
        .await,
        201,
    )
    .await;
    ok(
        hub.post_as(&officer, &path, json!({"planned_on": day(6)}))
            .await,
        409,
    )
    .await;
    let changes = hub.count("SELECT COUNT(*) FROM events WHERE kind = 'visit_plan_recorded'");
    assert_eq!(changes, 3, "planned, postponed, cancelled");
    if common::pg::engine() == common::pg::Engine::Sqlite {
        let dir = hub.stop().await;
        let report =
            guardia::hub::store::verify::verify_file(&dir.path().join("hub.db"), None).unwrap();
        assert!(report.findings.is_empty(), "{report}");
    }
}

#[tokio::test]
async fn a_key_reused_on_another_plan_or_body_is_refused_not_replayed() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("san-bernardino")).await;
    let plan = |note: &str| {
        json!({"facility": "adlntca", "planned_on": day(2), "staff": ["Lucía Ramírez"],
               "note": note})
    };
    let a = ok(
        hub.post_as(&officer, "/v1/visits/plans", plan("a")).await,
        201,
    )
    .await["id"]
        .as_u64()
        .unwrap();
    let b = ok(
        hub.post_as(&officer, "/v1/visits/plans", plan("b")).await,
        201,
    )
    .await["id"]
        .as_u64()
        .unwrap();
    let key = uuid::Uuid::new_v4().to_string();
    let cancel = |id: u64| format!("/v1/visits/plans/{id}/cancel");
    ok(
        hub.post_with_key(&officer, &cancel(a), json!({}), &key)
            .await,
        201,
    )
    .await;
    // The same key on another plan: refused, and plan b is still planned (a "replayed" answer
    // would have said done and done nothing).
    let e = ok(
        hub.post_with_key(&officer, &cancel(b), json!({}), &key)
            .await,
        422,
    )
    .await;
    assert!(
        e["message"].as_str().unwrap().contains("Idempotency-Key"),
        "{e}"
    );
    let listed: Value = hub.json_as(&officer, "/v1/visits/plans").await;
    assert_eq!(ids(&listed), vec![b], "{listed}");
    // ... and on the same target with another body.
    let key = uuid::Uuid::new_v4().to_string();
    ok(
        hub.post_with_key(&officer, "/v1/visits/plans", plan("c"), &key)
            .await,
        201,
    )
    .await;
    ok(
        hub.post_with_key(&officer, "/v1/visits/plans", plan("d"), &key)
            .await,
        422,
    )
    .await;
}
