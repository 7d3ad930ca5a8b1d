//! The rule book's holes, each tried the way an insider would, over real HTTP: an offered
//! consulate acting before it accepts, an intake reaching into another consulate's case, a
//! reassigned lawyer replaying a case's history, an admin minting a national supervisor; and the
//! permission table over the relations a caller can stand in to a case.

mod common;

use std::time::Duration;

use common::*;
use futures_util::StreamExt;
use guardia::console::net::client::HubClient;
use guardia::domain::alert::AlertKind;
use guardia::domain::event::Actor;
use guardia::domain::staff::Role;
use serde_json::{Value, json};

async fn ok(res: reqwest::Response) -> Value {
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

async fn new_case(hub: &TestHub, at: (f64, f64)) -> u64 {
    let phone = hub.enroll("Caso Ficticio", &[]).await;
    hub.press(&phone.device_token, at.0, at.1, AlertKind::Detained)
        .await
        .case_id
}

async fn version(hub: &TestHub, token: &str, case: u64) -> u64 {
    hub.case(token, case).await["version"].as_u64().unwrap()
}

fn body(verb: &str, lawyer: i64) -> Value {
    match verb {
        "assign" => json!({ "lawyer_id": lawyer }),
        "checkpoints" => json!({
            "code": "CONTACT_ATTEMPT",
            "fields": { "who": "hermana", "outcome": "reached" },
        }),
        "notes" => json!({ "text": "Llamada a la familia." }),
        "close" => json!({ "outcome": "false_alarm", "note": "No hubo detención." }),
        "reopen" => json!({ "reason": "La familia reporta la detención." }),
        "transfer" => json!({ "to_consulate": "houston", "reason": "Trasladado a Texas." }),
        "decline_transfer" => json!({ "reason": "No es de nuestro distrito." }),
        "triage" => json!({ "consent": "accepted", "intent": "contest", "category": "migratory" }),
        _ => json!({}),
    }
}

#[tokio::test]
async fn an_offered_consulate_reads_and_accepts_or_declines_but_acts_on_nothing_else() {
    let hub = TestHub::start().await;
    let la = hub.staff(Role::Officer, Some("los-angeles")).await;
    let chicago = hub.staff(Role::Officer, Some("chicago")).await;
    let (chicago_lawyer, _) = hub.staff_with_id(Role::Lawyer, Some("chicago")).await;
    let case = new_case(&hub, LA).await;
    let transfer = json!({"to_consulate": "chicago", "reason": "Trasladada a Illinois."});
    ok(hub.act(&la, case, "transfer", 1, transfer).await).await;

    assert_eq!(hub.case(&chicago, case).await["id"], case, "it may read it");
    for verb in ["close", "assign", "transfer", "notes", "ack", "triage"] {
        let res = hub
            .act(&chicago, case, verb, 2, body(verb, chicago_lawyer))
            .await;
        assert_eq!(res.status(), 403, "{verb}");
        let err: Value = res.json().await.unwrap();
        assert_eq!(err["error"], "accept_first", "{verb}: {err}");
    }
    assert_eq!(version(&hub, &la, case).await, 2, "nothing was written");

    // Declining withdraws the offer: the case stays with Los Angeles, Chicago no longer sees it.
    ok(hub
        .act(
            &chicago,
            case,
            "decline_transfer",
            2,
            body("decline_transfer", 0),
        )
        .await)
    .await;
    let after = hub.case(&la, case).await;
    assert!(after["transfer"].is_null() && after["consulate"] == "los-angeles");
    assert_eq!(
        hub.get_as(&chicago, &format!("/v1/cases/{case}"))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn an_intake_never_writes_to_or_names_another_consulates_case() {
    let dir = tempfile::tempdir().unwrap();
    let hub = TestHub::start_configured(dir, |s| {
        // Relatives' messages are queued (never sent: nothing listens there, and the guard
        // refuses loopback), so the test can count what an intake asked for.
        s.notify = guardia::hub::notify::NotifySettings {
            url: Some("http://127.0.0.1:9/hook".into()),
            secret: vec![7; 32],
            ..Default::default()
        };
    })
    .await;
    let chicago = hub.staff(Role::Officer, Some("chicago")).await;
    let la = hub.staff(Role::Officer, Some("los-angeles")).await;
    // A Los Angeles registrant with an open case.
    let person = hub
        .enroll_with_phone("Ana Angelina", &[], "+13105550123")
        .await;
    let alert = hub
        .press(&person.device_token, LA.0, LA.1, AlertKind::Imminent)
        .await;
    let before = version(&hub, &la, alert.case_id).await;

    let call = json!({
        "name": "Ana Angelina",
        "phone": "+13105550123",
        "description": "Su hermana llama desde Chicago.",
        "lat": 25.76, "lon": -80.19,
        "registrant_id": person.registrant_id,
    });
    let res = hub
        .http
        .post(hub.at("/v1/intake"))
        .bearer_auth(&chicago)
        .header("Idempotency-Key", "call-1")
        .json(&call)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    let text = res.text().await.unwrap();
    assert!(text.contains("open_elsewhere"), "{text}");
    assert!(!text.contains(&alert.case_id.to_string()), "{text}");
    assert!(!text.contains("\"case\""), "{text}");
    let la_case = hub.case(&la, alert.case_id).await;
    assert_eq!(la_case["version"].as_u64(), Some(before), "untouched");
    assert_eq!(la_case["location"]["lat"].as_f64(), Some(LA.0));

    // Chicago's candidates name the person, not how to reach their case.
    let candidates: Value = hub
        .get_as(&chicago, "/v1/intake/candidates?phone=%2B13105550123")
        .await
        .json()
        .await
        .unwrap();
    assert!(candidates[0]["registrant_id"].is_null(), "{candidates}");
    assert_eq!(candidates[0]["open_elsewhere"], "Los Angeles, CA");
    assert_eq!(candidates[0]["consular_id_last4"], "0001");

    // Not confirmed: a case of the caller's words only, and no relative is messaged.
    let mut unconfirmed = call.clone();
    unconfirmed.as_object_mut().unwrap().remove("registrant_id");
    let res = hub
        .http
        .post(hub.at("/v1/intake"))
        .bearer_auth(&chicago)
        .header("Idempotency-Key", "call-2")
        .json(&unconfirmed)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let made: Value = res.json().await.unwrap();
    assert!(made["registrant_id"].is_null());
    let new_case = made["case_id"].as_u64().unwrap();
    assert_ne!(new_case, alert.case_id);
    let national = hub.staff(Role::Supervisor, None).await;
    let copy = hub.case(&national, new_case).await;
    assert_eq!(copy["registrant"]["consular_id"], "");
    assert!(copy["registrant"]["date_of_birth"].is_null());
    assert_eq!(copy["registrant"]["relatives"], json!([]));
    let queued = hub.count(&format!(
        "SELECT COUNT(*) FROM deliveries WHERE case_id = {new_case}"
    ));
    assert_eq!(
        queued, 0,
        "no relative is messaged for an unconfirmed caller"
    );

    // Confirming someone whose number is not the caller's is refused.
    let mut wrong = call.clone();
    wrong["phone"] = json!("+13125550100");
    let res = hub
        .http
        .post(hub.at("/v1/intake"))
        .bearer_auth(&la)
        .header("Idempotency-Key", "call-3")
        .json(&wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
}

/// Reads `stream` until an event of `case` arrives; returns every (case, kind) seen.
async fn until_case(
    stream: &mut (
             impl futures_util::Stream<
        Item = Result<eventsource_stream::Event, guardia::console::net::client::NetError>,
    > + Unpin
         ),
    case: u64,
) -> Vec<(u64, String)> {
    let mut seen = Vec::new();
    loop {
        let m = tokio::time::timeout(Duration::from_secs(20), stream.next())
            .await
            .expect("the hub sent nothing")
            .unwrap()
            .unwrap();
        let e: Value = serde_json::from_str(&m.data).unwrap();
        let id = e["case_id"].as_u64().unwrap();
        seen.push((id, m.event));
        if id == case {
            return seen;
        }
    }
}

#[tokio::test]
async fn a_reassigned_lawyer_replays_nothing_of_the_case_but_the_handoff() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let (ana, ana_token) = hub.staff_with_id(Role::Lawyer, Some("los-angeles")).await;
    let (beto, _) = hub.staff_with_id(Role::Lawyer, Some("los-angeles")).await;
    let case = new_case(&hub, LA).await;
    ok(hub
        .act(&officer, case, "assign", 1, json!({"lawyer_id": ana}))
        .await)
    .await;
    ok(hub
        .act(&officer, case, "notes", 2, json!({"text": "Privado."}))
        .await)
    .await;
    ok(hub
        .act(&officer, case, "assign", 3, json!({"lawyer_id": beto}))
        .await)
    .await;
    // A later case of Ana's, to know where her replay ends.
    let marker = new_case(&hub, LA).await;
    ok(hub
        .act(&officer, marker, "assign", 1, json!({"lawyer_id": ana}))
        .await)
    .await;

    let client = HubClient::new(&hub.url, &ana_token).unwrap();
    let mut stream = Box::pin(client.events(0).await.unwrap());
    let seen = until_case(&mut stream, marker).await;
    assert_eq!(
        seen,
        [
            (case, "lawyer_assigned".to_string()),
            (marker, "alert_raised".into())
        ],
        "only the reassignment away, then her own case"
    );
    assert_eq!(
        hub.get_as(&ana_token, &format!("/v1/cases/{case}"))
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn an_admin_cannot_mint_a_national_supervisor_and_staff_changes_are_logged() {
    let hub = TestHub::start().await;
    let admin = hub.staff(Role::Admin, None).await;
    let add = |body: Value| {
        let hub = &hub;
        let admin = admin.clone();
        async move {
            hub.http
                .post(hub.at("/v1/staff"))
                .bearer_auth(admin)
                .header("Idempotency-Key", uuid::Uuid::new_v4().to_string())
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let national = add(json!({"name": "Nacional", "role": "supervisor"})).await;
    assert_eq!(national.status(), 403);
    let another_admin = add(json!({"name": "Otra", "role": "admin"})).await;
    assert_eq!(another_admin.status(), 403);
    // Nor anyone who reads cases: officers for every consulate would make a national view.
    for body in [
        json!({"name": "Local", "role": "supervisor", "consulate": "chicago"}),
        json!({"name": "Oficial", "role": "officer", "consulate": "los-angeles"}),
        json!({"name": "Abogada", "role": "lawyer", "serves": ["chicago"], "languages": ["es"], "capacity": 5}),
    ] {
        let res = add(body.clone()).await;
        assert_eq!(res.status(), 403, "{body}");
        let err: Value = res.json().await.unwrap();
        assert!(
            err["message"]
                .as_str()
                .unwrap()
                .contains("guardia admin staff add"),
            "{err}"
        );
    }
    assert_eq!(
        hub.count("SELECT COUNT(*) FROM staff WHERE name != 'Test admin'"),
        0
    );
    // On the server, by whoever holds its shell.
    let (id, token) = guardia::admin::add_staff(
        &hub.store,
        &guardia::domain::consulate::parse_csv(guardia::config::BUILTIN_CONSULATES).unwrap(),
        guardia::api::NewStaff {
            name: "Local".into(),
            role: Role::Supervisor,
            consulate: Some("chicago".into()),
            serves: vec![],
            languages: vec![],
            capacity: 0,
        },
    )
    .await
    .unwrap();
    assert_eq!(hub.get_as(&token, "/v1/me").await.status(), 200);

    hub.store
        .set_staff_disabled(id, true, Actor::Operator, false, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(hub.get_as(&token, "/v1/me").await.status(), 401);

    let log: Vec<(String, String)> = hub.with_db(|db| {
        db.query_map(
            "SELECT json_extract(body, '$.body.change.type'), json_extract(body, '$.actor.type')
               FROM events WHERE kind = 'staff_changed'
                AND CAST(json_extract(body, '$.body.staff_id') AS BIGINT) = ?1
              ORDER BY seq",
            [id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap()
    });
    assert_eq!(
        log,
        [
            ("added".to_string(), "operator".to_string()),
            ("disabled".into(), "operator".into())
        ]
    );
    // Nobody's token is in the log.
    let bodies = hub
        .texts("SELECT body FROM events WHERE kind = 'staff_changed'")
        .join(",");
    assert!(!bodies.contains(&token) && !bodies.contains("gds_"));
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Relation {
    Offered,
    TransferredAway,
    FormerLawyer,
}

const VERBS: &[&str] = &[
    "ack",
    "assign",
    "checkpoints",
    "notes",
    "close",
    "reopen",
    "transfer",
    "accept_transfer",
    "decline_transfer",
    "triage",
];

/// The table for these relations, written out here on its own: the receiving side may accept
/// or decline and nothing else; those the case was taken from may do nothing to it, and do not
/// see it. A role's refusal (403) comes before the case is looked at.
fn expected(relation: Relation, verb: &str) -> u16 {
    match relation {
        Relation::Offered => match verb {
            "accept_transfer" | "decline_transfer" => 200,
            "reopen" => 403, // officers never reopen
            _ => 403,        // accept first
        },
        Relation::TransferredAway => match verb {
            "reopen" => 403,
            _ => 404,
        },
        Relation::FormerLawyer => match verb {
            "checkpoints" | "notes" => 404,
            _ => 403,
        },
    }
}

#[tokio::test]
async fn the_matrix_over_offered_transferred_away_and_formerly_assigned() {
    let hub = TestHub::start().await;
    let la = hub.staff(Role::Officer, Some("los-angeles")).await;
    let chicago = hub.staff(Role::Officer, Some("chicago")).await;
    let (ana, ana_token) = hub.staff_with_id(Role::Lawyer, Some("los-angeles")).await;
    let (beto, _) = hub.staff_with_id(Role::Lawyer, Some("los-angeles")).await;
    let mut mismatches = Vec::new();
    let mut checked = 0;
    for relation in [
        Relation::Offered,
        Relation::TransferredAway,
        Relation::FormerLawyer,
    ] {
        for verb in VERBS {
            let case = new_case(&hub, LA).await;
            let transfer = json!({"to_consulate": "chicago", "reason": "Trasladada."});
            let (token, v) = match relation {
                Relation::Offered => {
                    ok(hub.act(&la, case, "transfer", 1, transfer).await).await;
                    (chicago.clone(), 2)
                }
                Relation::TransferredAway => {
                    ok(hub.act(&la, case, "transfer", 1, transfer).await).await;
                    ok(hub
                        .act(&chicago, case, "accept_transfer", 2, json!({}))
                        .await)
                    .await;
                    (la.clone(), 3)
                }
                Relation::FormerLawyer => {
                    ok(hub
                        .act(&la, case, "assign", 1, json!({"lawyer_id": ana}))
                        .await)
                    .await;
                    ok(hub
                        .act(&la, case, "assign", 2, json!({"lawyer_id": beto}))
                        .await)
                    .await;
                    (ana_token.clone(), 3)
                }
            };
            let res = hub.act(&token, case, verb, v, body(verb, beto)).await;
            let got = res.status().as_u16();
            let want = expected(relation, verb);
            checked += 1;
            if got != want {
                let text = res.text().await.unwrap_or_default();
                mismatches.push(format!(
                    "{relation:?} {verb}: got {got}, want {want}: {text}"
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} of {checked} cells wrong:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert_eq!(checked, 3 * VERBS.len());
}

#[tokio::test]
async fn triage_is_recorded_by_the_api_and_refused_to_lawyers() {
    let hub = TestHub::start().await;
    let officer = hub.staff(Role::Officer, Some("los-angeles")).await;
    let (lawyer_id, lawyer) = hub.staff_with_id(Role::Lawyer, Some("los-angeles")).await;
    let case = new_case(&hub, LA).await;
    ok(hub
        .act(&officer, case, "assign", 1, json!({"lawyer_id": lawyer_id}))
        .await)
    .await;
    let triage = json!({"consent": "declined", "intent": "voluntary_return", "category": "labor"});
    assert_eq!(
        hub.act(&lawyer, case, "triage", 2, triage.clone())
            .await
            .status(),
        403
    );
    let bad = hub
        .act(&officer, case, "triage", 2, json!({"consent": "maybe"}))
        .await;
    assert_eq!(bad.status(), 422);
    // A field's problem travels as a code beside the words.
    let empty = hub
        .act(&officer, case, "notes", 2, json!({"text": "   "}))
        .await;
    assert_eq!(empty.status(), 422);
    let err: Value = empty.json().await.unwrap();
    assert_eq!(
        err["field"],
        json!({"name": "text", "code": "required"}),
        "{err}"
    );
    // A verb that takes no fields names the one it was sent.
    let extra = hub
        .act(&officer, case, "ack", 2, json!({"lawyer_id": 1}))
        .await;
    assert_eq!(extra.status(), 422);
    let err: Value = extra.json().await.unwrap();
    assert_eq!(
        err["field"],
        json!({"name": "lawyer_id", "code": "unknown_value"}),
        "{err}"
    );
    ok(hub.act(&officer, case, "triage", 2, triage).await).await;
    let now = hub.case(&officer, case).await;
    assert_eq!(now["triage"]["consent"], "declined");
    assert_eq!(now["triage"]["category"], "labor");
    assert_eq!(
        now["timeline"].as_array().unwrap().last().unwrap()["kind"],
        "triage_recorded"
    );
}

#[tokio::test]
async fn a_disabled_or_rotated_staff_members_open_stream_ends() {
    let hub = TestHub::start().await;
    let (id, token) = hub.staff_with_id(Role::Officer, Some("los-angeles")).await;
    let (other_id, other) = hub.staff_with_id(Role::Officer, Some("los-angeles")).await;
    let client = HubClient::new(&hub.url, &token).unwrap();
    let mut stream = Box::pin(client.events(0).await.unwrap());
    let colleague = HubClient::new(&hub.url, &other).unwrap();
    let mut theirs = Box::pin(colleague.events(0).await.unwrap());
    hub.store
        .set_staff_disabled(id, true, Actor::Operator, false, chrono::Utc::now())
        .await
        .unwrap();
    let end = tokio::time::timeout(Duration::from_secs(20), stream.next())
        .await
        .expect("the stream must end, not hang");
    assert!(
        end.is_none() || end.unwrap().is_err(),
        "nothing more after disabling"
    );
    assert_eq!(hub.get_as(&token, "/v1/me").await.status(), 401);
    // A colleague's stream goes on: the next alert reaches them.
    let alert = new_case(&hub, LA).await;
    let m = tokio::time::timeout(Duration::from_secs(20), theirs.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let e: Value = serde_json::from_str(&m.data).unwrap();
    assert_eq!(e["case_id"].as_u64(), Some(alert));
    // A rotated token: the old one's stream ends too.
    guardia::admin::rotate_token(&hub.store, other_id)
        .await
        .unwrap();
    let end = tokio::time::timeout(Duration::from_secs(20), theirs.next())
        .await
        .expect("the stream must end, not hang");
    assert!(end.is_none() || end.unwrap().is_err());
    assert_eq!(hub.get_as(&other, "/v1/me").await.status(), 401);
}

#[tokio::test]
async fn closing_withdraws_a_pending_transfer_and_acknowledging_withdraws_nothing_else() {
    let hub = TestHub::start().await;
    let la = hub.staff(Role::Officer, Some("los-angeles")).await;
    let chicago = hub.staff(Role::Officer, Some("chicago")).await;
    let case = new_case(&hub, LA).await;
    let transfer = json!({"to_consulate": "chicago", "reason": "Trasladada."});
    ok(hub.act(&la, case, "transfer", 1, transfer).await).await;
    assert_eq!(hub.cases_of(&chicago).await.len(), 1);
    ok(hub.act(&la, case, "close", 2, body("close", 0)).await).await;
    let closed = hub.case(&la, case).await;
    assert!(closed["transfer"].is_null(), "{closed}");
    assert_eq!(
        hub.get_as(&chicago, &format!("/v1/cases/{case}"))
            .await
            .status(),
        404,
        "nothing is offered any more"
    );
    assert!(hub.cases_of(&chicago).await.is_empty());
}

#[tokio::test]
async fn the_call_taker_adds_to_a_call_that_went_to_another_consulate_and_reads_nothing_of_it() {
    let hub = TestHub::start().await;
    let chicago = hub.staff(Role::Officer, Some("chicago")).await;
    let colleague = hub.staff(Role::Officer, Some("chicago")).await;
    let national = hub.staff(Role::Supervisor, None).await;
    let post = |token: String, key: &'static str, body: Value| {
        let req = hub
            .http
            .post(hub.at("/v1/intake"))
            .bearer_auth(token)
            .header("Idempotency-Key", key)
            .json(&body);
        async move { req.send().await.unwrap() }
    };
    // A call taken in Chicago about someone in Miami: the case is Miami's.
    let res = post(
        chicago.clone(),
        "first",
        json!({
            "name": "Persona Ficticia", "phone": "+13055550100",
            "description": "Su hermano dice que ICE está afuera.",
            "lat": 25.76, "lon": -80.19,
        }),
    )
    .await;
    assert_eq!(res.status(), 201);
    let made: Value = res.json().await.unwrap();
    let case_id = made["case_id"].as_u64().unwrap();
    assert_eq!(made["consulate"], "miami");
    // Chicago cannot read it.
    let read = hub.get_as(&chicago, &format!("/v1/cases/{case_id}")).await;
    assert_eq!(read.status(), 404);

    // The caller says more: it joins Miami's case, as a call and not as a press.
    let more = json!({ "name": "", "phone": "", "description": "Ya se lo llevaron.",
                       "kind": "detained", "case_id": case_id });
    let res = post(chicago.clone(), "more", more.clone()).await;
    assert_eq!(res.status(), 201, "{}", res.text().await.unwrap());
    let case = hub.case(&national, case_id).await;
    let notes = case["notes"].to_string();
    assert!(notes.contains("☎ Ya se lo llevaron."), "{notes}");
    assert_eq!(case["kind"], "detained");
    assert_eq!(case["presses"], 1, "a call is not a press");
    let timeline = case["timeline"].as_array().unwrap();
    assert_eq!(timeline.last().unwrap()["kind"], "alert_repeated");
    assert_eq!(timeline.last().unwrap()["detail"], "call");
    assert_eq!(timeline[0]["detail"], "call");

    // Another officer of Chicago did not take the call: told nothing, not even that it exists.
    let res = post(colleague.clone(), "other", more.clone()).await;
    assert_eq!(res.status(), 404);
    let mut nowhere = more.clone();
    nowhere["case_id"] = json!(999_999);
    let res = post(colleague, "nowhere", nowhere).await;
    assert_eq!(
        res.status(),
        404,
        "a case that does not exist reads the same"
    );
    // The case says who the person is: a second answer is refused, naming the field.
    let mut both = more.clone();
    both["registrant_id"] = json!(1);
    let res = post(chicago.clone(), "both", both).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("registrant_id"));
    let after = hub.case(&national, case_id).await;
    assert_eq!(after["version"], case["version"], "refusals wrote nothing");
}
